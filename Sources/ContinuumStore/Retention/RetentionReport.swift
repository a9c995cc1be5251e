import ContinuumCore
import ContinuumJSON
import GRDB

/// Whose records are past retention on a day (issue 20): each child's cases (grouped by
/// confirmed identity links), kept for the longest rule of any level they reached, counted from
/// the case's closure or the child's birth as the rule says.
public struct RetentionReport: Sendable, Hashable {
    /// One child past retention.
    public struct Due: Sendable, Hashable {
        public var caseIds: [String]
        /// The last day the record was to be kept.
        public var keptUntil: CalendarDate
        /// The level whose rule set it, and the rule.
        public var level: String
        public var rule: String
    }

    public var asOf: CalendarDate
    /// Children (groups of cases) in the database.
    public var children: Int
    /// Children with a case still open: kept.
    public var open: Int
    /// Children within their retention period.
    public var kept: Int
    /// Children past it, oldest first.
    public var due: [Due]
    /// Children whose period cannot be worked out (no rule for a level they reached, or a rule
    /// from birth without a date of birth): kept until a person decides.
    public var undetermined: [[String]]
    /// Children whose personal data was erased already (by an earlier `retention apply`).
    public var erased: Int = 0

    public var json: JSONValue {
        .object([
            "asOf": .string(asOf.description), "children": .integer(Int64(children)), "open": .integer(Int64(open)), "kept": .integer(Int64(kept)),
            "due": .array(due.map { .object(["caseIds": .array($0.caseIds.map(JSONValue.string)), "keptUntil": .string($0.keptUntil.description),
                                              "level": .string($0.level), "rule": .string($0.rule)]) }),
            "undetermined": .array(undetermined.map { .array($0.map(JSONValue.string)) }), "erased": .integer(Int64(erased)),
        ])
    }
}

extension SQLiteCaseStore {
    /// Works out who is past retention on `asOf`. Reads only; ``applyRetention(asOf:actor:at:)``
    /// erases. Needs the master key: a rule counted from birth reads the child's date of birth.
    public func retention(asOf: CalendarDate) async throws -> RetentionReport {
        let versions = pathways
        let vault = projector.vault
        _ = try vault.requireMaster("working out retention (dates of birth)")
        return try await read { db in
            try Self.retention(asOf: asOf, versions: versions, vault: vault, db)
        }
    }

    static func retention(asOf: CalendarDate, versions: PathwaySet, vault: PersonalDataVault, _ db: Database) throws -> RetentionReport {
        struct CaseFacts {
            var phase = ""
            var levels: Set<String> = []
            var closedDay: Int?
            var pathway: String?
            var recommendation: String?
        }
        var cases: [String: CaseFacts] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT case_id, phase, pathway, recommendation FROM cases") {
            cases[row["case_id"]] = CaseFacts(phase: row["phase"], pathway: row["pathway"], recommendation: row["recommendation"])
        }
        // Levels reached and the day each case closed, from the indicator facts (one pass).
        let facts = try Row.fetchCursor(db, sql: "SELECT case_id, phase, level, day FROM indicator_facts ORDER BY sequence")
        while let row = try facts.next() {
            let caseId: String = row["case_id"]
            let phase: String = row["phase"]
            if phase == CaseState.Phase.open.rawValue, let level = row["level"] as String? { cases[caseId]?.levels.insert(level) }
            if phase == CaseState.Phase.closed.rawValue || phase == CaseState.Phase.merged.rawValue, cases[caseId]?.closedDay == nil {
                cases[caseId]?.closedDay = row["day"]
            }
        }
        // The child's cases: joined by confirmed identity links between their referrals.
        var parent: [String: String] = [:]
        func root(_ id: String) -> String {
            var node = id
            while let next = parent[node], next != node { node = next }
            return node
        }
        var caseOf: [String: String] = [:]
        var bornOn: [String: CalendarDate] = [:]
        let erased = Set(try String.fetchAll(db, sql: "SELECT case_id FROM erasures"))
        for row in try Row.fetchAll(db, sql: "SELECT referral_id, case_id, \(LoggedMessage.body) FROM referrals r ORDER BY received_at") {
            let caseId: String = row["case_id"]
            caseOf[row["referral_id"]] = caseId
            guard !erased.contains(caseId) else { continue }
            let message = try LoggedMessage.opened(row, referralId: row["referral_id"], vault, db, as: .shape)
            if !message.erased, let born = message.value["child"]?["dateOfBirth"]?.stringValue.flatMap({ CalendarDate($0) }) { bornOn[caseId] = born }
        }
        for row in try Row.fetchAll(db, sql: "SELECT referral_id, other_referral_id FROM identity_links") {
            guard let a = caseOf[row["referral_id"]], let b = caseOf[row["other_referral_id"]] else { continue }
            let (ra, rb) = (root(a), root(b))
            if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
        }
        var groups: [String: [String]] = [:]
        for caseId in cases.keys.sorted() { groups[root(caseId), default: []].append(caseId) }

        func rule(_ level: String, _ pathway: String?) -> RetentionRule? {
            pathway.flatMap(versions.version)?.definition.level(level)?.retention
                ?? versions.versions.lazy.compactMap { $0.definition.level(level)?.retention }.first
        }
        var report = RetentionReport(asOf: asOf, children: groups.count, open: 0, kept: 0, due: [], undetermined: [])
        for caseIds in groups.values {
            if caseIds.allSatisfy(erased.contains) {
                report.erased += 1
                continue
            }
            let ended: Set<String> = [CaseState.Phase.closed.rawValue, CaseState.Phase.merged.rawValue]
            guard caseIds.allSatisfy({ ended.contains(cases[$0]?.phase ?? "") }) else {
                report.open += 1
                continue
            }
            let born = caseIds.compactMap { bornOn[$0] }.max()
            var latest: (until: CalendarDate, level: String, rule: RetentionRule)?
            var determined = true
            for caseId in caseIds {
                guard let facts = cases[caseId], let closedDay = facts.closedDay else { continue }
                // A referral closed at the front door reached no level: the level it was
                // recommended for sets its period.
                let levels = facts.levels.isEmpty ? Set([facts.recommendation].compactMap { $0 }) : facts.levels
                for level in levels {
                    guard let found = rule(level, facts.pathway),
                          let until = found.keptUntil(closedOn: CalendarDate(daysSinceEpoch: closedDay), bornOn: born) else {
                        determined = false
                        continue
                    }
                    if latest.map({ until > $0.until }) ?? true { latest = (until, level, found) }
                }
            }
            guard determined, let latest else {
                report.undetermined.append(caseIds.sorted())
                continue
            }
            if latest.until < asOf {
                report.due.append(.init(caseIds: caseIds.sorted(), keptUntil: latest.until, level: latest.level, rule: latest.rule.description))
            } else {
                report.kept += 1
            }
        }
        report.due.sort { ($0.keptUntil, $0.caseIds.first ?? "") < ($1.keptUntil, $1.caseIds.first ?? "") }
        report.undetermined.sort { ($0.first ?? "") < ($1.first ?? "") }
        return report
    }
}
