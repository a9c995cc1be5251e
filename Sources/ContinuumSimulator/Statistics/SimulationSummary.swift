import ContinuumCore
import ContinuumJSON

/// One measure of a run, as `--compare` sets base and variant side by side: each has one value
/// per replication. Its description is the row's name (`mash.utilisation`,
/// `clock.assessment.onTimePct`), with stage, clock and level ids from the scenario and pathway.
public enum SimulationMeasure: Hashable, Sendable, CustomStringConvertible {
    /// The per-stage measures, named as in `summary.json`.
    public enum StageMeasure: String, Sendable, CaseIterable {
        case arrivalsPerDay, utilisation, meanWaitDays, meanInSystem, throughputPerDay, renegedPerDay
        /// Over a window only (`--compare --window`): cases queued at the end of each day, and
        /// clocks stopped late per day at this stage.
        case meanQueued, lateClockStopsPerDay
    }

    case stage(String, StageMeasure)
    case stepUps
    case stepDowns
    /// A pathway clock's share stopped on time (%).
    case clockOnTimePct(String)
    /// Referrals per day routed to a pathway level.
    case routedPerDay(String)
    /// Referrals per day routed to the levels of one tier: the statutory tier's are the children
    /// in need the CIN census counts (section 17, child protection, looked after).
    case routedToTier(Tier)
    case reReferralsPerDay

    public var description: String {
        switch self {
        case .stage(let stage, let measure): "\(stage).\(measure.rawValue)"
        case .stepUps: "stepUps"
        case .stepDowns: "stepDowns"
        case .clockOnTimePct(let clock): "clock.\(clock).onTimePct"
        case .routedPerDay(let level): "routed.\(level)"
        case .routedToTier(let tier): "routed.tier.\(tier.rawValue)"
        case .reReferralsPerDay: "reReferralsPerDay"
        }
    }
}

/// A scenario's results over all replications: per stage, each measure as a mean with its 95%
/// confidence interval; per day, means of the daily counts.
public struct SimulationSummary: Sendable {
    public struct StageSummary: Sendable {
        public var id: String
        public var servers: Int
        public var arrivalsPerDay: Estimate
        public var utilisation: Estimate
        public var meanWaitDays: Estimate
        public var meanInSystem: Estimate
        public var throughputPerDay: Estimate
        /// Waiting-time histogram summed over replications, and the width of a bin in days.
        public var waitHistogram: [Int]
        public var waitBinDays: Double
        /// For a priority queue: per priority level served, the mean wait (days).
        public var meanWaitByPriority: [(priority: Int, wait: Estimate)] = []
        /// For a stage with reneging: cases that left its queue before service, per day.
        public var renegedPerDay: Estimate?
    }

    public var scenario: Scenario
    public var stages: [StageSummary]
    public var stepUps: Estimate
    public var stepDowns: Estimate
    /// Per day and stage, the mean over replications.
    public var daily: [[(arrivals: Double, inService: Double, queued: Double, completed: Double, breaches: Double, reneged: Double)]]
    /// Each replication's daily counts per stage (for measures over a window of days).
    public var replicationDaily: [[[DayCounts]]] = []
    public var events: Int
    /// Pathway-driven scenarios: per clock, stops after the warm-up and the share on time (%).
    public var clocks: [(id: String, title: String, stopped: Estimate, onTimePct: Estimate)] = []
    /// Referrals per day routed to each level, and re-referrals per day.
    public var routedByLevel: [(level: String, perDay: Estimate)] = []
    public var reReferralsPerDay: Estimate?
    /// The per-replication values, kept for `--compare`.
    public var samples: [SimulationMeasure: [Double]]
    /// Pathway-driven scenarios: the clocks some stage stops (the ones the run measures), in
    /// the pathway's order.
    public var measuredClocks: [String] = []

