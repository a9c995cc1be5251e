import ContinuumCore

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

    public init(arrivals: Int32 = 0, inService: Int32 = 0, queued: Int32 = 0, completed: Int32 = 0, breaches: Int32 = 0, reneged: Int32 = 0) {
        self.arrivals = arrivals
        self.inService = inService
        self.queued = queued
        self.completed = completed
        self.breaches = breaches
        self.reneged = reneged
    }
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
        var engine = Engine(topology: Topology(scenario, stream: stream), seed: scenario.seed, stream: stream, recorder: nil)
        return engine.run()
    }

    /// Runs the replication keeping what happened to every case (for `simulate --write-log`);
    /// the result is the same as ``run()``'s with the same stream.
    public func runTraced() -> (result: ReplicationResult, trace: CaseTrace) {
        let recorder = TraceRecorder()
        var engine = Engine(topology: Topology(scenario, stream: stream), seed: scenario.seed, stream: stream, recorder: recorder)
        let result = engine.run()
        return (result, recorder.trace)
    }
}

/// The event loop: the network it runs on (``Topology``, fixed), the cases in it
/// (``JobTable``), what it counts (``StageStatistics``), and the moving parts (the event heap,
/// the queues, the arrival schedule, the random stream).
private struct Engine {
    let topology: Topology
    let jobs: JobTable
    var statistics: StageStatistics
    var random: RandomSource
    let heap = EventHeap(capacity: 1024)
    /// Per stage, one FIFO ring per priority level (FIFO stages use level 0 only).
    let queues: JobQueues
    /// Per stage: entries in its queues left behind by cases that reneged, not yet popped.
    let ghosts: Slots<Int>
    /// Each arrival stream's next arrival as its heap key (`UInt128.max`: none before the
    /// horizon), kept out of the heap: a third of all events are arrivals, and this way one
    /// costs a scan of the streams instead of a heap operation.
    let arrivalKeys: Slots<UInt128>
    /// The earliest of `arrivalKeys` and its stream.
    var nextArrivalKey = UInt128.max
    var nextArrivalStream = 0
    /// The next day boundary: crossing it ends a day in the daily counts.
    var nextDay = 1.0
    /// Pathway-driven scenarios: referrals drawn so far (they number the synthetic referrals).
    var referrals = 0
    /// Set when the run keeps a ``CaseTrace``.
    let recorder: TraceRecorder?
    /// The router's recommendation (a level rank) by the facts it read (by their code, see
    /// ``Topology/Pathway/factCodes``, -1 not yet known; or by the facts themselves), and
    /// clocks' due days (days from the start) by clock and London receipt day, `Int32.min` not
    /// yet known: see ``refer(_:stream:_:_:)``.
    var rankByCode: [Int32]
    var ranks: [[Int]: Int] = [:]
    var dueDays: [Int32]
    /// The facts of the referral being routed (one buffer for the run).
    var facts: [Int] = []

    init(topology: Topology, seed: UInt64, stream: UInt64, recorder: TraceRecorder?) {
        self.topology = topology
        self.recorder = recorder
        jobs = JobTable(clocksPerJob: topology.pathway?.clockCount ?? 0)
        statistics = StageStatistics(topology)
        random = RandomSource(seed: seed, stream: stream)
        queues = JobQueues(count: topology.stageCount * Topology.priorityLevels)
        ghosts = Slots(repeating: 0, count: topology.stageCount)
        arrivalKeys = Slots(repeating: .max, count: topology.arrivals.count)
        rankByCode = [Int32](repeating: -1, count: topology.pathway?.factCodes?.count ?? 0)
        // London receipt days run from the start day to the day after the last.
        dueDays = [Int32](repeating: .min, count: (topology.pathway?.clockCount ?? 0) * (topology.days + 2))
    }

    var warmup: Double { topology.warmup }

