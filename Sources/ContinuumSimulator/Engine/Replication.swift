import ContinuumCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What one replication measured, after the warm-up.
public struct ReplicationResult: Sendable {
    public struct StageMeasures: Sendable {
        public var arrivalsPerDay: Double
        public var utilisation: Double
        /// Mean time queued before service (days), over services that started after the warm-up.
        public var meanWaitDays: Double
        /// Time-average number queued plus in service.
        public var meanInSystem: Double
        public var throughputPerDay: Double
        /// Waiting times binned (see ``Replication/waitBins``).
        public var waitHistogram: [Int]
        /// For a priority queue: mean wait of each priority level that was served (nil when none).
        public var meanWaitByPriority: [Double?] = []
        /// Cases that left the queue before service (reneging), per day.
        public var renegedPerDay: Double = 0
    }

    public var stages: [StageMeasures]
    /// Per day (whole run, warm-up included) and stage: arrivals, in service and queued at the
    /// end of the day, completions.
    public var daily: [[DayCounts]]
    public var stepUps: Int
    public var stepDowns: Int
    /// Pathway-driven scenarios: per pathway clock, cases whose clock was stopped and how many on time.
    public var clocksStopped: [Int] = []
    public var clocksOnTime: [Int] = []
    /// Referrals routed to each pathway level (in the pathway's order), and re-referrals.
    public var routedByLevel: [Int] = []
    public var reReferrals = 0
    /// Events processed: arrivals from outside and service completions (a hand-over to the next
    /// stage is part of its completion), counted as ../shared/bench counts them; plus cases
    /// leaving a queue before service, in scenarios with reneging.
    public var events: Int
}

public struct DayCounts: Sendable, Hashable {
    public var arrivals: Int32 = 0
    public var inService: Int32 = 0
    public var queued: Int32 = 0
    public var completed: Int32 = 0
    /// Clocks stopped late at this stage on this day (pathway-driven scenarios).
    public var breaches: Int32 = 0
    /// Cases that left this stage's queue before service on this day (reneging).
    public var reneged: Int32 = 0
}

/// One run of a scenario with one random stream: a discrete-event simulation of an open
/// network of multi-server stages (FIFO or priority queues, optionally with reneging), Poisson
/// arrivals with monthly multipliers.
public struct Replication: Sendable {
    public let scenario: Scenario
    public let stream: UInt64

    /// Waiting-time histogram bins per stage: 40 bins over 0 to 10 mean service times, the
    /// last bin open-ended.
    public static let waitBins = 40

    public init(scenario: Scenario, stream: UInt64) {
        self.scenario = scenario
        self.stream = stream
    }

    public func run() -> ReplicationResult {
        var engine = Engine(scenario: scenario, stream: stream)
        return engine.run()
    }
}

/// The event loop's state, as one value with flat arrays (no closures capturing variables):
/// the hot path is a few array reads and writes per event.
private struct Engine {
    let scenario: Scenario
    let stageCount: Int
    let horizon: Double
    let warmup: Double
    let days: Int
    let service: [Sampler]
    /// Per stage, how long a case that joins its queue will wait (used only where the stage reneges).
    let patience: [Sampler]
    let empirical: [Distribution]
    /// Per arrival stream, copied out of the scenario so the loop reads plain numbers.
    let arrivalTo: [Int]
    let arrivalPriority: [UInt8]
    let arrivalRate: [Double]
    let arrivalMonthly: [[Double]]
    /// Routing, flattened: for stage s, entries `perStage[s].routes`.
    let routeCumulative: [Double]
    let routeTarget: [Int]
    /// 1 step-up (or escalation), 2 step-down, 0 other.
    let routeKind: [UInt8]
    let months: [Int]
    let peak: [Double]
    /// `1 / peak`, the mean gap between candidate arrivals: divided once here, not per arrival.
    let peakGap: [Double]
    let model: PathwayModel?
    /// Copied out of `model` so the loop tests a flag, not a 448-byte optional (testing
    /// `model != nil` copied it on every completion): true for pathway-driven scenarios.
    let pathwayDriven: Bool
    /// The pathway's front-door stage; -1 without a pathway.
    let frontDoor: Int
    let startDay: Int
    let clockCount: Int
    /// Per stage, the indices of the pathway clocks it stops.
    let stageStops: [[Int]]
    let levelIndex: [String: Int]

