/// Why the state machine refused an event: what a practitioner reads when an action is refused.
public enum CaseTransitionError: Error, Sendable, Hashable, CustomStringConvertible {
    case unknownLevel(String)
    case unknownMilestone(String)
    case unknownClock(String)
    /// The pathway has no such move from the current level; `allowed` lists those it has.
    case noSuchTransition(from: String, to: String, kind: TransitionKind, allowed: [String])
    /// The front door cannot place a child at this level.
    case notAFrontDoorOutcome(String, allowed: [String])
    /// The level needs parental consent and the case does not have it.
    case consentMissing(level: String, consent: Consent?)
    case roleNotPermitted(role: Role, action: String, allowed: [Role])
    case rationaleMissing
    /// A decision differs from the recommendation and gives no override reason.
    case overrideReasonMissing(recommended: String, chosen: String)
    case closureReasonNotAllowed(ClosureReason, rule: String, allowed: [ClosureReason])
    /// The event does not fit the case's phase (deciding a closed case, …).
    case wrongPhase(CaseState.Phase, action: String)
    /// Another change already waits for approval.
    case approvalPending(PendingChange)
    case nothingToApprove
    /// An assignment names no worker.
    case workerMissing
    /// The level has no such case role (a co-worker where the level asks for none).
    case caseRoleNotAtLevel(CaseRole, level: String)
    /// The worker's qualification does not allow the role at this level.
    case notQualified(worker: String, qualification: Qualification?, role: String, level: String, allowed: [Qualification])
    /// The milestone needs one of these recorded first (a court application needs the FGDM offer).
    case milestoneRequires(String, anyOf: [String])
    /// The event is for another pathway version than the case is on.
    case wrongVersion(expected: String, found: String)
    /// A migration of an open case must say which level it goes to.
    case migrationLevelMissing(level: String, to: String)
    /// A running clock the migration does not account for.
    case clockNotMapped(String)
    /// The move exists, as another kind of transition.
    case wrongKind(from: String, to: String, asked: TransitionKind, actual: TransitionKind, transition: String)
    /// A move to the level the case is at already.
    case alreadyAtLevel(String, kind: TransitionKind, allowed: [String])
    /// A census code given with a milestone that does not record it (a category of abuse with
    /// an assessment); `takes` lists what the milestone does take.
    case censusDetailNotTaken(CensusDetail, milestone: String, takes: [CensusDetail])
    /// A change of the child's details that changes nothing.
    case childDetailsMissing
    /// A joined referral is noted at the case's current level, not another.
    case notedAtAnotherLevel(String, current: String)

    public var description: String {
        switch self {
        case .unknownLevel(let level): "unknown level \"\(level)\""
        case .unknownMilestone(let milestone): "unknown milestone \"\(milestone)\""
        case .censusDetailNotTaken(let detail, let milestone, let takes):
            "milestone \"\(milestone)\" does not record \(detail.rawValue)" + (takes.isEmpty ? "; it takes no census codes" : "; it takes \(takes.map(\.rawValue).joined(separator: ", "))")
        case .childDetailsMissing: "give at least one of upn, ethnicity, sex and primary need"
        case .unknownClock(let clock): "no running clock \"\(clock)\""
        case .noSuchTransition(let from, let to, let kind, let allowed):
            "the pathway has no \(kind.rawValue) from \"\(from)\" to \"\(to)\"; from \"\(from)\" it allows: "
                + (allowed.isEmpty ? "nothing" : allowed.joined(separator: ", "))
        case .notAFrontDoorOutcome(let level, let allowed):
            "the front door cannot place a child at \"\(level)\"; it can choose \(allowed.joined(separator: ", "))"
        case .consentMissing(let level, let consent):
            "\"\(level)\" needs parental consent, and consent is \(consent?.rawValue ?? "not recorded"); record consent first or choose a level that does not need it"
        case .roleNotPermitted(let role, let action, let allowed):
            "a \(role.rawValue) may not \(action); allowed: \(allowed.map(\.rawValue).joined(separator: ", "))"
        case .rationaleMissing: "a rationale is required"
        case .overrideReasonMissing(let recommended, let chosen):
            "choosing \"\(chosen)\" instead of the recommended \"\(recommended)\" needs an override reason"
        case .closureReasonNotAllowed(let reason, let rule, let allowed):
            "\(rule) allows closure reasons \(allowed.map(\.rawValue).joined(separator: ", ")), not \(reason.rawValue)"
        case .wrongPhase(let phase, let action): "cannot \(action): the case is \(phase.rawValue)"
        case .approvalPending(let pending):
            "another change is waiting for a manager's approval (\(pending.change.summary), asked by \(pending.requestedBy.id)); "
                + "a manager approves or rejects it first"
        case .nothingToApprove: "nothing is waiting for approval"
        case .workerMissing: "an assignment needs the worker to assign the case to"
        case .caseRoleNotAtLevel(let role, let level): "level \"\(level)\" has no \(role.rawValue) role"
        case .notQualified(let worker, let qualification, let role, let level, let allowed):
            "\(worker) (\(qualification.map { "qualification \($0.rawValue)" } ?? "no recorded qualification")) may not be the \(role) at \"\(level)\": "
                + "the pathway allows \(allowed.map(\.rawValue).joined(separator: ", "))"
        case .milestoneRequires(let id, let required):
            "\"\(id)\" cannot be recorded before one of \(required.map { "\"\($0)\"" }.joined(separator: ", ")) is recorded on the case"
        case .wrongVersion(let expected, let found): "the case is on pathway \(found), not \(expected)"
        case .migrationLevelMissing(let level, let to): "say which level of \(to) the case at \"\(level)\" goes to"
        case .clockNotMapped(let clock): "the migration does not say what becomes of the running clock \"\(clock)\""
        case .wrongKind(let from, let to, let asked, let actual, let transition):
            "from \"\(from)\" to \"\(to)\" is \(actual == .escalate ? "an" : "a") \(actual.rawValue) (transition \(transition)), not a \(asked.rawValue): use \(actual.rawValue)"
        case .alreadyAtLevel(let level, let kind, let allowed):
            "the case is at \"\(level)\" already: a \(kind.rawValue) goes to another level; from \"\(level)\" the pathway allows: "
                + (allowed.isEmpty ? "nothing" : allowed.joined(separator: ", "))
        case .notedAtAnotherLevel(let level, let current):
            "a joined referral is noted at the case's level \"\(current)\", not \"\(level)\"; to move the case, decide the level it goes to"
        }
    }
}
