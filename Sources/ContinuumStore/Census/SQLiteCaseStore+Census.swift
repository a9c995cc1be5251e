import ContinuumCensus
import ContinuumCore
import ContinuumJSON
import GRDB

/// The census return and its data-quality list (issue 18).
public struct CensusReport: Sendable {
    public var census: CensusReturn
    public var issues: [CensusIssue]

    /// The issues that fail the return.
    public var errors: Int { issues.count { $0.severity == .error } }
}

/// The children in need census, from the log's census facts.
public protocol CensusSource: Sendable {
    /// The return for `year`; `la` defaults to the pathway's `census.la`. Needs the master key
    /// (the children's dates of birth and identifiers are sealed).
    func census(year: CensusYear, la: String?) async throws -> CensusReport
}

extension SQLiteCaseStore {
    public func census(year: CensusYear, la: String?) async throws -> CensusReport {
        let definition = pathways.inForce(on: year.referenceDate).definition
        guard let la = la ?? definition.census?.la else { throw StoreError.censusLAMissing(pathway: definition.reference) }
        guard CensusSettings.isLACode(la) else { throw StoreError.censusLAInvalid(la) }
        let builder = CensusBuilder(year: year, calendar: definition.workingDays)
        let vault = projector.vault
        let (history, census) = try await read { db in
            let history = try Self.censusHistory(through: year.referenceDate, db)
            return (history, builder.build(history.history, la: la))
        }
        // Each child's characteristics: an envelope opened per child (AES-GCM and a parse), the
        // bulk of the work on a large return, so in parts on concurrent read connections.
        let children = census.children.map(\.laChildId)
        let parts = max(1, min(4, children.count / 2_000))
        let size = (children.count + parts - 1) / max(parts, 1)
        let records = try await withThrowingTaskGroup(of: [String: CensusChildRecord].self) { group in
            for start in stride(from: 0, to: children.count, by: max(size, 1)) {
                let part = Array(children[start..<min(start + size, children.count)])
                group.addTask {
                    try await self.read { db in
                        var found: [String: CensusChildRecord] = [:]
                        for child in part {
                            found[child] = try Self.childRecord(cases: history.casesOf[child] ?? [], corrected: history.corrected, vault, db)
                        }
                        return found
                    }
                }
            }
            return try await group.reduce(into: [:]) { $0.merge($1) { first, _ in first } }
        }
        let complete = builder.completing(census, with: records)
        return CensusReport(census: complete, issues: CensusRules.check(complete))
    }

    /// Every case's census facts through `last`, in log order, and the LA child id of each:
    /// the cases of one child (linked by identity matching) share the id of the child's first case.
    static func censusHistory(through last: CalendarDate, _ db: Database) throws -> CensusRead {
        var order: [String] = []
        var facts: [String: [CensusFact]] = [:]
        var parent: [String: String] = [:]
        func root(_ id: String) -> String {
            var node = id
            while let next = parent[node], next != node { node = next }
            var step = id
            while let next = parent[step], next != node { parent[step] = node; step = next }
            return node
        }
        let cursor = try Row.fetchCursor(db, sql: """
            SELECT sequence, case_id, day, kind, level, code, detail, flag, flag2 FROM census_facts WHERE day <= ? ORDER BY sequence
            """, arguments: [last.daysSinceEpoch])
        var firstSeen: [String: Int] = [:]
        var corrected: Set<String> = []
        while let row = try cursor.next() {
            let caseId: String = row[1]
            let kind: Int = row[3]
            if kind == 5 {
                corrected.insert(caseId)
                continue
            }
            if facts[caseId] == nil {
                facts[caseId] = []
                firstSeen[caseId] = order.count
                order.append(caseId)
                parent[caseId] = caseId
            }
            let fact = try CensusFactTable.fact(kind: kind, day: CalendarDate(daysSinceEpoch: row[2]), level: row[4], code: row[5], detail: kind == 1 ? nil : row[6],
                                                flag: row[7], flag2: row[8], sequence: row[0])
            facts[caseId, default: []].append(fact)
            if kind == 1, let linked = row[6] as String? {
                for other in linked.split(separator: ",").map(String.init) where parent[other] != nil {
                    // Union by first appearance: the child's id is its earliest case's.
                    let (a, b) = (root(caseId), root(other))
                    if a != b {
                        if (firstSeen[a] ?? 0) < (firstSeen[b] ?? 0) { parent[b] = a } else { parent[a] = b }
                    }
                }
            }
        }
        var casesOf: [String: [String]] = [:]
        let cases = order.map { caseId -> CensusCase in
            let childId = Self.laChildId(root(caseId))
            casesOf[childId, default: []].append(caseId)
            return CensusCase(caseId: caseId, childId: childId, facts: facts[caseId] ?? [])
        }
        return CensusRead(history: CensusHistory(cases: cases, children: [:]), casesOf: casesOf, corrected: corrected)
    }

