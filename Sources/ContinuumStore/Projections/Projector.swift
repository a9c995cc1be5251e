import ContinuumAPI
import ContinuumCore
import ContinuumJSON
import GRDB

/// Applies one log event to the projection tables, through the case state machine: the same
/// code serves live writes and `continuum rebuild`, so a rebuilt database equals the live one.
struct Projector: Sendable {
    let versions: PathwaySet
    /// One state machine per pathway version, by `id@version`.
    let machines: [String: CaseStateMachine]
    /// Seals what the projections store and opens what they read (issue 20).
    let vault: PersonalDataVault

    /// The projections this projector writes: raise it whenever a change alters what they hold,
    /// and every store rebuilds them from the log once, on its next start.
    /// 5: cases carry their pathway version, lead and co-worker (issue 15).
    /// 6: the census facts (issue 18); 7: with each referral's child characteristics, sealed;
    /// 8: a referral moved in by a link or an unlink is a census referral of its new case;
    /// 9: a primary need recorded by staff on the case (census facts of kind 6).
    static let version = 9

    init(versions: PathwaySet, vault: PersonalDataVault) {
        self.versions = versions
        self.vault = vault
        machines = Dictionary(versions.versions.map { ($0.definition.reference, CaseStateMachine(pathway: $0)) }, uniquingKeysWith: { first, _ in first })
    }

    /// The rules `event` is judged by: the version a migration moves the case to; the case's own
    /// version; for a case being opened, the version in force on the day its referral was received.
    func machine(for event: CaseEvent, before state: CaseState) throws -> CaseStateMachine {
        let reference: String
        if case .pathwayMigrated(let migration, _, _, _) = event {
            reference = migration.to
        } else if let own = state.pathway {
            reference = own
        } else {
            let received: Timestamp? = switch event {
            case .referralReceived(let at, _): at
            case .referralMoved(_, _, let receivedAt, _, _, _, _, _): receivedAt
            default: state.receivedAt
            }
            let version = versions.inForce(on: received.map(UKTime.londonDate) ?? CalendarDate(daysSinceEpoch: 0))
            reference = version.definition.reference
        }
        guard let machine = machines[reference] else { throw StoreError.pathwayVersionMissing(reference, loaded: versions.references) }
        return machine
    }

    /// The step `event` makes from `before`, by the rules of the case's version.
    /// - Parameter key: the case's data key (a state with a pending change holds its rationale).
    func step(_ event: CaseEvent, after before: CaseState, key: DataKey?, erased: @autoclosure () -> Bool = false) throws -> ProjectionStep {
        try ProjectionStep(event, after: before, machine: machine(for: event, before: before), key: key, vault: vault, erased: erased())
    }

    /// Applies one logged event: reads its case's state, works out the step through the state
    /// machine, and writes it (``project(_:_:_:_:)``). Staff actions and `rebuild` come here.
    /// - Throws: ``StoreError/refused(_:)`` when the pathway does not allow the event.
    @discardableResult
    func apply(_ event: EventRecord, _ body: EncodedBody, _ db: Database) throws -> CaseTransition {
        guard let caseEvent = event.body.caseEvent else {
            throw StoreError.chainBroken(sequence: event.sequence, reason: "the event has no content")
        }
        let stored = try String.fetchOne(db.cachedStatement(sql: "SELECT state FROM cases WHERE case_id = ?"), arguments: [event.caseId])
        // A state with a pending change is sealed under the case's key; one whose key an
        // erasure destroyed is stored with stand-ins (the case is closed, and stays so).
        // Never made here: a rebuild replays an erased case before its erasure, and a key made
        // then would be a new one under the old id (record() makes keys for live writes).
        let key = try vault.stored(event.caseId, db).map { DataKey(keyId: event.caseId, key: $0) }
        let step = try self.step(caseEvent, after: try stored.map { try decodeState($0, db, as: .shape) } ?? CaseState(), key: key,
                                 erased: body.personalDataMissing || Self.keyDestroyed(event.caseId, db))
        try project(event, body, step, db)
        return step.transition
    }

