import ContinuumAPI
import ContinuumCore
import GRDB

/// What `retention apply` erased.
public struct ErasureReport: Sendable, Hashable {
    /// Who was past retention, as worked out before erasing.
    public var report: RetentionReport
    /// The `personal-data-erased` events appended, one per child (`E…`).
    public var events: [String]
}

extension SQLiteCaseStore {
    /// Erases the personal data of every child past retention on `asOf` (crypto-shredding): the
    /// data keys of the child's cases are destroyed, so every sealed value under them (in the log
    /// and the projections) can never be read again, and one `personal-data-erased` event per
    /// child records the rule applied. Ids, levels, dates and codes stay, so the chain verifies
    /// and past indicators are unchanged. The WAL is then checkpointed and truncated, so no copy
    /// of a destroyed key is left in it.
    public func applyRetention(asOf: CalendarDate, actor: Actor, at: Timestamp) async throws -> ErasureReport {
        let versions = pathways
        let vault = projector.vault
        _ = try vault.requireMaster("applying retention")
        let result = try await write { db -> (ErasureReport, [String]) in
            let report = try Self.retention(asOf: asOf, versions: versions, vault: vault, db)
            var events: [String] = []
            var erasedKeys: [String] = []
            for due in report.due {
                let erasure = ErasureRecord(caseIds: due.caseIds, level: due.level, rule: due.rule, keptUntil: due.keptUntil, asOf: asOf)
                // The cases' keys (staff free text) and the keys of every referral now on them
                // (their messages; a referral moved here by a link is this child's too).
                let list = IdentityTables.placeholders(due.caseIds.count)
                let referrals = try String.fetchAll(db, sql: "SELECT referral_id FROM referrals WHERE case_id IN (\(list))", arguments: StatementArguments(due.caseIds))
                try db.execute(sql: "DELETE FROM data_keys WHERE key_id IN (\(list)) OR key_id IN (SELECT referral_id FROM referrals WHERE case_id IN (\(list)))",
                               arguments: StatementArguments(due.caseIds + due.caseIds))
                erasedKeys.append(contentsOf: due.caseIds + referrals)
                let event = try EventLog.append(try EncodedBody(.erasure(erasure), sealedWith: nil, vault: vault),
                                                caseId: due.caseIds[0], actor: actor, at: at, db)
                try Projector.projectErasure(erasure, event: event, db)
                events.append(event.id)
            }
            return (ErasureReport(report: report, events: events), erasedKeys)
        }
        vault.forget(result.1)
        if !result.0.events.isEmpty {
            // Best effort: a reader holding an old snapshot can keep part of the WAL until it ends.
            await checkpointer.truncate(pool)
        }
        return result.0
    }
}
