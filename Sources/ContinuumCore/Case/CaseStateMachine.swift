/// The pathway's rules applied to one case: given a state and an event, the next state and
/// its effects, or a typed refusal saying why.
///
/// Pure and deterministic, so the event log can be replayed to rebuild any case.
///
/// ```swift
/// var state = CaseState()
/// state = try CaseStateMachine(pathway: surrey).apply(.referralReceived(at: now, consent: .given), to: state).state
/// ```
public struct CaseStateMachine: Sendable {
    public let pathway: VerifiedPathway

    public init(pathway: VerifiedPathway) {
        self.pathway = pathway
    }

    private var definition: Pathway { pathway.definition }

    public func apply(_ event: CaseEvent, to state: CaseState) throws(CaseTransitionError) -> CaseTransition {
        var next = Builder(state: state, pathway: definition)
        switch event {
        case .referralReceived(let at, let consent):
            guard state.phase != .closed else { throw .wrongPhase(.closed, action: "add a referral (a closed case stays closed; open a new case)") }
            guard state.phase != .merged else {
                throw .wrongPhase(.merged, action: "add a referral (the case was merged into \(state.mergedInto ?? "another case"), which takes the child's referrals)")
            }
            next.state.receivedAt = at
            next.state.consent = consent
            next.state.decisionOutstanding = true
            if state.phase == .new { next.state.phase = .awaitingDecision }
            next.fire(ClockTrigger(event: .referralReceived), at: at)

        case .routed(let decision):
            guard state.phase == .awaitingDecision || state.phase == .open else { throw .wrongPhase(state.phase, action: "record a recommendation") }
            guard definition.level(decision.level) != nil else { throw .unknownLevel(decision.level) }
            next.state.recommendation = decision.level

        case .decided(let level, let actor, let at, let rationale, let overrideReason):
            try requireRationale(rationale)
            guard state.decisionOutstanding, state.phase == .awaitingDecision || state.phase == .open else {
                throw .wrongPhase(state.phase, action: "record a front-door decision (none is outstanding)")
            }
            try requireNoPending(state)
            try permit(actor, definition.intake.roles, "record the front-door decision")
            guard definition.level(level) != nil else { throw .unknownLevel(level) }
            guard definition.intake.outcomes.contains(level) else { throw .notAFrontDoorOutcome(level, allowed: definition.intake.outcomes) }
            let isOverride = state.recommendation.map { $0 != level } ?? false
            if isOverride, overrideReason?.trimmingWhitespace.isEmpty ?? true, let recommended = state.recommendation {
                throw .overrideReasonMissing(recommended: recommended, chosen: level)
            }
            var moveNeedsApproval = false
            if state.phase == .open, let current = state.level, current != level {
                moveNeedsApproval = try transition(from: current, to: level, kind: nil, actor: actor).needsApproval
            }
            try requireConsent(for: level, state)
            let overrideNeedsApproval = isOverride && (definition.intake.overridesNeedApproval ?? false)
            if (overrideNeedsApproval || moveNeedsApproval) && actor.role != .manager {
                next.requestApproval(PendingChange(change: .decision(level: level, overrideReason: overrideReason), requestedBy: actor, requestedAt: at, rationale: rationale))
            } else {
                next.decide(level, at: at)
            }

        case .moved(let kind, let to, let actor, let at, let rationale):
            try requireRationale(rationale)
            guard state.phase == .open, let current = state.level else { throw .wrongPhase(state.phase, action: kind.rawValue) }
            try requireNoPending(state)
            let rule = try transition(from: current, to: to, kind: kind, actor: actor)
            try requireConsent(for: to, state)
            if rule.needsApproval && actor.role != .manager {
                next.requestApproval(PendingChange(change: .move(kind: kind, to: to, transition: rule.id), requestedBy: actor, requestedAt: at, rationale: rationale))
            } else {
                next.move(to: to, at: at)
            }

        case .closed(let reason, let actor, let at, let rationale):
            try requireRationale(rationale)
            try requireNoPending(state)
            switch state.phase {
            case .awaitingDecision:
                try permit(actor, definition.intake.roles, "close at the front door")
                let allowed = definition.intake.closeReasons ?? []
                guard allowed.contains(reason) else { throw .closureReasonNotAllowed(reason, rule: "the front door", allowed: allowed) }
                next.close(reason, at: at)
            case .open:
                let current = state.level ?? ""
                let closes = definition.transitions.filter { $0.kind == .close && $0.from == current }
                guard let rule = closes.first(where: { $0.reasons?.contains(reason) ?? false }) ?? closes.first else {
                    throw .noSuchTransition(from: current, to: "closed", kind: .close, allowed: allowedMoves(from: current))
                }
                guard rule.reasons?.contains(reason) ?? false else {
                    throw .closureReasonNotAllowed(reason, rule: "transition \(rule.id)", allowed: closes.flatMap { $0.reasons ?? [] })
                }
                try permit(actor, rule.roles, "close a case at \"\(current)\" (transition \(rule.id))")
                if rule.needsApproval && actor.role != .manager {
                    next.requestApproval(PendingChange(change: .close(reason: reason, transition: rule.id), requestedBy: actor, requestedAt: at, rationale: rationale))
                } else {
                    next.close(reason, at: at)
                }
            case .new, .closed, .merged:
                throw .wrongPhase(state.phase, action: "close")
            }

        case .approved(let actor, let at, _):
            guard let pending = state.pending else { throw .nothingToApprove }
            try permit(actor, [.manager], "approve a change")
            next.state.pending = nil
            switch pending.change {
            case .decision(let level, _):
                // Consent may have been withdrawn while the change waited.
                try requireConsent(for: level, state)
                next.decide(level, at: at)
            case .move(_, let to, _):
                try requireConsent(for: to, state)
                next.move(to: to, at: at)
            case .close(let reason, _): next.close(reason, at: at)
            case .unlink(let referralId): next.unlink(referralId)
            }

        case .rejected(let actor, _, let rationale):
            try requireRationale(rationale)
            guard state.pending != nil else { throw .nothingToApprove }
            try permit(actor, [.manager], "refuse a change")
            next.state.pending = nil

        case .consentRecorded(let consent, let actor, _):
            guard !state.hasEnded && state.phase != .new else { throw .wrongPhase(state.phase, action: "record consent") }
            try permit(actor, [.practitioner, .manager], "record consent")
            next.state.consent = consent

        case .milestone(let id, let actor, let at, _):
            guard definition.milestones.contains(where: { $0.id == id }) else { throw .unknownMilestone(id) }
            guard state.phase == .open || state.phase == .awaitingDecision else { throw .wrongPhase(state.phase, action: "record a milestone") }
            try permit(actor, [.practitioner, .manager], "record a milestone")
            next.fire(ClockTrigger(event: .milestone, milestone: id), at: at)

        case .assigned(let worker, let actor, _):
            guard state.phase == .open || state.phase == .awaitingDecision else { throw .wrongPhase(state.phase, action: "assign") }
            try permit(actor, [.practitioner, .manager], "assign cases")
            guard !worker.allSatisfy(\.isWhitespace) else { throw .workerMissing }
            next.state.assignedTo = worker

        case .audited(_, let findings, let actor, _):
            guard state.phase != .new else { throw .wrongPhase(state.phase, action: "audit") }
            try permit(actor, [.manager], "grade a case-file audit")
            try requireRationale(findings)

        case .childLinked(_, _, _, let actor, _, let rationale), .childrenDistinguished(_, _, _, let actor, _, let rationale):
            try requireRationale(rationale)
            guard state.phase != .new else { throw .wrongPhase(state.phase, action: "decide a possible match") }
            try permit(actor, [.practitioner, .manager], "decide possible matches")

        case .merged(let into, _, let actor, _, let rationale):
            try requireRationale(rationale)
            guard state.phase == .awaitingDecision else { throw .wrongPhase(state.phase, action: "merge into case \(into)") }
            try requireNoPending(state)
            try permit(actor, [.practitioner, .manager], "decide possible matches")
            // The referral's clocks move with it: stopped here without a stop to count.
            next.state.clocks = []
            next.state.phase = .merged
            next.state.mergedInto = into
            next.state.decisionOutstanding = false

        case .referralMoved(_, _, let receivedAt, let consent, let recommendation, let actor, _, let rationale):
            try requireRationale(rationale)
            guard !state.hasEnded else { throw .wrongPhase(state.phase, action: "take a referral from another case") }
            try permit(actor, [.practitioner, .manager], "move referrals between cases")
            next.state.receivedAt = receivedAt
            next.state.consent = consent
            next.state.decisionOutstanding = true
            if state.phase == .new { next.state.phase = .awaitingDecision }
            if let recommendation {
                guard definition.level(recommendation) != nil else { throw .unknownLevel(recommendation) }
                next.state.recommendation = recommendation
            }
            next.fire(ClockTrigger(event: .referralReceived), at: receivedAt)

        case .unlinkRequested(let referralId, let actor, let at, let rationale):
            try requireRationale(rationale)
            guard state.phase == .awaitingDecision || state.phase == .open else { throw .wrongPhase(state.phase, action: "unlink a referral") }
            try requireNoPending(state)
            try permit(actor, [.practitioner, .manager], "unlink a referral")
            if actor.role == .manager {
                next.unlink(referralId)
            } else {
                next.requestApproval(PendingChange(change: .unlink(referralId: referralId), requestedBy: actor, requestedAt: at, rationale: rationale))
            }

        case .clockBreached(let id, _):
            guard let index = state.clocks.firstIndex(where: { $0.clock == id }) else { throw .unknownClock(id) }
            next.state.clocks[index].breached = true
        }
        return CaseTransition(state: next.state, effects: next.effects)
    }