    /// The next arrival of a stream after `now`, by thinning (Lewis and Shedler) when monthly
    /// multipliers vary the rate; nil after the horizon.
    mutating func nextArrival(_ streamIndex: Int, after now: Double) -> Double? {
        let peak = topology.arrivals[streamIndex].peak
        guard peak > 0 else { return nil }
        let meanGap = topology.arrivals[streamIndex].peakGap
        var t = now
        while true {
            t += random.exponential(mean: meanGap)
            if t >= topology.horizon { return nil }
            if topology.arrivals[streamIndex].monthly.isEmpty { return t }
            let rate = topology.arrivals[streamIndex].perDay * topology.arrivals[streamIndex].monthly[topology.months[min(Int(t), topology.days - 1)]]
            if random.uniform() * peak <= rate { return t }
        }
    }

    /// Starts `job`'s service at `stage` (`counters` are that stage's).
    @inline(__always) mutating func startService(_ stage: Int, _ counters: UnsafeMutablePointer<StageStatistics.Counters>, job: Int32, _ now: Double) {
        counters.pointee.busy += 1
        if now >= warmup {
            statistics.recordWait(now - jobs.arrivedAt[Int(job)], stage: stage, priorityQueue: topology.stages[stage].priorityQueue,
                                  binsPerDay: topology.stages[stage].binsPerDay, counters, priority: jobs.priority[Int(job)])
        }
        let duration = topology.service[stage].sample(&random, empirical: topology.empirical)
        // A NaN draw (only from parameters at the edge of Double's range, which the loader
        // refuses) would otherwise poison the clock: such a case is simply never finished.
        heap.push(time: now + (duration >= 0 ? duration : .infinity), kind: .completion, index: stage, job: Int(job))
    }

    /// `job` joins `stage`: into service if a server is free, else into its queue.
    @inline(__always) mutating func arrive(_ stage: Int, job: Int32, _ now: Double) {
        let counters = statistics.perStage.pointer(stage)
        statistics.account(counters, now)
        jobs.arrivedAt[Int(job)] = now
        counters.pointee.inSystem += 1
        if now >= warmup { counters.pointee.arrivals += 1 }
        counters.pointee.arrivedToday += 1
        if counters.pointee.busy < topology.stages[stage].servers {
            startService(stage, counters, job: job, now)
        } else {
            let level = topology.stages[stage].priorityQueue ? Int(jobs.priority[Int(job)]) : 0
            queues.push(job, to: stage * Topology.priorityLevels + level)
            if topology.stages[stage].reneges { schedulePatience(stage, job: job, now) }
        }
    }

    /// Schedules the moment `job`, just queued at `stage`, stops waiting if not yet served.
    /// Out of line, like every reneging path: networks without reneging do not carry its code
    /// in the loop.
    @inline(never) mutating func schedulePatience(_ stage: Int, job: Int32, _ now: Double) {
        let after = topology.patience[stage].sample(&random, empirical: topology.empirical)
        jobs.renegeKey[Int(job)] = heap.push(time: now + (after >= 0 ? after : .infinity), kind: .renege, index: stage, job: Int(job))
    }

    /// The route drawn from `routes` (a range of the topology's routing), or nil: the case leaves.
    @inline(__always) mutating func chooseRoute(_ routes: Range<Int>) -> Topology.Route? {
        let u = random.uniform()
        var route = routes.lowerBound
        let end = routes.upperBound
        while route < end {
            if u < topology.routes[route].cumulative { return topology.routes[route] }
            route += 1
        }
        return nil
    }

    /// `job` goes on from `stage` by one of `routes`, or leaves the network.
    @inline(__always) mutating func forward(_ job: Int32, from stage: Int, by routes: Range<Int>, _ now: Double) {
        if let route = chooseRoute(routes) {
            statistics.countStep(route.kind, now)
            if let recorder { recorder.record(job, now, .entered(stage: route.target, kind: route.kind.transition)) }
            arrive(route.target, job: job, now)
        } else {
            if let recorder { recorder.record(job, now, .left(stage: stage)) }
            jobs.release(job)
        }
    }