    /// Writes one event's projection: the case row, its clocks, the referral rows and identity
    /// tables, and the indicator fact. `step` must start from the case's stored state (a planned
    /// submission starts from a new case, or from the state read in the same transaction).
    func project(_ event: EventRecord, _ body: EncodedBody, _ step: ProjectionStep, _ db: Database) throws {
        try project([(event, body, step)], db)
    }

    /// Writes the projection of consecutive events of one case, each step starting where the one
    /// before ends (the first from the case's stored state): the same rows as projecting them
    /// one by one, with the case row and its clocks written once, after the last, and a
    /// referral's recommendation stored with the referral when both are in the run (a referral's
    /// arrival is two events, `referral-received` then `routed`: the single writer does half the
    /// work on the case row; docs/performance.md).
    func project(_ run: [(event: EventRecord, body: EncodedBody, step: ProjectionStep)], _ db: Database) throws {
        guard let first = run.first, let last = run.last else { return }
        let caseId = first.event.caseId
        let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT immediate_risk, re_referral, latest_referral, pending_event, opened_at, last_sequence FROM cases WHERE case_id = ?"),
                                   arguments: [caseId])
        guard (row == nil) == (first.step.before.phase == .new) else {
            throw StoreError.projectionBroken(table: "cases", sequence: first.event.sequence,
                                              reason: "case \(caseId) was planned from a state it is not in; run `continuum rebuild`")
        }
        var standing = CaseStanding(immediateRisk: row?["immediate_risk"] ?? false, reReferral: row?["re_referral"] ?? false,
                                    latestReferral: row?["latest_referral"], pendingEvent: row?["pending_event"],
                                    openedAt: row?["opened_at"] ?? first.event.at.description)
        // A referral received in the run is inserted with the recommendation of the first
        // `routed` event after it in the run, which then writes nothing more.
        var decisions: [String: (sequence: Int64, text: String)] = [:]
        var received: Set<String> = []
        for item in run {
            if let referral = item.event.body.referral { received.insert(referral.referralId) }
            if let routed = item.event.body.routed, received.contains(routed.referralId), decisions[routed.referralId] == nil {
                decisions[routed.referralId] = (item.event.sequence, item.body.decisionText ?? "null")
            }
        }
        var next = first.step.before
        var stateText: String?
        for item in run {
            guard item.event.caseId == caseId, item.step.before == next else {
                throw StoreError.projectionBroken(table: "cases", sequence: item.event.sequence,
                                                  reason: "case \(caseId)'s events were planned out of order; run `continuum rebuild`")
            }
            (next, stateText) = try projectEffects(item.event, item.body, item.step, &standing, decisions: decisions, db)
        }
        guard let stateText else {
            throw StoreError.projectionBroken(table: "cases", sequence: last.event.sequence, reason: "case \(caseId)'s last event was planned without its state")
        }
        let nextDue = next.clocks.map(\.due).min()
        try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO cases (case_id, state, phase, level, recommendation, awaiting_decision, immediate_risk, re_referral,
                                          next_due, received_at, latest_referral, pending_event, opened_at, updated_at, last_sequence, pathway, lead, co_worker)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [caseId, stateText, next.phase.rawValue, next.level,
                                     next.recommendation, next.decisionOutstanding, standing.immediateRisk, standing.reReferral, nextDue?.description,
                                     next.receivedAt?.description, standing.latestReferral, standing.pendingEvent, standing.openedAt, last.event.at.description,
                                     last.event.sequence, next.pathway, next.lead?.id, next.coWorker?.id])
        if next.clocks != first.step.before.clocks || row == nil {
            try db.cachedStatement(sql: "DELETE FROM clocks WHERE case_id = ?").execute(arguments: [caseId])
            let insert = try db.cachedStatement(sql: "INSERT INTO clocks (case_id, clock, from_date, due, breached) VALUES (?, ?, ?, ?, ?)")
            for clock in next.clocks {
                try insert.execute(arguments: [caseId, clock.clock, clock.from.description, clock.due.description, clock.breached])
            }
        }
    }

    /// The case row's columns that are not its state: carried from event to event of a run.
    private struct CaseStanding {
        var immediateRisk: Bool
        var reReferral: Bool
        var latestReferral: String?
        var pendingEvent: String?
        var openedAt: String
    }

    /// One event's rows other than the case row and its clocks (the referral rows, identity
    /// tables, indicator and census facts); returns the case's state after it and its stored text.
    /// - Parameter decisions: by referral, the recommendation stored with its row and the
    ///   sequence of the `routed` event it comes from (which then leaves the row be).
    private func projectEffects(_ event: EventRecord, _ body: EncodedBody, _ step: ProjectionStep, _ standing: inout CaseStanding,
                                decisions: [String: (sequence: Int64, text: String)], _ db: Database) throws -> (CaseState, String?) {
        let state = step.before
        let transition = step.transition
        var linkedCases: [String] = []
        if let referral = event.body.referral {
            // Events logged before identity matching keep the links their keys found then.
            linkedCases = try referral.identity.map { try Self.currentCases(of: $0.sameAs, db) }
                ?? IndicatorFactTable.linkedCases(keys: referral.childKeys, db)
            standing.immediateRisk = referral.message.immediateRisk
            standing.reReferral = referral.reReferral
            standing.latestReferral = referral.referralId
            // The message itself stays in the log, in this event (``LoggedMessage``).
            try db.cachedStatement(sql: """
                INSERT INTO referrals (referral_id, case_id, partner_id, message_id, body_hash, received_at, re_referral, previous_referral,
                                       received_sequence, decision)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [referral.referralId, event.caseId, referral.partnerId, referral.message.messageId,
                                         referral.bodyHash, referral.receivedAt.description, referral.reReferral,
                                         referral.previousReferralId, event.sequence, decisions[referral.referralId]?.text])
            // The keys come from the message, not the event: a rebuild indexes every referral
            // under the keys this version matches on. An erased child is never matched again.
            let keyStatement = try db.cachedStatement(sql: "INSERT INTO child_keys (key, referral_id, case_id, received_at) VALUES (?, ?, ?, ?)")
            // Appending, the plan made them (the same keys the event records); replaying, made here.
            let keys = try body.columns?.referral?.childKeys ?? (body.personalDataMissing ? [] : ChildKeys.keys(for: referral.message.child, vault))
            for key in keys {
                try keyStatement.execute(arguments: [key, referral.referralId, event.caseId, referral.receivedAt.description])
            }
            if let identity = referral.identity {
                try IdentityTables.raise(identity, referralId: referral.referralId, sequence: event.sequence, at: event.at, db)
            }
        }
        // A referral moved in (a link or an unlink) is this case's referral for the census too.
        var movedSource: ReferralSource?
        switch event.body.change {
        case .childLinked(let match, let referralId, let to, _, _, _):
            try IdentityTables.link(referralId, to, db)
            try IdentityTables.resolve(match, .linked, eventId: event.id, db)
            let flag = try Self.refreshReReferral(referralId, db)
            if standing.latestReferral == referralId { standing.reReferral = flag }
        case .childrenDistinguished(let match, let referralId, let from, _, _, _):
            try IdentityTables.distinguish(referralId, from, db)
            try IdentityTables.resolve(match, .different, eventId: event.id, db)
        case .referralMoved(let referralId, _, _, _, _, _, _, _):
            try db.execute(sql: "UPDATE referrals SET case_id = ? WHERE referral_id = ?", arguments: [event.caseId, referralId])
            try db.execute(sql: "UPDATE child_keys SET case_id = ? WHERE referral_id = ?", arguments: [event.caseId, referralId])
            let moved = try Self.referralStanding(referralId, db)
            standing.latestReferral = referralId
            standing.immediateRisk = moved.immediateRisk
            standing.reReferral = moved.reReferral
            movedSource = moved.source
        default:
            break
        }
        if let routed = event.body.routed, decisions[routed.referralId]?.sequence != event.sequence {
            try db.cachedStatement(sql: "UPDATE referrals SET decision = ? WHERE referral_id = ?")
                .execute(arguments: [body.decisionText ?? "null", routed.referralId])
        }
        if transition.state.pending == nil {
            standing.pendingEvent = nil
        } else if transition.effects.contains(where: { if case .approvalRequested = $0 { true } else { false } }) {
            standing.pendingEvent = event.id
        }
        var next = transition.state
        var stateText = step.stateText
        for case .referralUnlinked(let referralId) in transition.effects {
            next = try unlink(referralId, from: event, transition: transition, db)
            stateText = try vault.seal(try JSONValueEncoder().encode(next), with: nil).serialized()
            if standing.latestReferral == referralId {
                standing.latestReferral = try String.fetchOne(db, sql: "SELECT referral_id FROM referrals WHERE case_id = ? AND referral_id != ? ORDER BY received_at DESC, rowid DESC LIMIT 1",
                                                              arguments: [event.caseId, referralId])
                let latest = try standing.latestReferral.map { try Self.referralStanding($0, db) }
                standing.immediateRisk = latest?.immediateRisk ?? false
                standing.reReferral = latest?.reReferral ?? false
            }
        }
        let version = next.pathway.flatMap { machines[$0] }?.pathway ?? versions.latest
        let facts = IndicatorFact.derive(from: event, before: state, transition: CaseTransition(state: next, effects: transition.effects),
                                         linkedCases: linkedCases, calendar: version.calendar)
        try IndicatorFactTable.insert(facts.fact, facts.clockStops, db)
        // The child's census characteristics, sealed under the referral's own key (made just
        // before, in the same transaction; kept while the child's data is, gone with an erasure).
        let child = try event.body.referral.flatMap { referral -> String? in
            if let sealed = body.columns?.referral?.censusChild { return sealed }
            guard !body.personalDataMissing, let key = try vault.stored(referral.referralId, db) else { return nil }
            return try vault.sealCensusChild(referral.message.child, key: DataKey(keyId: referral.referralId, key: key))
        }
        try CensusFactTable.insert(CensusFactTable.rows(for: event, before: state, after: next, pathway: version.definition, linkedCases: linkedCases, child: child,
                                                        movedSource: movedSource),
                                   sequence: event.sequence, caseId: event.caseId, db)
        return (next, stateText)
    }

    // MARK: Identity (docs/identity.md)

    /// The cases the given referrals are on now.
    static func currentCases(of referrals: [String], _ db: Database) throws -> [String] {
        guard !referrals.isEmpty else { return [] }
        return try String.fetchAll(db, sql: "SELECT DISTINCT case_id FROM referrals WHERE referral_id IN (\(IdentityTables.placeholders(referrals.count))) ORDER BY case_id",
                                   arguments: StatementArguments(referrals))
    }

    /// A referral's immediate risk (from its message) and re-referral flag.
    static func referralStanding(_ referralId: String, _ db: Database) throws -> (immediateRisk: Bool, reReferral: Bool, source: ReferralSource?) {
        guard let row = try Row.fetchOne(db, sql: "SELECT \(LoggedMessage.body), re_referral FROM referrals r WHERE referral_id = ?", arguments: [referralId]) else {
            throw StoreError.referralNotFound(referralId)
        }
        // Immediate risk and the source are no personal data: they are read without opening the message.
        let message = try LoggedMessage.value(row, referralId: referralId)
        let source = message["referrer"]?["source"]?.stringValue.flatMap(ReferralSource.lookup)
        return (message["immediateRisk"] == .bool(true), row["re_referral"], source)
    }

    /// After a link, whether the referral is a re-referral (a confirmed earlier referral of the
    /// child within the 12 months before it): stored on the referral and its indicator fact.
    @discardableResult
    static func refreshReReferral(_ referralId: String, _ db: Database) throws -> Bool {
        guard let row = try Row.fetchOne(db, sql: "SELECT received_at, received_sequence FROM referrals WHERE referral_id = ?", arguments: [referralId]) else {
            throw StoreError.referralNotFound(referralId)
        }
        let receivedAt = try StoredValues.timestamp(row, "received_at", table: "referrals", id: referralId)
        // Two steps of links: the referral's own, and those of the referrals it is linked to.
        let direct = try IdentityTables.linked(to: [referralId], db)
        let child = direct.union(try IdentityTables.linked(to: Array(direct), db)).subtracting([referralId])
        let earlier = try Row.fetchAll(db, sql: """
            SELECT referral_id, case_id, received_at FROM referrals WHERE referral_id IN (\(IdentityTables.placeholders(child.count))) AND received_at < ?
            ORDER BY received_at DESC, referral_id DESC
            """, arguments: StatementArguments(Array(child).sorted() + [receivedAt.description]))
        let flag = try earlier.contains { row in
            ChildMatcher.isReReferral(earlier: try StoredValues.timestamp(row, "received_at", table: "referrals", id: row["referral_id"]), of: receivedAt)
        }
        let previous: String? = earlier.first?["referral_id"]
        let cases = Set(earlier.map { $0["case_id"] as String }).sorted()
        try db.execute(sql: "UPDATE referrals SET re_referral = ?, previous_referral = ? WHERE referral_id = ?", arguments: [flag, previous, referralId])
        try db.execute(sql: "UPDATE indicator_facts SET flag = ?, linked_cases = ? WHERE sequence = ?",
                       arguments: [flag, cases.isEmpty ? nil : cases.joined(separator: ","), row["received_sequence"] as Int64?])
        return flag
    }

    /// An approved unlink: the case is recomputed from its own events without the referral's
    /// (its receipt, recommendation and arrival by a link), so its state, clocks and indicator
    /// standing no longer carry it; later staff events the case no longer allows (a decision on
    /// that referral) are passed over here and stay in the log. The referral is no longer a
    /// re-referral, and it and the case's other referrals are remembered as different children.
    private func unlink(_ referralId: String, from event: EventRecord, transition: CaseTransition, _ db: Database) throws -> CaseState {
        let excluded = Set(transition.state.unlinkedReferrals ?? [referralId])
        var state = CaseState()
        for earlier in try EventLog.events(of: event.caseId, vault, db) where earlier.sequence < event.sequence && !Self.belongs(earlier, to: excluded) {
            guard let caseEvent = earlier.body.caseEvent, let next = try? machine(for: caseEvent, before: state).apply(caseEvent, to: state) else { continue }
            state = next.state
        }
        state.pending = nil
        state.unlinkedReferrals = transition.state.unlinkedReferrals

        let others = try String.fetchAll(db, sql: "SELECT referral_id FROM referrals WHERE case_id = ? AND referral_id != ?", arguments: [event.caseId, referralId])
        for other in others { try IdentityTables.distinguish(referralId, other, db) }
        if !others.isEmpty {
            let list = IdentityTables.placeholders(others.count)
            try db.execute(sql: """
                UPDATE match_reviews SET status = 'unlinked' WHERE status = 'linked'
                AND ((referral_id = ? AND candidate_referral_id IN (\(list))) OR (candidate_referral_id = ? AND referral_id IN (\(list))))
                """, arguments: StatementArguments([referralId] + others + [referralId] + others))
        }
        try db.execute(sql: "UPDATE referrals SET re_referral = 0, previous_referral = NULL WHERE referral_id = ?", arguments: [referralId])
        try db.execute(sql: "UPDATE indicator_facts SET flag = 0, linked_cases = NULL WHERE sequence = (SELECT received_sequence FROM referrals WHERE referral_id = ?)",
                       arguments: [referralId])
        return state
    }

    /// Whether an event is one of these referrals' own: its receipt, recommendation or arrival.
    static func belongs(_ event: EventRecord, to referrals: Set<String>) -> Bool {
        if let referral = event.body.referral { return referrals.contains(referral.referralId) }
        if let routed = event.body.routed { return referrals.contains(routed.referralId) }
        if case .referralMoved(let referralId, _, _, _, _, _, _, _) = event.body.change { return referrals.contains(referralId) }
        return false
    }

    /// Whether the log erased the case's personal data (a replay reaches its events before the
    /// erasure event that ends them, so the log, not the projection, is asked).
    static func keyDestroyed(_ caseId: String, _ db: Database) -> Bool {
        (try? Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM events WHERE type = 'personal-data-erased' AND body LIKE ?)"),
                            arguments: ["%\"" + caseId + "\"%"])) == true
    }

    /// Drops every projection and replays the whole log into new ones; returns the events
    /// replayed. Used by `continuum rebuild` and by a migration that adds a projection. Needs
    /// the master key: children are indexed under keyed hashes, and pending changes sealed.
    /// Projects one event read back from the log: what `rebuild` does for each, and what a
    /// replica of a shared store does for each event another router appended.
    func replay(_ event: EventRecord, _ body: EncodedBody, _ db: Database) throws {
        switch event.body {
        // Token events keep the tokens table honest (audit verify); no case projection follows them.
        case .token: break
        case .erasure(let erasure): try Self.projectErasure(erasure, event: event, db)
        default: try apply(event, body, db)
        }
    }

    func rebuild(_ db: Database) throws -> Int64 {
        if vault.master == nil,
           try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM events WHERE type NOT IN ('token-created', 'token-revoked'))") == true {
            throw StoreError.masterKeyRequired("rebuilding the projections")
        }
        for table in Schema.projectionTables { try db.execute(sql: "DROP TABLE IF EXISTS \(table)") }
        try Schema.createProjections(db)
        var count: Int64 = 0
        let rows = try Row.fetchCursor(db, sql: "SELECT * FROM events ORDER BY sequence")
        while let row = try rows.next() {
            let (event, body) = try EventLog.decodeWithBody(row, vault, db)
            try replay(event, body, db)
            count += 1
        }
        return count
    }

    /// An erasure's projection: the cases marked erased, and their children never matched again.
    static func projectErasure(_ erasure: ErasureRecord, event: EventRecord, _ db: Database) throws {
        for caseId in erasure.caseIds {
            try db.execute(sql: "INSERT OR REPLACE INTO erasures (case_id, event_id, erased_at, rule) VALUES (?, ?, ?, ?)",
                           arguments: [caseId, event.id, event.at.description, erasure.rule])
            try db.execute(sql: "DELETE FROM child_keys WHERE case_id = ?", arguments: [caseId])
            // The referrals' sealed census characteristics: unreadable now, and a replay (its keys
            // gone) writes none, so none are kept (the facts' key is the event's sequence × 4).
            try db.execute(sql: "DELETE FROM census_children WHERE sequence IN (SELECT received_sequence * 4 FROM referrals WHERE case_id = ?)",
                           arguments: [caseId])
        }
    }

    /// A stored case state, its pending change's rationale opened (`.display` for people,
    /// `.shape` where only the state machine reads it).
    func decodeState(_ text: String, _ db: Database, as reading: PersonalDataVault.Reading = .display) throws -> CaseState {
        try vault.decode(CaseState.self, text: text, db, as: reading)
    }

    /// A case's stored state.
    func state(of caseId: String, _ db: Database) throws -> CaseState {
        guard let text = try String.fetchOne(db.cachedStatement(sql: "SELECT state FROM cases WHERE case_id = ?"), arguments: [caseId]) else {
            throw StoreError.caseNotFound(caseId)
        }
        return try decodeState(text, db, as: .shape)
    }
}

extension PathwaySet {
    /// The definition a case is judged by (its own version; the latest for a case without one).
    func definition(of state: CaseState) -> Pathway {
        (state.pathway.flatMap(version) ?? latest).definition
    }
}
