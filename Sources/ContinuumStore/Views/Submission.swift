import ContinuumAPI
import ContinuumCore

/// The store's answer to a partner's referral: ids, the router's recommendation, and how the
/// child was matched (staff only; a partner hears ``referralId`` and the decision).
public struct Submission: Sendable, Hashable {
    public var referralId: String
    public var caseId: String
    public var decision: Decision
    /// `decision` as the log stored it (canonical JSON): the answer's bytes, not encoded again.
    public var decisionText: String
    /// The child was referred within the 12 months before.
    public var reReferral: Bool
    /// The referral joined a case that was already open.
    public var joinedOpenCase: Bool
    /// True when this is a repeat of a referral already stored (same partner, messageId, body).
    public var replayed: Bool
}

