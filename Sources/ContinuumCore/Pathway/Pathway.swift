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

    /// Working days for this pathway's clocks (loaded from ``calendar``; weekends only until then).
    public var workingDays: WorkingDayCalendar = .weekendsOnly

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case format, id, version, title, source, calendar, intake, levels, milestones, transitions, inputs, criteria, clocks
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
    public enum CodingKeys: String, CodingKey, CaseIterable { case id, title, tier, description, heldBy, consentRequired }
}

/// A recorded event in a case that clocks can start or stop on ("strategy discussion held").
public struct Milestone: Sendable, Hashable, Codable {
    public var id: String
    public var title: String
    public enum CodingKeys: String, CodingKey, CaseIterable { case id, title }
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

    public var needsApproval: Bool { approval ?? false }
}
