/// A council's continuum of need as data: levels, the front door, transitions between levels,
/// routing criteria as decision tables, statutory clocks and the working-day calendar.
///
/// The format is documented in `docs/pathway-format.md`. Load one with ``PathwayLoader``
/// and verify it with ``PathwayChecker`` (which yields a ``VerifiedPathway`` to route with).
public struct Pathway: Sendable, Hashable, Codable {
    /// The format tag every pathway file carries.
    public static let format = "continuum-pathway/1"

    public var format: String
    public var id: String
    /// The council's own version label ("2026-11"); decisions cite `id@version`.
    public var version: String
    /// The first day (Europe/London) this version is in force: a referral received on or after
    /// it, and before the next version's, opens its case on this version (``PathwaySet``).
    /// Absent: in force from the start (only a single pathway may leave it out).
    public var effectiveFrom: CalendarDate?
    public var title: String
    /// Where the definition comes from (the council's published threshold document).
    public var source: String?
    public var calendar: CalendarReference
    public var intake: Intake
    /// In order of increasing need: a step-up goes to a later level, a step-down to an earlier.
    public var levels: [Level]
    public var milestones: [Milestone]
    public var transitions: [PathwayTransition]
    public var inputs: [FactInput]
    public var criteria: [DecisionTable]
    public var clocks: [ClockDefinition]
    /// The council's children in need census settings (issue 18): its LA code.
    public var census: CensusSettings?

    /// Working days for this pathway's clocks (loaded from ``calendar``; weekends only until then).
    public var workingDays: WorkingDayCalendar = .weekendsOnly

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case format, id, version, effectiveFrom, title, source, calendar, intake, levels, milestones, transitions, inputs, criteria, clocks, census
    }

    /// `id@version`, as decisions cite it.
    public var reference: String { "\(id)@\(version)" }

    public func level(_ id: String) -> Level? { levels.first { $0.id == id } }

    /// Position in ``levels`` (the level's rank in the continuum).
    public func rank(of id: String) -> Int? { levels.firstIndex { $0.id == id } }
}

/// Where the bank-holiday list lives (GOV.UK `bank-holidays.json` shape), relative to the pathway file.
public struct CalendarReference: Sendable, Hashable, Codable {
    public var bankHolidays: String
    /// The feed's division: `england-and-wales`.
    public var division: String
    public enum CodingKeys: String, CodingKey, CaseIterable { case bankHolidays, division }
}

/// The front door: where every referral starts, and which levels its decision can place a child in.
public struct Intake: Sendable, Hashable, Codable {
    public var title: String
    /// The id of the decision table that recommends a level.
    public var routing: String
    /// The levels the front-door decision may choose.
    public var outcomes: [String]
    /// Who may record the front-door decision.
    public var roles: [Role]
    /// Closure reasons allowed straight from the front door (no further action).
    public var closeReasons: [ClosureReason]?
    /// Whether a decision that differs from the recommendation needs a manager's approval.
    public var overridesNeedApproval: Bool?
    public enum CodingKeys: String, CodingKey, CaseIterable { case title, routing, outcomes, roles, closeReasons, overridesNeedApproval }
}

/// Universal services, early help, or statutory social care.
public enum Tier: String, Sendable, Hashable, Codable, CaseIterable {
    case universal
    case earlyHelp = "early-help"
    case statutory
}

/// One level of the continuum.
public struct Level: Sendable, Hashable, Codable {
    public var id: String
    public var title: String
    public var tier: Tier
    public var description: String
    /// The service or team that holds a child at this level.
    public var heldBy: String
    /// Whether parental consent is needed to place a child here (early help is consensual).
    public var consentRequired: Bool
    /// Who may hold the case at this level: the lead practitioner and, where the level asks for
    /// one, a co-worker, each by qualification. Absent: anyone may be assigned, no co-worker.
    public var caseRoles: CaseRoles?
    /// How long a child's record is kept once it has reached this level (the longest rule of any
    /// level reached applies). Absent: no end is set (`check` warns).
    public var retention: RetentionRule?
    /// Whether a child at this level is a child in need for the CIN census (children's social
    /// care: section 17, section 47, looked after). Targeted early help, non-statutory Family
    /// Help and universal help are not. `continuum check` asks every level to say.
    public var census: Bool?
    public enum CodingKeys: String, CodingKey, CaseIterable { case id, title, tier, description, heldBy, consentRequired, caseRoles, retention, census }

    /// Whether the level is within the census: as it says, else statutory levels are.
    public var withinCensus: Bool { census ?? (tier == .statutory) }
}

/// A retention period: N years after the case closed, or until the child's Nth birthday.
public struct RetentionRule: Sendable, Hashable, Codable {
    public enum Anchor: String, Sendable, Hashable, Codable, CaseIterable {
        /// From the day the case closed.
        case closure
        /// From the child's date of birth (25 years after birth: until the 25th birthday).
        case birth
    }

