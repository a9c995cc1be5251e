import ContinuumCore
import ContinuumJSON

/// A demand scenario as planners write it (docs/simulation.md): arrivals into an open network
/// of stages, each with servers, a service-time distribution and routing after service.
public struct Scenario: Sendable {
    public var name: String
    public var horizonDays: Double
    public var warmupDays: Double
    public var replications: Int
    public var seed: UInt64
    /// The calendar day simulated day 0 falls on (for monthly multipliers).
    public var startDate: CalendarDate
    public var arrivals: [Arrival]
    public var stages: [Stage]
    /// Set for a pathway-driven scenario: synthetic referrals routed by the live router.
    public var pathwayModel: PathwayModel?

    /// A Poisson arrival stream into one stage.
    public struct Arrival: Sendable, Hashable {
        public var to: Int
        public var perDay: Double
        /// Twelve multipliers, January to December (the August dip, the September rise).
        public var monthly: [Double]?
        /// 0 (first) to 9: the order in which priority queues serve this stream's cases.
        public var priority: Int = 0
    }

    /// A team or level: `servers` parallel places, a service time, routing after service.
    public struct Stage: Sendable, Hashable {
        public var id: String
        public var servers: Int
        public var service: Distribution
        /// Where a case goes after service; the probability left over leaves the system.
        public var routing: [Route]
        /// Serve waiting cases by priority (then first come, first served) instead of FIFO.
        public var priorityQueue: Bool = false
        /// Cases that wait too long leave the queue (nil: every case waits until served).
        public var reneging: Reneging? = nil
    }

    /// Leaving a stage's queue before service (queueing theory's reneging): each case that
    /// joins the queue draws how long it will wait; still waiting then, it leaves, and
    /// `routing` says where it goes (a step-up when needs escalate on a waiting list; the
    /// probability left over leaves the system, as when a family disengages).
    public struct Reneging: Sendable, Hashable {
        public var afterDays: Distribution
        public var routing: [Route]
    }

    public struct Route: Sendable, Hashable {
        public var to: Int
        public var probability: Double
        /// `step-up`, `step-down` or nil (a plain hand-over), for the step counts.
        public var kind: TransitionKind?
    }

    public func stageIndex(_ id: String) -> Int? { stages.firstIndex { $0.id == id } }
}
