import ContinuumAPI
import ContinuumCore
import ContinuumJSON
import GRDB

// Finding cases again once decided (issue 23): caseloads, a search for a child through the
// keyed matching index, case ids as people type them, and people by their names.

extension SQLiteCaseStore {
    /// The case a typed id names: upper-cased, and a referral's id (`R-…`) read as its case for
    /// a read; a change needs the case id itself (``StoreError/referralNotCase(referralId:caseId:)``).
    /// An unknown id is refused with the nearest known one (same prefix, one or two characters off).
    public func resolveCase(_ text: String, forChange: Bool) async throws -> String {
        let typed = String(text.filter { !$0.isWhitespace }).uppercased()
        return try await read { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM cases WHERE case_id = ?", arguments: [typed]) == true { return typed }
            if typed.hasPrefix("R-"), let caseId = try String.fetchOne(db, sql: "SELECT case_id FROM referrals WHERE referral_id = ?", arguments: [typed]) {
                if forChange { throw StoreError.referralNotCase(referralId: typed, caseId: caseId) }
                return caseId
            }
            throw StoreError.noSuchCase(text, nearest: try Self.nearestCase(to: typed, db))
        }
    }

    /// A known case id within two edits of `id`, among those sharing its first four characters
    /// (an index range: ids are random, so a few hundred at most on a million cases).
    static func nearestCase(to id: String, _ db: Database) throws -> String? {
        guard id.count >= 6 else { return nil }
        let prefix = String(id.prefix(4))
        let candidates = try String.fetchAll(db, sql: "SELECT case_id FROM cases WHERE case_id >= ? AND case_id < ? LIMIT 5000",
                                             arguments: [prefix, prefix + "\u{FFFF}"])
        let scored = candidates.map { ($0, Suggestion.distance($0, id)) }.filter { $0.1 <= 2 }
        return scored.min { $0.1 < $1.1 }?.0
    }

    /// A caseload: cases by worker, level, phase and lateness, nearest deadline first, paged.
    /// Without a phase, the cases still being worked (awaiting a decision or open).
    public func cases(_ filter: CaseFilter, today: CalendarDate, limit: Int, offset: Int) async throws -> CasePage {
        let versions = self.pathways
        return try await read { db in
            var conditions: [String] = []
            var arguments: [any DatabaseValueConvertible] = []
            if let phase = filter.phase {
                conditions.append("c.phase = ?")
                arguments.append(phase.rawValue)
            } else {
                conditions.append("c.phase IN ('awaiting-decision', 'open')")
            }
            if let workers = filter.workers {
                let marks = IdentityTables.placeholders(workers.count)
                conditions.append("(c.lead IN (\(marks)) OR c.co_worker IN (\(marks)))")
                arguments += workers + workers
            }
            if let level = filter.level {
                conditions.append("c.level = ?")
                arguments.append(level)
            }
            switch filter.overdue {
            case true?:
                conditions.append("c.next_due < ?")
                arguments.append(today.description)
            case false?:
                conditions.append("(c.next_due IS NULL OR c.next_due >= ?)")
                arguments.append(today.description)
            case nil: break
            }
            let whereClause = conditions.joined(separator: " AND ")
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM cases c WHERE \(whereClause)", arguments: StatementArguments(arguments)) ?? 0
            let rows = try Row.fetchAll(db, sql: """
                SELECT c.case_id, c.phase, c.level, c.pathway, c.lead, c.co_worker, c.next_due, c.awaiting_decision, c.pending_event, c.received_at, r.referral_id,
                       \(LoggedMessage.body)
                FROM cases c LEFT JOIN referrals r ON r.referral_id = c.latest_referral
                WHERE \(whereClause)
                ORDER BY c.next_due IS NULL, c.next_due, c.case_id
                LIMIT ? OFFSET ?
                """, arguments: StatementArguments(arguments + [limit, offset]))
            let items = try rows.map { row -> CaseSummary in
                let caseId: String = row["case_id"]
                let message = try (row["referral_id"] as String?).map { try LoggedMessage.opened(row, referralId: $0, self.projector.vault, db, as: .display).value } ?? .null
                let nextDue = (row["next_due"] as String?).flatMap { CalendarDate($0) }
                let level: String? = row["level"]
                let pathway: String? = row["pathway"]
                let definition = (pathway.flatMap(versions.version) ?? versions.latest).definition
                return CaseSummary(caseId: caseId, phase: try StoredValues.phase(row, "phase", table: "cases", id: caseId), level: level,
                                   levelTitle: level.flatMap { definition.level($0)?.title }, pathway: pathway, lead: row["lead"], coWorker: row["co_worker"],
                                   child: Self.childSummary(message, today: today),
                                   receivedAt: (row["received_at"] as String?).flatMap { Timestamp(rfc3339: $0) }, nextDue: nextDue,
                                   overdue: nextDue.map { $0 < today } ?? false, awaitingDecision: row["awaiting_decision"],
                                   pendingApproval: (row["pending_event"] as String?) != nil)
            }
            let people = try Self.people(items.flatMap { [$0.lead, $0.coWorker].compactMap { $0 } }, db)
            return CasePage(asOf: today, total: total, offset: offset, items: items, people: people)
        }
    }

