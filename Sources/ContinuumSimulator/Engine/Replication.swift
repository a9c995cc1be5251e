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
    }

    public var stages: [StageMeasures]
    /// Per day (whole run, warm-up included) and stage: arrivals, in service and queued at the
    /// end of the day, completions.
    public var daily: [[DayCounts]]
    public var stepUps: Int
    public var stepDowns: Int
    /// Events processed: arrivals from outside and service completions (a hand-over to the next
    /// stage is part of its completion), counted as ../shared/bench counts them.
    public var events: Int
}

public struct DayCounts: Sendable, Hashable {
    public var arrivals: Int32 = 0
    public var inService: Int32 = 0
    public var queued: Int32 = 0
    public var completed: Int32 = 0
}

/// One run of a scenario with one random stream: a discrete-event simulation of an open
/// network of multi-server stages (FIFO queues), Poisson arrivals with monthly multipliers.
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
        var random = RandomSource(seed: scenario.seed, stream: stream)
        let stages = scenario.stages
        let stageCount = stages.count
        let horizon = scenario.horizonDays
        let warmup = scenario.warmupDays
        let measured = horizon - warmup
        let days = Int(horizon.rounded(.up))

        // Routing as cumulative probabilities, for one uniform draw per completion.
        let cumulative: [[Double]] = stages.map { stage in
            var running = 0.0
            return stage.routing.map { running += $0.probability; return running }
        }
        let startDay = scenario.startDate.daysSinceEpoch
        let months: [Int] = (0..<max(days, 1)).map { CalendarDate(daysSinceEpoch: startDay + $0).month - 1 }
        let peak: [Double] = scenario.arrivals.map { $0.perDay * ($0.monthly?.max() ?? 1) }

        var heap = EventHeap(capacity: 1024)
        // Jobs: the time each arrived at its current stage; slots are reused.
        var arrivedAt: [Double] = []
        var freeJobs: [Int32] = []
        // Per stage: FIFO queue as a ring buffer of job ids.
        var queues: [[Int32]] = Array(repeating: [], count: stageCount)
        var heads = Array(repeating: 0, count: stageCount)
        var busy = Array(repeating: 0, count: stageCount)
        var inSystem = Array(repeating: 0, count: stageCount)
        // Measures after the warm-up.
        var lastChange = Array(repeating: warmup, count: stageCount)
        var areaBusy = Array(repeating: 0.0, count: stageCount)
        var areaInSystem = Array(repeating: 0.0, count: stageCount)
        var arrivals = Array(repeating: 0, count: stageCount)
        var completions = Array(repeating: 0, count: stageCount)
        var waitSum = Array(repeating: 0.0, count: stageCount)
        var waitCount = Array(repeating: 0, count: stageCount)
        var histogram = Array(repeating: Array(repeating: 0, count: Self.waitBins), count: stageCount)
        let binWidth: [Double] = stages.map { 10 * $0.service.mean / Double(Self.waitBins) }
        var daily = Array(repeating: Array(repeating: DayCounts(), count: stageCount), count: max(days, 1))
        var stepUps = 0, stepDowns = 0, events = 0
        var nextDay = 1.0

        @inline(__always) func account(_ stage: Int, _ now: Double) {
            guard now > warmup else { return }
            let since = lastChange[stage]
            areaBusy[stage] += Double(busy[stage]) * (now - since)
            areaInSystem[stage] += Double(inSystem[stage]) * (now - since)
            lastChange[stage] = now
        }

        func nextArrival(_ streamIndex: Int, after now: Double) -> Double? {
            let arrival = scenario.arrivals[streamIndex]
            guard peak[streamIndex] > 0 else { return nil }
            var t = now
            while true {
                t += random.exponential(mean: 1 / peak[streamIndex])
                if t >= horizon { return nil }
                guard let monthly = arrival.monthly else { return t }
                // Thinning (Lewis and Shedler): accept with the month's rate over the peak rate.
                let rate = arrival.perDay * monthly[months[min(Int(t), months.count - 1)]]
                if random.uniform() * peak[streamIndex] <= rate { return t }
            }
        }

        func startService(_ stage: Int, job: Int32, _ now: Double) {
            busy[stage] += 1
            if now >= warmup {
                let wait = now - arrivedAt[Int(job)]
                waitSum[stage] += wait
                waitCount[stage] += 1
                histogram[stage][min(Self.waitBins - 1, Int(wait / binWidth[stage]))] += 1
            }
            heap.push(time: now + stages[stage].service.sample(&random), kind: .completion, index: stage, job: Int(job))
        }

        func arrive(_ stage: Int, job: Int32, _ now: Double) {
            account(stage, now)
            arrivedAt[Int(job)] = now
            inSystem[stage] += 1
            if now >= warmup { arrivals[stage] += 1 }
            daily[min(Int(now), days - 1)][stage].arrivals += 1
            if busy[stage] < stages[stage].servers {
                startService(stage, job: job, now)
            } else {
                queues[stage].append(job)
            }
        }

        for index in scenario.arrivals.indices {
            if let first = nextArrival(index, after: 0) { heap.push(time: first, kind: .arrival, index: index) }
        }

        while let event = heap.pop() {
            let now = event.time
            if now >= horizon { break }
            while now >= nextDay {
                let day = Int(nextDay) - 1
                for stage in 0..<stageCount {
                    daily[day][stage].inService = Int32(busy[stage])
                    daily[day][stage].queued = Int32(queues[stage].count - heads[stage])
                }
                nextDay += 1
            }
            switch event.kind {
            case .arrival:
                events += 1
                let streamIndex = Int(event.index)
                let job: Int32
                if let free = freeJobs.popLast() { job = free } else { job = Int32(arrivedAt.count); arrivedAt.append(0) }
                arrive(scenario.arrivals[streamIndex].to, job: job, now)
                if let next = nextArrival(streamIndex, after: now) { heap.push(time: next, kind: .arrival, index: streamIndex) }

            case .completion:
                events += 1
                let stage = Int(event.index)
                account(stage, now)
                busy[stage] -= 1
                inSystem[stage] -= 1
                if now >= warmup { completions[stage] += 1 }
                daily[min(Int(now), days - 1)][stage].completed += 1
                if heads[stage] < queues[stage].count {
                    let next = queues[stage][heads[stage]]
                    heads[stage] += 1
                    // Compact the ring occasionally so the queue array does not grow without bound.
                    if heads[stage] > 4096, heads[stage] * 2 > queues[stage].count {
                        queues[stage].removeFirst(heads[stage])
                        heads[stage] = 0
                    }
                    startService(stage, job: next, now)
                }
                let u = random.uniform()
                let routes = cumulative[stage]
                if let choice = routes.firstIndex(where: { u < $0 }) {
                    let route = stages[stage].routing[choice]
                    if now >= warmup {
                        if route.kind == .stepUp || route.kind == .escalate { stepUps += 1 }
                        if route.kind == .stepDown { stepDowns += 1 }
                    }
                    arrive(route.to, job: event.job, now)
                } else {
                    freeJobs.append(event.job)
                }
            }
        }
        for stage in 0..<stageCount { account(stage, horizon) }
        while nextDay <= Double(days) {
            let day = Int(nextDay) - 1
            for stage in 0..<stageCount {
                daily[day][stage].inService = Int32(busy[stage])
                daily[day][stage].queued = Int32(queues[stage].count - heads[stage])
            }
            nextDay += 1
        }

        var measures: [ReplicationResult.StageMeasures] = []
        for stage in 0..<stageCount {
            let capacity = Double(stages[stage].servers) * measured
            let meanWait: Double = waitCount[stage] > 0 ? waitSum[stage] / Double(waitCount[stage]) : 0
            measures.append(ReplicationResult.StageMeasures(
                arrivalsPerDay: Double(arrivals[stage]) / measured,
                utilisation: areaBusy[stage] / capacity,
                meanWaitDays: meanWait,
                meanInSystem: areaInSystem[stage] / measured,
                throughputPerDay: Double(completions[stage]) / measured,
                waitHistogram: histogram[stage]))
        }
        return ReplicationResult(stages: measures, daily: daily, stepUps: stepUps, stepDowns: stepDowns, events: events)
    }
}
