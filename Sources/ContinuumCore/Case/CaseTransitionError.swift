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

    public var description: String {
        switch self {
        case .unknownLevel(let level): "unknown level \"\(level)\""
        case .unknownMilestone(let milestone): "unknown milestone \"\(milestone)\""
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
        case .approvalPending: "another change is waiting for a manager's approval"
        case .nothingToApprove: "nothing is waiting for approval"
        case .workerMissing: "an assignment needs the worker to assign the case to"
        }
    }
}
