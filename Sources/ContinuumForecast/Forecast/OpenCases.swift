import ContinuumCore
import ContinuumSimulator
import ContinuumStore

/// A case open in the log at the end of a day: where it is, since when, and what a forecast
/// needs to carry it on (its referral's facts, its running clocks).
public struct OpenCase: Sendable, Hashable {
    public var caseId: String
    /// Its level; nil while its referral waits for the front-door decision.
    public var level: String?
    /// When it entered its level (or its referral arrived, at the front door).
    public var since: Timestamp
    /// The router's recommendation for its latest referral, and that referral's facts.
    public var recommended: String?
    public var referral: ReferralFacts?
    /// Clocks still running, by id: their due dates.
    public var clocksDue: [String: CalendarDate]
}

/// Reads which cases are open at the end of a day from a history (``PathwayHistoryEvent``s in
/// log order, up to that day).
public enum OpenCases {
    public static func at(endOf day: CalendarDate, _ history: [PathwayHistoryEvent], pathway: Pathway) -> [OpenCase] {
        var open: [String: OpenCase] = [:]
        var milestones: [String: Set<String>] = [:]
        var decided: Set<String> = []
        for event in history where UKTime.londonDate(of: event.at) <= day {
            switch event.kind {
            case .referral(let facts):
                if open[event.caseId] == nil {
                    open[event.caseId] = OpenCase(caseId: event.caseId, level: nil, since: event.at, recommended: nil, referral: facts, clocksDue: [:])
                    milestones[event.caseId] = []
                    decided.remove(event.caseId)
                } else {
                    open[event.caseId]?.referral = facts
                }
            case .routed(let level, let deadlines):
                open[event.caseId]?.recommended = level
                for (clock, due) in deadlines { open[event.caseId]?.clocksDue[clock] = due }
            case .decided(let level):
                guard var entry = open[event.caseId] else { continue }
                decided.insert(event.caseId)
                if entry.level != level { entry.since = event.at }
                entry.level = level
                open[event.caseId] = entry
            case .moved(_, let to):
                open[event.caseId]?.level = to
                open[event.caseId]?.since = event.at
            case .migrated(let level):
                if let level { open[event.caseId]?.level = level }
            case .milestone(let id):
                milestones[event.caseId, default: []].insert(id)
            case .closed, .ended:
                open[event.caseId] = nil
            }
        }
        // A clock stops on the decision or on a milestone it names (the log's own stops; a
        // level left or a closure removes the case or leaves it for the simulation to judge).
        return open.values.map { entry in
            var entry = entry
            entry.clocksDue = entry.clocksDue.filter { clock, _ in
                guard let definition = pathway.clocks.first(where: { $0.id == clock }) else { return false }
                let stopped = definition.stopsOn.contains { trigger in
                    (trigger.event == .decided && decided.contains(entry.caseId))
                        || (trigger.event == .milestone && trigger.milestone.map { milestones[entry.caseId]?.contains($0) ?? false } ?? false)
                }
                return !stopped
            }
            return entry
        }.sorted { ($0.since, $0.caseId) < ($1.since, $1.caseId) }
    }
}

/// The cases open on a day, placed in a scenario as its starting point.
public struct StartingPoint: Sendable {
    public var asOf: CalendarDate
    public var cases: [Scenario.InitialCase]
    /// Open cases at a level no stage holds (universal help, say), by level: not modelled.
    public var unplaced: [String: Int]

    /// - Parameter scenario: a pathway-driven scenario (its stages say which levels they hold).
    public init(_ open: [OpenCase], asOf: CalendarDate, scenario: Scenario) {
        self.asOf = asOf
        let model = scenario.pathwayModel
        let startDay = asOf.daysSinceEpoch + 1
        // The end of the day the forecast starts from, as the instant elapsed time is measured to.
        let end = Double(startDay) * 86_400
        func stage(of level: String) -> Int? { model?.stageForLevel[level] ?? scenario.stageIndex(level) }
        var cases: [Scenario.InitialCase] = []
        var unplaced: [String: Int] = [:]
        for entry in open {
            let elapsed = max(0, (end - Double(entry.since.secondsSinceEpoch)) / 86_400)
            let source = entry.referral.map(\.source)
            let streamPriority = source.flatMap { source in model?.sources.firstIndex(of: source) }.map { scenario.arrivals[$0].priority } ?? 0
            let priority = entry.referral?.immediateRisk == true ? 0 : min(10, 1 + streamPriority)
            let clocks = entry.clocksDue.mapValues { $0.daysSinceEpoch - startDay }
            if let level = entry.level {
                guard let at = stage(of: level) else {
                    unplaced[level, default: 0] += 1
                    continue
                }
                cases.append(Scenario.InitialCase(stage: at, elapsedDays: elapsed, priority: priority, clocksDue: clocks))
            } else if let frontDoor = model?.frontDoor {
                cases.append(Scenario.InitialCase(stage: frontDoor, elapsedDays: elapsed, priority: priority,
                                                  plannedStage: entry.recommended.flatMap(stage(of:)), clocksDue: clocks))
            }
        }
        self.cases = cases
        self.unplaced = unplaced
    }
}
