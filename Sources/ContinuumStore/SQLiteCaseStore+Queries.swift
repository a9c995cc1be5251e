import ContinuumAPI
import ContinuumCore
import ContinuumJSON
import GRDB
import Synchronization

extension SQLiteCaseStore {
    /// The queue page: the most urgent `limit` items, how many wait, how many of them are
    /// overdue, and the names of the workers the items name.
    public func queuePage(today: CalendarDate, limit: Int) async throws -> QueuePage {
        let (items, total) = try await queue(today: today, limit: limit)
        return try await read { db in
            let overdue = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM cases WHERE awaiting_decision = 1 AND next_due < ?", arguments: [today.description]) ?? 0
            return QueuePage(asOf: today, total: total, overdue: overdue, items: items, people: try Self.people(items.compactMap(\.assignedTo), db))
        }
    }

    public func queue(today: CalendarDate, limit: Int?) async throws -> (items: [QueueItem], total: Int) {
        let versions = self.pathways
        return try await read { db in
            // LIMIT -1 is SQLite's "no limit". With a limit only those rows are parsed: on the
            // million-referral log (36,530 waiting) the whole queue took 2.6 s and 16 MB.
            let rows = try Row.fetchAll(db, sql: """
                SELECT c.case_id, c.latest_referral, c.received_at, c.recommendation, c.immediate_risk, c.re_referral, c.next_due,
                       c.pending_event, c.phase, c.level, c.state, \(LoggedMessage.body)
                FROM cases c JOIN referrals r ON r.referral_id = c.latest_referral
                WHERE c.awaiting_decision = 1
                ORDER BY c.immediate_risk DESC, c.next_due IS NULL, c.next_due, c.received_at
                LIMIT ?
                """, arguments: [limit ?? -1])
            // Counted only when the limit cut the list short.
            var total = rows.count
            if let limit, rows.count >= limit {
                total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM cases WHERE awaiting_decision = 1") ?? rows.count
            }
            let items = try rows.map { row in
                let message = try LoggedMessage.opened(row, referralId: row["latest_referral"], self.projector.vault, db, as: .display).value
                let nextDue = (row["next_due"] as String?).flatMap { CalendarDate($0) }
                let recommendation: String? = row["recommendation"]
                let phase: String = row["phase"]
                let state = try self.projector.decodeState(row["state"], db)
                var item = QueueItem(
                    caseId: row["case_id"], referralId: row["latest_referral"],
                    receivedAt: try StoredValues.timestamp(row, "received_at", table: "cases", id: row["case_id"]),
                    child: Self.childSummary(message, today: today), referrer: Self.referrerSummary(message),
                    recommendedLevel: recommendation, recommendedLevelTitle: recommendation.flatMap { versions.definition(of: state).level($0)?.title },
                    immediateRisk: row["immediate_risk"], reReferral: row["re_referral"], decisionDue: nextDue,
                    overdue: nextDue.map { $0 < today } ?? false, pendingApproval: (row["pending_event"] as String?) != nil,
                    currentLevel: phase == CaseState.Phase.open.rawValue ? row["level"] : nil,
                    assignedTo: state.assignedTo)
                item.pathway = state.pathway
                if let current = item.currentLevel, let recommended = recommendation {
                    let definition = versions.definition(of: state)
                    item.recommendationBelowLevel = (definition.rank(of: recommended) ?? 0) < (definition.rank(of: current) ?? 0)
                }
                return item
            }
            return (items, total)
        }
    }

    static func childSummary(_ message: JSONValue, today: CalendarDate) -> ChildSummary {
        let child = message["child"]
        let born = child?["dateOfBirth"]?.stringValue.flatMap { CalendarDate($0) }
        return ChildSummary(givenName: child?["givenName"]?.stringValue ?? "", familyName: child?["familyName"]?.stringValue ?? "",
                            dateOfBirth: born, expectedDateOfBirth: child?["expectedDateOfBirth"]?.stringValue.flatMap { CalendarDate($0) },
                            ageYears: born.map { $0.wholeYears(until: today) })
    }

    static func referrerSummary(_ message: JSONValue) -> ReferrerSummary {
        ReferrerSummary(agency: message["referrer"]?["agency"]?.stringValue ?? "", source: message["referrer"]?["source"]?.stringValue ?? "")
    }

