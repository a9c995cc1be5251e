/// A pathway that passed ``PathwayChecker`` with no errors: the only form the router and the
/// case state machine accept, so nothing can route on an unverified definition.
public struct VerifiedPathway: Sendable {
    public let definition: Pathway
    /// What the checker warned about (the pathway is usable).
    public let warnings: [PathwayProblem]
    let routing: CompiledTable
    /// What routing needs, looked up once at verification rather than on every referral.
    let plan: RoutingPlan

    init(definition: Pathway, routing: CompiledTable, warnings: [PathwayProblem]) {
        self.definition = definition
        self.routing = routing
        self.warnings = warnings
        plan = RoutingPlan(definition)
    }

    /// Builds and verifies in one step.
    public init(_ pathway: Pathway) throws(PathwayInvalid) {
        let report = PathwayChecker.check(pathway)
        guard let verified = report.verified else { throw PathwayInvalid(problems: report.problems) }
        self = verified
    }

    public var calendar: WorkingDayCalendar { definition.workingDays }
}

/// The checker's errors for a pathway that cannot be used.
public struct PathwayInvalid: Error, Sendable, Hashable, CustomStringConvertible {
    public let problems: [PathwayProblem]

    public init(problems: [PathwayProblem]) {
        self.problems = problems
    }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// Per-level facts and the clocks that receipt (or entering a level) starts, prepared once.
struct RoutingPlan: Sendable {
    struct ClockStart: Sendable {
        let clock: String
        let title: String
        let interval: ClockInterval
        let startsOn: ClockEvent
    }

    /// Levels by rank (a compiled rule's `outputRank`).
    let levels: [Level]
    /// Per level rank: the clocks a referral recommended there starts (those started by
    /// receipt, then those that entering the level starts, counted from receipt).
    let clocks: [[ClockStart]]
    /// The highest-need front-door outcome (the safe fallback).
    let highestOutcome: String
    /// `id@version`.
    let reference: String

    init(_ pathway: Pathway) {
        reference = pathway.reference
        levels = pathway.levels
        var onReceipt: [ClockStart] = []
        var onEntry: [String: [ClockStart]] = [:]
        for clock in pathway.clocks {
            guard let interval = clock.interval(after: 0) else { continue }
            if clock.startsOn.contains(where: { $0.event == .referralReceived }) {
                onReceipt.append(ClockStart(clock: clock.id, title: clock.title, interval: interval, startsOn: .referralReceived))
            } else if clock.measuredFrom == .referralReceived {
                // Exact even before the decision: the clock counts from receipt ("45 working days
                // from the point of referral"). Clocks counted from the decision are not projected.
                for level in pathway.levels.map(\.id)
                where clock.startsOn.contains(where: { $0.event == .levelEntered && ($0.levels?.contains(level) ?? true) }) {
                    onEntry[level, default: []].append(ClockStart(clock: clock.id, title: clock.title, interval: interval, startsOn: .levelEntered))
                }
            }
        }
        clocks = pathway.levels.map { onReceipt + (onEntry[$0.id] ?? []) }
        highestOutcome = pathway.intake.outcomes.max { (pathway.rank(of: $0) ?? 0) < (pathway.rank(of: $1) ?? 0) } ?? ""
    }
}
