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
        // The facts in two halves of the log, read on two connections at once (turning about
        // 800,000 rows into values is most of the reading), then joined in log order.
        let bounds: [Int64?] = try await read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT min(sequence), max(sequence) FROM census_facts") else { return [] }
            return [row[0], row[1]]
        }
        var runs: [FactRun] = []
        if bounds.count == 2, let low = bounds[0], let high = bounds[1] {
            let middle = low + (high - low) / 2
            let last = year.referenceDate
            runs = try await withThrowingTaskGroup(of: (Int, FactRun).self) { group in
                for (part, range) in [(low, middle), (middle + 1, high)].enumerated() {
                    group.addTask { (part, try await self.read { db in try Self.readFacts(range.0...range.1, through: last, db) }) }
                }
                return try await group.reduce(into: []) { $0.append($1) }.sorted { $0.0 < $1.0 }.map(\.1)
            }
        }
        let history = Self.censusHistory(joining: runs)
        let census = builder.build(history.history, la: la)
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
                            found[child] = try Self.childRecord(cases: history.casesOf[child] ?? [], history, vault, db)
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

    /// One stretch of the log's census facts: its cases in order of first appearance, each
    /// with its facts in log order, latest referral and the earlier cases its referrals link to.
    struct FactRun: Sendable {
        var order: [String] = []
        var facts: [[CensusFact]] = []
        var latest: [Int64?] = []
        var links: [(at: Int, cases: [String])] = []
        var corrected: [String] = []
    }

    /// The census facts with keys in `range` and days through `last`.
    static func readFacts(_ range: ClosedRange<Int64>, through last: CalendarDate, _ db: Database) throws -> FactRun {
        var run = FactRun()
        var index: [String: Int] = [:]
        let cursor = try Row.fetchCursor(db.cachedStatement(sql: """
            SELECT sequence, case_id, day, kind, level, code, detail, flag, flag2 FROM census_facts
            WHERE sequence BETWEEN ? AND ? AND day <= ? ORDER BY sequence
            """), arguments: [range.lowerBound, range.upperBound, last.daysSinceEpoch])
        while let row = try cursor.next() {
            let caseId: String = row[1]
            let kind: Int = row[3]
            if kind == 5 {
                run.corrected.append(caseId)
                continue
            }
            let at: Int
            if let known = index[caseId] {
                at = known
            } else {
                at = run.order.count
                index[caseId] = at
                run.order.append(caseId)
                run.facts.append([])
                run.latest.append(nil)
            }
            let sequence: Int64 = row[0]
            run.facts[at].append(try CensusFactTable.fact(kind: kind, day: CalendarDate(daysSinceEpoch: row[2]), level: row[4], code: row[5],
                                                          detail: kind == 1 ? nil : row[6], flag: row[7], flag2: row[8], sequence: sequence))
            guard kind == 1 else { continue }
            run.latest[at] = sequence
            if let linked = row[6] as String? { run.links.append((at, linked.split(separator: ",").map(String.init))) }
        }
        return run
    }

    /// The stretches joined in log order: every case's facts, and the LA child id of each (the
    /// cases of one child, linked by identity matching, share the id of the child's first case).
    static func censusHistory(joining runs: [FactRun]) -> CensusRead {
        // Cases by index in order of first appearance: arrays, not dictionaries, past the lookup.
        var index: [String: Int] = [:]
        var order: [String] = []
        var facts: [[CensusFact]] = []
        var parent: [Int] = []
        var latest: [Int64?] = []
        var corrected: Set<String> = []
        func root(_ start: Int) -> Int {
            var node = start
            while parent[node] != node { node = parent[node] }
            var step = start
            while parent[step] != node { (parent[step], step) = (node, parent[step]) }
            return node
        }
        for run in runs {
            var global: [Int] = []
            global.reserveCapacity(run.order.count)
            for (at, caseId) in run.order.enumerated() {
                if let known = index[caseId] {
                    global.append(known)
                    facts[known].append(contentsOf: run.facts[at])
                    if let sequence = run.latest[at] { latest[known] = sequence }
                } else {
                    index[caseId] = order.count
                    global.append(order.count)
                    order.append(caseId)
                    facts.append(run.facts[at])
                    parent.append(parent.count)
                    latest.append(run.latest[at])
                }
            }
            // A referral links to earlier cases only, so each is known by now. Union by first
            // appearance: the child's id is its earliest case's.
            for link in run.links {
                for other in link.cases {
                    guard let earlier = index[other] else { continue }
                    let (a, b) = (root(global[link.at]), root(earlier))
                    if a != b { parent[max(a, b)] = min(a, b) }
                }
            }
            corrected.formUnion(run.corrected)
        }
        var casesOf: [String: [String]] = [:]
        var latestReferral: [String: Int64] = [:]
        latestReferral.reserveCapacity(order.count)
        let cases = order.indices.map { at -> CensusCase in
            let childId = Self.laChildId(order[root(at)])
            casesOf[childId, default: []].append(order[at])
            if let sequence = latest[at] { latestReferral[order[at]] = sequence }
            return CensusCase(caseId: order[at], childId: childId, facts: facts[at])
        }
        return CensusRead(history: CensusHistory(cases: cases), casesOf: casesOf, corrected: corrected, latestReferral: latestReferral)
    }

    /// What one read of the census facts gives: the history, each child's cases, and the cases
    /// whose child details staff corrected.
    struct CensusRead: Sendable {
        var history: CensusHistory
        var casesOf: [String: [String]]
        var corrected: Set<String>
        /// The census fact (its key) of each case's latest referral, holding the child's characteristics.
        var latestReferral: [String: Int64]
    }

    /// `C-7K2M9Q4XR1` → `C7K2M9Q4XR1`: the census allows letters and digits only (at most 20).
    static func laChildId(_ caseId: String) -> String { String(caseId.filter { $0.isLetter || $0.isNumber }.prefix(20)) }

    /// The child's characteristics: the latest referral's (its census fact: a small sealed text),
    /// then each correction staff recorded.
    static func childRecord(cases: [String], _ read: CensusRead, _ vault: PersonalDataVault, _ db: Database) throws -> CensusChildRecord {
        var record = CensusChildRecord()
        guard !cases.isEmpty else { return record }
        let latest = cases.compactMap { read.latestReferral[$0] }.max()
        var sealed = try latest.flatMap { try String.fetchOne(db.cachedStatement(sql: "SELECT child FROM census_children WHERE sequence = ?"), arguments: [$0]) }
            .map { try JSONParser(limits: JSONLimits(maxBytes: 16 << 20)).parse($0).value() }
        if sealed == nil {
            // A referral whose personal data was gone when the facts were written: the message itself.
            let placeholders = Array(repeating: "?", count: cases.count).joined(separator: ", ")
            if let row = try Row.fetchOne(db, sql: """
                SELECT r.referral_id, \(LoggedMessage.body) FROM referrals r WHERE case_id IN (\(placeholders)) ORDER BY received_sequence DESC LIMIT 1
                """, arguments: StatementArguments(cases)) {
                sealed = try LoggedMessage.value(row, referralId: row["referral_id"])
            }
        }
        if let sealed {
            let opened = try vault.open(sealed, db, as: .display)
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
        let fixed = cases.filter(read.corrected.contains)
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