    public func caseRecord(_ caseId: String, today: CalendarDate) async throws -> CaseRecord {
        try await caseRecord(caseId, today: today, role: nil)
    }

    /// - Parameter role: the reader's role: the record then says what they may do now (`options`).
    public func caseRecord(_ caseId: String, today: CalendarDate, role: Role?) async throws -> CaseRecord {
        let versions = self.pathways
        return try await read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT state, pending_event FROM cases WHERE case_id = ?", arguments: [caseId]) else {
                throw StoreError.caseNotFound(caseId)
            }
            let vault = self.projector.vault
            let erasure = try Row.fetchOne(db, sql: "SELECT event_id, erased_at, rule FROM erasures WHERE case_id = ?", arguments: [caseId])
            let state = try self.projector.decodeState(row["state"], db, as: erasure == nil ? .display : .shape)
            let definition = versions.definition(of: state)
            let breached = Set(try String.fetchAll(db, sql: "SELECT clock FROM clocks WHERE case_id = ? AND breached = 1", arguments: [caseId]))
            let referrals = try Row.fetchAll(db, sql: "SELECT r.*, \(LoggedMessage.body) FROM referrals r WHERE case_id = ? ORDER BY received_at", arguments: [caseId]).map { row in
                ReferralView(referralId: row["referral_id"], partnerId: row["partner_id"], messageId: row["message_id"],
                             receivedAt: try StoredValues.timestamp(row, "received_at", table: "referrals", id: row["referral_id"]),
                             reReferral: row["re_referral"], previousReferralId: row["previous_referral"],
                             message: try LoggedMessage.opened(row, referralId: row["referral_id"], vault, db, as: .display).value,
                             decision: try (row["decision"] as String?).map { try JSONParser().parse($0).decode(Decision.self) })
            }
            // After an erasure the events' free text is gone: shown as null, never as stand-ins.
            let logged = try EventLog.events(of: caseId, vault, db, as: erasure == nil ? .display : .shape)
            let approvals = self.approvalStatuses(logged)
            let events = try logged.map { event in
                var view = try Self.view(event)
                if erasure != nil { view.detail = PersonalFields.blankingFreeText(view.detail) }
                view.approval = approvals[event.id]
                return view
            }
            let clocks = state.clocks.map { clock in
                ClockView(clock: clock.clock, title: definition.clocks.first { $0.id == clock.clock }?.title ?? clock.clock,
                          from: clock.from, due: clock.due, overdue: clock.due < today, breached: clock.breached || breached.contains(clock.clock))
            }
            let pending = state.pending.map { ApprovalItem(id: row["pending_event"] ?? "", caseId: caseId, change: $0) }
            var record = CaseRecord(caseId: caseId, phase: state.phase, level: state.level,
                                    levelTitle: state.level.flatMap { definition.level($0)?.title }, recommendation: state.recommendation,
                                    consent: state.consent, awaitingDecision: state.decisionOutstanding, assignedTo: state.assignedTo, closureReason: state.closure,
                                    pending: pending, clocks: clocks, referrals: referrals, events: events)
            record.pathway = state.pathway
            record.lead = state.lead
            record.coWorker = state.coWorker
            record.migrationReview = state.migrationReview
            if let role, let machine = state.pathway.flatMap({ self.projector.machines[$0] }) {
                record.options = machine.options(for: state, role: role)
            }
            record.people = try Self.people(events.map(\.actor.id) + [state.lead?.id, state.coWorker?.id, state.pending?.requestedBy.id].compactMap { $0 }, db)
            if let erasure {
                record.erasure = CaseErasure(eventId: erasure["event_id"], erasedAt: try StoredValues.timestamp(erasure, "erased_at", table: "erasures", id: caseId),
                                             rule: erasure["rule"])
            }
            return record
        }
    }

    /// An event as the case history shows it (a referral's message is shown once, in `referrals`).
    static func view(_ event: EventRecord) throws -> EventView {
        let detail: JSONValue
        if let referral = event.body.referral {
            detail = .object([
                "referralId": .string(referral.referralId), "partnerId": .string(referral.partnerId),
                "reReferral": .bool(referral.reReferral), "previousReferralId": referral.previousReferralId.map(JSONValue.string) ?? .null,
            ])
        } else if let routed = event.body.routed {
            detail = .object([
                "referralId": .string(routed.referralId), "level": .string(routed.decision.level),
                "rules": .array(routed.decision.rules.map(JSONValue.string)),
            ])
        } else if case .erasure(let erasure) = event.body {
            detail = try JSONValueEncoder().encode(erasure)
        } else {
            detail = try JSONValueEncoder().encode(event.body.change)
        }
        guard let kind = EventKind(rawValue: event.type) else {
            throw StoreError.chainBroken(sequence: event.sequence, reason: "its type \"\(event.type)\" is not an event kind this version knows")
        }
        return EventView(id: event.id, type: kind, at: event.at, actor: event.actor, hash: event.hash, detail: detail)
    }

    /// What became of each change in a case's history that asked for a manager's approval, by
    /// event id: the history replayed through the state machine, which says which events asked
    /// (the log records the request and the answer, not the link between them). A history the
    /// machine cannot replay (an erased case's stand-ins) marks only what it reached.
    func approvalStatuses(_ events: [EventRecord]) -> [String: ApprovalStatus] {
        var statuses: [String: ApprovalStatus] = [:]
        var state = CaseState()
        var waiting: String?
        for event in events {
            guard let change = event.body.caseEvent else { continue }
            if case .approved? = event.body.change, let id = waiting { statuses[id] = .approved }
            if case .rejected? = event.body.change, let id = waiting { statuses[id] = .rejected }
            guard let machine = try? projector.machine(for: change, before: state), let transition = try? machine.apply(change, to: state) else { break }
            if transition.state.pending == nil { waiting = nil }
            if transition.effects.contains(where: { if case .approvalRequested = $0 { true } else { false } }) {
                waiting = event.id
                statuses[event.id] = .pending
            }
            state = transition.state
        }
        return statuses
    }

    /// The approvals page: the oldest `limit` and the names of those who asked.
    public func approvalsPage(limit: Int) async throws -> ApprovalsPage {
        let items = try await approvals()
        let shown = Array(items.prefix(limit))
        return ApprovalsPage(total: items.count, items: shown, people: try await people(shown.map(\.change.requestedBy.id)))
    }

    public func approvals() async throws -> [ApprovalItem] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT case_id, state, pending_event FROM cases WHERE pending_event IS NOT NULL ORDER BY updated_at").compactMap { row in
                let state = try self.projector.decodeState(row["state"], db)
                return state.pending.map { ApprovalItem(id: row["pending_event"], caseId: row["case_id"], change: $0) }
            }
        }
    }

    public func gauges(today: CalendarDate) async throws -> (queueLength: Int, overdueClocks: Int) {
        try await read { db in
            let queue = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM cases WHERE awaiting_decision = 1") ?? 0
            let overdue = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM clocks WHERE due < ?", arguments: [today.description]) ?? 0
            return (queue, overdue)
        }
    }
}

