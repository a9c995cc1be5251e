/// Something that happens to a case. The store appends these; ``CaseStateMachine`` says
/// whether each is allowed and what follows from it.
public enum CaseEvent: Sendable, Hashable, Codable {
    /// A referral arrived (the first opens the case; later ones join it).
    case referralReceived(at: Timestamp, consent: Consent)
    /// The router's recommendation was recorded.
    case routed(Decision)
    /// The front door decided the level (accepting or overriding the recommendation).
    case decided(level: String, by: Actor, at: Timestamp, rationale: String, overrideReason: String?)
    /// The front door's decision on a referral that joined an open case: noted at the case's
    /// current level `level`, the case not moved (asking for a move is a `decided` to another
    /// level). A recommendation above the level makes it an override, with its reason.
    case referralNoted(level: String, by: Actor, at: Timestamp, rationale: String, overrideReason: String?)
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
    /// `census` holds the codes a census milestone takes (an assessment's factors and primary
    /// need, a plan's category of abuse, a pre-proceedings outcome): absent on older events.
    case milestone(String, by: Actor, at: Timestamp, rationale: String? = nil, census: MilestoneCensus? = nil)
    /// Staff added or corrected the census details on the case (the child's UPN, ethnicity, sex;
    /// the episode's primary need).
    case childDetailsRecorded(ChildDetails, by: Actor, at: Timestamp, rationale: String)
    /// A running clock passed its due date.
    case clockBreached(clock: String, at: Timestamp)
    /// A manager's case-file audit: a grade and the findings (qualitative evidence for the board).
    case audited(grade: AuditGrade, findings: String, by: Actor, at: Timestamp)
    /// The case was given to a worker (a practitioner's token id or name) in a case role (nil:
    /// lead, as logged before case roles), with the qualification their token recorded then.
    case assigned(to: String, by: Actor, at: Timestamp, role: CaseRole? = nil, qualification: Qualification? = nil)
    /// A practitioner confirmed a possible match (docs/identity.md): `referralId`, on this case,
    /// is about the same child as the earlier referral `to`.
    case childLinked(match: String, referralId: String, to: String, by: Actor, at: Timestamp, rationale: String)
    /// A practitioner decided a possible match is two different children; the pair is not
    /// offered again.
    case childrenDistinguished(match: String, referralId: String, from: String, by: Actor, at: Timestamp, rationale: String)
    /// This case's only referral, still awaiting its decision, joined the child's open case
    /// `into`: this case ends (its clocks go with the referral, uncounted here).
    case merged(into: String, referralId: String, by: Actor, at: Timestamp, rationale: String)
    /// A referral came to this case from case `from` (a link joined it here, or an unlink gave
    /// it a case of its own): as if received here at `receivedAt`, with its recommendation.
    case referralMoved(referralId: String, from: String, receivedAt: Timestamp, consent: Consent, recommendation: String?,
                       by: Actor, at: Timestamp, rationale: String)
    /// A wrong link is undone: `referralId` leaves this case for one of its own. A manager's
    /// approval is needed (a practitioner's request waits for it).
    case unlinkRequested(referralId: String, by: Actor, at: Timestamp, rationale: String)
    /// The case moved to another pathway version (`continuum pathway migrate`, or a person
    /// deciding a case on the review list): its level, recommendation and running clocks mapped.
    case pathwayMigrated(PathwayMigration, by: Actor, at: Timestamp, rationale: String)
    /// The migration could not place the case safely: it waits, on its version, for a person.
    case migrationReviewRequested(MigrationReview, by: Actor, at: Timestamp)

    /// The event's name in the event log.
    public var name: String {
        switch self {
        case .referralReceived: "referral-received"
        case .routed: "routed"
        case .decided: "decided"
        case .referralNoted: "referral-noted"
        case .moved(let kind, _, _, _, _): kind.rawValue
        case .closed: "closed"
        case .approved: "approved"
        case .rejected: "rejected"
        case .consentRecorded: "consent-recorded"
        case .milestone: "milestone"
        case .clockBreached: "clock-breached"
        case .assigned: "assigned"
        case .audited: "audited"
        case .childLinked: "child-linked"
        case .childrenDistinguished: "children-distinguished"
        case .merged: "merged"
        case .referralMoved: "referral-moved-in"
        case .unlinkRequested: "unlink"
        case .pathwayMigrated: "pathway-migrated"
        case .migrationReviewRequested: "migration-review"
        case .childDetailsRecorded: "child-details"
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
    /// A referral left the case (an approved unlink): the store recomputes the case without it
    /// and gives the referral a case of its own.
    case referralUnlinked(String)
}

/// An accepted event's outcome.
public struct CaseTransition: Sendable, Hashable {
    public var state: CaseState
    public var effects: [CaseEffect]

    public init(state: CaseState, effects: [CaseEffect]) {
        self.state = state
        self.effects = effects
    }
}

/// Ofsted's four grades, as used for case-file audits.
public enum AuditGrade: String, Sendable, Hashable, Codable, CaseIterable {
    case outstanding, good
    case requiresImprovement = "requires-improvement"
    case inadequate
}
