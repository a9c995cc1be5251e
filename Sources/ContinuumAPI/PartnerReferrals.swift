import ContinuumCore

/// A referral as its referrer may know it (issue 24): its own ids, where it stands, the router's
/// recommendation for its own message, and once the front door has decided, what was decided and
/// when, in words a referrer understands. Never a case id, never whether the child was known
/// before the front door decided, never a level this referral was not decided at, never staff
/// rationales.
public struct PartnerReferral: Sendable, Hashable, Codable {
    public var referralId: String
    public var messageId: String
    public var receivedAt: Timestamp
    public var status: ReferralStatus.Status
    /// The router's recommendation for this message (as answered when it was sent).
    public var decision: Decision?
    /// What was decided, once the front door decided.
    public var outcome: PartnerOutcome?
    /// Where the referral stands, in a sentence or two.
    public var summary: String
    /// What the referrer should do now, where there is something to say.
    public var nextSteps: String?

    public init(referralId: String, messageId: String, receivedAt: Timestamp, status: ReferralStatus.Status, decision: Decision?,
                outcome: PartnerOutcome?, summary: String, nextSteps: String?) {
        self.referralId = referralId
        self.messageId = messageId
        self.receivedAt = receivedAt
        self.status = status
        self.decision = decision
        self.outcome = outcome
        self.summary = summary
        self.nextSteps = nextSteps
    }
}

/// The front door's decision on a partner's referral, and a later closure.
public struct PartnerOutcome: Sendable, Hashable, Codable {
    /// The level this referral was decided at (nil when it was closed at the front door).
    public var level: String?
    public var levelTitle: String?
    public var decidedAt: Timestamp?
    /// The child's case was already open when the referral came: it was added to that work.
    /// Told only once the front door has decided, never before.
    public var joinedOpenCase: Bool
    public var closedAt: Timestamp?
    public var closureReason: ClosureReason?
    /// The closure reason's meaning (`Case closed after assessment, no further action`).
    public var closureMeaning: String?

    public init(level: String?, levelTitle: String?, decidedAt: Timestamp?, joinedOpenCase: Bool, closedAt: Timestamp?, closureReason: ClosureReason?) {
        self.level = level
        self.levelTitle = levelTitle
        self.decidedAt = decidedAt
        self.joinedOpenCase = joinedOpenCase
        self.closedAt = closedAt
        self.closureReason = closureReason
        closureMeaning = closureReason?.title
    }
}

/// `GET /v1/referrals`: a page of the partner's own referrals, newest first.
public struct PartnerReferralPage: Sendable, Hashable, Codable {
    public var items: [PartnerReferral]
    /// Pass as `?cursor=` for the next page; absent on the last.
    public var nextCursor: String?

    public init(items: [PartnerReferral], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}