extension SQLiteCaseStore {
    /// The indicators for a period, from the facts of the whole event log (earlier events give
    /// the cases' standing). Streams the `indicator_facts` and `clock_stops` projections through
    /// cursors in one read transaction (a consistent snapshot), so memory holds a standing per
    /// case, not the events.
    public func indicators(from: CalendarDate, to: CalendarDate, targets: IndicatorTargets) async throws -> IndicatorReport {
        let calculator = IndicatorCalculator(pathways: pathways, targets: targets)
        let warming = Task.detached(priority: .utility) { [pool] in await PageWarming.warm(pool, tables: IndicatorFactTable.tables) }
        defer { warming.cancel() }
        // Seconds of work on a large log: it stops when the request's task is cancelled (the
        // client gone, the server stopping), checked every 4,096 facts (issue 22).
        let stop = Mutex(false)
        return try await withTaskCancellationHandler {
            try await read { db in
                var seen = 0
                func check() throws {
                    seen &+= 1
                    if seen & 4095 == 0, stop.withLock({ $0 }) { throw CancellationError() }
                }
                return try calculator.report(from: from, to: to,
                                             facts: { visit in try IndicatorFactTable.forEachFact(db) { try check(); try visit($0) } },
                                             clockStops: { visit in try IndicatorFactTable.forEachClockStop(db) { try check(); try visit($0) } })
            }
        } onCancel: {
            stop.withLock { $0 = true }
        }
    }
}