    var random: RandomSource
    let heap = EventHeap(capacity: 1024)
    /// Each arrival stream's next arrival, as its heap key (`UInt128.max`: none before the
    /// horizon), kept out of the heap: an arrival then costs no heap operation, whereas as the
    /// heap's root it cost a sift down (a third of all events are arrivals).
    let arrivalKeys: Slots<UInt128>
    /// The earliest of `arrivalKeys` and its stream.
    var nextArrivalKey = UInt128.max
    var nextArrivalStream = 0
    // Per job (a job id is reused once its case leaves), and the ids free for reuse.
    let arrivedAt = Slots<Double>()
    let freeJobs = Slots<Int32>()
    /// Per stage, one FIFO ring per priority level (FIFO stages use level 0 only).
    let queues: JobQueues
    static let priorityLevels = 11
    /// Per job: its priority (0 first); in pathway-driven scenarios immediate risk is 0.
    let jobPriority = Slots<UInt8>()
    /// Per job, at stages with reneging: the key of its pending reneging event while it waits
    /// (0: none). Starting service clears it, so the event finds the key changed and is ignored.
    let waitKey = Slots<UInt128>()
    /// Per job id: a case reneged and left this id's entry behind in a queue, where it stays
    /// until popped (removing it from the middle of a ring would cost the queue's length).
    /// The case itself went on under a new id, so the entry can never be mistaken for it.
    let ghost = Slots<Bool>()
    /// Per stage, what the loop reads and writes about it, side by side (see ``StageState``).
    let perStage: Slots<StageState>
    // Per stage, for reneging only: kept out of ``StageState``, which stays 128 bytes (two
    // cache lines; at 160 bytes most stages would straddle three).
    /// Where cases that leave its queue go (entries in the flattened routing arrays).
    let renegeRoutes: [Range<Int>]
    /// Entries in its queues left behind by cases that reneged (not yet popped).
    let ghosts: Slots<Int>
    /// Cases that reneged after the warm-up.
    let reneged: Slots<Int>
    // The rest are written in place too (see ``Slots``).
    /// stage × priority level, flattened.
    let waitSumByPriority: Slots<Double>
    let waitCountByPriority: Slots<Int>
    /// stage × bin, flattened.
    let histogram: Slots<Int>
    /// day × stage, flattened.
    let daily: Slots<DayCounts>
    var stepUps = 0
    var stepDowns = 0
    var events = 0
    var nextDay = 1.0
    // Pathway-driven state: per job, each clock's due day (-1: not running) and the stage its
    // recommended level goes to after the front door (-1: leaves, universal help).
    let due = Slots<Int32>()
    let plannedStage = Slots<Int32>()
    var clocksStopped: [Int]
    var clocksOnTime: [Int]
    var routedByLevel: [Int]
    var reReferrals = 0
    var referrals = 0