    /// A job has waited at a stage as long as it will: unless its service has started, it
    /// leaves the queue and goes on by the stage's reneging routes, under a new id (its entry
    /// stays in the queue as a ghost).
    @inline(never) mutating func renege(_ event: EventHeap.Event, _ now: Double) {
        let job = event.job, stage = Int(event.index)
        // Only if the job still waits there: starting service cleared its key.
        guard jobs.renegeKey[Int(job)] == event.key else { return }
        statistics.events += 1
        jobs.renegeKey[Int(job)] = nil
        let counters = statistics.perStage.pointer(stage)
        statistics.account(counters, now)
        counters.pointee.inSystem -= 1
        ghosts[stage] += 1
        if now >= warmup { statistics.reneged[stage] += 1 }
        statistics.daily[statistics.today(now, stage: stage)].reneged += 1
        jobs.ghost[Int(job)] = true
        let moved = jobs.moved(from: job)
        if let recorder {
            recorder.record(job, now, .reneged(stage: stage))
            recorder.carried(job, to: moved)
        }
        forward(moved, from: stage, by: topology.stages[stage].renegeRoutes, now)
    }

    /// Draws a synthetic referral for a new job and routes it with the live router: its clocks'
    /// due days and the stage of its recommended level. The router's recommendation depends
    /// only on the facts its table reads (a few small numbers), so it is remembered by them, and
    /// each clock's due day by its clock and day: the same answers as `route()`, without
    /// building a decision per referral. A run without a trace draws only what routing reads
    /// (``ReferralMix/subject(_:concerns:)``: the same draws, so the same run); a traced run draws the
    /// whole referral, which the history records.
    mutating func refer(_ job: Int32, stream: Int, _ pathway: Topology.Pathway, _ now: Double) {
        referrals += 1
        let startDay = topology.startDay
        // Receipt at the simulated instant, in UTC; London's date for the working-day rule is
        // UTC's before 23:00 (London is at most an hour ahead), else asked of `UKTime`.
        let seconds = Int64((Double(startDay) + now) * 86_400)
        let receivedAt = Timestamp(secondsSinceEpoch: seconds)
        let utcDay = Int(seconds / 86_400)
        let londonDay = seconds % 86_400 < 82_800 ? utcDay : UKTime.londonDate(of: receivedAt).daysSinceEpoch
        let subject: RoutingSubject
        var drawn: Referral?
        if recorder != nil {
            let (referral, reReferral) = pathway.mix.referral(source: pathway.sources[stream], receivedAt: receivedAt,
                                                              receivedOn: CalendarDate(daysSinceEpoch: utcDay), number: referrals, random: &random)
            subject = RoutingSubject(referral, receivedOn: CalendarDate(daysSinceEpoch: londonDay), reReferral: reReferral)
            drawn = referral
        } else {
            subject = pathway.mix.subject(&random, concerns: pathway.concernSubjects)
        }
        let rank = recommendedRank(subject, pathway)
        let base = Int(job) * pathway.clockCount
        for clock in 0..<pathway.clockCount { jobs.due[base + clock] = nil }
        if pathway.rankClocks.indices.contains(rank) {
            let day = londonDay - startDay
            for (clock, interval) in pathway.rankClocks[rank] {
                let slot = clock * (topology.days + 2) + day
                if dueDays.indices.contains(slot), dueDays[slot] != .min {
                    jobs.due[base + clock] = dueDays[slot]
                } else {
                    let due = Int32(clamping: interval.due(from: CalendarDate(daysSinceEpoch: londonDay), calendar: pathway.calendar).daysSinceEpoch - startDay)
                    if dueDays.indices.contains(slot) { dueDays[slot] = due }
                    jobs.due[base + clock] = due
                }
            }
        }
        jobs.plannedStage[Int(job)] = pathway.rankStage.indices.contains(rank) ? pathway.rankStage[rank] : nil
        // Immediate risk goes first in priority queues; other referrals keep their stream's order, after it.
        jobs.priority[Int(job)] = subject.immediateRisk ? 0 : min(10, 1 + topology.arrivals[stream].priority)
        if now >= warmup {
            if statistics.routedByLevel.indices.contains(rank) { statistics.routedByLevel[rank] += 1 }
            if subject.reReferral { statistics.reReferrals += 1 }
        }
        if let recorder, let drawn {
            let level = pathway.levelIDs.indices.contains(rank) ? pathway.levelIDs[rank] : ""
            recorder.referred(job, drawn, reReferral: subject.reReferral, recommended: level, stream: stream, now)
        }
    }