    public init(scenario: Scenario, results: [ReplicationResult]) {
        self.scenario = scenario
        var stages: [StageSummary] = []
        var samples: [SimulationMeasure: [Double]] = [:]
        for (index, stage) in scenario.stages.enumerated() {
            func values(_ measure: SimulationMeasure.StageMeasure, _ pick: (ReplicationResult.StageMeasures) -> Double) -> Estimate {
                let list = results.map { pick($0.stages[index]) }
                samples[.stage(stage.id, measure)] = list
                return Estimate(list)
            }
            var histogram = Array(repeating: 0, count: Replication.waitBins)
            for result in results {
                for (bin, count) in result.stages[index].waitHistogram.enumerated() { histogram[bin] += count }
            }
            stages.append(StageSummary(
                id: stage.id, servers: stage.servers,
                arrivalsPerDay: values(.arrivalsPerDay, \.arrivalsPerDay), utilisation: values(.utilisation, \.utilisation),
                meanWaitDays: values(.meanWaitDays, \.meanWaitDays), meanInSystem: values(.meanInSystem, \.meanInSystem),
                throughputPerDay: values(.throughputPerDay, \.throughputPerDay),
                waitHistogram: histogram, waitBinDays: 10 * stage.service.mean / Double(Replication.waitBins),
                meanWaitByPriority: Self.byPriority(results.map { $0.stages[index].meanWaitByPriority }),
                renegedPerDay: stage.reneging == nil ? nil : values(.renegedPerDay, \.renegedPerDay)))
        }
        let ups = results.map { Double($0.stepUps) }
        let downs = results.map { Double($0.stepDowns) }
        samples[.stepUps] = ups
        samples[.stepDowns] = downs
        self.stages = stages
        stepUps = Estimate(ups)
        stepDowns = Estimate(downs)
        events = results.reduce(0) { $0 + $1.events }
        if let model = scenario.pathwayModel {
            let measured = scenario.horizonDays - scenario.warmupDays
            for (index, clock) in model.pathway.definition.clocks.enumerated() {
                let stopped = results.map { Double($0.clocksStopped[index]) }
                let onTime = results.map { $0.clocksStopped[index] > 0 ? 100 * Double($0.clocksOnTime[index]) / Double($0.clocksStopped[index]) : 100 }
                samples[.clockOnTimePct(clock.id)] = onTime
                clocks.append((clock.id, clock.title, Estimate(stopped), Estimate(onTime)))
            }
            for (index, level) in model.pathway.definition.levels.enumerated() {
                let perDay = results.map { Double($0.routedByLevel[index]) / measured }
                samples[.routedPerDay(level.id)] = perDay
                routedByLevel.append((level.id, Estimate(perDay)))
                let sum = samples[.routedToTier(level.tier)] ?? Array(repeating: 0, count: perDay.count)
                samples[.routedToTier(level.tier)] = zip(sum, perDay).map(+)
            }
            let re = results.map { Double($0.reReferrals) / measured }
            samples[.reReferralsPerDay] = re
            reReferralsPerDay = Estimate(re)
            let stopped = Set(model.stopsClocks.joined())
            measuredClocks = model.pathway.definition.clocks.map(\.id).filter(stopped.contains)
        }
        // Last, after the pathway's measures: `--compare` reads them from here.
        self.samples = samples
        replicationDaily = results.map(\.daily)
        let days = results.first?.daily.count ?? 0
        let n = Double(max(results.count, 1))
        daily = (0..<days).map { day in
            (0..<scenario.stages.count).map { stage in
                var sums = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
                for result in results {
                    let counts = result.daily[day][stage]
                    sums.0 += Double(counts.arrivals)
                    sums.1 += Double(counts.inService)
                    sums.2 += Double(counts.queued)
                    sums.3 += Double(counts.completed)
                    sums.4 += Double(counts.breaches)
                    sums.5 += Double(counts.reneged)
                }
                return (sums.0 / n, sums.1 / n, sums.2 / n, sums.3 / n, sums.4 / n, sums.5 / n)
            }
        }
    }

    /// Levels served in every replication, with their mean wait over replications.
    static func byPriority(_ perReplication: [[Double?]]) -> [(priority: Int, wait: Estimate)] {
        guard let width = perReplication.first?.count else { return [] }
        return (0..<width).compactMap { level in
            let values = perReplication.compactMap { $0.indices.contains(level) ? $0[level] : nil }
            return values.count == perReplication.count ? (level, Estimate(values)) : nil
        }
    }

    /// `summary.json`: the same scenario and seed give the same bytes, whatever `--jobs`.
    public var json: JSONValue {
        func estimate(_ value: Estimate) -> JSONValue {
            .object(["mean": .double(Self.round(value.mean)), "low": .double(Self.round(value.low)), "high": .double(Self.round(value.high))])
        }
        let stageValues: [JSONValue] = stages.map { stage in
            .object([
                "meanWaitDaysByPriority": stage.meanWaitByPriority.isEmpty ? .null
                    : .object(Dictionary(uniqueKeysWithValues: stage.meanWaitByPriority.map { (String($0.priority), estimate($0.wait)) })),
                "id": .string(stage.id), "servers": .integer(Int64(stage.servers)),
                "arrivalsPerDay": estimate(stage.arrivalsPerDay), "utilisation": estimate(stage.utilisation),
                "meanWaitDays": estimate(stage.meanWaitDays), "meanInSystem": estimate(stage.meanInSystem),
                "throughputPerDay": estimate(stage.throughputPerDay),
                "renegedPerDay": stage.renegedPerDay.map(estimate) ?? .null,
            ])
        }
        var pathway: JSONValue = .null
        if let model = scenario.pathwayModel {
            let decisionClock = model.stopsClocks[model.frontDoor].first
            var fields: [String: JSONValue] = [
                "pathway": .string(model.pathway.definition.reference),
                "clocks": .array(clocks.map { .object(["clock": .string($0.id), "title": .string($0.title), "stopped": estimate($0.stopped), "onTimePct": estimate($0.onTimePct)]) }),
                "routedPerDay": .object(Dictionary(uniqueKeysWithValues: routedByLevel.map { ($0.level, estimate($0.perDay)) })),
                "reReferralsPerDay": reReferralsPerDay.map(estimate) ?? .null,
            ]
            if let decision = clocks.first(where: { $0.id == decisionClock }) { fields["decisionsWithinOneWorkingDayPct"] = estimate(decision.onTimePct) }
            let assessmentClock = model.pathway.definition.clock(for: .assessment)?.id
            if let assessment = clocks.first(where: { $0.id == assessmentClock }) { fields["assessmentsWithin45WorkingDaysPct"] = estimate(assessment.onTimePct) }
            pathway = .object(fields)
        }
        return .object([
            "pathwayResults": pathway,
            "scenario": .string(scenario.name), "seed": .integer(Int64(bitPattern: scenario.seed)),
            "replications": .integer(Int64(scenario.replications)), "horizonDays": .double(scenario.horizonDays),
            "warmupDays": .double(scenario.warmupDays), "confidence": .double(0.95),
            "stages": .array(stageValues), "stepUps": estimate(stepUps), "stepDowns": estimate(stepDowns),
            "events": .integer(Int64(events)),
        ])
    }

