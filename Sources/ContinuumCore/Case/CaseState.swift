/// Everything the pathway rules need to know about one case, as a value.
public struct CaseState: Sendable, Hashable, Codable {
    public enum Phase: String, Sendable, Hashable, Codable {
        /// No referral yet.
        case new
        /// Referred; the front door has not decided.
        case awaitingDecision = "awaiting-decision"
        /// At a level of the continuum.
        case open
        case closed
        /// Ended without a decision: its only referral joined the child's open case
        /// (``CaseState/mergedInto``) when a practitioner linked a possible match.
        case merged
    }

    public var phase: Phase = .new
    /// The pathway version the case is on, `id@version`: set when it opens (the version in
    /// force that day) and changed only by a migration (``CaseEvent/pathwayMigrated(_:by:at:rationale:)``).
    public var pathway: String?
    /// The current level when open (and the last level once closed).
    public var level: String?
    /// The router's latest recommendation.
    public var recommendation: String?
    /// Receipt of the latest referral (clocks "from the point of referral" count from it).
    public var receivedAt: Timestamp?
    public var consent: Consent?
    public var clocks: [RunningClock] = []
    /// A change waiting for a manager's approval.
    public var pending: PendingChange?
    public var closure: ClosureReason?
    /// Whether the latest referral still needs its front-door decision (also on an open case).
    public var decisionOutstanding = false
    /// The lead practitioner, if one is assigned.
    public var lead: CaseWorker?
    /// The co-worker, where the level has that role (the Family Help lead at child protection).
    public var coWorker: CaseWorker?
    /// Milestones recorded on the case (ids, each once), for milestones that require others.
    public var milestones: [String]?
    /// A migration to a new pathway version that a person must decide (the mapping could not
    /// place the case safely); the case stays on its version until then.
    public var migrationReview: MigrationReview?
    /// The case this one was merged into.
    public var mergedInto: String?
    /// Referrals unlinked from this case (they are no longer part of it).
    public var unlinkedReferrals: [String]?

    public init() {}

    /// The lead practitioner's id (as the API has always called it, `assignedTo`).
    public var assignedTo: String? { lead?.id }

    /// The worker in `role`.
    public func worker(_ role: CaseRole) -> CaseWorker? {
        switch role {
        case .lead: lead
        case .coWorker: coWorker
        }
    }

    /// Whether a referral joined the case while it was open and waits for the front door:
    /// a decision about the referral (note it, or move the case), not an order to move.
    public var joinedReferralOutstanding: Bool { phase == .open && decisionOutstanding }

    /// Whether the change waiting for approval is the front-door decision on the referral itself.
    public var decisionPending: Bool {
        switch pending?.change {
        case .decision?, .noted?: true
        default: false
        }
    }

    /// Whether the case has ended (closed, or merged into another).
    public var hasEnded: Bool { phase == .closed || phase == .merged }

    public func clock(_ id: String) -> RunningClock? { clocks.first { $0.clock == id } }

    /// Running clocks whose due date is before `date` (London).
    public func overdue(on date: CalendarDate) -> [RunningClock] { clocks.filter { $0.due < date } }
}

/// A person holding a case role, with the qualification their token records (nil for a worker
/// named without a token, who may hold a role only where a level sets no qualification rule).
public struct CaseWorker: Sendable, Hashable, Codable {
    public var id: String
    public var qualification: Qualification?

    public init(id: String, qualification: Qualification?) {
        self.id = id
        self.qualification = qualification
    }
}

/// A clock that is running: since when, and when it is due.
public struct RunningClock: Sendable, Hashable, Codable {
    public var clock: String
    public var from: CalendarDate
    public var due: CalendarDate
    /// How many times it has been met and restarted (reviews held).
    public var restarts: Int
    /// Set once a breach has been recorded for the current interval.
    public var breached: Bool
}

/// A decision or transition recorded but not in effect until a manager approves it.
public struct PendingChange: Sendable, Hashable, Codable {
    public enum Change: Sendable, Hashable, Codable {
        case decision(level: String, overrideReason: String?)
        /// A joined referral noted at the case's level against a higher recommendation.
        case noted(level: String, overrideReason: String?)
        case move(kind: TransitionKind, to: String, transition: String)
        case close(reason: ClosureReason, transition: String?)
        /// A referral to leave the case (a wrong identity link undone).
        case unlink(referralId: String)
        /// A milestone that takes effect with a manager's approval (FGDM judged not in the
        /// child's best interests), on the day it happened.
        case milestone(String, at: Timestamp, census: MilestoneCensus? = nil)
    }

    public var change: Change
    public var requestedBy: Actor
    public var requestedAt: Timestamp
    public var rationale: String
}

extension PendingChange.Change {
    /// The change in a few words ("a step-down to targeted-support").
    public var summary: String {
        switch self {
        case .decision(let level, _): "a decision for \(level)"
        case .noted(let level, _): "a referral noted at \(level)"
        case .move(let kind, let to, _): "a \(kind.rawValue) to \(to)"
        case .close(let reason, _): "closure (\(reason.rawValue))"
        case .unlink(let referralId): "unlinking \(referralId)"
        case .milestone(let id, _, _): "milestone \(id)"
        }
    }
}

/// Who did something: a user id and the role they acted in.
public struct Actor: Sendable, Hashable, Codable {
    public var id: String
    public var role: Role

    public init(id: String, role: Role) {
        self.id = id
        self.role = role
    }
}