    /// The rank of the level the router recommends for `subject`, remembered by its facts.
    @inline(__always) mutating func recommendedRank(_ subject: RoutingSubject, _ pathway: Topology.Pathway) -> Int {
        pathway.verified.routingFacts(subject, into: &facts)
        if let (lower, classes, strides, _) = pathway.factCodes {
            var code = 0
            for index in facts.indices { code += classes[index][facts[index] - lower[index]] * strides[index] }
            if rankByCode.indices.contains(code) {
                if rankByCode[code] < 0 { rankByCode[code] = Int32(pathway.verified.recommendedRank(facts: facts)) }
                return Int(rankByCode[code])
            }
        }
        if let known = ranks[facts] { return known }
        let rank = pathway.verified.recommendedRank(facts: facts)
        ranks[facts] = rank
        return rank
    }

    /// Stops the clocks this stage stops, recording whether each was on time (on or before its due day).
    mutating func stopClocks(_ stage: Int, job: Int32, _ pathway: Topology.Pathway, _ now: Double) {
        let base = Int(job) * pathway.clockCount
        for clock in pathway.stageStops[stage] {
            guard let due = jobs.due[base + clock] else { continue }
            let late = Int(now) > Int(due)
            if now >= warmup {
                statistics.clocksStopped[clock] += 1
                if !late { statistics.clocksOnTime[clock] += 1 }
            }
            if late { statistics.daily[statistics.today(now, stage: stage)].breaches += 1 }
            jobs.due[base + clock] = nil
        }
    }

    /// The next case to serve: the first in the highest-priority non-empty queue.
    @inline(__always) mutating func nextWaiting(_ stage: Int) -> Int32? {
        let priorityQueue = topology.stages[stage].priorityQueue
        if !topology.stages[stage].reneges { return firstQueued(stage, priorityQueue: priorityQueue) }
        return nextPatient(stage, priorityQueue: priorityQueue)
    }

    /// ``nextWaiting(_:)`` at a stage with reneging: skips the entries cases left behind when
    /// they reneged (their ids are free once popped).
    @inline(never) mutating func nextPatient(_ stage: Int, priorityQueue: Bool) -> Int32? {
        while let job = firstQueued(stage, priorityQueue: priorityQueue) {
            if !jobs.ghost[Int(job)] {
                jobs.renegeKey[Int(job)] = nil
                return job
            }
            jobs.ghost[Int(job)] = false
            ghosts[stage] -= 1
            jobs.release(job)
        }
        return nil
    }

    @inline(__always) func firstQueued(_ stage: Int, priorityQueue: Bool) -> Int32? {
        let base = stage * Topology.priorityLevels
        if !priorityQueue { return queues.pop(base) }
        for level in 0..<Topology.priorityLevels {
            if let job = queues.pop(base + level) { return job }
        }
        return nil
    }

