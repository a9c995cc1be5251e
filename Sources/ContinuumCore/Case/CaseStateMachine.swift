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
            if state.phase == .new { next.open() }
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

        case .referralNoted(let level, let actor, let at, let rationale, let overrideReason):
            try requireRationale(rationale)
            guard state.joinedReferralOutstanding, let current = state.level else {
                throw .wrongPhase(state.phase, action: "note a referral at the case's level (only a referral that joined an open case is noted; a new case needs its level decided)")
            }
            guard level == current else { throw .notedAtAnotherLevel(level, current: current) }
            // Another change may wait (a step-down asked for before the referral came): the
            // referral can still be noted. Only its own decision waiting blocks a second one.
            if let pending = state.pending, state.decisionPending { throw .approvalPending(pending) }
            try permit(actor, definition.intake.roles, "record the front-door decision")
            let higher = isAbove(state.recommendation, current)
            if higher, overrideReason?.trimmingWhitespace.isEmpty ?? true, let recommended = state.recommendation {
                throw .overrideReasonMissing(recommended: recommended, chosen: current)
            }
            if higher && (definition.intake.overridesNeedApproval ?? false) && actor.role != .manager {
                try requireNoPending(state)
                next.requestApproval(PendingChange(change: .noted(level: level, overrideReason: overrideReason), requestedBy: actor, requestedAt: at, rationale: rationale))
            } else {
                next.note(at: at)
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
                next.move(to: to, at: at, keepWorkers: kind == .reclassify)
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
            case .move(let kind, let to, _):
                try requireConsent(for: to, state)
                next.move(to: to, at: at, keepWorkers: kind == .reclassify)
            case .close(let reason, _): next.close(reason, at: at)
            case .noted(let level, _):
                guard state.joinedReferralOutstanding, state.level == level else { throw .wrongPhase(state.phase, action: "note the referral at \"\(level)\"") }
                next.note(at: at)
            case .unlink(let referralId): next.unlink(referralId)
            case .milestone(let id, let happened, _):
                guard !state.hasEnded else { throw .wrongPhase(state.phase, action: "record a milestone") }
                next.recordMilestone(id, at: happened)
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

        case .milestone(let id, let actor, let at, let rationale, let census):
            guard let milestone = definition.milestones.first(where: { $0.id == id }) else { throw .unknownMilestone(id) }
            guard state.phase == .open || state.phase == .awaitingDecision else { throw .wrongPhase(state.phase, action: "record a milestone") }
            try permit(actor, [.practitioner, .manager], "record a milestone")
            let takes = milestone.census?.takes ?? []
            if let given = census?.given, let extra = given.first(where: { !takes.contains($0) }) {
                throw .censusDetailNotTaken(extra, milestone: id, takes: takes)
            }
            if milestone.rationaleRequired ?? false { try requireRationale(rationale ?? "") }
            if let required = milestone.requiresAny, !required.contains(where: { (state.milestones ?? []).contains($0) }) {
                throw .milestoneRequires(id, anyOf: required)
            }
            if milestone.needsApproval && actor.role != .manager {
                try requireNoPending(state)
                next.requestApproval(PendingChange(change: .milestone(id, at: at, census: census), requestedBy: actor, requestedAt: at, rationale: rationale ?? ""))
            } else {
                next.recordMilestone(id, at: at)
            }

        case .childDetailsRecorded(let details, let actor, _, let rationale):
            try requireRationale(rationale)
            guard state.phase != .new && state.phase != .merged else { throw .wrongPhase(state.phase, action: "record the child's details") }
            try permit(actor, [.practitioner, .manager], "record the child's details")
            guard !details.isEmpty else { throw .childDetailsMissing }

        case .assigned(let worker, let actor, _, let role, let qualification):
            guard state.phase == .open || state.phase == .awaitingDecision else { throw .wrongPhase(state.phase, action: "assign") }
            try permit(actor, [.practitioner, .manager], "assign cases")
            guard !worker.allSatisfy(\.isWhitespace) else { throw .workerMissing }
            let role = role ?? .lead
            let person = CaseWorker(id: worker, qualification: qualification)
            if let level = state.level.flatMap(definition.level), state.phase == .open {
                if let roles = level.caseRoles {
                    guard let rule = roles.rule(role) else { throw .caseRoleNotAtLevel(role, level: level.id) }
                    guard let held = qualification, rule.qualifications.contains(held) else {
                        throw .notQualified(worker: worker, qualification: qualification, role: rule.title, level: level.id, allowed: rule.qualifications)
                    }
                } else if role == .coWorker {
                    throw .caseRoleNotAtLevel(role, level: level.id)
                }
            } else if role == .coWorker {
                throw .wrongPhase(state.phase, action: "assign a co-worker before the front door places the case")
            }
            switch role {
            case .lead: next.state.lead = person
            case .coWorker: next.state.coWorker = person
            }

        case .pathwayMigrated(let migration, let actor, _, let rationale):
            try requireRationale(rationale)
            try permit(actor, [.practitioner, .manager, .admin], "move a case to another pathway version")
            guard migration.to == definition.reference else { throw .wrongVersion(expected: definition.reference, found: migration.to) }
            guard state.phase == .open || state.phase == .awaitingDecision else { throw .wrongPhase(state.phase, action: "migrate to \(migration.to)") }
            guard state.pathway == migration.from else { throw .wrongVersion(expected: migration.from, found: state.pathway ?? "none") }
            try requireNoPending(state)
            if state.phase == .open {
                guard let change = migration.level, change.from == state.level else {
                    throw .migrationLevelMissing(level: state.level ?? "none", to: migration.to)
                }
                guard let level = definition.level(change.to) else { throw .unknownLevel(change.to) }
                try requireConsent(for: level.id, state)
                next.state.level = level.id
                next.keepQualifiedWorkers(at: level)
            }
            // The old version's recommendation names its levels: the store routes an outstanding
            // referral again by this version (a `routed` event next).
            next.state.recommendation = nil
            try next.carryClocks(migration.clocks)
            next.state.pathway = definition.reference
            next.state.migrationReview = nil

        case .migrationReviewRequested(let review, let actor, _):
            try permit(actor, [.practitioner, .manager, .admin], "put a case on the migration review list")
            guard state.phase == .open || state.phase == .awaitingDecision else { throw .wrongPhase(state.phase, action: "put on the migration review list") }
            guard review.to != definition.reference else { throw .wrongVersion(expected: "another version", found: review.to) }
            next.state.migrationReview = review

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
            if state.phase == .new { next.open() }
            // A recommendation made under another pathway version (the referral was routed before
            // the case it joins was migrated) names no level here: the front door decides afresh.
            if let recommendation, definition.level(recommendation) != nil {
                next.state.recommendation = recommendation
            } else if recommendation != nil {
                next.state.recommendation = nil
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

    /// Whether `level` ranks above `current` in the continuum (nil is not).
    func isAbove(_ level: String?, _ current: String) -> Bool {
        guard let level, let rank = definition.rank(of: level), let currentRank = definition.rank(of: current) else { return false }
        return rank > currentRank
    }

    /// The ids of the transitions the pathway allows from `level`.
    public func allowedMoves(from level: String) -> [String] {
        definition.transitions.filter { $0.from == level }.map { transition in
            "\(transition.id) (\(transition.kind.rawValue)\(transition.to.map { " to \($0)" } ?? ""))"
        }
    }

    private func transition(from: String, to: String, kind: TransitionKind?, actor: Actor) throws(CaseTransitionError) -> PathwayTransition {
        guard definition.level(to) != nil else { throw .unknownLevel(to) }
        if let kind, from == to { throw .alreadyAtLevel(to, kind: kind, allowed: allowedMoves(from: from)) }
        let candidates = definition.transitions.filter { $0.from == from && $0.to == to && (kind == nil || $0.kind == kind) }
        guard let rule = candidates.first else {
            // The move exists as another kind (child in need to child protection is an
            // escalation, not a step-up): say which, rather than only listing ids.
            if let kind, let other = definition.transitions.first(where: { $0.from == from && $0.to == to }) {
                throw .wrongKind(from: from, to: to, asked: kind, actual: other.kind, transition: other.id)
            }
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

    /// A new case opens on this pathway version.
    mutating func open() {
        state.phase = .awaitingDecision
        state.pathway = pathway.reference
    }

    mutating func recordMilestone(_ id: String, at: Timestamp) {
        if !(state.milestones ?? []).contains(id) { state.milestones = (state.milestones ?? []) + [id] }
        fire(ClockTrigger(event: .milestone, milestone: id), at: at)
    }

    /// Who holds the case after a move from `old` to `new` (docs/families-first.md). Stepping
    /// up into a level with a co-worker role (Family Help to child protection), the lead stays on
    /// as co-worker and the lead role waits for someone qualified (the LCPP); stepping down out
    /// of it, the co-worker leads again and the other lead withdraws. Other moves keep the lead
    /// (and a co-worker only where the new level has the role). Anyone not qualified for their
    /// role at the new level is dropped from it.
    mutating func carryWorkers(from old: Level?, to new: Level) {
        let hadCoWorker = old?.caseRoles?.coWorker != nil, hasCoWorker = new.caseRoles?.coWorker != nil
        // A decision at the front door (no level before) moves no one between roles.
        let up = old.map { (pathway.rank(of: new.id) ?? 0) > (pathway.rank(of: $0.id) ?? 0) } ?? false
        if hasCoWorker && !hadCoWorker && up {
            state.coWorker = state.lead
            state.lead = nil
        } else if hadCoWorker && !hasCoWorker && !up {
            state.lead = state.coWorker
            state.coWorker = nil
        }
        keepQualifiedWorkers(at: new)
    }

    mutating func keepQualifiedWorkers(at level: Level) {
        func qualified(_ worker: CaseWorker?, _ rule: CaseRoleRule?) -> CaseWorker? {
            guard let worker, let rule else { return worker }
            return worker.qualification.map(rule.qualifications.contains) ?? false ? worker : nil
        }
        state.lead = qualified(state.lead, level.caseRoles?.lead)
        state.coWorker = level.caseRoles?.coWorker == nil ? nil : qualified(state.coWorker, level.caseRoles?.coWorker)
    }

    /// Renames and re-dates the running clocks by a migration's clock mapping: a carried clock
    /// keeps its start and restarts and is due by the new clock's rules; a stopped one ends
    /// uncounted (the migration event records why).
    mutating func carryClocks(_ changes: [ClockChange]) throws(CaseTransitionError) {
        var carried: [RunningClock] = []
        for running in state.clocks {
            guard let change = changes.first(where: { $0.clock == running.clock }) else { throw .clockNotMapped(running.clock) }
            guard let target = change.to else { continue }
            guard let clock = pathway.clocks.first(where: { $0.id == target }) else { throw .unknownClock(target) }
            let interval = clock.interval(after: running.restarts) ?? ClockInterval(days: 0)
            carried.append(RunningClock(clock: target, from: running.from, due: interval.due(from: running.from, calendar: pathway.workingDays),
                                        restarts: running.restarts, breached: running.breached))
        }
        state.clocks = carried
    }

    /// A joined referral decided without moving the case: the decision clock stops.
    mutating func note(at: Timestamp) {
        state.decisionOutstanding = false
        fire(ClockTrigger(event: .decided), at: at)
    }

    mutating func decide(_ level: String, at: Timestamp) {
        state.decisionOutstanding = false
        fire(ClockTrigger(event: .decided), at: at)
        if state.level != level { move(to: level, at: at, fromReferral: true) }
        state.phase = .open
    }

    /// - Parameter fromReferral: the move is the front-door decision on a referral, so clocks
    ///   measured "from the point of referral" count from its receipt; otherwise from `at`.
    mutating func move(to level: String, at: Timestamp, fromReferral: Bool = false, keepWorkers: Bool = false) {
        let old = state.phase == .open ? state.level.flatMap(pathway.level) : nil
        if let current = state.level, state.phase == .open {
            effects.append(.levelLeft(current))
            fire(ClockTrigger(event: .levelLeft, levels: [current]), at: at)
        }
        if !keepWorkers, let new = pathway.level(level) { carryWorkers(from: old, to: new) }
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
