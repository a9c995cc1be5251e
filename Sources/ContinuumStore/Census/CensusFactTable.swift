import ContinuumAPI
import ContinuumCensus
import ContinuumCore
import GRDB

/// The `census_facts` projection (issue 18): what each event means for the children in need
/// census, written beside it by the ``Projector`` and read in log order by `continuum census`.
/// Narrow rows with no personal data (the child's characteristics are read, and opened, only
/// for the children in a return), so a year of a large council reads in seconds.
///
/// `kind`: 1 a referral (`code` its source, `detail` the earlier cases of the same child; the
/// child's census characteristics, the personal ones sealed under the referral's key, are in
/// `census_children` under the same key, so that the facts stay narrow for the scan);
/// 2 the case at a level (`level`, `flag` within the census, `code` the tier); 3 closed (`code`
/// the reason, `flag` at the front door, `flag2` recommended for a census level); 4 a census
/// milestone (`code` the item, `detail` its codes); 5 staff corrected the child's details
/// (nothing else: the details are sealed in the event, read only for children in a return);
/// 6 staff recorded the episode's primary need (`code`, with a kind 5 row when the same change
/// corrected the child's details too).
/// Days count from 1970-01-01 (London).
enum CensusFactTable {
    static func create(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE census_facts (
                sequence INTEGER PRIMARY KEY,
                case_id TEXT NOT NULL,
                day INTEGER NOT NULL,
                kind INTEGER NOT NULL,
                level TEXT,
                code TEXT,
                detail TEXT,
                flag INTEGER NOT NULL DEFAULT 0,
                flag2 INTEGER NOT NULL DEFAULT 0
            );
            CREATE TABLE census_children (
                sequence INTEGER PRIMARY KEY,
                child TEXT NOT NULL
            );
            """)
    }

    static let tables = ["census_facts", "census_children"]

    /// One stored row, as written.
    struct Row: Equatable {
        var day: CalendarDate
        var kind: Int
        var level: String?
        var code: String?
        var detail: String?
        var flag = false
        var flag2 = false
        var child: String?
    }

    /// The census meaning of one event, from the step the state machine made.
    /// - Parameter child: for a referral, its child's sealed census characteristics (nil when its
    ///   personal data is gone).
    /// - Parameter movedSource: for a referral moved in (a link or an unlink), its source: the
    ///   moved referral is the case's referral, on the day it was received (its child's
    ///   characteristics are read from the message, as for a referral whose facts hold none).
    static func rows(for event: EventRecord, before: CaseState, after: CaseState, pathway: Pathway, linkedCases: [String], child: String?,
                     movedSource: ReferralSource? = nil) -> [Row] {
        var rows: [Row] = []
        if let referral = event.body.referral {
            rows.append(Row(day: UKTime.londonDate(of: referral.receivedAt), kind: 1, code: referral.message.referrer.source.rawValue,
                            detail: linkedCases.isEmpty ? nil : linkedCases.joined(separator: ","), child: child))
        }
        if case .referralMoved(_, _, let receivedAt, _, _, _, _, _)? = event.body.change, let movedSource {
            rows.append(Row(day: UKTime.londonDate(of: receivedAt), kind: 1, code: movedSource.rawValue))
        }
        let day = UKTime.londonDate(of: event.at)
        if after.phase == .open, let level = after.level, before.phase != .open || before.level != level {
            let definition = pathway.level(level)
            rows.append(Row(day: day, kind: 2, level: level, code: (definition?.tier ?? .statutory).rawValue, flag: definition?.withinCensus ?? false))
        }
        if after.phase == .closed, before.phase != .closed, let reason = after.closure {
            let frontDoor = before.phase == .awaitingDecision && before.level == nil
            let recommended = before.recommendation.flatMap(pathway.level)?.withinCensus ?? false
            rows.append(Row(day: day, kind: 3, code: reason.rawValue, flag: frontDoor, flag2: recommended))
        }
        // A milestone in effect now: recorded directly, or approved by a manager.
        var recorded: (id: String, at: Timestamp, codes: MilestoneCensus?)?
        switch event.body.change {
        case .milestone(let id, _, let at, _, let codes) where after.pending == nil || after.pending == before.pending:
            if (after.milestones ?? []).contains(id) { recorded = (id, at, codes) }
        case .approved:
            if case .milestone(let id, let at, let codes)? = before.pending?.change { recorded = (id, at, codes) }
        default:
            break
        }
        if let recorded, let item = pathway.milestones.first(where: { $0.id == recorded.id })?.census {
            rows.append(Row(day: UKTime.londonDate(of: recorded.at), kind: 4, code: item.rawValue, detail: encode(recorded.codes)))
        }
        if case .childDetailsRecorded(let details, _, _, _)? = event.body.change {
            if details.upn != nil || details.ethnicity != nil || details.sex != nil { rows.append(Row(day: day, kind: 5)) }
            if let need = details.primaryNeed { rows.append(Row(day: day, kind: 6, code: need.rawValue)) }
        }
        return rows
    }

    static func insert(_ rows: [Row], sequence: Int64, caseId: String, _ db: Database) throws {
        guard !rows.isEmpty else { return }
        let statement = try db.cachedStatement(sql: "INSERT INTO census_facts (sequence, case_id, day, kind, level, code, detail, flag, flag2) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        // One event can mean a level and a closure (an approval): sequence plus a fraction keeps log order.
        for (index, row) in rows.enumerated() {
            let key = sequence * 4 + Int64(index)
            try statement.execute(arguments: [key, caseId, row.day.daysSinceEpoch, row.kind, row.level, row.code, row.detail, row.flag, row.flag2])
            if let child = row.child {
                try db.cachedStatement(sql: "INSERT INTO census_children (sequence, child) VALUES (?, ?)").execute(arguments: [key, child])
            }
        }
    }

    /// `factors=1A,2B;need=N3;category=NEG;outcome=A`: codes only.
    static func encode(_ codes: MilestoneCensus?) -> String? {
        guard let codes, !codes.isEmpty else { return nil }
        var parts: [String] = []
        if let factors = codes.factors { parts.append("factors=" + factors.map(\.rawValue).joined(separator: ",")) }
        if let need = codes.primaryNeed { parts.append("need=\(need.rawValue)") }
        if let category = codes.category { parts.append("category=\(category.rawValue)") }
        if let outcome = codes.outcome { parts.append("outcome=\(outcome.rawValue)") }
        return parts.joined(separator: ";")
    }

    static func decode(_ text: String?) -> MilestoneCensus? {
        guard let text else { return nil }
        var codes = MilestoneCensus()
        for part in text.split(separator: ";") {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { continue }
            switch pair[0] {
            case "factors": codes.factors = pair[1].split(separator: ",").compactMap { AssessmentFactor.lookup(String($0)) }
            case "need": codes.primaryNeed = PrimaryNeed(rawValue: pair[1])
            case "category": codes.category = CategoryOfAbuse(rawValue: pair[1])
            case "outcome": codes.outcome = PreProceedingsOutcome(rawValue: pair[1])
            default: break
            }
        }
        return codes
    }

    /// The fact a stored row holds; a damaged row is named.
    static func fact(kind: Int, day: CalendarDate, level: String?, code: String?, detail: String?, flag: Bool, flag2: Bool, sequence: Int64) throws -> CensusFact {
        func broken(_ reason: String) -> StoreError { .projectionBroken(table: "census_facts", sequence: sequence, reason: reason) }
        switch kind {
        case 1:
            guard let code, let source = ReferralSource.lookup(code) else { throw broken("a referral without a known source") }
            return .referral(day: day, source: source)
        case 2:
            guard let level, let code, let tier = Tier(rawValue: code) else { throw broken("a level fact without its level or tier") }
            return .level(day: day, level: level, withinCensus: flag, tier: tier)
        case 3:
            guard let code, let reason = ClosureReason(rawValue: code) else { throw broken("a closure without a known reason") }
            return .closed(day: day, reason: reason, frontDoor: flag, recommendedWithinCensus: flag2)
        case 4:
            guard let code, let item = CensusItem(rawValue: code) else { throw broken("a milestone fact without a known census item") }
            return .milestone(day: day, item: item, codes: decode(detail))
        case 6:
            guard let code, let need = PrimaryNeed(rawValue: code) else { throw broken("a primary need without a known code") }
            return .primaryNeed(day: day, need: need)
        default:
            throw broken("unknown kind \(kind)")
        }
    }
}