    /// Ends the day before `nextDay` in the daily counts.
    mutating func endDay() {
        statistics.snapshot(day: Int(nextDay) - 1) { stage in
            var queued = -ghosts[stage]
            for level in 0..<Topology.priorityLevels { queued += queues.count(stage * Topology.priorityLevels + level) }
            return queued
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

    /// A case arrives from outside on stream `streamIndex`.
    @inline(__always) mutating func arrival(stream streamIndex: Int, _ now: Double) {
        statistics.events += 1
        let job = jobs.newJob()
        jobs.priority[Int(job)] = topology.arrivals[streamIndex].priority
        if let pathway = topology.pathway { refer(job, stream: streamIndex, pathway, now) }
        arrive(topology.arrivals[streamIndex].stage, job: job, now)
        schedule(arrival: nextArrival(streamIndex, after: now), stream: streamIndex)
    }

    /// `job` finishes service at `stage`: the next waiting case starts, and `job` goes on by the
    /// stage's routing (after the front door of a pathway-driven scenario, to the stage of the
    /// level the router recommended).
    @inline(__always) mutating func completion(_ stage: Int, job: Int32, _ now: Double) {
        statistics.events += 1
        let counters = statistics.perStage.pointer(stage)
        statistics.account(counters, now)
        counters.pointee.busy -= 1
        counters.pointee.inSystem -= 1
        if now >= warmup { counters.pointee.completions += 1 }
        counters.pointee.completedToday += 1
        if let next = nextWaiting(stage) { startService(stage, counters, job: next, now) }
        if let recorder { recorder.record(job, now, .completed(stage: stage)) }
        if let pathway = topology.pathway {
            stopClocks(stage, job: job, pathway, now)
            if stage == pathway.frontDoor {
                if let target = jobs.plannedStage[Int(job)] {
                    if let recorder { recorder.record(job, now, .entered(stage: Int(target), kind: nil)) }
                    arrive(Int(target), job: job, now)
                } else {
                    if let recorder { recorder.record(job, now, .left(stage: stage)) }
                    jobs.release(job)
                }
                return
            }
        }
        forward(job, from: stage, by: topology.stages[stage].serviceRoutes, now)
    }

    /// Puts the cases open when the run starts at their stages: into service while places
    /// are free (the longest there first), each for the time it has left given the time spent;
    /// the rest wait in the queue. They are not counted as arrivals.
    mutating func seedOpenCases() {
        let order = topology.initialCases.indices.sorted {
            (topology.initialCases[$1].elapsedDays, $0) < (topology.initialCases[$0].elapsedDays, $1)
        }
        for open in order.map({ topology.initialCases[$0] }) {
            let stage = open.stage
            let job = jobs.newJob()
            jobs.priority[Int(job)] = UInt8(min(10, max(0, open.priority)))
            jobs.arrivedAt[Int(job)] = -open.elapsedDays
            if let pathway = topology.pathway {
                let base = Int(job) * pathway.clockCount
                for clock in 0..<pathway.clockCount { jobs.due[base + clock] = nil }
                for (clock, due) in open.clocksDue {
                    if let index = pathway.clockIndex[clock] { jobs.due[base + index] = Int32(clamping: due) }
                }
                jobs.plannedStage[Int(job)] = open.plannedStage.map(Int32.init)
            }
            let counters = statistics.perStage.pointer(stage)
            statistics.account(counters, 0)
            counters.pointee.inSystem += 1
            if counters.pointee.busy < topology.stages[stage].servers {
                counters.pointee.busy += 1
                let left = topology.service[stage].remaining(after: open.elapsedDays, &random, empirical: topology.empirical)
                heap.push(time: left >= 0 ? left : .infinity, kind: .completion, index: stage, job: Int(job))
            } else {
                let level = topology.stages[stage].priorityQueue ? Int(jobs.priority[Int(job)]) : 0
                queues.push(job, to: stage * Topology.priorityLevels + level)
            }
        }
    }

    mutating func run() -> ReplicationResult {
        seedOpenCases()
        for index in topology.arrivals.indices {
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
            if now >= topology.horizon { break }
            while now >= nextDay { endDay() }
            switch event.kind {
            case .arrival: arrival(stream: Int(event.index), now)
            case .completion: completion(Int(event.index), job: event.job, now)
            case .renege: renege(event, now)
            }
        }
        for stage in 0..<topology.stageCount { statistics.account(statistics.perStage.pointer(stage), topology.horizon) }
        while nextDay <= Double(topology.days) { endDay() }
        return statistics.result(topology)
    }
}
