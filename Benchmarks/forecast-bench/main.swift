import ContinuumCore
import ContinuumForecast
import ContinuumJSON
import ContinuumSimulator
import ContinuumStore
import Foundation

// `make bench`, forecasting part (issue 19). Two goals, each timed here:
//
// 1. Calibrating a million-referral log in under 30 s: the log is the history of
//    Simulations/validation/surrey-known-history.json scaled to FORECAST_BENCH_REFERRALS
//    referrals over its two years (default 1,000,000: about 41 Surreys), written through the
//    store by `HistoryWriter` as `simulate --write-log` writes it. Building it takes long, so
//    FORECAST_BENCH_DATABASE keeps it and later runs reuse it. Timed: reading the history from
//    the log and fitting it, in a fresh process.
// 2. A 1,000-replication two-year forecast of a Surrey-sized council from its open cases in
//    under 10 s: the Surrey-sized history (the known scenario as it is, two years, kept beside
//    the big log) is calibrated, then 1,000 replications of 730 days are run from the cases open
//    on its last day, and the forecast's months and intervals computed.

let environment = ProcessInfo.processInfo.environment
let referrals = Int(environment["FORECAST_BENCH_REFERRALS"] ?? "") ?? 1_000_000
let replications = Int(environment["FORECAST_BENCH_REPLICATIONS"] ?? "") ?? 1_000
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
func read(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }
func say(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }
func seconds(_ duration: Duration) -> Double { Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18 }

let pathway = try VerifiedPathway(PathwayLoader().load(path: root.appendingPathComponent("Pathways/surrey.json").path, read: read))
let known = try ScenarioLoader().load(read(root.appendingPathComponent("Simulations/validation/surrey-known-history.json").path)) { _ in pathway }
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-forecast-bench-\(UUID().uuidString)")
defer { try? FileManager.default.removeItem(at: folder) }
let kept = environment["FORECAST_BENCH_DATABASE"].flatMap { $0.isEmpty ? nil : $0 }
let bigPath = kept ?? folder.appendingPathComponent("big.sqlite").path
let surreyPath = (kept.map { ($0 as NSString).deletingLastPathComponent + "/surrey-known-history" } ?? folder.appendingPathComponent("surrey").path) + ".sqlite"
try FileManager.default.createDirectory(atPath: (bigPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
let clock = ContinuousClock()

/// Writes `scenario`'s history to a new log at `path` (with its key beside it), unless it is there.
/// A log is written under a `.partial` name and renamed once whole, so an interrupted build is
/// never reused as if it were complete.
func history(_ scenario: Scenario, at path: String) async throws -> SQLiteCaseStore {
    let keyPath = path + ".key"
    if FileManager.default.fileExists(atPath: path) {
        say("forecast-bench: the log in \(path)")
        return try SQLiteCaseStore(path: path, pathway: pathway, masterKey: MasterKey.load(from: keyPath))
    }
    let partial = path + ".partial"
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: partial + suffix) }
    let key = MasterKey.generate()
    try? FileManager.default.removeItem(atPath: keyPath)
    try key.write(to: keyPath)
    let started = clock.now
    say("forecast-bench: writing \(path): \(scenario.name), \(Int(scenario.horizonDays)) days (once; kept for later runs)")
    do {
        let store = try SQLiteCaseStore(path: partial, pathway: pathway, masterKey: key)
        let trace = Replication(scenario: scenario, stream: 0).runTraced().trace
        let report = try await HistoryWriter(scenario: scenario).write(trace, to: store) { done, total in
            if done % 30 == 0 || done == total { FileHandle.standardError.write(Data("\rwriting the log: day \(done)/\(total)".utf8)) }
        }
        say("\nforecast-bench: \(report.referrals) referrals written in \(String(format: "%.0f", seconds(clock.now - started))) s")
    }
    // The store is closed (out of scope) before its file moves; its WAL is checkpointed on close.
    try FileManager.default.moveItem(atPath: partial, toPath: path)
    for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: partial + suffix) {
        try FileManager.default.moveItem(atPath: partial + suffix, toPath: path + suffix)
    }
    return try SQLiteCaseStore(path: path, pathway: pathway, masterKey: key)
}

if CommandLine.arguments.count > 1, CommandLine.arguments[1] == "--time-calibration" {
    // The measured part of goal 1, in a process of its own.
    let store = try SQLiteCaseStore(path: bigPath, pathway: pathway, masterKey: nil)
    let started = clock.now
    let events = try await store.pathwayHistory(through: nil, clocks: false)
    let read = clock.now
    let calibration = try Calibrator(pathway: pathway.definition).calibrate(events, from: nil, to: nil)
    let done = clock.now
    print(String(format: "forecast-bench: calibrated %d referrals (%d history events) in %.2f s: reading %.2f s, fitting %.2f s (goal: 1,000,000 referrals in under 30 s)",
                 calibration.mix.referrals, events.count, seconds(done - started), seconds(read - started), seconds(done - read)))
    exit(0)
}

// Goal 2: a Surrey-sized forecast from its open cases.
let surrey = try await history(known, at: surreyPath)
let events = try await surrey.pathwayHistory(through: nil, clocks: true)
let calibration = try Calibrator(pathway: pathway.definition).calibrate(events, from: nil, to: nil)
var scenario = try ScenarioLoader().load(Array(calibration.scenario(name: "bench", pathway: "surrey.json").serialized().utf8)) { _ in pathway }
let asOf = calibration.to
let started = clock.now
let open = OpenCases.at(endOf: asOf, events, pathway: pathway.definition)
scenario.initialCases = StartingPoint(open, asOf: asOf, scenario: scenario).cases
scenario.startDate = CalendarDate(daysSinceEpoch: asOf.daysSinceEpoch + 1)
scenario.horizonDays = 730
scenario.warmupDays = 0
scenario.replications = replications
let summary = await Simulator(scenario: scenario).run(jobs: ProcessInfo.processInfo.activeProcessorCount)
let forecast = Forecast(scenario: scenario, daily: summary.replicationDaily)
let elapsed = seconds(clock.now - started)
let last = forecast.rows.filter { $0.month == forecast.months.last }
print(String(format: "forecast-bench: %d replications of a 730-day forecast from %d open cases in %.2f s (%.0f events/s; goal: under 10 s); ",
             replications, open.count, elapsed, Double(summary.events) / elapsed)
      + "open at the end: " + last.map { "\($0.stage) \(Int($0.open.mean.rounded()))" }.joined(separator: ", "))

// Goal 1: the big log (written once: about an hour for a million referrals here), then its
// calibration timed in a fresh process. FORECAST_BENCH_REFERRALS=0 skips it.
if referrals > 0 {
    var big = known
    let expected = known.arrivals.reduce(0.0) { total, arrival in
        total + arrival.perDay * (arrival.monthly.map { $0.reduce(0, +) / 12 } ?? 1) * known.horizonDays
    }
    let scale = Double(referrals) / expected
    big.name = "surrey-known-history x\(String(format: "%.1f", scale))"
    big.arrivals = known.arrivals.map { arrival in
        var arrival = arrival
        arrival.perDay *= scale
        return arrival
    }
    big.stages = known.stages.map { stage in
        var stage = stage
        stage.servers = Int((Double(stage.servers) * scale).rounded(.up))
        return stage
    }
    _ = try await history(big, at: bigPath)
    let child = Process()
    child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    child.arguments = ["--time-calibration"]
    child.environment = environment.merging(["FORECAST_BENCH_DATABASE": bigPath]) { $1 }
    try child.run()
    child.waitUntilExit()
}
