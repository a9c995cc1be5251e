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
              continuum simulate Simulations/validation/jackson-feedback.json
              continuum simulate Simulations/validation/mm1.json --replications 20 --out results/mm1
              continuum simulate --compare Simulations/validation/mmc.json Simulations/validation/mmc-more-servers.json
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

    @Flag(name: .long, help: "Compare two scenarios (BASE VARIANT): differences with intervals, and which are significant.")
    var compare = false

    func validate() throws {
        if compare, scenarios.count != 2 { throw ValidationError("--compare needs two scenarios: BASE VARIANT") }
        if !compare, scenarios.count != 1 { throw ValidationError("give one scenario (or two with --compare)") }
        if let replications, !(1...10_000).contains(replications) { throw ValidationError("--replications must be 1 to 10,000") }
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    func run() async throws {
        if compare {
            let base = try await simulate(scenarios[0])
            let variant = try await simulate(scenarios[1])
            Console.out(Comparison.table(base, variant))
            return
        }
        let summary = try await simulate(scenarios[0])
        Console.out(Self.table(summary))
        if let out { try write(summary, to: out) }
    }

    private func load(_ path: String) throws -> Scenario {
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
            return scenario
        } catch {
            for problem in error.problems { Console.error("\(path): \(problem)") }
            throw Exit.dataError
        }
    }

    private func simulate(_ path: String) async throws -> SimulationSummary {
        let scenario = try load(path)
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
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let files: [(String, String)] = [
                ("summary.json", summary.json.serialized(pretty: true) + "\n"), ("timeseries.csv", summary.csv),
                ("occupancy.svg", summary.occupancyChart.svg), ("waiting-times.svg", summary.waitingTimeChart.svg),
            ] + (summary.scenario.pathwayModel == nil ? [] : [("compliance.svg", summary.complianceChart.svg)])
            for (name, text) in files {
                try Data(text.utf8).write(to: URL(fileURLWithPath: folder).appendingPathComponent(name))
            }
            Console.error("continuum: wrote \(files.map(\.0).joined(separator: ", ")) to \(folder)")
        } catch {
            Console.error("continuum: cannot write to \(folder): \(error.localizedDescription)")
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

    static func number(_ value: Double) -> String {
        let magnitude = abs(value)
        let digits = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3
        return String(format: "%.\(digits)f", value)
    }
}

/// `--compare`: key measures side by side, with the difference and Welch's test at 5%.
enum Comparison {
    static func table(_ base: SimulationSummary, _ variant: SimulationSummary) -> String {
        var lines = ["\(base.scenario.name) → \(variant.scenario.name) (means ± 95% half-widths; * = significant at 5%)"]
        lines.append("measure                              base              variant           difference")
        var measures: [SimulationMeasure] = []
        // Stages of either run (two pathways may organise their teams differently; a stage one
        // run lacks shows "-" there), base's first.
        let stageIDs = base.stages.map(\.id) + variant.stages.map(\.id).filter { id in !base.stages.contains { $0.id == id } }
        for stage in stageIDs {
            let perStage: [SimulationMeasure.StageMeasure] = [.utilisation, .meanWaitDays, .meanInSystem, .throughputPerDay, .renegedPerDay]
            measures += perStage.map { .stage(stage, $0) }
        }
        // The pathway's clocks that the base run measures (those its stages stop).
        measures += [.stepUps, .stepDowns] + base.measuredClocks.map { .clockOnTimePct($0) } + [.reReferralsPerDay]
        // Where referrals land: each level of either pathway, then by tier (statutory: the
        // children in need the census counts, which fall by design under Families First).
        let levels = base.routedByLevel.map(\.level) + variant.routedByLevel.map(\.level).filter { level in !base.routedByLevel.contains { $0.level == level } }
        measures += levels.map { .routedPerDay($0) } + Tier.allCases.map { .routedToTier($0) }
        for measure in measures {
            switch (base.samples[measure], variant.samples[measure]) {
            case (let a?, let b?): lines.append(row(measure.description, a, b))
            case (let a?, nil): lines.append(measure.description.padded(36) + " " + SimulateCommand.cell(Estimate(a)) + "  " + "-".padded(16))
            case (nil, let b?): lines.append(measure.description.padded(36) + " " + "-".padded(16) + "  " + SimulateCommand.cell(Estimate(b)))
            case (nil, nil): break
            }
        }
        return lines.joined(separator: "\n")
    }

    static func row(_ name: String, _ a: [Double], _ b: [Double]) -> String {
        let ea = Estimate(a), eb = Estimate(b)
        let significant = Estimate.differ(a, b) ? " *" : ""
        return name.padded(36) + " " + SimulateCommand.cell(ea) + "  " + SimulateCommand.cell(eb) + "  "
            + SimulateCommand.number(eb.mean - ea.mean) + significant
    }
}

/// A progress bar on standard error, shown only for runs longer than a second.
final class Progress: Sendable {
    private let state = Mutex<(done: Int, shown: Bool)>((0, false))
    private let total: Int
    private let label: String
    private let started = ContinuousClock.now

    init(total: Int, label: String) {
        self.total = total
        self.label = label
    }

    func update(_ done: Int) {
        state.withLock { state in
            state.done = done
            guard ContinuousClock.now - started > .seconds(1) else { return }
            state.shown = true
            let width = 30
            let filled = total > 0 ? width * done / total : width
            FileHandle.standardError.write(Data("\r\(label) [\(String(repeating: "#", count: filled))\(String(repeating: " ", count: width - filled))] \(done)/\(total) replications".utf8))
        }
    }

    func finish() {
        state.withLock { state in
            if state.shown { FileHandle.standardError.write(Data("\n".utf8)) }
        }
    }
}