    /// The ids of the transitions the pathway allows from `level`.
    public func allowedMoves(from level: String) -> [String] {
        definition.transitions.filter { $0.from == level }.map { transition in
            "\(transition.id) (\(transition.kind.rawValue)\(transition.to.map { " to \($0)" } ?? ""))"
        }
    }

    private func transition(from: String, to: String, kind: TransitionKind?, actor: Actor) throws(CaseTransitionError) -> PathwayTransition {
        guard definition.level(to) != nil else { throw .unknownLevel(to) }
        let candidates = definition.transitions.filter { $0.from == from && $0.to == to && (kind == nil || $0.kind == kind) }
        guard let rule = candidates.first else {
            let inferred = kind ?? ((definition.rank(of: to) ?? 0) > (definition.rank(of: from) ?? 0) ? .stepUp : .stepDown)
            throw .noSuchTransition(from: from, to: to, kind: inferred, allowed: allowedMoves(from: from))
        }
        try permit(actor, rule.roles, "\(rule.kind.rawValue) from \"\(from)\" to \"\(to)\" (transition \(rule.id))")
        return rule
    }

    private func permit(_ actor: Actor, _ roles: [Role], _ action: String) throws(CaseTransitionError) {
        guard roles.contains(actor.role) else { throw .roleNotPermitted(role: actor.role, action: action, allowed: roles) }
    }

