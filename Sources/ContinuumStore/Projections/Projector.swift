import ContinuumCore
import ContinuumJSON
import GRDB

/// Applies one log event to the projection tables, through the case state machine: the same
/// code serves live writes and `continuum rebuild`, so a rebuilt database equals the live one.
struct Projector: Sendable {
    let machine: CaseStateMachine

    init(pathway: VerifiedPathway) {
        machine = CaseStateMachine(pathway: pathway)
    }

    /// Work done before the write transaction for an event of a new case (see
    /// `SQLiteCaseStore.submit`): the transition from `before` and the texts to store.
    struct Prepared: Sendable {
        let before: CaseState
        let transition: CaseTransition
        let stateText: String
        let messageText: String?
        let decisionText: String?
    }

    /// - Parameter prepared: the transition and texts computed outside the transaction; used only
    ///   when the stored case is in the state they were computed from (a new case), else ignored.
    /// - Throws: ``StoreError/refused(_:)`` when the pathway does not allow the event.
    @discardableResult
    func apply(_ event: EventRecord, _ db: Database, prepared candidate: Prepared? = nil) throws -> CaseTransition {
        guard let caseEvent = event.body.caseEvent else {
            throw StoreError.chainBroken(sequence: event.sequence, reason: "the event has no content")
        }
        let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT state, immediate_risk, re_referral, latest_referral, pending_event, opened_at, last_sequence FROM cases WHERE case_id = ?"),
                                   arguments: [event.caseId])
        // A preparation holds only if the case is where it was prepared from: absent for the
        // first event, or last changed by the event just before this one.
        let prepared = candidate.flatMap { candidate -> Prepared? in
            if candidate.before.phase == .new { return row == nil ? candidate : nil }
            return (row?["last_sequence"] as Int64?) == event.sequence - 1 ? candidate : nil
        }
        let state: CaseState
        let transition: CaseTransition
        if let prepared {
            state = prepared.before
            transition = prepared.transition
        } else {
            state = try row.map { try Self.decodeState($0["state"]) } ?? CaseState()
            do {
                transition = try machine.apply(caseEvent, to: state)
            } catch {
                throw StoreError.refused(error)
            }
        }
        var immediateRisk: Bool = row?["immediate_risk"] ?? false
        var reReferral: Bool = row?["re_referral"] ?? false
        var latestReferral: String? = row?["latest_referral"]
        var pendingEvent: String? = row?["pending_event"]
        let openedAt: String = row?["opened_at"] ?? event.at.description

        var linkedCases: [String] = []
        if let referral = event.body.referral {
            linkedCases = try IndicatorFactTable.linkedCases(keys: referral.childKeys, db)
            immediateRisk = referral.message.immediateRisk
            reReferral = referral.reReferral
            latestReferral = referral.referralId
            let message = try prepared?.messageText ?? referral.messageValue().serialized()
            try db.cachedStatement(sql: """
                INSERT INTO referrals (referral_id, case_id, partner_id, message_id, body_hash, received_at, re_referral, previous_referral, message)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [referral.referralId, event.caseId, referral.partnerId, referral.message.messageId,
                                         referral.bodyHash, referral.receivedAt.description, referral.reReferral,
                                         referral.previousReferralId, message])
            let keyStatement = try db.cachedStatement(sql: "INSERT INTO child_keys (key, referral_id, case_id, received_at) VALUES (?, ?, ?, ?)")
            for key in referral.childKeys {
                try keyStatement.execute(arguments: [key, referral.referralId, event.caseId, referral.receivedAt.description])
            }
        }
        if let routed = event.body.routed {
            try db.cachedStatement(sql: "UPDATE referrals SET decision = ? WHERE referral_id = ?")
                .execute(arguments: [try prepared?.decisionText ?? routed.decisionValue().serialized(), routed.referralId])
        }
        if transition.state.pending == nil {
            pendingEvent = nil
        } else if transition.effects.contains(where: { if case .approvalRequested = $0 { true } else { false } }) {
            pendingEvent = event.id
        }
        let next = transition.state
        let nextDue = next.clocks.map(\.due).min()
        try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO cases (case_id, state, phase, level, recommendation, awaiting_decision, immediate_risk, re_referral,
                                          next_due, received_at, latest_referral, pending_event, opened_at, updated_at, last_sequence)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [event.caseId, try prepared?.stateText ?? JSONValueEncoder().encode(next).serialized(), next.phase.rawValue, next.level,
                                     next.recommendation, next.decisionOutstanding, immediateRisk, reReferral, nextDue?.description,
                                     next.receivedAt?.description, latestReferral, pendingEvent, openedAt, event.at.description,
                                     event.sequence])
        if next.clocks != state.clocks || row == nil {
            try db.cachedStatement(sql: "DELETE FROM clocks WHERE case_id = ?").execute(arguments: [event.caseId])
            let insert = try db.cachedStatement(sql: "INSERT INTO clocks (case_id, clock, from_date, due, breached) VALUES (?, ?, ?, ?, ?)")
            for clock in next.clocks {
                try insert.execute(arguments: [event.caseId, clock.clock, clock.from.description, clock.due.description, clock.breached])
            }
        }
        let facts = IndicatorFact.derive(from: event, before: state, transition: transition, linkedCases: linkedCases, calendar: machine.pathway.calendar)
        try IndicatorFactTable.insert(facts.fact, facts.clockStops, db)
        return transition
    }

    /// Drops every projection and replays the whole log into new ones; returns the events
    /// replayed. Used by `continuum rebuild` and by a migration that adds a projection.
    func rebuild(_ db: Database) throws -> Int64 {
        for table in Schema.projectionTables { try db.execute(sql: "DROP TABLE IF EXISTS \(table)") }
        try Schema.createProjections(db)
        var count: Int64 = 0
        let rows = try Row.fetchCursor(db, sql: "SELECT * FROM events ORDER BY sequence")
        while let row = try rows.next() {
            try apply(try EventLog.decode(row), db)
            count += 1
        }
        return count
    }

    static func decodeState(_ text: String) throws -> CaseState {
        try JSONParser(limits: JSONLimits(maxBytes: 16 << 20)).parse(text).decode(CaseState.self)
    }
}
