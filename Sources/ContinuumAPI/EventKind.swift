import ContinuumCore

/// The name of every kind of event the log holds, as `type` in the log and in a case's history.
/// New kinds are added here; a name once shipped never changes (old logs must keep verifying).
public enum EventKind: String, Sendable, Hashable, Codable, CaseIterable {
    case referralReceived = "referral-received"
    case routed
    case decided
    /// A referral that joined an open case, decided without moving it (issue 23).
    case referralNoted = "referral-noted"
    case stepUp = "step-up"
    case stepDown = "step-down"
    case escalate
    case closed
    case approved
    case rejected
    case consentRecorded = "consent-recorded"
    case milestone
    case clockBreached = "clock-breached"
    case assigned
    case audited
    case childLinked = "child-linked"
    case childrenDistinguished = "children-distinguished"
    case merged
    case referralMovedIn = "referral-moved-in"
    case unlink
    case reclassify
    case pathwayMigrated = "pathway-migrated"
    case migrationReview = "migration-review"
    case tokenCreated = "token-created"
    case tokenRevoked = "token-revoked"
    /// A child's personal data erased under the retention schedule (issue 20).
    case personalDataErased = "personal-data-erased"
    /// Staff added or corrected the child's census details (issue 18).
    case childDetails = "child-details"
}