    private func requireRationale(_ rationale: String) throws(CaseTransitionError) {
        if rationale.trimmingWhitespace.isEmpty { throw .rationaleMissing }
    }

    private func requireNoPending(_ state: CaseState) throws(CaseTransitionError) {
        if let pending = state.pending { throw .approvalPending(pending) }
    }

    private func requireConsent(for level: String, _ state: CaseState) throws(CaseTransitionError) {
        if definition.level(level)?.consentRequired ?? false, state.consent != .given {
            throw .consentMissing(level: level, consent: state.consent)
        }
    }
}

/// Accumulates a new state and its effects while an event is applied.
private struct Builder {
    var state: CaseState
    let pathway: Pathway
    var effects: [CaseEffect] = []

    init(state: CaseState, pathway: Pathway) {
        self.state = state
        self.pathway = pathway
    }

    mutating func requestApproval(_ change: PendingChange) {
        state.pending = change
        effects.append(.approvalRequested(change))
    }

    mutating func decide(_ level: String, at: Timestamp) {
        state.decisionOutstanding = false
        fire(ClockTrigger(event: .decided), at: at)
        if state.level != level { move(to: level, at: at, fromReferral: true) }
        state.phase = .open
    }

    /// - Parameter fromReferral: the move is the front-door decision on a referral, so clocks
    ///   measured "from the point of referral" count from its receipt; otherwise from `at`.
    mutating func move(to level: String, at: Timestamp, fromReferral: Bool = false) {
        if let current = state.level, state.phase == .open {
            effects.append(.levelLeft(current))
            fire(ClockTrigger(event: .levelLeft, levels: [current]), at: at)
        }
        state.level = level
        state.phase = .open
        effects.append(.levelEntered(level))
        fire(ClockTrigger(event: .levelEntered, levels: [level]), at: at, fromReferral: fromReferral)
    }

