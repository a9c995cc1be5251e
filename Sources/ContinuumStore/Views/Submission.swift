import ContinuumCore

/// The answer to a partner's referral: ids, status and the router's recommendation.
public struct Submission: Sendable, Hashable, Codable {
    public var referralId: String
    public var caseId: String
    /// `awaiting-decision` for a new referral.
    public var status: String
    public var decision: Decision
    /// The child was referred within the 12 months before.
    public var reReferral: Bool
    /// The referral joined a case that was already open.
    public var joinedOpenCase: Bool
    /// True when this is a repeat of a referral already stored (same partner, messageId, body).
    public var replayed: Bool
}

/// What the referring partner may know about its referral: status and outcome, no staff notes.
public struct ReferralStatus: Sendable, Hashable, Codable {
    public var referralId: String
    public var caseId: String
    public var messageId: String
    public var receivedAt: Timestamp
    /// `awaiting-decision`, `open` (at `outcome.level`) or `closed`.
    public var status: String
    public var decision: Decision?
    public var outcome: Outcome?

    /// Where the child is now.
    public struct Outcome: Sendable, Hashable, Codable {
        public var level: String?
        public var levelTitle: String?
        public var closureReason: ClosureReason?
    }
}

/// One row of the front door's queue.
public struct QueueItem: Sendable, Hashable, Codable {
    public var caseId: String
    public var referralId: String
    public var receivedAt: Timestamp
    public var child: ChildSummary
    public var referrer: ReferrerSummary
    public var recommendedLevel: String?
    public var recommendedLevelTitle: String?
    public var immediateRisk: Bool
    public var reReferral: Bool
    /// The nearest due date of the case's running clocks (the decision clock while it runs).
    public var decisionDue: CalendarDate?
    /// A running clock is past its due date.
    public var overdue: Bool
    /// A change to this case waits for a manager.
    public var pendingApproval: Bool
    /// The case is already open at a level (a further referral joined it).
    public var currentLevel: String?
    /// The worker the case is assigned to.
    public var assignedTo: String?
}

/// The child as staff see it in lists.
public struct ChildSummary: Sendable, Hashable, Codable {
    public var givenName: String
    public var familyName: String
    public var dateOfBirth: CalendarDate?
    public var expectedDateOfBirth: CalendarDate?
    /// Whole years on the day the list was made; nil for an unborn child.
    public var ageYears: Int?
}

/// The referrer as staff see it in lists.
public struct ReferrerSummary: Sendable, Hashable, Codable {
    public var agency: String
    public var source: String
}

/// A change waiting for a manager's approval.
public struct ApprovalItem: Sendable, Hashable, Codable {
    /// The id of the event that asked for approval (`E…`): the approval's id.
    public var id: String
    public var caseId: String
    public var change: PendingChange
}

/// The outcome of a staff action.
public struct ChangeOutcome: Sendable, Hashable, Codable {
    /// The event recorded (`E…`); when approval is needed, also the approval's id.
    public var eventId: String
    /// `applied` or `pending-approval`.
    public var status: String
    public var caseId: String
    public var phase: String
    public var level: String?
}
