import ContinuumCore
import ContinuumJSON

/// Everything about one case for the front door: state, referrals, clocks and history.
public struct CaseRecord: Sendable, Hashable, Codable {
    public var caseId: String
    public var phase: String
    public var level: String?
    public var levelTitle: String?
    public var recommendation: String?
    public var consent: Consent?
    public var awaitingDecision: Bool
    public var assignedTo: String?
    public var closureReason: ClosureReason?
    public var pending: ApprovalItem?
    public var clocks: [ClockView]
    public var referrals: [ReferralView]
    /// The whole event history, oldest first.
    public var events: [EventView]
}

/// A running statutory clock.
public struct ClockView: Sendable, Hashable, Codable {
    public var clock: String
    public var title: String
    public var from: CalendarDate
    public var due: CalendarDate
    public var overdue: Bool
    /// A breach has been recorded for this interval.
    public var breached: Bool
}

/// A referral on a case, with the message as received (staff only).
public struct ReferralView: Sendable, Hashable, Codable {
    public var referralId: String
    public var partnerId: String
    public var messageId: String
    public var receivedAt: Timestamp
    public var reReferral: Bool
    public var previousReferralId: String?
    public var message: JSONValue
    public var decision: Decision?
}

/// One event in a case's history: who did what, when, and why.
public struct EventView: Sendable, Hashable, Codable {
    public var id: String
    public var type: String
    public var at: Timestamp
    public var actor: Actor
    public var hash: String
    /// The event's content (for a referral, its id and matching; the message is in `referrals`).
    public var detail: JSONValue
}
