/// What the event loop counts, per stage and per day, and turns into a ``ReplicationResult``
/// at the end: occupancy and its time integrals, waits, histograms, daily counts, steps and
/// clock stops. Measures that are means over time or cases count only after the warm-up; the
/// daily counts cover the whole run.
struct StageStatistics {
    /// One stage's occupancy and counters, side by side (one bounds check and a cache line or
    /// two per event).
    struct Counters {
        /// Cases in service, and in the stage at all (queued or in service).
        var busy = 0
        var inSystem = 0
        /// When `busy` or `inSystem` last changed (after the warm-up), and their time integrals.
        var lastChange: Double
        var areaBusy = 0.0
        var areaInSystem = 0.0
        var arrivals = 0
        var completions = 0
        var waitSum = 0.0
        var waitCount = 0
        /// Arrivals and completions since the last day's snapshot, written to the day's counts
        /// when it ends (not into the day × stage table on every event).
        var arrivedToday = 0
        var completedToday = 0

        init(lastChange: Double) { self.lastChange = lastChange }

        /// Adds the time since the last change to the areas.
        @inline(__always) mutating func account(_ now: Double) {
            let elapsed = now - lastChange
            areaBusy += Double(busy) * elapsed
            areaInSystem += Double(inSystem) * elapsed
            lastChange = now
        }
    }

    let stageCount: Int
    let warmup: Double
    let days: Int
    let perStage: Slots<Counters>
    /// Cases that reneged after the warm-up, per stage.
    let reneged: Slots<Int>
    /// Waits by priority (stage × priority level, flattened), at priority-queue stages.
    let waitSumByPriority: Slots<Double>
    let waitCountByPriority: Slots<Int>
    /// Waiting-time histogram (stage × bin, flattened).
    let histogram: Slots<Int>
    /// Daily counts (day × stage, flattened).
    let daily: Slots<DayCounts>
    var stepUps = 0
    var stepDowns = 0
    /// Arrivals from outside, service completions and reneging departures processed.
    var events = 0
    /// Pathway-driven scenarios: per clock, stops after the warm-up and how many on time; per
    /// level, referrals routed to it; and re-referrals.
    var clocksStopped: [Int]
    var clocksOnTime: [Int]
    var routedByLevel: [Int]
    var reReferrals = 0

    init(_ topology: Topology) {
        stageCount = topology.stageCount
        warmup = topology.warmup
        days = topology.days
        perStage = Slots(repeating: Counters(lastChange: topology.warmup), count: topology.stageCount)
        reneged = Slots(repeating: 0, count: topology.stageCount)
        waitSumByPriority = Slots(repeating: 0, count: topology.stageCount * Topology.priorityLevels)
        waitCountByPriority = Slots(repeating: 0, count: topology.stageCount * Topology.priorityLevels)
        histogram = Slots(repeating: 0, count: topology.stageCount * Replication.waitBins)
        daily = Slots(repeating: DayCounts(), count: topology.days * topology.stageCount)
        let clocks = topology.pathway?.clockCount ?? 0
        clocksStopped = Array(repeating: 0, count: clocks)
        clocksOnTime = Array(repeating: 0, count: clocks)
        routedByLevel = Array(repeating: 0, count: topology.pathway?.levelCount ?? 0)
    }

    /// Adds the time since the stage last changed to its areas (after the warm-up only).
    @inline(__always) func account(_ counters: UnsafeMutablePointer<Counters>, _ now: Double) {
        guard now > warmup else { return }
        counters.pointee.account(now)
    }

    /// The waiting-time bin of `wait`: the last bin takes everything beyond it, and no input
    /// can make this trap (a wait of 10^20 bin widths, or bins of zero width when an empirical
    /// service time is always 0).
    @inline(__always) static func bin(_ wait: Double, _ binsPerDay: Double) -> Int {
        guard wait > 0 else { return 0 }
        let position = wait * binsPerDay  // +infinity for zero-width bins
        return position < Double(Replication.waitBins - 1) ? Int(position) : Replication.waitBins - 1
    }

    /// Records a wait that ended in service at `stage` (after the warm-up).
    @inline(__always) func recordWait(_ wait: Double, stage: Int, priorityQueue: Bool, binsPerDay: Double,
                                      _ counters: UnsafeMutablePointer<Counters>, priority: UInt8) {
        counters.pointee.waitSum += wait
        counters.pointee.waitCount += 1
        if priorityQueue {
            let slot = stage * Topology.priorityLevels + Int(priority)
            waitSumByPriority[slot] += wait
            waitCountByPriority[slot] += 1
        }
        histogram[stage * Replication.waitBins + Self.bin(wait, binsPerDay)] += 1
    }

    /// Counts a step-up or step-down (after the warm-up).
    @inline(__always) mutating func countStep(_ kind: RouteKind, _ now: Double) {
        guard now >= warmup else { return }
        switch kind {
        case .stepUp: stepUps += 1
        case .stepDown: stepDowns += 1
        case .handOver: break
        }
    }

    /// The day × stage slot of the day `now` falls on (the last day for the horizon itself).
    @inline(__always) func today(_ now: Double, stage: Int) -> Int {
        min(Int(now), days - 1) * stageCount + stage
    }

    /// Ends day `day`: its counts per stage, given each stage's queue length.
    func snapshot(day: Int, queued: (Int) -> Int) {
        for stage in 0..<stageCount {
            let slot = day * stageCount + stage
            daily[slot].inService = Int32(perStage[stage].busy)
            daily[slot].arrivals = Int32(perStage[stage].arrivedToday)
            daily[slot].completed = Int32(perStage[stage].completedToday)
            perStage[stage].arrivedToday = 0
            perStage[stage].completedToday = 0
            daily[slot].queued = Int32(queued(stage))
        }
    }

    /// The measures, once the run has reached the horizon (every stage accounted up to it).
    func result(_ topology: Topology) -> ReplicationResult {
        let measured = topology.horizon - topology.warmup
        var measures: [ReplicationResult.StageMeasures] = []
        for stage in 0..<stageCount {
            let counters = perStage[stage]
            let shape = topology.stages[stage]
            let capacity = Double(shape.servers) * measured
            let meanWait: Double = counters.waitCount > 0 ? counters.waitSum / Double(counters.waitCount) : 0
            let bins = histogram.array((stage * Replication.waitBins)..<((stage + 1) * Replication.waitBins))
            var byPriority: [Double?] = []
            if shape.priorityQueue {
                for level in 0..<Topology.priorityLevels {
                    let slot = stage * Topology.priorityLevels + level
                    byPriority.append(waitCountByPriority[slot] > 0 ? waitSumByPriority[slot] / Double(waitCountByPriority[slot]) : nil)
                }
            }
            measures.append(ReplicationResult.StageMeasures(
                arrivalsPerDay: Double(counters.arrivals) / measured, utilisation: counters.areaBusy / capacity,
                meanWaitDays: meanWait, meanInSystem: counters.areaInSystem / measured,
                throughputPerDay: Double(counters.completions) / measured, waitHistogram: bins, meanWaitByPriority: byPriority,
                renegedPerDay: Double(reneged[stage]) / measured))
        }
        let perDay: [[DayCounts]] = (0..<days).map { day in daily.array((day * stageCount)..<((day + 1) * stageCount)) }
        return ReplicationResult(stages: measures, daily: perDay, stepUps: stepUps, stepDowns: stepDowns, clocksStopped: clocksStopped,
                                 clocksOnTime: clocksOnTime, routedByLevel: routedByLevel, reReferrals: reReferrals, events: events)
    }
}