    init(scenario: Scenario, stream: UInt64) {
        self.scenario = scenario
        let stages = scenario.stages
        stageCount = stages.count
        horizon = scenario.horizonDays
        warmup = scenario.warmupDays
        days = max(1, Int(scenario.horizonDays.rounded(.up)))
        var tables: [Distribution] = []
        func sampler(_ distribution: Distribution) -> Sampler {
            if case .empirical = distribution { tables.append(distribution) }
            return Sampler(distribution, table: tables.count - 1)
        }
        service = stages.map { sampler($0.service) }
        patience = stages.map { sampler($0.reneging?.afterDays ?? .fixed(.infinity)) }
        empirical = tables
        arrivalTo = scenario.arrivals.map(\.to)
        arrivalPriority = scenario.arrivals.map { UInt8($0.priority) }
        arrivalRate = scenario.arrivals.map(\.perDay)
        arrivalMonthly = scenario.arrivals.map { $0.monthly ?? [] }
        var cumulative: [Double] = [], targets: [Int] = [], kinds: [UInt8] = []
        /// Appends a list of routes to the flattened arrays; returns where they sit.
        func flatten(_ routing: [Scenario.Route]) -> Range<Int> {
            let start = cumulative.count
            var running = 0.0
            for route in routing {
                running += route.probability
                cumulative.append(running)
                targets.append(route.to)
                kinds.append(route.kind == .stepUp || route.kind == .escalate ? 1 : route.kind == .stepDown ? 2 : 0)
            }
            return start..<cumulative.count
        }
        let serviceRoutes = stages.map { flatten($0.routing) }
        let renegeRoutes = stages.map { flatten($0.reneging?.routing ?? []) }
        routeCumulative = cumulative
        routeTarget = targets
        routeKind = kinds
        let startDay = scenario.startDate.daysSinceEpoch
        months = (0..<days).map { CalendarDate(daysSinceEpoch: startDay + $0).month - 1 }
        peak = scenario.arrivals.map { $0.perDay * ($0.monthly?.max() ?? 1) }
        peakGap = peak.map { 1 / $0 }
        random = RandomSource(seed: scenario.seed, stream: stream)
        model = scenario.pathwayModel
        pathwayDriven = scenario.pathwayModel != nil
        frontDoor = scenario.pathwayModel?.frontDoor ?? -1
        self.startDay = startDay
        let clocks = scenario.pathwayModel?.pathway.definition.clocks.map(\.id) ?? []
        clockCount = clocks.count
        stageStops = (0..<stages.count).map { stage in
            (scenario.pathwayModel?.stopsClocks[stage] ?? []).compactMap { clocks.firstIndex(of: $0) }
        }
        let levels = scenario.pathwayModel?.pathway.definition.levels.map(\.id) ?? []
        levelIndex = Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($1, $0) })
        clocksStopped = Array(repeating: 0, count: clocks.count)
        clocksOnTime = Array(repeating: 0, count: clocks.count)
        routedByLevel = Array(repeating: 0, count: levels.count)
        queues = JobQueues(count: stageCount * Self.priorityLevels)
        arrivalKeys = Slots(repeating: .max, count: scenario.arrivals.count)
        perStage = Slots(stages.indices.map { index in
            StageState(servers: stages[index].servers, priorityQueue: stages[index].priorityQueue,
                       binsPerDay: 1 / (10 * stages[index].service.mean / Double(Replication.waitBins)),
                       routes: serviceRoutes[index], reneges: stages[index].reneging != nil, lastChange: scenario.warmupDays)
        })
        self.renegeRoutes = renegeRoutes
        ghosts = Slots(repeating: 0, count: stageCount)
        reneged = Slots(repeating: 0, count: stageCount)
        waitSumByPriority = Slots(repeating: 0, count: stageCount * Self.priorityLevels)
        waitCountByPriority = Slots(repeating: 0, count: stageCount * Self.priorityLevels)
        histogram = Slots(repeating: 0, count: stageCount * Replication.waitBins)
        daily = Slots(repeating: DayCounts(), count: days * stageCount)
    }

    /// Adds the time since the stage last changed to its areas (after the warm-up only).
    @inline(__always) func account(_ state: UnsafeMutablePointer<StageState>, _ now: Double) {
        guard now > warmup else { return }
        state.pointee.account(now)
    }

    /// The next arrival of a stream after `now`, by thinning (Lewis and Shedler) when monthly
    /// multipliers vary the rate; nil after the horizon.
    mutating func nextArrival(_ streamIndex: Int, after now: Double) -> Double? {
        let top = peak[streamIndex]
        guard top > 0 else { return nil }
        let meanGap = peakGap[streamIndex]
        var t = now
        while true {
            t += random.exponential(mean: meanGap)
            if t >= horizon { return nil }
            if arrivalMonthly[streamIndex].isEmpty { return t }
            let rate = arrivalRate[streamIndex] * arrivalMonthly[streamIndex][months[min(Int(t), days - 1)]]
            if random.uniform() * top <= rate { return t }
        }
    }

    /// The waiting-time bin of `wait`: the last bin takes everything beyond it, and no input
    /// can make this trap (a wait of 10^20 bin widths, or bins of zero width when an empirical
    /// service time is always 0, once crashed the conversion to `Int`).
    @inline(__always) static func bin(_ wait: Double, _ binsPerDay: Double) -> Int {
        guard wait > 0 else { return 0 }
        let position = wait * binsPerDay  // +infinity for zero-width bins
        return position < Double(Replication.waitBins - 1) ? Int(position) : Replication.waitBins - 1
    }

    /// Starts `job`'s service at `stage` (`state` is that stage's ``StageState``).
    @inline(__always) mutating func startService(_ stage: Int, _ state: UnsafeMutablePointer<StageState>, job: Int32, _ now: Double) {
        state.pointee.busy += 1
        if now >= warmup {
            let wait = now - arrivedAt[Int(job)]
            state.pointee.waitSum += wait
            state.pointee.waitCount += 1
            if state.pointee.priorityQueue {
                let slot = stage * Self.priorityLevels + Int(jobPriority[Int(job)])
                waitSumByPriority[slot] += wait
                waitCountByPriority[slot] += 1
            }
            histogram[stage * Replication.waitBins + Self.bin(wait, state.pointee.binsPerDay)] += 1
        }
        let duration = service[stage].sample(&random, empirical: empirical)
        // A NaN draw (only from parameters at the edge of Double's range, which the loader
        // refuses) would otherwise poison the clock: such a case is simply never finished.
        heap.push(time: now + (duration >= 0 ? duration : .infinity), kind: .completion, index: stage, job: Int(job))
    }

    @inline(__always) mutating func arrive(_ stage: Int, job: Int32, _ now: Double) {
        // One bounds check for the stage's counters, not one per field (perStage never grows).
        let state = perStage.pointer(stage)
        account(state, now)
        arrivedAt[Int(job)] = now
        state.pointee.inSystem += 1
        if now >= warmup { state.pointee.arrivals += 1 }
        state.pointee.arrivedToday += 1
        if state.pointee.busy < state.pointee.servers {
            startService(stage, state, job: job, now)
        } else {
            let level = state.pointee.priorityQueue ? Int(jobPriority[Int(job)]) : 0
            queues.push(job, to: stage * Self.priorityLevels + level)
            if state.pointee.reneges { schedulePatience(stage, job: job, now) }
        }
    }

    /// Schedules the moment `job`, just queued at `stage`, stops waiting if not yet served.
    @inline(never) mutating func schedulePatience(_ stage: Int, job: Int32, _ now: Double) {
        let after = patience[stage].sample(&random, empirical: empirical)
        waitKey[Int(job)] = heap.push(time: now + (after >= 0 ? after : .infinity), kind: .renege, index: stage, job: Int(job))
    }

    /// A job id for a new case: a free one, or a new one with room for its per-job state.
    @inline(__always) mutating func newJob() -> Int32 {
        if let free = freeJobs.popLast() { return free }
        let job = Int32(arrivedAt.count)
        arrivedAt.append(0)
        jobPriority.append(0)
        waitKey.append(0)
        ghost.append(false)
        if pathwayDriven {
            due.append(-1, times: clockCount)
            plannedStage.append(-1)
        }
        return job
    }

    /// The route drawn from `routes` (an index into the flattened routing), or -1: the case leaves.
    @inline(__always) mutating func chooseRoute(_ routes: Range<Int>) -> Int {
        let u = random.uniform()
        var route = routes.lowerBound
        let end = routes.upperBound
        while route < end {
            if u < routeCumulative[route] { return route }
            route += 1
        }
        return -1
    }

    /// Counts a step-up or step-down taken by route `choice` (after the warm-up).
    @inline(__always) mutating func countStep(_ choice: Int, _ now: Double) {
        guard now >= warmup else { return }
        if routeKind[choice] == 1 { stepUps += 1 } else if routeKind[choice] == 2 { stepDowns += 1 }
    }

    /// A job has waited at a stage as long as it will: unless its service has started, it
    /// leaves the queue and goes on by the stage's reneging routes, under a new id (its entry
    /// stays in the queue as a ghost).
    /// Out of line, like the other reneging paths: networks without reneging should not pay
    /// for its code in the event loop.
    @inline(never) mutating func renege(_ event: EventHeap.Event, _ now: Double) {
        let job = event.job, stage = Int(event.index)
        // Only if the job still waits there: starting service cleared its key.
        guard waitKey[Int(job)] == event.key else { return }
        events += 1
        waitKey[Int(job)] = 0
        let state = perStage.pointer(stage)
        account(state, now)
        state.pointee.inSystem -= 1
        ghosts[stage] += 1
        if now >= warmup { reneged[stage] += 1 }
        daily[min(Int(now), days - 1) * stageCount + stage].reneged += 1
        ghost[Int(job)] = true
        let moved = newJob()
        jobPriority[Int(moved)] = jobPriority[Int(job)]
        if pathwayDriven {
            let from = Int(job) * clockCount, to = Int(moved) * clockCount
            for clock in 0..<clockCount { due[to + clock] = due[from + clock] }
            plannedStage[Int(moved)] = plannedStage[Int(job)]
        }
        let choice = chooseRoute(renegeRoutes[stage])
        if choice >= 0 { countStep(choice, now); arrive(routeTarget[choice], job: moved, now) } else { freeJobs.append(moved) }
    }

    /// Draws a synthetic referral for a new job and routes it with the live router: its clocks'
    /// due days and the stage of its recommended level.
    mutating func refer(_ job: Int32, stream: Int, _ model: PathwayModel, _ now: Double) {
        referrals += 1
        let day = Int(now)
        let receivedOn = CalendarDate(daysSinceEpoch: startDay + day)
        // Receipt at the simulated instant, in UTC (London's date for the working-day rule).
        let receivedAt = Timestamp(secondsSinceEpoch: Int64((Double(startDay) + now) * 86_400))
        let (referral, reReferral) = model.mix.referral(source: model.sources[stream], receivedAt: receivedAt, receivedOn: receivedOn,
                                                        number: referrals, random: &random)
        let decision = route(referral, pathway: model.pathway, receivedAt: receivedAt, reReferral: reReferral)
        let base = Int(job) * clockCount
        for clock in 0..<clockCount { due[base + clock] = -1 }
        for deadline in decision.deadlines {
            if let clock = model.pathway.definition.clocks.firstIndex(where: { $0.id == deadline.clock }) {
                due[base + clock] = Int32(deadline.due.daysSinceEpoch - startDay)
            }
        }
        plannedStage[Int(job)] = Int32(model.stageForLevel[decision.level] ?? -1)
        // Immediate risk goes first in priority queues; other referrals keep their stream's order, after it.
        jobPriority[Int(job)] = referral.immediateRisk ? 0 : UInt8(min(10, 1 + scenario.arrivals[stream].priority))
        if now >= warmup {
            if let level = levelIndex[decision.level] { routedByLevel[level] += 1 }
            if reReferral { reReferrals += 1 }
        }
    }

    /// Stops the clocks this stage stops, recording whether each was on time (on or before its due day).
    @inline(__always) mutating func stopClocks(_ stage: Int, job: Int32, _ now: Double) {
        let base = Int(job) * clockCount
        for clock in stageStops[stage] where due[base + clock] >= 0 {
            let late = Int(now) > Int(due[base + clock])
            if now >= warmup {
                clocksStopped[clock] += 1
                if !late { clocksOnTime[clock] += 1 }
            }
            if late { daily[min(Int(now), days - 1) * stageCount + stage].breaches += 1 }
            due[base + clock] = -1
        }
    }

    /// The next case to serve: the first in the highest-priority non-empty queue.
    @inline(__always) mutating func nextWaiting(_ stage: Int, _ state: UnsafeMutablePointer<StageState>) -> Int32? {
        if !state.pointee.reneges { return firstQueued(stage, priorityQueue: state.pointee.priorityQueue) }
        return nextPatient(stage, state)
    }

    /// ``nextWaiting(_:_:)`` at a stage with reneging: skips the entries cases left behind when
    /// they reneged (their ids are free once popped). Out of line, like the other reneging paths.
    @inline(never) mutating func nextPatient(_ stage: Int, _ state: UnsafeMutablePointer<StageState>) -> Int32? {
        while let job = firstQueued(stage, priorityQueue: state.pointee.priorityQueue) {
            if !ghost[Int(job)] {
                waitKey[Int(job)] = 0
                return job
            }
            ghost[Int(job)] = false
            ghosts[stage] -= 1
            freeJobs.append(job)
        }
        return nil
    }

    @inline(__always) func firstQueued(_ stage: Int, priorityQueue: Bool) -> Int32? {
        let base = stage * Self.priorityLevels
        if !priorityQueue { return queues.pop(base) }
        for level in 0..<Self.priorityLevels {
            if let job = queues.pop(base + level) { return job }
        }
        return nil
    }

    mutating func snapshotDay() {
        let day = Int(nextDay) - 1
        for stage in 0..<stageCount {
            daily[day * stageCount + stage].inService = Int32(perStage[stage].busy)
            daily[day * stageCount + stage].arrivals = Int32(perStage[stage].arrivedToday)
            daily[day * stageCount + stage].completed = Int32(perStage[stage].completedToday)
            perStage[stage].arrivedToday = 0
            perStage[stage].completedToday = 0
            var queued = -ghosts[stage]
            for level in 0..<Self.priorityLevels { queued += queues.count(stage * Self.priorityLevels + level) }
            daily[day * stageCount + stage].queued = Int32(queued)
        }
        nextDay += 1
    }

    /// Sets stream `index`'s next arrival (nil: none before the horizon).
    @inline(__always) mutating func schedule(arrival time: Double?, stream index: Int) {
        arrivalKeys[index] = time.map { heap.key(time: $0) } ?? .max
        nextArrivalKey = .max
        for stream in 0..<arrivalKeys.count where arrivalKeys[stream] < nextArrivalKey {
            nextArrivalKey = arrivalKeys[stream]
            nextArrivalStream = stream
        }
    }

    mutating func run() -> ReplicationResult {
        for index in scenario.arrivals.indices {
            schedule(arrival: nextArrival(index, after: 0), stream: index)
        }
        while true {
            // The earlier of the next arrival and the heap's next event (keys never tie).
            let heapKey = heap.peekKey() ?? .max
            let event: EventHeap.Event
            if nextArrivalKey < heapKey {
                event = EventHeap.Event(key: nextArrivalKey, kind: .arrival, index: Int32(nextArrivalStream), job: 0)
            } else if heapKey != .max {
                event = heap.take()
            } else {
                break
            }
            let now = event.time
            if now >= horizon { break }
            while now >= nextDay { snapshotDay() }
            switch event.kind {
            case .arrival:
                events += 1
                let streamIndex = Int(event.index)
                let job = newJob()
                jobPriority[Int(job)] = arrivalPriority[streamIndex]
                if pathwayDriven, let model { refer(job, stream: streamIndex, model, now) }
                arrive(arrivalTo[streamIndex], job: job, now)
                schedule(arrival: nextArrival(streamIndex, after: now), stream: streamIndex)

            case .completion:
                events += 1
                let stage = Int(event.index)
                let state = perStage.pointer(stage)
                account(state, now)
                state.pointee.busy -= 1
                state.pointee.inSystem -= 1
                if now >= warmup { state.pointee.completions += 1 }
                state.pointee.completedToday += 1
                if let next = nextWaiting(stage, state) { startService(stage, state, job: next, now) }
                if pathwayDriven {
                    stopClocks(stage, job: event.job, now)
                    if stage == frontDoor {
                        // After the front door the case goes where the router sent it.
                        let target = Int(plannedStage[Int(event.job)])
                        if target >= 0 { arrive(target, job: event.job, now) } else { freeJobs.append(event.job) }
                        continue
                    }
                }
                // Written out here, not through a shared helper with `arrive` inside: the compiler
                // kept that one out of line (a call per completion; 15% of samples under perf).
                let choice = chooseRoute(state.pointee.routes)
                if choice >= 0 { countStep(choice, now); arrive(routeTarget[choice], job: event.job, now) } else { freeJobs.append(event.job) }

            case .renege:
                renege(event, now)
            }
        }
        for stage in 0..<stageCount { account(perStage.pointer(stage), horizon) }
        while nextDay <= Double(days) { snapshotDay() }

        let measured = horizon - warmup
        var measures: [ReplicationResult.StageMeasures] = []
        for stage in 0..<stageCount {
            let state = perStage[stage]
            let capacity = Double(state.servers) * measured
            let meanWait: Double = state.waitCount > 0 ? state.waitSum / Double(state.waitCount) : 0
            let bins = histogram.array((stage * Replication.waitBins)..<((stage + 1) * Replication.waitBins))
            var byPriority: [Double?] = []
            if state.priorityQueue {
                for level in 0..<Self.priorityLevels {
                    let slot = stage * Self.priorityLevels + level
                    byPriority.append(waitCountByPriority[slot] > 0 ? waitSumByPriority[slot] / Double(waitCountByPriority[slot]) : nil)
                }
            }
            measures.append(ReplicationResult.StageMeasures(
                arrivalsPerDay: Double(state.arrivals) / measured, utilisation: state.areaBusy / capacity,
                meanWaitDays: meanWait, meanInSystem: state.areaInSystem / measured,
                throughputPerDay: Double(state.completions) / measured, waitHistogram: bins, meanWaitByPriority: byPriority,
                renegedPerDay: Double(reneged[stage]) / measured))
        }
        let perDay: [[DayCounts]] = (0..<days).map { day in daily.array((day * stageCount)..<((day + 1) * stageCount)) }
        return ReplicationResult(stages: measures, daily: perDay, stepUps: stepUps, stepDowns: stepDowns, clocksStopped: clocksStopped,
                                 clocksOnTime: clocksOnTime, routedByLevel: routedByLevel, reReferrals: reReferrals, events: events)
    }
}