    public var years: Int
    public var after: Anchor
    /// Where the period comes from (a records retention schedule; the council's choice).
    public var source: String?
    public enum CodingKeys: String, CodingKey, CaseIterable { case years, after, source }

    public init(years: Int, after: Anchor, source: String? = nil) {
        self.years = years
        self.after = after
        self.source = source
    }

    /// The last day the record is kept, or nil when the anchor date is not known.
    public func keptUntil(closedOn: CalendarDate, bornOn: CalendarDate?) -> CalendarDate? {
        switch after {
        case .closure: closedOn.adding(months: 12 * years)
        case .birth: bornOn.map { $0.adding(months: 12 * years) }
        }
    }

    public var description: String { after == .closure ? "\(years) years after closure" : "until the \(years)th birthday" }
}

/// The roles a level gives a case (Families First: a Family Help lead practitioner of any
/// discipline; at child protection a social worker leads and the Family Help lead co-works).
public struct CaseRoles: Sendable, Hashable, Codable {
    public var lead: CaseRoleRule
    /// A second worker. Entering the level from one without a co-worker keeps the previous lead
    /// as co-worker; leaving it for such a level makes the co-worker the lead again.
    public var coWorker: CaseRoleRule?
    public enum CodingKeys: String, CodingKey, CaseIterable { case lead, coWorker }

    public func rule(_ role: CaseRole) -> CaseRoleRule? {
        switch role {
        case .lead: lead
        case .coWorker: coWorker
        }
    }
}

/// Which qualifications may hold one case role at a level.
public struct CaseRoleRule: Sendable, Hashable, Codable {
    /// What the role is called here ("Lead Child Protection Practitioner").
    public var title: String
    public var qualifications: [Qualification]
    /// Where the rule comes from (statute, national guidance or local choice).
    public var source: String?
    public enum CodingKeys: String, CodingKey, CaseIterable { case title, qualifications, source }
}

/// The two workers a case can have.
public enum CaseRole: String, Sendable, Hashable, Codable, CaseIterable {
    case lead
    case coWorker = "co-worker"
}

/// A person's professional qualification, as their token records it.
public enum Qualification: String, Sendable, Hashable, Codable, CaseIterable {
    /// A registered social worker (Social Work England).
    case socialWorker = "social-worker"
    case familySupportWorker = "family-support-worker"
    case earlyHelpPractitioner = "early-help-practitioner"
}

/// A recorded event in a case that clocks can start or stop on ("strategy discussion held").
public struct Milestone: Sendable, Hashable, Codable {
    public var id: String
    public var title: String
    /// The milestone may be recorded only once the case has recorded one of these (a court
    /// application needs the FGDM offer, or the decision that one is not in the child's interests).
    public var requiresAny: [String]?
    /// Recording it needs a rationale.
    public var rationaleRequired: Bool?
    /// It takes effect only when a manager records or approves it.
    public var approval: Bool?
    /// Where the rule comes from.
    public var source: String?
    /// What it records in the CIN census (an assessment authorised, a plan started, …).
    public var census: CensusItem?
    public enum CodingKeys: String, CodingKey, CaseIterable { case id, title, requiresAny, rationaleRequired, approval, source, census }

    public init(id: String, title: String, census: CensusItem? = nil) {
        self.id = id
        self.title = title
        self.census = census
    }

    public var needsApproval: Bool { approval ?? false }
}

/// Who is acting: the roles of Continuum's bearer tokens.
public enum Role: String, Sendable, Hashable, Codable, CaseIterable {
    case partner, practitioner, manager, planner, admin
}

/// The kinds of move between levels.
public enum TransitionKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// A planned move to a level of higher need; must have a way back by step-downs.
    case stepUp = "step-up"
    /// A planned move to a level of lower need.
    case stepDown = "step-down"
    /// An urgent move up on significant harm; also needs a way back by step-downs.
    case escalate
    /// Case closure, with a CIN census reason.
    case close
    /// A change of legal basis between two levels of one service (targeted Family Help and
    /// Family Help under s17): not a handover, so the case keeps its workers.
    case reclassify
}

/// A permitted move from one level to another (or to closure).
public struct PathwayTransition: Sendable, Hashable, Codable {
    public var id: String
    public var from: String
    /// The target level; absent for `close`.
    public var to: String?
    public var kind: TransitionKind
    public var roles: [Role]
    /// Whether a manager must approve before it takes effect.
    public var approval: Bool?
    /// For `close`: the CIN census closure reasons allowed.
    public var reasons: [ClosureReason]?
    public var description: String
    public enum CodingKeys: String, CodingKey, CaseIterable { case id, from, to, kind, roles, approval, reasons, description }

    public init(id: String, from: String, to: String?, kind: TransitionKind, roles: [Role], approval: Bool? = nil, reasons: [ClosureReason]? = nil,
                description: String) {
        self.id = id
        self.from = from
        self.to = to
        self.kind = kind
        self.roles = roles
        self.approval = approval
        self.reasons = reasons
        self.description = description
    }

    public var needsApproval: Bool { approval ?? false }
}
