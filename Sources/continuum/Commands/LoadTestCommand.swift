import ArgumentParser
import ContinuumClient
import ContinuumCore
import ContinuumJSON
import ContinuumLoadTest
import ContinuumSimulator
import Foundation

/// `continuum loadtest`: a scenario's demand against the live service, in real time.
struct LoadTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loadtest",
        abstract: "Drive the live service with a scenario's referrals, open loop, and report latency and throughput.",
        discussion: """
            Referrals are drawn from the scenario's arrival streams and referral mix (a pathway-driven \
            scenario, as for `simulate`) and sent at their scheduled times whether or not earlier ones \
            were answered; latency is measured from the scheduled time (no coordinated omission). With \
            --staff-token it also plays the front door: accepts queued referrals, then steps cases up, \
            down or closes them in the scenario's shares.

            --rate sets referrals per second; --speedup runs the scenario's own daily rate that many \
            times faster than real time. Thresholds in the scenario ("thresholds": {"p99Ms": 100, \
            "errorRate": 0.01}) make the command exit 1 when missed; more than 1% of submissions failing \
            (refused by the rate limit, say) fails it whatever the scenario says.

            Examples:
              continuum loadtest Simulations/surrey-pathway.json \\
                --server http://127.0.0.1:8080 --token $PARTNER --rate 50 --duration 30
              continuum loadtest Simulations/surrey-pathway.json --token $PARTNER \\
                --staff-token $STAFF --speedup 2000 --duration 60 --out results/load
            """
    )

    @Argument(help: ArgumentHelp("A pathway-driven scenario.", valueName: "SCENARIO"))
    var scenario: String

    @Option(name: .long, help: ArgumentHelp("The service's base URL (default $CONTINUUM_SERVER, else http://127.0.0.1:8080), as for `triage`.", valueName: "URL"))
    var server: String?

    /// The old spelling of `--server`, kept so scripts written for it still work.
    @Option(name: .customLong("target"), help: .hidden)
    var target: String?

    /// `--server`, else `--target`, else `$CONTINUUM_SERVER`, else the local default.
    var serverURL: String {
        server ?? target ?? ProcessInfo.processInfo.environment["CONTINUUM_SERVER"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://127.0.0.1:8080"
    }

    @Option(name: .long, help: ArgumentHelp("A partner token (referrals are sent as this partner).", valueName: "TOKEN"))
    var token: String

    @Option(name: .long, help: ArgumentHelp("A practitioner or manager token: also play the front door.", valueName: "TOKEN"))
    var staffToken: String?

    @Option(name: .long, help: ArgumentHelp("Referrals per second.", valueName: "PER_SECOND"))
    var rate: Double?

    @Option(name: .long, help: ArgumentHelp("Run the scenario's daily rate this many times faster than real time.", valueName: "FACTOR"))
    var speedup: Double?

    @Option(name: .long, help: ArgumentHelp("How long to send, in seconds.", valueName: "SECONDS"))
    var duration: Double = 30

    @Option(name: .long, help: ArgumentHelp("Concurrent connections to the server.", valueName: "N"))
    var connections: Int = 64

    @Flag(name: .long, help: "Poisson arrivals (exponential gaps) instead of evenly spaced ones.")
    var poisson = false

    @Option(name: .long, help: ArgumentHelp("Write report.json and latency.svg here.", valueName: "DIR"))
    var out: String?

    func validate() throws {
        if server != nil, target != nil { throw ValidationError("give the URL once, with --server (--target is its old spelling)") }
        guard (rate == nil) != (speedup == nil) else { throw ValidationError("give either --rate PER_SECOND or --speedup FACTOR") }
        if let rate, !(rate > 0 && rate <= 1_000_000) { throw ValidationError("--rate must be more than 0") }
        if let speedup, !(speedup > 0) { throw ValidationError("--speedup must be more than 0") }
        guard duration > 0 && duration <= 86_400 else { throw ValidationError("--duration must be 1 to 86,400 seconds") }
        guard (1...10_000).contains(connections) else { throw ValidationError("--connections must be 1 to 10,000") }
    }

    func run() async throws {
        let bytes: [UInt8]
        do { bytes = try Files.read(scenario) } catch {
            Console.error("\(scenario): \(error)")
            throw Exit.noInput
        }
        let folder = URL(fileURLWithPath: scenario).deletingLastPathComponent().path
        let loaded: Scenario
        do {
            loaded = try ScenarioLoader().load(bytes) { name in
                let beside = name.hasPrefix("/") ? name : folder + "/" + name
                return try VerifiedPathway(PathwayLoader().load(path: Files.exists(beside) ? beside : name, read: Files.read))
            }
        } catch {
            for problem in error.problems { Console.error("\(scenario): \(problem)") }
            throw Exit.dataError
        }
        let perSecond = rate ?? (loaded.arrivals.reduce(0) { $0 + $1.perDay } * (speedup ?? 1) / 86_400)
        let thresholds = try Self.thresholds(bytes)
        guard loaded.pathwayModel != nil else {
            Console.error("\(scenario): the load test needs a pathway-driven scenario (with \"pathway\" and \"referralMix\"); this one is an explicit network")
            throw Exit.dataError
        }
        let test = LoadTest(scenario: loaded, options: .init(target: serverURL, token: token, staffToken: staffToken, rate: perSecond,
                                                             duration: .milliseconds(Int64(duration * 1000)), connections: connections,
                                                             poisson: poisson, seed: loaded.seed))
        let last = LastRate()
        let report = try await talk { () throws(ClientError) in
            try await test.run { elapsed, sent, answered, errors in
                let current = last.update(answered)
                FileHandle.standardError.write(Data(String(format: "\r%5.0f s  sent %d  answered %d  %.0f/s  errors %d   ", elapsed, sent, answered, current, errors).utf8))
            }
        }
        FileHandle.standardError.write(Data("\n".utf8))
        Console.out(report.table)
        for warning in report.warnings { Console.error("continuum: \(warning)") }
        if let out {
            do {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                try Data(report.json.serialized(pretty: true).utf8).write(to: URL(fileURLWithPath: out).appendingPathComponent("report.json"))
                try Data(report.chart.svg.utf8).write(to: URL(fileURLWithPath: out).appendingPathComponent("latency.svg"))
                Console.error("continuum: wrote report.json and latency.svg to \(out)")
            } catch {
                Console.error("continuum: cannot write to \(out): \(error.localizedDescription)")
                throw Exit.cannotCreate
            }
        }
        if let submit = report.submit, submit.count > 0, submit.statuses.keys.allSatisfy({ $0 == 401 || $0 == 403 }) {
            Console.error("continuum: the server refused the partner token on every request")
            throw Exit.notPermitted
        }
        var missed: [String] = []
        if let limit = thresholds.p99Ms, let p99 = report.submit?.p99, p99 > limit { missed.append("p99 \(p99) ms is over \(limit) ms") }
        // Failed submissions past the scenario's errorRate (default 1%) fail the run: a test
        // that was mostly refused is not a pass.
        if let submit = report.submit, submit.count > 0, submit.errorShare > thresholds.errorRate {
            missed.append("\(report.percent(submit.errors, submit.count)) of submissions failed, over the error rate allowed "
                          + "(\(report.percent(Int((thresholds.errorRate * 10_000).rounded()), 10_000)); \"thresholds\": {\"errorRate\": …} in the scenario)")
        }
        if report.sentPerSecond < 0.9 * perSecond {
            missed.append("sent \(report.sentPerSecond)/s, under 90% of the \(perSecond)/s asked")
        }
        if !missed.isEmpty {
            Console.error("continuum: thresholds missed: " + missed.joined(separator: "; "))
            throw ExitCode(1)
        }
    }

    /// The share of failed submissions allowed when the scenario names none.
    static let defaultErrorRate = 0.01

    /// `thresholds` from the scenario file (`p99Ms`, `errorRate`, default 1%), read as JSON.
    static func thresholds(_ bytes: [UInt8]) throws -> (p99Ms: Double?, errorRate: Double) {
        let value = try? JSONParser(limits: JSONLimits(maxBytes: 16 << 20)).parse(bytes).value()
        func number(_ key: String) -> Double? {
            switch value?["thresholds"]?[key] {
            case .double(let number)?: number
            case .integer(let number)?: Double(number)
            default: nil
            }
        }
        return (number("p99Ms"), number("errorRate") ?? defaultErrorRate)
    }
}

/// Answers per second since the previous progress line.
final class LastRate: @unchecked Sendable {
    // @unchecked: called only from the one progress task, serially.
    private var previous = 0
    private var at = ContinuousClock.now

    func update(_ answered: Int) -> Double {
        let now = ContinuousClock.now
        let elapsed = now - at
        let seconds = max(1e-3, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        let rate = Double(answered - previous) / seconds
        previous = answered
        at = now
        return rate
    }
}
