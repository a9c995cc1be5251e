import ContinuumAPI
import ContinuumCore
import GRDB

/// The `indicator_facts` and `clock_stops` projections: written beside each event by the
/// ``Projector``, read in log order by a report.
///
/// Dates are London days counted from 1970-01-01 (integers: a report reads millions of them,
/// and `date(day * 86400, 'unixepoch')` shows one in the sqlite3 shell); lists (running clocks'
/// due days, linked cases) are comma-separated.
enum IndicatorFactTable {
    static func create(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE indicator_facts (
                sequence INTEGER PRIMARY KEY,
                case_id TEXT NOT NULL,
                day INTEGER NOT NULL,
                kind INTEGER NOT NULL,
                detail TEXT,
                actor_id TEXT,
                flag INTEGER NOT NULL,
                linked_cases TEXT,
                phase TEXT NOT NULL,
                level TEXT,
                clocks_due TEXT,
                pending_since INTEGER
            );
            CREATE TABLE clock_stops (
                sequence INTEGER NOT NULL,
                clock TEXT NOT NULL,
                on_day INTEGER NOT NULL,
                met INTEGER NOT NULL,
                working_days INTEGER NOT NULL
            );
            """)
    }

    static let tables = ["indicator_facts", "clock_stops"]

    /// The cases of earlier referrals with any of these hashed child keys (call it before the
    /// referral's own keys are stored).
    static func linkedCases(keys: [String], _ db: Database) throws -> [String] {
        guard !keys.isEmpty else { return [] }
        let placeholders = Array(repeating: "?", count: keys.count).joined(separator: ", ")
        return try String.fetchAll(db.cachedStatement(sql: "SELECT DISTINCT case_id FROM child_keys WHERE key IN (\(placeholders)) ORDER BY case_id"),
                                   arguments: StatementArguments(keys))
    }

    /// How a fact's kind is stored: a code (frozen: rows written by every earlier version read
    /// back the same) and the columns whose meaning depends on it.
    struct StoredKind: Equatable {
        var code: Int
        var detail: String?
        var actorId: String?
        var flag = false
        var linkedCases: String?

        init(code: Int, detail: String? = nil, actorId: String? = nil, flag: Bool = false, linkedCases: String? = nil) {
            (self.code, self.detail, self.actorId, self.flag, self.linkedCases) = (code, detail, actorId, flag, linkedCases)
        }

        init(_ kind: IndicatorFact.Kind) {
            switch kind {
            case .referral(let source, let reReferral, let linked):
                self.init(code: 1, detail: source.rawValue, flag: reReferral, linkedCases: linked.isEmpty ? nil : linked.joined(separator: ","))
            case .decision(let level, let decider, let override):
                self.init(code: 2, detail: level, actorId: decider, flag: override)
            case .frontDoorClosure: self.init(code: 3)
            case .closure: self.init(code: 4)
            case .stepUp: self.init(code: 5)
            case .stepDown: self.init(code: 6)
            case .audit(let grade): self.init(code: 7, detail: grade.rawValue)
            case .other: self.init(code: 8)
            }
        }

        /// The kind these columns store; a damaged row (fact `sequence`) when they do not make one.
        func kind(sequence: Int64) throws(StoreError) -> IndicatorFact.Kind {
            func broken(_ reason: String) -> StoreError { .projectionBroken(table: "indicator_facts", sequence: sequence, reason: reason) }
            switch code {
            case 1:
                guard let detail, let source = ReferralSource(rawValue: detail) else { throw broken("a referral fact without a known source") }
                return .referral(source: source, reReferral: flag, linkedCases: linkedCases.map { $0.split(separator: ",").map(String.init) } ?? [])
            case 2:
                guard let detail, let actorId else { throw broken("a decision fact without its level or decider") }
                return .decision(level: detail, decider: actorId, override: flag)
            case 3: return .frontDoorClosure
            case 4: return .closure
            case 5: return .stepUp
            case 6: return .stepDown
            case 7:
                guard let detail, let grade = AuditGrade(rawValue: detail) else { throw broken("an audit fact without a known grade") }
                return .audit(grade)
            case 8: return .other
            default: throw broken("unknown kind \(code)")
            }
        }
    }

    static func insert(_ fact: IndicatorFact?, _ stops: [ClockStopFact], _ db: Database) throws {
        if let fact {
            let after = fact.after
            let stored = StoredKind(fact.kind)
            try db.cachedStatement(sql: """
                INSERT INTO indicator_facts (sequence, case_id, day, kind, detail, actor_id, flag, linked_cases, phase, level, clocks_due, pending_since)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [fact.sequence, fact.caseId, fact.day.daysSinceEpoch, stored.code, stored.detail, stored.actorId, stored.flag,
                                         stored.linkedCases, after.phase.rawValue, after.level,
                                         after.clocksDue.isEmpty ? nil : after.clocksDue.map { String($0.daysSinceEpoch) }.joined(separator: ","),
                                         after.pendingSince?.daysSinceEpoch])
        }
        guard !stops.isEmpty else { return }
        let statement = try db.cachedStatement(sql: "INSERT INTO clock_stops (sequence, clock, on_day, met, working_days) VALUES (?, ?, ?, ?, ?)")
        for stop in stops {
            try statement.execute(arguments: [stop.sequence, stop.clock, stop.on.daysSinceEpoch, stop.met, stop.workingDays])
        }
    }

    /// Calls `visit` with every fact in log order.
    static func forEachFact(_ db: Database, _ visit: (IndicatorFact) throws -> Void) throws {
        let rows = try Row.fetchCursor(db, sql: """
            SELECT sequence, case_id, day, kind, detail, actor_id, flag, linked_cases, phase, level, clocks_due, pending_since
            FROM indicator_facts ORDER BY sequence
            """)
        while let row = try rows.next() {
            let sequence: Int64 = row[0]
            func broken(_ reason: String) -> StoreError {
                .projectionBroken(table: "indicator_facts", sequence: sequence, reason: reason)
            }
            let day = CalendarDate(daysSinceEpoch: row[2])
            let kind = try StoredKind(code: row[3], detail: row[4], actorId: row[5], flag: row[6], linkedCases: row[7]).kind(sequence: sequence)
            guard let phase = CaseState.Phase(rawValue: row[8]) else { throw broken("unknown phase") }
            let dueText: String? = row[10]
            guard let due = dueText.map(days) ?? [] else { throw broken("clocks_due is not a list of day numbers") }
            let pending = (row[11] as Int?).map(CalendarDate.init(daysSinceEpoch:))
            try visit(IndicatorFact(sequence: sequence, caseId: row[1], day: day, kind: kind,
                                    after: IndicatorFact.Standing(phase: phase, level: row[9], clocksDue: due, pendingSince: pending)))
        }
    }

    /// Calls `visit` with every clock stop.
    static func forEachClockStop(_ db: Database, _ visit: (ClockStopFact) throws -> Void) throws {
        let rows = try Row.fetchCursor(db, sql: "SELECT sequence, clock, on_day, met, working_days FROM clock_stops")
        while let row = try rows.next() {
            let sequence: Int64 = row[0]
            let on = CalendarDate(daysSinceEpoch: row[2])
            try visit(ClockStopFact(sequence: sequence, clock: row[1], on: on, met: row[3], workingDays: row[4]))
        }
    }

    /// `12345,12400` as dates; nil if anything else is there.
    static func days(_ text: String) -> [CalendarDate]? {
        var dates: [CalendarDate] = []
        var value = 0, digits = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: ",") {
                guard digits > 0 else { return nil }
                dates.append(CalendarDate(daysSinceEpoch: value))
                (value, digits) = (0, 0)
            } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 9 {
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                digits += 1
            } else {
                return nil
            }
        }
        guard digits > 0 else { return nil }
        dates.append(CalendarDate(daysSinceEpoch: value))
        return dates
    }
}