    /// What one read of the census facts gives: the history, each child's cases, and the cases
    /// whose child details staff corrected.
    struct CensusRead: Sendable {
        var history: CensusHistory
        var casesOf: [String: [String]]
        var corrected: Set<String>
    }

    /// `C-7K2M9Q4XR1` → `C7K2M9Q4XR1`: the census allows letters and digits only (at most 20).
    static func laChildId(_ caseId: String) -> String { String(caseId.filter { $0.isLetter || $0.isNumber }.prefix(20)) }

    /// The child's characteristics: the latest referral's, then each correction staff recorded.
    static func childRecord(cases: [String], corrected: Set<String>, _ vault: PersonalDataVault, _ db: Database) throws -> CensusChildRecord {
        var record = CensusChildRecord()
        guard !cases.isEmpty else { return record }
        let placeholders = Array(repeating: "?", count: cases.count).joined(separator: ", ")
        if let text = try String.fetchOne(db, sql: "SELECT message FROM referrals WHERE case_id IN (\(placeholders)) ORDER BY received_sequence DESC LIMIT 1",
                                          arguments: StatementArguments(cases)) {
            let opened = try vault.open(text: text, db, as: .display)
            record.erased = opened.erased
            if let child = opened.value["child"] {
                record.dateOfBirth = child["dateOfBirth"]?.stringValue.flatMap { CalendarDate($0) }
                record.expectedDateOfBirth = child["expectedDateOfBirth"]?.stringValue.flatMap { CalendarDate($0) }
                record.sex = child["sex"]?.stringValue.flatMap(Sex.init(rawValue:)) ?? child["gender"]?.stringValue.flatMap(Gender.init(rawValue:)).map(Sex.init(gender:))
                record.ethnicity = child["ethnicity"]?.stringValue.flatMap(Ethnicity.init(rawValue:))
                record.upn = child["upn"]?.stringValue.flatMap { UPN($0) }
                record.disabilities = child["disabilities"]?.arrayValue?.compactMap { $0.stringValue.flatMap(Disability.init(rawValue:)) }
            }
        }
        let fixed = cases.filter(corrected.contains)
        guard !fixed.isEmpty else { return record }
        let corrections = try String.fetchAll(db, sql: "SELECT body FROM events WHERE case_id IN (\(Array(repeating: "?", count: fixed.count).joined(separator: ", "))) AND type = 'child-details' ORDER BY sequence",
                                              arguments: StatementArguments(fixed))
        for text in corrections {
            guard let details = try vault.open(text: text, db, as: .display).value["change"]?["childDetailsRecorded"]?["_0"] else { continue }
            if let upn = details["upn"]?.stringValue.flatMap({ UPN($0) }) { record.upn = upn }
            if let ethnicity = details["ethnicity"]?.stringValue.flatMap(Ethnicity.init(rawValue:)) { record.ethnicity = ethnicity }
            if let sex = details["sex"]?.stringValue.flatMap(Sex.init(rawValue:)) { record.sex = sex }
        }
        return record
    }
}