    /// The store replays the case without the referral (see `Projector`); here it is only noted.
    mutating func unlink(_ referralId: String) {
        state.unlinkedReferrals = (state.unlinkedReferrals ?? []) + [referralId]
        effects.append(.referralUnlinked(referralId))
    }

    mutating func close(_ reason: ClosureReason, at: Timestamp) {
        if let current = state.level, state.phase == .open {
            effects.append(.levelLeft(current))
            fire(ClockTrigger(event: .levelLeft, levels: [current]), at: at)
        }
        state.phase = .closed
        state.closure = reason
        state.decisionOutstanding = false
        fire(ClockTrigger(event: .closed), at: at)
    }

    /// Stops, restarts and starts clocks for one event, in that order.
    mutating func fire(_ event: ClockTrigger, at: Timestamp, fromReferral: Bool = false) {
        let today = UKTime.londonDate(of: at)
        for clock in pathway.clocks {
            if let index = state.clocks.firstIndex(where: { $0.clock == clock.id }) {
                let running = state.clocks[index]
                if clock.stopsOn.contains(where: { Self.matches($0, event) }) {
                    state.clocks.remove(at: index)
                    effects.append(.clockStopped(clock: clock.id, on: today, met: today <= running.due))
                } else if (clock.restartsOn ?? []).contains(where: { Self.matches($0, event) }), let interval = clock.interval(after: running.restarts + 1) {
                    effects.append(.clockStopped(clock: clock.id, on: today, met: today <= running.due))
                    let due = interval.due(from: today, calendar: pathway.workingDays)
                    state.clocks[index] = RunningClock(clock: clock.id, from: today, due: due, restarts: running.restarts + 1, breached: false)
                    effects.append(.clockRestarted(clock: clock.id, from: today, due: due))
                }
            } else if clock.startsOn.contains(where: { Self.matches($0, event) }), let interval = clock.interval(after: 0) {
                let anchored = clock.measuredFrom == .referralReceived && (fromReferral || event.event == .referralReceived)
                let from = anchored ? state.receivedAt.map(UKTime.londonDate) ?? today : today
                let due = interval.due(from: from, calendar: pathway.workingDays)
                state.clocks.append(RunningClock(clock: clock.id, from: from, due: due, restarts: 0, breached: false))
                effects.append(.clockStarted(clock: clock.id, from: from, due: due))
            }
        }
    }

    /// Whether a pathway trigger matches a concrete event (`levels` absent = any level).
    static func matches(_ trigger: ClockTrigger, _ event: ClockTrigger) -> Bool {
        guard trigger.event == event.event else { return false }
        switch trigger.event {
        case .milestone: return trigger.milestone == event.milestone
        case .levelEntered, .levelLeft:
            guard let wanted = trigger.levels else { return true }
            return event.levels?.contains(where: wanted.contains) ?? false
        default: return true
        }
    }
}
