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
    /// Cases already open when the run starts (a forecast from a log's open cases): each at
    /// its stage from day 0, with the time it has already spent there.
    public var initialCases: [InitialCase] = []
    /// Unit costs by stage id (the scenario's `costs`, keyed there by stage or level id).
    public var costs: [String: UnitCost] = [:]

    /// A case open when the run starts.
    public struct InitialCase: Sendable, Hashable {
        public var stage: Int
        /// Days it has spent at the stage already: its remaining time there is drawn from the
        /// stage's distribution given that it has lasted this long.
        public var elapsedDays: Double
        /// 0 (first) to 10, for priority queues.
        public var priority: Int
        /// At the front door of a pathway-driven scenario: the stage of the level recommended
        /// (nil: the case leaves after the decision).
        public var plannedStage: Int?
        /// Running clocks by clock id: the day each is due, counted from day 0 of the run.
        public var clocksDue: [String: Int]

        public init(stage: Int, elapsedDays: Double, priority: Int = 1, plannedStage: Int? = nil, clocksDue: [String: Int] = [:]) {
            self.stage = stage
            self.elapsedDays = elapsedDays
            self.priority = priority
            self.plannedStage = plannedStage
            self.clocksDue = clocksDue
        }
    }

    /// What a day at a stage, and each case that enters it, cost (pounds).
    public struct UnitCost: Sendable, Hashable {
        public var perDay: Double
        public var perEpisode: Double
        /// Where the figure comes from (shown in the forecast's notes).
        public var source: String?

        public init(perDay: Double, perEpisode: Double, source: String? = nil) {
            self.perDay = perDay
            self.perEpisode = perEpisode
            self.source = source
        }
    }

    /// A Poisson arrival stream into one stage.
    public struct Arrival: Sendable, Hashable {
        public var to: Int
        public var perDay: Double
        /// Twelve multipliers, January to December (the August dip, the September rise).
        public var monthly: [Double]?
        /// 0 (first) to 9: the order in which priority queues serve this stream's cases.
        public var priority: Int = 0
        /// A calibrated rate's basis: referrals counted in each calendar month (January first).
        /// With it, each replication draws its own monthly rates from what those counts allow
        /// (a Gamma with the count as its shape), so a forecast's intervals carry the
        /// uncertainty of the rates as well as the randomness of arrivals.
        public var basis: [Int]? = nil
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
        /// A calibrated time's basis: the stays it was fitted to. With it, each replication
        /// scales the mean (and spread) by a draw of the fit's own uncertainty.
        public var basis: Int? = nil
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