/// What the event loop reads and writes about one stage, side by side: one bounds check and
/// a cache line or two per visit, where a separate buffer per measure cost a pointer, a bounds
/// check and a cache line each (docs/performance.md).
private struct StageState {
    let servers: Int
    let priorityQueue: Bool
    /// Whether cases leave its queue when their patience runs out (beside `priorityQueue`, in
    /// its padding: the struct stays 128 bytes).
    let reneges: Bool
    /// Waiting-time bins per day (1 / the bin width; infinite for a stage whose service time
    /// is always 0).
    let binsPerDay: Double
    /// The stage's routing entries in the engine's flattened routing arrays.
    let routes: Range<Int>
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
    /// Arrivals and completions since the last day's snapshot: counted here, beside the
    /// stage's other counters, and written to the day's counts when it ends, instead of into
    /// the day × stage table on every event.
    var arrivedToday = 0
    var completedToday = 0

    init(servers: Int, priorityQueue: Bool, binsPerDay: Double, routes: Range<Int>, reneges: Bool, lastChange: Double) {
        self.servers = servers
        self.priorityQueue = priorityQueue
        self.binsPerDay = binsPerDay
        self.routes = routes
        self.reneges = reneges
        self.lastChange = lastChange
    }

    /// Adds the time since the last change to the areas.
    @inline(__always) mutating func account(_ now: Double) {
        let elapsed = now - lastChange
        areaBusy += Double(busy) * elapsed
        areaInSystem += Double(inSystem) * elapsed
        lastChange = now
    }
}
