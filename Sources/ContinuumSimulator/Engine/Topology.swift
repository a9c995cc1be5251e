#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ContinuumCore

/// What a route after service or after reneging counts as in the results.
enum RouteKind: UInt8, Sendable {
    /// A hand-over that is neither a step-up nor a step-down (the front door to a team, say).
    case handOver
    /// A step-up or an escalation.
    case stepUp
    case stepDown

    init(_ kind: TransitionKind?) {
        switch kind {
        case .stepUp?, .escalate?: self = .stepUp
        case .stepDown?: self = .stepDown
        case .close?, .reclassify?, nil: self = .handOver
        }
    }

    /// The kind a trace records (an escalation reads as a step-up here; the history writer
    /// takes the pathway's own kind for the move).
    var transition: TransitionKind? {
        switch self {
        case .handOver: nil
        case .stepUp: .stepUp
        case .stepDown: .stepDown
        }
    }
}

/// The network a replication runs on, fixed for the whole run: stages, arrival streams,
/// routing and, for a pathway-driven scenario, how the pathway's clocks and levels map onto
/// stages. Built once from a ``Scenario``; the event loop only reads it, mostly as plain
/// numbers in flat arrays (samplers and routes without enum payloads to retain; the pathway's
/// dictionaries are read once per synthetic referral, not per event).
struct Topology: Sendable {
    /// One stage as the loop sees it.
    struct Stage: Sendable {
        let servers: Int
        let priorityQueue: Bool
        /// Whether cases leave its queue when their patience runs out.
        let reneges: Bool
        /// Waiting-time bins per day (1 / the bin width; infinite for a stage whose service time
        /// is always 0).
        let binsPerDay: Double
        /// Its routes after service, and after reneging: ranges of ``Topology/routes``.
        let serviceRoutes: Range<Int>
        let renegeRoutes: Range<Int>
    }

    /// One entry of a stage's routing: taken when a uniform draw falls below `cumulative` (and
    /// not below the entry before it).
    struct Route: Sendable {
        let cumulative: Double
        let target: Int
        let kind: RouteKind
    }

    /// A Poisson arrival stream, with its peak rate for thinning when monthly multipliers vary it.
    struct ArrivalStream: Sendable {
        let stage: Int
        let priority: UInt8
        let perDay: Double
        /// Twelve multipliers, January first; empty for a constant rate.
        let monthly: [Double]
        let peak: Double
        /// `1 / peak`: the mean gap between candidate arrivals.
        let peakGap: Double
    }

    /// A pathway-driven scenario's mapping of the pathway onto the network. A class: the loop
    /// tests on every event whether there is one, and an optional reference is tested by one
    /// compare, where this optional as a struct (with the whole pathway model in it) was copied.
    final class Pathway: Sendable {
        let model: PathwayModel
        /// The stage every referral enters.
        let frontDoor: Int
        /// The pathway's clocks and levels, counted.
        let clockCount: Int
        let levelCount: Int
        /// Per stage, the indices of the clocks it stops.
        let stageStops: [[Int]]
        /// Clock id → index, and level id → index, in the pathway's order.
        let clockIndex: [String: Int]
        let levelIndex: [String: Int]
        /// By level rank (the pathway's order): its id, the stage that holds it (nil: the case
        /// leaves after the front door), and the clocks a recommendation there starts, by clock
        /// index. Read per synthetic referral instead of the decision's strings.
        let levelIDs: [String]
        let rankStage: [Int32?]
        /// The model's parts each referral reads, held apart so reading one copies nothing else.
        let mix: ReferralMix
        /// The mix's concerns as routing subjects, built once (see `ReferralMix.subject`).
        let concernSubjects: [RoutingSubject]
        let sources: [ReferralSource]
        let verified: VerifiedPathway
        let calendar: WorkingDayCalendar
        let rankClocks: [[(clock: Int, interval: ClockInterval)]]
        /// The routing facts as one number, `Σ class of (fact - lower bound) × stride` (see
        /// `VerifiedPathway.routingFactClasses`), and how many such numbers there are: the engine
        /// remembers each recommendation in a flat table indexed by it. Nil when the classes
        /// have too many combinations for a flat table.
        let factCodes: (lower: [Int], classes: [[Int]], strides: [Int], count: Int)?
        /// Above this many combinations the engine remembers recommendations by the facts themselves.
        static let flatFactCodes = 1 << 16