    /// The cases of a child, found through the keyed child-matching index (the same keys a
    /// referral is matched on; never a scan of personal data), judged by the identity rules:
    /// an NHS number finds the same child; names with a date of birth find possible matches,
    /// which a person checks. Erased children are not found.
    public func searchChildren(_ search: ChildSearch, today: CalendarDate, limit: Int) async throws -> ChildSearchPage {
        let vault = projector.vault
        return try await read { db in
            let child = search.child
            let keys = try ChildKeys.keys(for: child, vault)
            guard !keys.isEmpty else { return ChildSearchPage(total: 0, items: []) }
            // The referrals sharing the most keys first (``ChildMatcher/candidates(_:_:)``).
            let ids = try ChildMatcher.candidates(keys, db)
            let records = try ChildMatcher.Record.fetch(ids, vault, db)
            let wanted = ChildIdentity(child: child)
            var best: [String: (record: ChildMatcher.Record, match: ChildSearchHit.Match, reasons: [String])] = [:]
            for record in records.values {
                let found: (ChildSearchHit.Match, [String])
                if search.givenName == nil, let number = wanted.nhsNumber {
                    // An NHS number alone: the identifier decides.
                    guard record.identity.nhsNumber == number else { continue }
                    found = (.same, [])
                } else {
                    switch wanted.compare(with: record.identity) {
                    case .same: found = (.same, [])
                    case .possible(let reasons): found = (.possible, reasons.map(\.explanation))
                    case .different: continue
                    }
                }
                // One hit per case: the surest, then the latest referral.
                if let kept = best[record.caseId], kept.match == .same && found.0 == .possible || (kept.match == found.0 && kept.record.order > record.order) { continue }
                best[record.caseId] = (record, found.0, found.1)
            }
            let ordered = best.values.sorted { a, b in
                a.match != b.match ? a.match == .same : a.record.order > b.record.order
            }
            let items = try ordered.prefix(limit).map { hit -> ChildSearchHit in
                let row = try Row.fetchOne(db, sql: """
                    SELECT c.phase, c.level, \(LoggedMessage.body) FROM cases c JOIN referrals r ON r.referral_id = ? WHERE c.case_id = ?
                    """, arguments: [hit.record.referralId, hit.record.caseId])
                let message = try row.map { try LoggedMessage.opened($0, referralId: hit.record.referralId, vault, db, as: .display).value } ?? .null
                let phase = try row.map { try StoredValues.phase($0, "phase", table: "cases", id: hit.record.caseId) } ?? .open
                return ChildSearchHit(caseId: hit.record.caseId, phase: phase, level: row?["level"], referralId: hit.record.referralId,
                                      receivedAt: hit.record.receivedAt, child: Self.childSummary(message, today: today), match: hit.match, reasons: hit.reasons)
            }
            return ChildSearchPage(total: ordered.count, items: items)
        }
    }

    /// The names staff tokens carry, by token id, for the ids given (names given without a
    /// token, and ids of tokens without a name, are left out).
    static func people(_ ids: [String], _ db: Database) throws -> [String: String] {
        let distinct = Array(Set(ids))
        guard !distinct.isEmpty else { return [:] }
        var names: [String: String] = [:]
        for chunk in stride(from: 0, to: distinct.count, by: 500).map({ Array(distinct[$0..<min($0 + 500, distinct.count)]) }) {
            let rows = try Row.fetchAll(db, sql: "SELECT token_id, name FROM tokens WHERE name IS NOT NULL AND token_id IN (\(IdentityTables.placeholders(chunk.count)))",
                                        arguments: StatementArguments(chunk))
            for row in rows { names[row["token_id"]] = row["name"] }
        }
        return names
    }

    /// The names of the people with these token ids.
    public func people(_ ids: [String]) async throws -> [String: String] {
        try await read { db in try Self.people(ids, db) }
    }

    public var levelIds: [String] {
        Array(Set(pathways.versions.flatMap { $0.definition.levels.map(\.id) })).sorted()
    }

    /// The ids a worker is known by in case assignments, from a token id or a name: the ids of
    /// the staff tokens so named and their names (a case assigned by name before ids were
    /// recorded is theirs too), and the text itself (a worker named without a token).
    public func workerKeys(tokenId worker: String) async throws -> [String] {
        try await read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT token_id, name FROM tokens WHERE token_id = ? OR name = ?", arguments: [worker, worker])
            var keys = [worker]
            for row in rows {
                for key in [row["token_id"] as String?, row["name"] as String?].compactMap({ $0 }) where !keys.contains(key) { keys.append(key) }
            }
            return keys
        }
    }
}
