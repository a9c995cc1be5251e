import ContinuumCore
import ContinuumJSON

/// What the referring partner may know about its referral: status and outcome, no staff notes.
public struct ReferralStatus: Sendable, Hashable, Codable {
    public var referralId: String
    public var caseId: String
    public var messageId: String
    public var receivedAt: Timestamp
    public var status: Status
    public var decision: Decision?
    public var outcome: Outcome?

    /// Where a referral stands, as its referrer may know it.
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        /// The front door has not decided yet.
        case awaitingDecision = "awaiting-decision"
        /// The child is open at `outcome.level`.
        case open
        case closed
    }

    /// Where the child is now.
    public struct Outcome: Sendable, Hashable, Codable {
        public var level: String?
        public var levelTitle: String?
        public var closureReason: ClosureReason?

        public init(level: String?, levelTitle: String?, closureReason: ClosureReason?) {
            self.level = level
            self.levelTitle = levelTitle
            self.closureReason = closureReason
        }
    }

    public init(referralId: String, caseId: String, messageId: String, receivedAt: Timestamp, status: Status, decision: Decision?, outcome: Outcome?) {
        self.referralId = referralId
        self.caseId = caseId
        self.messageId = messageId
        self.receivedAt = receivedAt
        self.status = status
        self.decision = decision
        self.outcome = outcome
    }
}

/// What a partner hears back for a referral (`POST /v1/referrals`, and a batch line's result
/// with `line` and an HTTP `status`): its id, status and the router's recommendation for its own
/// message. Never the case id, nor whether the child was known (docs/identity.md).
public struct ReferralAnswer: Sendable, Hashable, Codable {
    public var referralId: String
    public var status: ReferralStatus.Status
    public var decision: Decision

    public init(referralId: String, status: ReferralStatus.Status, decision: Decision) {
        self.referralId = referralId
        self.status = status
        self.decision = decision
    }

    /// The answer's JSON with the decision's canonical text spliced in as the log stored it, so
    /// a referral's decision is encoded once (byte-identical to encoding the value: members in
    /// key order, as ContinuumJSON writes them).
    public static func json(referralId: String, status: ReferralStatus.Status, decisionText: String) -> String {
        "{\"decision\":\(decisionText),\"referralId\":\(JSONValue.string(referralId).serialized()),\"status\":\(JSONValue.string(status.rawValue).serialized())}"
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
    /// The case is already open at a level (a further referral joined it): the decision is
    /// about the referral (note it there, or move the case), shown beside the recommendation.
    public var currentLevel: String?
    /// The referral joined a case already open (``currentLevel`` is set).
    public var joinedOpenCase: Bool { currentLevel != nil }
    /// The referral's recommendation is below the case's current level: shown for a person to
    /// weigh, never applied by itself (accepting it notes the referral at the current level).
    public var recommendationBelowLevel: Bool?
    /// The worker the case is assigned to.
    public var assignedTo: String?
    /// The case's pathway version, `id@version`.
    public var pathway: String?

    public init(caseId: String, referralId: String, receivedAt: Timestamp, child: ChildSummary, referrer: ReferrerSummary, recommendedLevel: String?, recommendedLevelTitle: String?, immediateRisk: Bool, reReferral: Bool, decisionDue: CalendarDate?, overdue: Bool, pendingApproval: Bool, currentLevel: String?, assignedTo: String?) {
        self.caseId = caseId
        self.referralId = referralId
        self.receivedAt = receivedAt
        self.child = child
        self.referrer = referrer
        self.recommendedLevel = recommendedLevel
        self.recommendedLevelTitle = recommendedLevelTitle
        self.immediateRisk = immediateRisk
        self.reReferral = reReferral
        self.decisionDue = decisionDue
        self.overdue = overdue
        self.pendingApproval = pendingApproval
        self.currentLevel = currentLevel
        self.assignedTo = assignedTo
    }
}

/// The child as staff see it in lists.
public struct ChildSummary: Sendable, Hashable, Codable {
    public var givenName: String
    public var familyName: String
    public var dateOfBirth: CalendarDate?
    public var expectedDateOfBirth: CalendarDate?
    /// Whole years on the day the list was made; nil for an unborn child.
    public var ageYears: Int?

    public init(givenName: String, familyName: String, dateOfBirth: CalendarDate?, expectedDateOfBirth: CalendarDate?, ageYears: Int?) {
        self.givenName = givenName
        self.familyName = familyName
        self.dateOfBirth = dateOfBirth
        self.expectedDateOfBirth = expectedDateOfBirth
        self.ageYears = ageYears
    }
}

/// The referrer as staff see it in lists.
public struct ReferrerSummary: Sendable, Hashable, Codable {
    public var agency: String
    public var source: String

    public init(agency: String, source: String) {
        self.agency = agency
        self.source = source
    }
}

/// A change waiting for a manager's approval.
public struct ApprovalItem: Sendable, Hashable, Codable {
    /// The id of the event that asked for approval (`E…`): the approval's id.
    public var id: String
    public var caseId: String
    public var change: PendingChange

    public init(id: String, caseId: String, change: PendingChange) {
        self.id = id
        self.caseId = caseId
        self.change = change
    }
}

/// The outcome of a staff action.
public struct ChangeOutcome: Sendable, Hashable, Codable {
    /// The event recorded (`E…`); when approval is needed, also the approval's id.
    public var eventId: String
    public var status: Status
    public var caseId: String
    public var phase: CaseState.Phase
    public var level: String?

    /// Whether the change took effect or waits for a manager.
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        case applied
        case pendingApproval = "pending-approval"
    }

    public init(eventId: String, status: Status, caseId: String, phase: CaseState.Phase, level: String?) {
        self.eventId = eventId
        self.status = status
        self.caseId = caseId
        self.phase = phase
        self.level = level
    }
}

/// `GET /v1/queue`: the most urgent `limit` items (100 without one) and how many wait in all.
public struct QueuePage: Sendable, Hashable, Codable {
    public static let maximumLimit = 1000
    public static let defaultLimit = 100
    /// The London date the urgency and deadlines were judged on.
    public var asOf: CalendarDate
    public var total: Int
    /// How many of all those waiting are past a due date (not only of those listed).
    public var overdue: Int
    public var items: [QueueItem]
    /// The names of the people the items name (workers), by token id.
    public var people: [String: String]

    public init(asOf: CalendarDate, total: Int, overdue: Int = 0, items: [QueueItem], people: [String: String] = [:]) {
        self.asOf = asOf
        self.total = total
        self.overdue = overdue
        self.items = items
        self.people = people
    }
}

/// `GET /v1/approvals`: the oldest `limit` (100 without one) and how many wait in all.
public struct ApprovalsPage: Sendable, Hashable, Codable {
    public var total: Int
    public var items: [ApprovalItem]
    /// The names of the people who asked, by token id.
    public var people: [String: String]

    public init(total: Int, items: [ApprovalItem], people: [String: String] = [:]) {
        self.total = total
        self.items = items
        self.people = people
    }
}
