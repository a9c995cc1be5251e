/// Something that happens to a case. The store appends these; ``CaseStateMachine`` says
/// whether each is allowed and what follows from it.
public enum CaseEvent: Sendable, Hashable, Codable {
    /// A referral arrived (the first opens the case; later ones join it).
    case referralReceived(at: Timestamp, consent: Consent)
    /// The router's recommendation was recorded.
    case routed(Decision)
    /// The front door decided the level (accepting or overriding the recommendation).
    case decided(level: String, by: Actor, at: Timestamp, rationale: String, overrideReason: String?)
    /// A step-up, step-down or escalation.
    case moved(kind: TransitionKind, to: String, by: Actor, at: Timestamp, rationale: String)
    /// Closure with a CIN census reason.
    case closed(reason: ClosureReason, by: Actor, at: Timestamp, rationale: String)
    /// A manager approved the pending change.
    case approved(by: Actor, at: Timestamp, rationale: String?)
    /// A manager refused the pending change.
    case rejected(by: Actor, at: Timestamp, rationale: String)
    /// Consent given, refused or withdrawn after the referral.
    case consentRecorded(Consent, by: Actor, at: Timestamp)
    /// A milestone happened (assessment completed, strategy discussion held, …) at `at`, which
    /// may be before it was recorded; clocks it stops are judged on that date.
    case milestone(String, by: Actor, at: Timestamp, rationale: String? = nil)
    /// A running clock passed its due date.
    case clockBreached(clock: String, at: Timestamp)
    /// A manager's case-file audit: a grade and the findings (qualitative evidence for the board).
    case audited(grade: AuditGrade, findings: String, by: Actor, at: Timestamp)
    /// The case was given to a worker (a practitioner's id or name as the council uses it).
    case assigned(to: String, by: Actor, at: Timestamp)

    /// The event's name in the event log.
    public var name: String {
        switch self {
        case .referralReceived: "referral-received"
        case .routed: "routed"
        case .decided: "decided"
        case .moved(let kind, _, _, _, _): kind.rawValue
        case .closed: "closed"
        case .approved: "approved"
        case .rejected: "rejected"
        case .consentRecorded: "consent-recorded"
        case .milestone: "milestone"
        case .clockBreached: "clock-breached"
        case .assigned: "assigned"
        case .audited: "audited"
        }
    }
}

/// What an event caused, beyond the new state: for the event log and for notifications.
public enum CaseEffect: Sendable, Hashable, Codable {
    case levelEntered(String)
    case levelLeft(String)
    case clockStarted(clock: String, from: CalendarDate, due: CalendarDate)
    case clockRestarted(clock: String, from: CalendarDate, due: CalendarDate)
    /// `met` is whether it stopped on or before its due date.
    case clockStopped(clock: String, on: CalendarDate, met: Bool)
    case approvalRequested(PendingChange)
}

/// An accepted event's outcome.
public struct CaseTransition: Sendable, Hashable {
    public var state: CaseState
    public var effects: [CaseEffect]
}

/// Ofsted's four grades, as used for case-file audits.
public enum AuditGrade: String, Sendable, Hashable, Codable, CaseIterable {
    case outstanding, good
    case requiresImprovement = "requires-improvement"
    case inadequate
}
