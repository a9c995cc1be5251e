/// Per-job state, indexed by job id: a column per attribute (``Slots``), grown as cases
/// arrive. A job id is reused once its case leaves, so the table stays as large as the most
/// cases ever in the network at once, not the number of arrivals.
struct JobTable {
    /// When the job joined its current stage (its wait is measured from here).
    let arrivedAt = Slots<Double>()
    /// Its priority in priority queues: 0 is served first.
    let priority = Slots<UInt8>()
    /// At a stage with reneging, while the job waits: the key of its pending reneging event.
    /// Starting service clears it, so the event, when it comes, finds it changed and is ignored.
    let renegeKey = Slots<UInt128?>()
    /// The job reneged and left this id's entry behind in a queue, where it stays until popped
    /// (removing it from the middle of a ring would cost the queue's length). The case itself
    /// went on under a new id, so the entry can never be mistaken for it.
    let ghost = Slots<Bool>()
    /// Pathway-driven scenarios: per job, each clock's due day (nil: not running), as
    /// `clocksPerJob` consecutive slots.
    let due = Slots<Int32?>()
    /// Pathway-driven scenarios: the stage the router's recommended level goes to after the
    /// front door; nil when the case leaves there (universal help).
    let plannedStage = Slots<Int32?>()
    /// Ids free for reuse.
    private let free = Slots<Int32>()
    /// The clocks each job carries (0 without a pathway).
    let clocksPerJob: Int

    init(clocksPerJob: Int) {
        self.clocksPerJob = clocksPerJob
    }

    /// A job id for a new case: a free one, or a new one with room for its state.
    @inline(__always) func newJob() -> Int32 {
        if let id = free.popLast() { return id }
        let job = Int32(arrivedAt.count)
        arrivedAt.append(0)
        priority.append(0)
        renegeKey.append(nil)
        ghost.append(false)
        if clocksPerJob > 0 {
            due.append(nil, times: clocksPerJob)
            plannedStage.append(nil)
        }
        return job
    }

    /// The case under `job` has left the network: its id may be reused.
    @inline(__always) func release(_ job: Int32) {
        free.append(job)
    }

    /// A new id carrying `job`'s priority, clocks and planned stage: the case as it goes on
    /// after reneging, while `job` stays behind as a ghost entry in the queue it left.
    func moved(from job: Int32) -> Int32 {
        let moved = newJob()
        priority[Int(moved)] = priority[Int(job)]
        if clocksPerJob > 0 {
            let from = Int(job) * clocksPerJob, to = Int(moved) * clocksPerJob
            for clock in 0..<clocksPerJob { due[to + clock] = due[from + clock] }
            plannedStage[Int(moved)] = plannedStage[Int(job)]
        }
        return moved
    }
}
