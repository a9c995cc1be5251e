import AsyncHTTPClient
import ContinuumClient
import ContinuumCore
import ContinuumJSON
import ContinuumSimulator
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// Drives the live service with a scenario's demand, open loop: each referral is sent at its
/// scheduled time whether or not earlier ones have been answered, and its latency is measured
/// from that scheduled time, so a slow server cannot hide its queue (no coordinated omission).
public struct LoadTest: Sendable {
    public struct Options: Sendable {
        public var target: String
        public var token: String
        public var staffToken: String?
        /// Referrals per second.
        public var rate: Double
        public var duration: Duration
        public var connections: Int
        /// Poisson arrivals (exponential gaps) instead of evenly spaced ones.
        public var poisson: Bool
        public var seed: UInt64

        public init(target: String, token: String, staffToken: String?, rate: Double, duration: Duration, connections: Int, poisson: Bool, seed: UInt64) {
            self.target = target
            self.token = token
            self.staffToken = staffToken
            self.rate = rate
            self.duration = duration
            self.connections = connections
            self.poisson = poisson
            self.seed = seed
        }
    }

    public let scenario: Scenario
    public let options: Options

    public init(scenario: Scenario, options: Options) {
        self.scenario = scenario
        self.options = options
    }

    /// Runs the test; `progress` is called about once a second with (elapsed s, sent, answered, errors).
    public func run(progress: @escaping @Sendable (Double, Int, Int, Int) -> Void) async throws(ClientError) -> LoadReport {
        // AsyncHTTPClient for the health check and the staff player (a few requests a second);
        // the submissions have their own event loops (``SubmitLoop``). One loop thread unless the
        // machine has cores to spare beside the server's.
        let http = ContinuumClient.makeHTTPClient(connections: 8)
        let events = MultiThreadedEventLoopGroup(numberOfThreads: max(1, min(4, System.coreCount / 2)))
        do {
            let report = try await drive(http, events, progress: progress)
            try? await http.shutdown()
            try? await events.shutdownGracefully()
            return report
        } catch {
            try? await http.shutdown()
            try? await events.shutdownGracefully()
            throw error
        }
    }

    private func drive(_ http: HTTPClient, _ events: MultiThreadedEventLoopGroup,
                       progress: @escaping @Sendable (Double, Int, Int, Int) -> Void) async throws(ClientError) -> LoadReport {
        let partner = try ContinuumClient(server: options.target, token: options.token, http: http)
        let endpoint = try Endpoint(partner.server)
        let staff = try options.staffToken.map { token throws(ClientError) in try ContinuumClient(server: options.target, token: token, http: http) }
        // Fail fast, before any load, if the server is down or the token refused.
        let health = try await partner.exchange(.GET, "/healthz")
        guard health.status == 200 else { throw .unreachable(server: options.target, reason: "GET /healthz answered \(health.status)") }

        let runId = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        guard let generator = ReferralGenerator(scenario: scenario, seed: options.seed, prefix: "LT-\(runId)-") else {
            throw .badArgument("the load test needs a pathway-driven scenario (with \"pathway\" and \"referralMix\")")
        }
        let recorder = Recorder()
        let accepted = Accepted()
        let senders = try SubmitLoop(endpoint: endpoint, token: options.token, recorder: recorder, accepted: accepted, group: events)
        let clock = ContinuousClock()
        let start = clock.now
        let end = start + options.duration
        let sharedStop = StopFlag()
        let random = RandomSource(seed: options.seed, stream: 7)
        let interval = 1 / options.rate

        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !sharedStop.isSet {
                    try? await Task.sleep(for: .seconds(1))
                    let now = clock.now
                    let elapsed = now - start
                    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                    let state = recorder.progress
                    progress(min(seconds, Double(options.duration.components.seconds)), state.sent, state.answered, state.errors)
                }
            }
            if let staff {
                group.addTask { await StaffPlayer(client: staff, scenario: scenario, recorder: recorder, seed: options.seed).play(until: end) }
            }
            // One sender per connection, each taking the next slot of one shared schedule, waiting
            // for its time, sending and waiting for the answer. Behind schedule (past the
            // server's capacity), a sender sends at once and the latency, counted from the slot's
            // time, shows the wait: the backlog is a count here, never requests queued inside an
            // HTTP client. The senders run on NIO's event loops (``SubmitLoop``); the last answers
            // are awaited up to 30 s after the window.
            let schedule = SharedSchedule(Schedule(generator: generator, random: random, planned: Self.planned(options)))
            let now = NIODeadline.now()
            let sending = SubmitLoop.Run(poisson: options.poisson, interval: interval, start: now,
                                         end: now + .nanoseconds(Self.nanoseconds(options.duration)), startedAt: SystemTime.now())
            await senders.run(sending, schedule: schedule, senders: max(1, options.connections))
            sharedStop.set()
        }
        // Rates are answers over the time until the last answer: past capacity, the backlog
        // drains after the sending window, and counting it against the window would flatter.
        let elapsed = max(options.duration, clock.now - start)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let window = Double(options.duration.components.seconds) + Double(options.duration.components.attoseconds) / 1e18
        return LoadReport(scenario: scenario.name, target: options.target, askedPerSecond: options.rate,
                          sentPerSecond: Double(recorder.progress.sent) / window, durationSeconds: seconds,
                          recorded: recorder.operations, referralIds: accepted.ids)
    }
}

/// The referral ids the server acknowledged.
final class Accepted: Sendable {
    private let list = Mutex<[String]>([])
    func add(_ id: String) { list.withLock { $0.append(id) } }
    var ids: [String] { list.withLock { $0 } }
}

final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .relaxed) }
    var isSet: Bool { flag.load(ordering: .relaxed) }
}

/// Wall-clock time for `receivedAt`-like fields of synthetic referrals.
enum SystemTime {
    static func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(secondsSinceEpoch: Int64(spec.tv_sec), milliseconds: Int(spec.tv_nsec / 1_000_000))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension LoadTest {
    static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }

    /// Evenly spaced: exactly rate × duration referrals.
    static func planned(_ options: Options) -> Int {
        let window = Double(options.duration.components.seconds) + Double(options.duration.components.attoseconds) / 1e18
        return Int((options.rate * window).rounded())
    }
}

/// The schedule, shared by the senders under a lock.
final class SharedSchedule: Sendable {
    let state: Mutex<Schedule>
    init(_ schedule: Schedule) { state = Mutex(schedule) }
}

/// The send schedule the senders share: each slot's offset from the start, in order, and the
/// synthetic referrals, drawn from one seeded generator.
struct Schedule: Sendable {
    var generator: ReferralGenerator
    var random: RandomSource
    let planned: Int
    var index = 0
    var offset = 0.0

    /// The next slot's offset in seconds: evenly spaced (the k-th at k × interval, `planned`
    /// of them) or, for Poisson arrivals, exponential gaps at the same mean (the senders stop
    /// at the end of the window).
    mutating func next(poisson: Bool, interval: Double) -> Double? {
        if poisson {
            offset += random.exponential(mean: interval)
        } else {
            guard index < planned else { return nil }
            offset = Double(index) * interval
        }
        index += 1
        return offset
    }

    mutating func referral(receivedAt: Timestamp) -> Referral {
        generator.next(receivedAt: receivedAt)
    }
}
