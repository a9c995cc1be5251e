/// What a person in a role may do to a case now, by its pathway's rules and its state: what the
/// triage session offers, and what a refusal names as the moves there are.
///
/// Pure: derived from the state and the pathway (``CaseStateMachine/options(for:role:)``), so
/// what is offered is what ``CaseStateMachine/apply(_:to:)`` would accept (bar a rationale).
public struct CaseOptions: Sendable, Hashable, Codable {
    /// A new case waits for its front-door decision: accept the recommendation or choose one of
    /// ``outcomes``.
    public var decide: Bool
    /// The levels the front door may choose (when ``decide`` or ``note`` is set).
    public var outcomes: [String]
    /// A referral joined the open case and waits: note it at the current level, or move the case.
    public var note: Bool
    /// The moves the pathway allows from the current level to this role (closures excluded).
    public var moves: [AllowedMove]
    /// The CIN census closure reasons allowed now (empty: the case cannot be closed by this role).
    public var closeReasons: [ClosureReason]
    /// A closure by this role waits for a manager.
    public var closeNeedsApproval: Bool
    /// The milestones that can be recorded now.
    public var milestones: [MilestoneOption]
    /// The case can be given to a worker.
    public var assign: Bool
    /// A change waits and this role may approve or reject it.
    public var approve: Bool

    public init(decide: Bool = false, outcomes: [String] = [], note: Bool = false, moves: [AllowedMove] = [], closeReasons: [ClosureReason] = [],
                closeNeedsApproval: Bool = false, milestones: [MilestoneOption] = [], assign: Bool = false, approve: Bool = false) {
        self.decide = decide
        self.outcomes = outcomes
        self.note = note
        self.moves = moves
        self.closeReasons = closeReasons
        self.closeNeedsApproval = closeNeedsApproval
        self.milestones = milestones
        self.assign = assign
        self.approve = approve
    }

    /// The moves of one kind.
    public func moves(_ kind: TransitionKind) -> [AllowedMove] { moves.filter { $0.kind == kind } }
}

/// A move the pathway allows from the case's level.
public struct AllowedMove: Sendable, Hashable, Codable {
    public var kind: TransitionKind
    public var to: String
    /// The pathway transition's id (`escalate-cp-from-child-in-need`).
    public var transition: String
    /// The move waits for a manager's approval when this role asks for it.
    public var needsApproval: Bool

    public init(kind: TransitionKind, to: String, transition: String, needsApproval: Bool) {
        self.kind = kind
        self.to = to
        self.transition = transition
        self.needsApproval = needsApproval
    }
}

/// A milestone that can be recorded on the case, with the pathway's words for it.
public struct MilestoneOption: Sendable, Hashable, Codable {
    public var id: String
    public var title: String
    /// Recorded by this role, it waits for a manager's approval.
    public var needsApproval: Bool
    /// The census codes it takes (an assessment's factors and primary need, …); absent when none.
    public var takes: [CensusDetail]?

    public init(id: String, title: String, needsApproval: Bool, takes: [CensusDetail]? = nil) {
        self.id = id
        self.title = title
        self.needsApproval = needsApproval
        self.takes = takes.flatMap { $0.isEmpty ? nil : $0 }
    }
}

extension CaseStateMachine {
    /// What `role` may do to a case in `state` now.
    public func options(for state: CaseState, role: Role) -> CaseOptions {
        var options = CaseOptions()
        let definition = pathway.definition
        let staff = role == .practitioner || role == .manager
        let active = state.phase == .open || state.phase == .awaitingDecision
        guard active, staff else { return options }
        let frontDoor = definition.intake.roles.contains(role)
        let consented = state.consent == .given
        func reachable(_ level: String) -> Bool { consented || !(definition.level(level)?.consentRequired ?? false) }
        if state.phase == .awaitingDecision, state.decisionOutstanding, state.pending == nil, frontDoor {
            options.decide = true
            options.outcomes = definition.intake.outcomes.filter(reachable)
            options.closeReasons = definition.intake.closeReasons ?? []
        }
        if state.joinedReferralOutstanding, !state.decisionPending, frontDoor {
            options.note = true
            options.outcomes = definition.intake.outcomes.filter(reachable)
        }
        if state.phase == .open, let current = state.level, state.pending == nil {
            for rule in definition.transitions where rule.from == current && rule.roles.contains(role) {
                if rule.kind == .close {
                    options.closeReasons += (rule.reasons ?? []).filter { !options.closeReasons.contains($0) }
                    options.closeNeedsApproval = options.closeNeedsApproval || (rule.needsApproval && role != .manager)
                } else if let to = rule.to, reachable(to) {
                    options.moves.append(AllowedMove(kind: rule.kind, to: to, transition: rule.id, needsApproval: rule.needsApproval && role != .manager))
                }
            }
        }
        let recorded = state.milestones ?? []
        options.milestones = definition.milestones.compactMap { milestone in
            if let required = milestone.requiresAny, !required.contains(where: recorded.contains) { return nil }
            let waits = milestone.needsApproval && role != .manager
            if waits, state.pending != nil { return nil }
            return MilestoneOption(id: milestone.id, title: milestone.title, needsApproval: waits, takes: milestone.census?.takes)
        }
        options.assign = true
        options.approve = role == .manager && state.pending != nil
        return options
    }
}
