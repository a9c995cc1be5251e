import ArgumentParser
import ContinuumCore
import ContinuumJSON
import ContinuumSimulator
import Foundation
import Synchronization

/// `continuum simulate`: run a demand scenario and report queues, waits and utilisation.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run a demand scenario: queues, waits, utilisation and throughput per stage, with 95% intervals.",
        discussion: """
            Scenarios are JSON (docs/simulation.md; examples in Simulations/). Replications run in \
            parallel; the same scenario and seed give the same summary.json whatever --jobs is.

            Examples:
              continuum simulate Simulations/validation/jackson-example.json
              continuum simulate Simulations/validation/mm1.json \\
                --replications 20 --out results/mm1
              continuum simulate --compare Simulations/validation/mmc.json \\
                Simulations/validation/mmc-more-servers.json
              continuum simulate --compare Simulations/surrey-pathway.json \\
                Simulations/winter-surge.json \\
                --window 2027-12-01:2028-02-29 --out results/winter
              continuum simulate Simulations/surrey-pathway.json \\
                --write-log history/surrey.sqlite --start-date 2025-04-01
            """
    )

    @Argument(help: ArgumentHelp("The scenario file (two with --compare).", valueName: "SCENARIO"))
    var scenarios: [String]

    @Option(name: .long, help: "Replications (overrides the scenario's).")
    var replications: Int?

    @Option(name: .long, help: "Random seed (overrides the scenario's).")
    var seed: UInt64?

    @Option(name: .long, help: "Replications run at once (default: the number of cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .long, help: ArgumentHelp("Write summary.json, timeseries.csv and SVG charts here.", valueName: "DIR"))
    var out: String?

    @Option(name: .customLong("write-log"), help: ArgumentHelp("Run one replication of a pathway-driven scenario and write what happened as a new event log (SQLite) here.",
                                                               valueName: "DB"))
    var writeLog: String?

    @Option(name: .customLong("start-date"), help: ArgumentHelp("The day the run starts (overrides the scenario's startDate).", valueName: "YYYY-MM-DD"),
            transform: SimulateCommand.date("--start-date"))
    var startDate: CalendarDate?

    @Option(name: .customLong("master-key"), help: ArgumentHelp("With --write-log: the key file the log's personal data is sealed with; made when missing "
                                                                + "(default $CONTINUUM_MASTER_KEY_FILE, else DB.key). With --start-from on PostgreSQL: the log's key.",
                                                                valueName: "FILE"))
    var masterKey: String?

    @Option(name: .customLong("start-from"), help: ArgumentHelp("Forecast from the cases open in this log (SQLite path or postgres:// URL) at the end of --as-of: "
                                                                + "forecast.csv, forecast.svg and forecast.json with --out.", valueName: "DB"))
    var startFrom: String?

    @Option(name: .customLong("as-of"), help: ArgumentHelp("With --start-from: the day whose open cases start the forecast (default: the log's last day).", valueName: "YYYY-MM-DD"),
            transform: SimulateCommand.date("--as-of"))
    var asOf: CalendarDate?

    @Option(name: .customLong("horizon-days"), help: ArgumentHelp("Days simulated (overrides the scenario's horizonDays; with --start-from, default 730).", valueName: "N"))
    var horizonDays: Int?

    @Flag(name: .long, help: "Compare two scenarios (BASE VARIANT): differences with intervals, and which are significant.")
    var compare = false

    @Option(name: .customLong("map-stage"), help: ArgumentHelp("With --compare: pair a base stage with a differently named variant stage (repeat for each).",
                                                               valueName: "BASE=VARIANT"))
    var mapStage: [String] = []

    @Flag(name: .customLong("allow-unmatched-stages"), help: "With --compare: show a stage found in one run only, with \"-\" on the other side (else refused).")
    var allowUnmatchedStages = false

    @Option(name: .long, help: ArgumentHelp("With --compare: compare these days of both runs (dates within both runs' measured days) as well as the whole runs.",
                                            valueName: "FROM:TO"))
    var window: String?

    /// Reads a date option, or a usage error naming `flag`.
    static func date(_ flag: String) -> @Sendable (String) throws -> CalendarDate {
        { text in
            guard let date = CalendarDate(text) else { throw ValidationError("\(flag) must be a date, YYYY-MM-DD, not \"\(text)\"") }
            return date
        }
    }

    /// `--window` as dates, or nil when not given; a usage error names the flag.
    func windowDates() throws -> ClosedRange<CalendarDate>? {
        guard let window else { return nil }
        let parts = window.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let from = CalendarDate(parts[0]), let to = CalendarDate(parts[1]), from <= to else {
            throw ValidationError("--window must be FROM:TO, two dates YYYY-MM-DD, FROM not after TO (for example 2026-12-01:2027-02-28), not \"\(window)\"")
        }
        return from...to
    }

    /// `--map-stage` as base stage → variant stage.
    func stageMapping() throws -> [String: String] {
        var mapping: [String: String] = [:]
        for pair in mapStage {
            let parts = pair.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--map-stage must be BASE=VARIANT, two stage ids (for example mash=front-door), not \"\(pair)\"")
            }
            guard mapping[String(parts[0])] == nil else { throw ValidationError("--map-stage pairs \(parts[0]) twice") }
            mapping[String(parts[0])] = String(parts[1])
        }
        return mapping
    }

    func validate() throws {
        if compare, scenarios.count != 2 { throw ValidationError("--compare needs two scenarios: BASE VARIANT") }
        if !compare, scenarios.count != 1 { throw ValidationError("give one scenario (or two with --compare)") }
        if !compare, window != nil || !mapStage.isEmpty || allowUnmatchedStages {
            throw ValidationError("--window, --map-stage and --allow-unmatched-stages go with --compare")
        }
        _ = try windowDates()
        _ = try stageMapping()
        if writeLog != nil, compare || out != nil { throw ValidationError("--write-log runs one scenario and writes a log: not with --compare or --out") }
        if masterKey != nil, writeLog == nil, startFrom == nil { throw ValidationError("--master-key goes with --write-log or --start-from") }
        if startFrom != nil, compare || writeLog != nil { throw ValidationError("--start-from forecasts one scenario: not with --compare or --write-log") }
        if asOf != nil, startFrom == nil { throw ValidationError("--as-of goes with --start-from") }
        if let horizonDays, !(1...36_500).contains(horizonDays) { throw ValidationError("--horizon-days must be 1 to 36,500") }
        if let replications, !(1...10_000).contains(replications) { throw ValidationError("--replications must be 1 to 10,000") }
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    func run() async throws {
        if compare {
            // Stages and the window are checked before the runs, which can take minutes.
            let mapping = try stageMapping()
            let baseScenario = try load(scenarios[0]), variantScenario = try load(scenarios[1])
            let pairs: [Comparison.StagePair]
            switch Comparison.pairStages(base: baseScenario.stages.map(\.id), variant: variantScenario.stages.map(\.id), mapping: mapping,
                                         allowUnmatched: allowUnmatchedStages) {
            case .success(let paired): pairs = paired
            case .failure(let problem):
                Console.error("continuum: \(problem)")
                throw Exit.usage
            }
            var windows: [(label: String, base: Range<Int>, variant: Range<Int>)] = []
            if let dates = try windowDates() {
                switch (baseScenario.days(of: dates), variantScenario.days(of: dates)) {
                case (.success(let a), .success(let b)): windows.append(("\(dates.lowerBound) to \(dates.upperBound)", a, b))
                case (.failure(let error), _), (_, .failure(let error)):
                    Console.error("continuum: --window \(window ?? ""): \(error)")
                    throw Exit.usage
                }
            }
            let base = await simulate(baseScenario)
            let variant = await simulate(variantScenario)
            let comparison = Comparison(base: base, variant: variant, stages: pairs, windows: windows)
            Console.out(comparison.table)
            if let out { try comparison.write(to: out) }
            return
        }
        if let writeLog {
            try await writeHistory(scenarios[0], to: writeLog)
            return
        }
        if let startFrom {
            try await forecast(scenarios[0], from: startFrom)
            return
        }
        let summary = try await simulate(scenarios[0])
        Console.out(Self.table(summary))
        if let out { try write(summary, to: out) }
    }

    func load(_ path: String) throws -> Scenario {
        let bytes: [UInt8]
        do {
            bytes = try Files.read(path)
        } catch {
            Console.error("\(path): \(error)")
            throw Exit.noInput
        }
        // A pathway named in the scenario is found beside the scenario file, else from the current folder.
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let loadPathway: (String) throws -> VerifiedPathway = { name in
            let beside = name.hasPrefix("/") ? name : folder + "/" + name
            let file = Files.exists(beside) ? beside : name
            guard Files.exists(file) else { throw FileReadError(description: "no pathway file (looked beside the scenario and in the current folder)") }
            return try VerifiedPathway(PathwayLoader().load(path: file, read: Files.read))
        }
        do {
            var scenario = try ScenarioLoader().load(bytes, pathway: loadPathway)
            if let replications { scenario.replications = replications }
            if let seed { scenario.seed = seed }
            if let startDate { scenario.startDate = startDate }
            if let horizonDays {
                scenario.horizonDays = Double(horizonDays)
                // The warm-up stays shorter than the run.
                scenario.warmupDays = min(scenario.warmupDays, Double(horizonDays) / 2)
            }
            return scenario
        } catch {
            for problem in error.problems { Console.error("\(path): \(problem)") }
            throw Exit.dataError
        }
    }

    private func simulate(_ path: String) async throws -> SimulationSummary {
        await simulate(try load(path))
    }

    func simulate(_ scenario: Scenario) async -> SimulationSummary {
        let progress = Progress(total: scenario.replications, label: scenario.name)
        let started = ContinuousClock.now
        let summary = await Simulator(scenario: scenario).run(jobs: jobs) { done, total in progress.update(done) }
        progress.finish()
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        Console.error(String(format: "continuum: %@: %d events in %.3f s (%.0f events/s, %d jobs)", scenario.name, summary.events, seconds,
                             Double(summary.events) / max(seconds, 1e-9), min(jobs, scenario.replications)))
        return summary
    }

    private func write(_ summary: SimulationSummary, to folder: String) throws {
        try Self.write(Self.files(summary), to: folder)
    }

    /// A run's output files: summary, time series and charts.
    static func files(_ summary: SimulationSummary) -> [(name: String, text: String)] {
        [
            ("summary.json", summary.json.serialized(pretty: true) + "\n"), ("timeseries.csv", summary.csv),
            ("occupancy.svg", summary.occupancyChart.svg), ("waiting-times.svg", summary.waitingTimeChart.svg),
        ] + (summary.scenario.pathwayModel == nil ? [] : [("compliance.svg", summary.complianceChart.svg)])
    }

    /// Writes `files` (names may hold a subfolder) under `folder`, or exits 73 naming it.
    static func write(_ files: [(name: String, text: String)], to folder: String) throws {
        do {
            for (name, text) in files {
                let url = URL(fileURLWithPath: folder).appendingPathComponent(name)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(text.utf8).write(to: url)
            }
            Console.error("continuum: wrote \(files.map(\.name).joined(separator: ", ")) to \(folder)")
        } catch {
            Console.error("continuum: cannot write to \(folder) (is it a file, or not writable?)")
            throw Exit.cannotCreate
        }
    }

    static func table(_ summary: SimulationSummary) -> String {
        var lines = ["\(summary.scenario.name): \(summary.scenario.replications) replications of \(SVGChart.label(summary.scenario.horizonDays)) days "
                     + "(warm-up \(SVGChart.label(summary.scenario.warmupDays))), seed \(summary.scenario.seed); means with 95% intervals"]
        lines.append("stage                 arrivals/day     utilisation      wait (days)      in system        done/day")
        for stage in summary.stages {
            let cells = [stage.arrivalsPerDay, stage.utilisation, stage.meanWaitDays, stage.meanInSystem, stage.throughputPerDay].map(cell)
            lines.append(stage.id.padded(21) + " " + cells.joined(separator: " "))
        }
        let reneging = summary.stages.compactMap { stage in
            stage.renegedPerDay.map { "\(stage.id) \(number($0.mean))±\(number($0.halfWidth))" }
        }
        if !reneging.isEmpty { lines.append("left the queue before service (reneged), per day: " + reneging.joined(separator: ", ")) }
        lines.append("step-ups \(cell(summary.stepUps))  step-downs \(cell(summary.stepDowns))  events \(summary.events)")
        if let model = summary.scenario.pathwayModel {
            lines.append("")
            lines.append("pathway \(model.pathway.definition.reference): clocks stopped after the warm-up, and the share on time (%)")
            for clock in summary.clocks where clock.stopped.mean > 0 {
                lines.append("  " + clock.title.padded(48) + " " + cell(clock.stopped) + " on time " + cell(clock.onTimePct))
            }
            let routed = summary.routedByLevel.map { "\($0.level) \(number($0.perDay.mean))" }.joined(separator: ", ")
            lines.append("  referrals per day by recommended level: \(routed)")
            if let re = summary.reReferralsPerDay { lines.append("  re-referrals per day: \(cell(re))") }
        }
        return lines.joined(separator: "\n")
    }

    static func cell(_ estimate: Estimate) -> String {
        "\(number(estimate.mean))±\(number(estimate.halfWidth))".padded(16)
    }

    /// Three significant figures or so ("0.065", "5.78", "1782"); never "-0.000".
    static func number(_ value: Double) -> String {
        let magnitude = abs(value)
        let digits = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3
        let text = String(format: "%.\(digits)f", value)
        return text.hasPrefix("-") && text.dropFirst().allSatisfy { $0 == "0" || $0 == "." } ? String(text.dropFirst()) : text
    }
}

/// A progress bar on standard error, shown only for runs longer than a second.
final class Progress: Sendable {
    private let state: Mutex<(done: Int, total: Int, shown: Bool)>
    private let label: String
    private let started = ContinuousClock.now

    init(total: Int, label: String) {
        state = Mutex((0, total, false))
        self.label = label
    }

    func update(_ done: Int) { update(done, of: nil, unit: "replications") }

    /// `done` of `total` (the total given at the start when nil) `unit`.
    func update(_ done: Int, of total: Int?, unit: String) {
        state.withLock { state in
            state.done = done
            if let total { state.total = total }
            guard ContinuousClock.now - started > .seconds(1) else { return }
            state.shown = true
            let width = 30
            let filled = state.total > 0 ? width * min(done, state.total) / state.total : width
            FileHandle.standardError.write(Data("\r\(label) [\(String(repeating: "#", count: filled))\(String(repeating: " ", count: width - filled))] \(done)/\(state.total) \(unit)".utf8))
        }
    }

    func finish() {
        state.withLock { state in
            if state.shown { FileHandle.standardError.write(Data("\n".utf8)) }
        }
    }
}