        init(model: PathwayModel, stageCount: Int) {
            self.model = model
            frontDoor = model.frontDoor
            let clocks = model.pathway.definition.clocks.map(\.id)
            clockIndex = Dictionary(clocks.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            clockCount = clocks.count
            let levels = model.pathway.definition.levels.map(\.id)
            levelIndex = Dictionary(levels.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            levelCount = levels.count
            levelIDs = levels
            mix = model.mix
            concernSubjects = model.mix.concernSubjects
            sources = model.sources
            verified = model.pathway
            calendar = model.pathway.calendar
            rankStage = levels.map { model.stageForLevel[$0].map(Int32.init) }
            rankClocks = levels.indices.map { [clockIndex] rank in
                model.pathway.clockStarts(rank: rank).compactMap { start in clockIndex[start.clock].map { ($0, start.interval) } }
            }
            let classes = model.pathway.routingFactClasses
            var strides: [Int] = []
            var combinations = 1
            for values in classes where combinations <= Self.flatFactCodes {
                strides.append(combinations)
                combinations *= (values.max() ?? 0) + 1
            }
            factCodes = combinations <= Self.flatFactCodes
                ? (model.pathway.routingFactDomains.map(\.lowerBound), classes, strides, combinations) : nil
            stageStops = (0..<stageCount).map { [clockIndex] stage in
                model.stopsClocks.indices.contains(stage) ? model.stopsClocks[stage].compactMap { clockIndex[$0] } : []
            }
        }
    }

    /// Priority levels per stage: 0 (immediate risk in pathway-driven scenarios) to 10.
    static let priorityLevels = 11

    let stages: [Stage]
    let routes: [Route]
    let arrivals: [ArrivalStream]
    let service: [Sampler]
    /// Per stage, how long a case that joins its queue will wait (read only where it reneges).
    let patience: [Sampler]
    /// The empirical distributions the samplers refer to.
    let empirical: [Distribution]
    let horizon: Double
    let warmup: Double
    /// Whole days simulated (the daily counts' length).
    let days: Int
    /// The calendar day simulated day 0 falls on, and each simulated day's month (0-11).
    let startDay: Int
    let months: [Int]
    /// Set for a pathway-driven scenario.
    let pathway: Pathway?
    /// Cases open at the start (a forecast).
    let initialCases: [Scenario.InitialCase]

    var stageCount: Int { stages.count }

    /// - Parameter stream: the replication; where the scenario gives a calibration's basis,
    ///   its rates and times are drawn for this replication (``Scenario/Arrival/basis``).
    init(_ scenario: Scenario, stream: UInt64 = 0) {
        var uncertainty = RandomSource(seed: scenario.seed ^ 0xBA51_5EED, stream: stream)
        var tables: [Distribution] = []
        func sampler(_ distribution: Distribution) -> Sampler {
            if case .empirical = distribution { tables.append(distribution) }
            return Sampler(distribution, table: tables.count - 1)
        }
        service = scenario.stages.map { stage in
            guard let stays = stage.basis else { return sampler(stage.service) }
            // The mean's relative standard error is the coefficient of variation over √n; the
            // spread keeps its ratio to the mean.
            let scale = { (cv: Double) in exp(uncertainty.normal() * cv / Double(stays).squareRoot()) }
            switch stage.service {
            case .exponential(let mean): return sampler(.exponential(mean: mean * scale(1)))
            case .lognormal(let mean, let sd):
                let factor = scale(sd / mean)
                return sampler(.lognormal(mean: mean * factor, sd: sd * factor))
            case .gamma(let mean, let sd):
                let factor = scale(sd / mean)
                return sampler(.gamma(mean: mean * factor, sd: sd * factor))
            case .fixed, .empirical: return sampler(stage.service)
            }
        }
        patience = scenario.stages.map { sampler($0.reneging?.afterDays ?? .fixed(.infinity)) }
        empirical = tables

        var routes: [Route] = []
        /// Appends a list of routes to the flattened table; returns where they sit.
        func flatten(_ routing: [Scenario.Route]) -> Range<Int> {
            let start = routes.count
            var running = 0.0
            for route in routing {
                running += route.probability
                routes.append(Route(cumulative: running, target: route.to, kind: RouteKind(route.kind)))
            }
            return start..<routes.count
        }
        let serviceRoutes = scenario.stages.map { flatten($0.routing) }
        let renegeRoutes = scenario.stages.map { flatten($0.reneging?.routing ?? []) }
        stages = scenario.stages.indices.map { index in
            let stage = scenario.stages[index]
            return Stage(servers: stage.servers, priorityQueue: stage.priorityQueue, reneges: stage.reneging != nil,
                         binsPerDay: 1 / (10 * stage.service.mean / Double(Replication.waitBins)),
                         serviceRoutes: serviceRoutes[index], renegeRoutes: renegeRoutes[index])
        }
        self.routes = routes

        arrivals = scenario.arrivals.map { arrival in
            var monthly = arrival.monthly ?? []
            if let counts = arrival.basis, counts.count == 12 {
                // Each month's rate, given n referrals counted, has a Gamma(n, 1/n) spread
                // about its estimate; a month with none counted borrows the year's.
                let total = max(1, counts.reduce(0, +))
                if monthly.count != 12 { monthly = Array(repeating: 1, count: 12) }
                monthly = (0..<12).map { month in
                    let n = Double(counts[month] > 0 ? counts[month] : total)
                    return monthly[month] * uncertainty.gamma(shape: n, scale: 1 / n)
                }
            }
            let peak = arrival.perDay * (monthly.max() ?? 1)
            return ArrivalStream(stage: arrival.to, priority: UInt8(min(9, max(0, arrival.priority))), perDay: arrival.perDay,
                                 monthly: monthly, peak: peak, peakGap: 1 / peak)
        }
        horizon = scenario.horizonDays
        warmup = scenario.warmupDays
        let days = max(1, Int(scenario.horizonDays.rounded(.up)))
        self.days = days
        startDay = scenario.startDate.daysSinceEpoch
        months = (0..<days).map { [startDay] in CalendarDate(daysSinceEpoch: startDay + $0).month - 1 }

        pathway = scenario.pathwayModel.map { Pathway(model: $0, stageCount: scenario.stages.count) }
        initialCases = scenario.initialCases.filter { scenario.stages.indices.contains($0.stage) }
    }
}