    /// Nine significant digits: enough for any planner, and stable across platforms' last bits.
    static func round(_ value: Double) -> Double {
        guard value.isFinite, value != 0 else { return value.isFinite ? value : 0 }
        let magnitude = pow(10, 8 - floor(log10(abs(value))))
        return (value * magnitude).rounded() / magnitude
    }

    /// `timeseries.csv`: one row per day and stage.
    public var csv: String {
        var records: [[String]] = []
        for (day, stages) in daily.enumerated() {
            for (index, counts) in stages.enumerated() {
                records.append([String(day), scenario.stages[index].id] + [counts.arrivals, counts.inService, counts.queued, counts.completed, counts.breaches, counts.reneged]
                    .map { CSV.number($0, decimals: 2) })
            }
        }
        return CSV.file(header: ["day", "stage", "arrivals", "in_service", "queued", "completed", "clock_breaches", "reneged"], records: records)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Scenario {
    /// The days of the run (0 is the start date) that `window` covers, or why not: the window
    /// must lie within the measured days (after the warm-up, before the horizon). Checked
    /// before a run, which can take minutes.
    public func days(of window: ClosedRange<CalendarDate>) -> Result<Range<Int>, WindowError> {
        let start = startDate.daysSinceEpoch
        let first = window.lowerBound.daysSinceEpoch - start, last = window.upperBound.daysSinceEpoch - start
        let measured = Int(warmupDays.rounded(.up))..<Int(horizonDays.rounded(.up))
        guard first >= measured.lowerBound, last < measured.upperBound, first <= last else {
            return .failure(WindowError(scenario: name, from: startDate.adding(days: measured.lowerBound),
                                        to: startDate.adding(days: max(measured.lowerBound, measured.upperBound - 1))))
        }
        return .success(first..<(last + 1))
    }
}

extension SimulationSummary {
    /// Per-stage measures over `days`, one value per replication, from the daily counts:
    /// arrivals, completions, leavers and late clock stops per day, and the number in the
    /// system and queued at the end of each day. Utilisation and waits are measured over the
    /// whole run only (they need each case's times, which the daily counts do not keep).
    public func windowSamples(_ days: Range<Int>) -> [SimulationMeasure: [Double]] {
        var samples: [SimulationMeasure: [Double]] = [:]
        let length = Double(max(days.count, 1))
        for (index, stage) in scenario.stages.enumerated() {
            func values(_ measure: SimulationMeasure.StageMeasure, _ pick: (DayCounts) -> Int32) {
                samples[.stage(stage.id, measure)] = replicationDaily.map { daily in
                    Double(days.clamped(to: 0..<daily.count).reduce(0) { $0 + Int(pick(daily[$1][index])) }) / length
                }
            }
            values(.arrivalsPerDay, \.arrivals)
            values(.meanInSystem) { $0.inService + $0.queued }
            values(.meanQueued, \.queued)
            values(.throughputPerDay, \.completed)
            if stage.reneging != nil { values(.renegedPerDay, \.reneged) }
            if scenario.pathwayModel != nil { values(.lateClockStopsPerDay, \.breaches) }
        }
        return samples
    }
}

/// A `--window` outside a run's measured days.
public struct WindowError: Error, Sendable, CustomStringConvertible {
    public var scenario: String
    public var from: CalendarDate
    public var to: CalendarDate

    public var description: String {
        "\(scenario) measures \(from) to \(to) (after its warm-up): give a window within those days"
    }
}
