import ContinuumCore
import ContinuumJSON

/// Everything about one case for the front door: state, referrals, clocks and history.
public struct CaseRecord: Sendable, Hashable, Codable {
    public var caseId: String
    /// The pathway version the case is on, `id@version`.
    public var pathway: String?
    public var phase: CaseState.Phase
    public var level: String?
    public var levelTitle: String?
    public var recommendation: String?
    public var consent: Consent?
    public var awaitingDecision: Bool
    /// The lead practitioner's id (kept under its first name for existing clients).
    public var assignedTo: String?
    public var lead: CaseWorker?
    public var coWorker: CaseWorker?
    /// Set while the case waits on the migration review list for a person to move it.
    public var migrationReview: MigrationReview?
    public var closureReason: ClosureReason?
    public var pending: ApprovalItem?
    public var clocks: [ClockView]
    public var referrals: [ReferralView]
    /// The whole event history, oldest first.
    public var events: [EventView]
    /// Set once the child's personal data was erased under the retention schedule: ids, levels,
    /// dates and codes remain; names, dates of birth and free text show as `null`.
    public var erasure: CaseErasure?
    /// What the reader's role may do to the case now, by its pathway (issue 23).
    public var options: CaseOptions?
    /// The names of the people the record names (actors, workers, who asked), by token id.
    public var people: [String: String] = [:]

    public init(caseId: String, phase: CaseState.Phase, level: String?, levelTitle: String?, recommendation: String?, consent: Consent?, awaitingDecision: Bool, assignedTo: String?, closureReason: ClosureReason?, pending: ApprovalItem?, clocks: [ClockView], referrals: [ReferralView], events: [EventView]) {
        self.caseId = caseId
        self.phase = phase
        self.level = level
        self.levelTitle = levelTitle
        self.recommendation = recommendation
        self.consent = consent
        self.awaitingDecision = awaitingDecision
        self.assignedTo = assignedTo
        self.closureReason = closureReason
        self.pending = pending
        self.clocks = clocks
        self.referrals = referrals
        self.events = events
    }
}

/// When and under which rule a case's personal data was erased (`personal-data-erased`).
public struct CaseErasure: Sendable, Hashable, Codable {
    public var eventId: String
    public var erasedAt: Timestamp
    /// The retention rule applied, e.g. `child-protection: 25th birthday (…)`.
    public var rule: String

    public init(eventId: String, erasedAt: Timestamp, rule: String) {
        self.eventId = eventId
        self.erasedAt = erasedAt
        self.rule = rule
    }
}

/// A case on the migration review list: it stays on its version until a person moves it.
public struct MigrationReviewItem: Sendable, Hashable, Codable {
    public var caseId: String
    /// The version it is on.
    public var pathway: String
    public var phase: CaseState.Phase
    public var level: String?
    public var consent: Consent?
    public var review: MigrationReview

    public init(caseId: String, pathway: String, phase: CaseState.Phase, level: String?, consent: Consent?, review: MigrationReview) {
        self.caseId = caseId
        self.pathway = pathway
        self.phase = phase
        self.level = level
        self.consent = consent
        self.review = review
    }
}

/// `GET /v1/migration-review`: the cases waiting for a person after a pathway migration.
public struct MigrationReviewPage: Sendable, Hashable, Codable {
    public var total: Int
    public var items: [MigrationReviewItem]

    public init(total: Int, items: [MigrationReviewItem]) {
        self.total = total
        self.items = items
    }
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

    public init(clock: String, title: String, from: CalendarDate, due: CalendarDate, overdue: Bool, breached: Bool) {
        self.clock = clock
        self.title = title
        self.from = from
        self.due = due
        self.overdue = overdue
        self.breached = breached
    }
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

    public init(referralId: String, partnerId: String, messageId: String, receivedAt: Timestamp, reReferral: Bool, previousReferralId: String?, message: JSONValue, decision: Decision?) {
        self.referralId = referralId
        self.partnerId = partnerId
        self.messageId = messageId
        self.receivedAt = receivedAt
        self.reReferral = reReferral
        self.previousReferralId = previousReferralId
        self.message = message
        self.decision = decision
    }
}

/// One event in a case's history: who did what, when, and why.
public struct EventView: Sendable, Hashable, Codable {
    public var id: String
    public var type: EventKind
    public var at: Timestamp
    public var actor: Actor
    public var hash: String
    /// The event's content (for a referral, its id and matching; the message is in `referrals`).
    public var detail: JSONValue
    /// For a change that asked for a manager's approval: whether it waits, or was approved or
    /// rejected (a rejected change never happened). Nil for an event that took effect as made.
    public var approval: ApprovalStatus?

    public init(id: String, type: EventKind, at: Timestamp, actor: Actor, hash: String, detail: JSONValue) {
        self.id = id
        self.type = type
        self.at = at
        self.actor = actor
        self.hash = hash
        self.detail = detail
    }
}

/// What became of a change that asked for a manager's approval.
public enum ApprovalStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case pending
    case approved
    case rejected
}
