import ArgumentParser
import ContinuumCore
import ContinuumForecast
import ContinuumJSON
import ContinuumSimulator
import ContinuumStore
import Foundation

/// `continuum calibrate`: a scenario fitted from the council's own history (issue 19).
struct CalibrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Fit a demand scenario from the event log: arrivals, referral mix, time at each level and where children go next.",
        discussion: """
            Reads the log's referrals and changes of level (no personal data: the master key is \
            not needed) and fits, for the period: referrals per day by CIN census source with \
            monthly factors; the referral mix; for each level the entries, the time spent there \
            (the best of exponential, lognormal and gamma by likelihood, with its \
            Kolmogorov-Smirnov distance; stays still open at the end count as censored) and \
            where children go next. Writes DIR/calibration.json and DIR/scenario.json, a \
            pathway-driven scenario `continuum simulate` runs as it is. Estimates resting on \
            fewer than 30 observations are named as warnings. docs/forecast.md has the method.

            Exit codes: 0 written; 64 bad dates; 65 no referrals in the period; 66 no database; \
            73 DIR cannot be written.

            Examples:
              continuum calibrate --database history/surrey.sqlite --out calibrated
              continuum calibrate --database history/surrey.sqlite \\
                --from 2025-04-01 --to 2027-03-31 --out calibrated
            """
    )

    @OptionGroup var database: DatabaseOption
    @OptionGroup var pathway: PathwayOption

    @Option(name: .long, help: ArgumentHelp("First day fitted (default: the first referral in the log).", valueName: "YYYY-MM-DD"))
    var from: String?

    @Option(name: .long, help: ArgumentHelp("Last day fitted (default: the last event in the log).", valueName: "YYYY-MM-DD"))
    var to: String?

    @Option(name: .long, help: ArgumentHelp("Write calibration.json and scenario.json here.", valueName: "DIR"))
    var out: String

    func dates() throws -> (CalendarDate?, CalendarDate?) {
        func date(_ text: String?, _ flag: String) throws -> CalendarDate? {
            guard let text else { return nil }
            guard let date = CalendarDate(text) else { throw ValidationError("--\(flag) must be a date, YYYY-MM-DD, not \"\(text)\"") }
            return date
        }
        let range = (try date(from, "from"), try date(to, "to"))
        if let start = range.0, let end = range.1, start > end { throw ValidationError("--from \(start) is after --to \(end)") }
        return range
    }

    func validate() throws { _ = try dates() }

    func run() async throws {
        let (start, end) = try dates()
        let versions = try pathway.loadSet()
        let store = try database.open(pathways: versions)
        let history: [PathwayHistoryEvent]
        do {
            history = try await store.pathwayHistory(through: end)
        } catch {
            Console.error("continuum: cannot read the log: \(error)")
            throw Exit.forStore(error)
        }
        let inForce = versions.inForce(on: end ?? Clock.today)
        let calibration: Calibration
        do {
            calibration = try Calibrator(pathway: inForce.definition).calibrate(history, from: start, to: end)
        } catch {
            Console.error("continuum: \(error)")
            throw Exit.dataError
        }
        let file = pathway.paths.first { path in (try? PathwayLoader().load(path: path, read: Files.read).reference) == inForce.definition.reference } ?? pathway.paths[0]
        let scenario = calibration.scenario(name: "calibrated-\(calibration.from)-\(calibration.to)", pathway: Self.relativePath(of: file, from: out))
        // What `simulate` will read must load: checked here, against the same pathway.
        do {
            _ = try ScenarioLoader().load(Array(scenario.serialized().utf8)) { _ in inForce }
        } catch {
            Console.error("continuum: the calibrated scenario does not load (a bug; please report it): \(error)")
            throw Exit.software
        }
        Console.out(Self.table(calibration))
        try SimulateCommand.write([("calibration.json", calibration.json.serialized(pretty: true) + "\n"),
                                   ("scenario.json", scenario.serialized(pretty: true) + "\n")], to: out)
    }

    /// `file` as a path relative to `folder` (both taken from the current folder), so the
    /// scenario finds its pathway wherever the two are moved together.
    static func relativePath(of file: String, from folder: String) -> String {
        let base = URL(fileURLWithPath: folder).standardizedFileURL.pathComponents
        let target = URL(fileURLWithPath: file).standardizedFileURL.pathComponents
        var common = 0
        while common < min(base.count, target.count), base[common] == target[common] { common += 1 }
        let parts = Array(repeating: "..", count: base.count - common) + target[common...]
        return parts.joined(separator: "/")
    }

    static func table(_ calibration: Calibration) -> String {
        func number(_ value: Double) -> String { SimulateCommand.number(value) }
        var lines = ["calibrated from \(calibration.from) to \(calibration.to) (\(calibration.days) days): \(calibration.mix.referrals) referrals"]
        lines.append("arrivals per day by source: " + calibration.arrivals.map { "\($0.source.rawValue) \(number($0.perDay))" }.joined(separator: ", "))
        lines.append("level                 entries  mean days  sd days   distribution  KS     exits")
        for level in calibration.levels {
            let best = level.best
            let exits = level.exits.prefix(4).map { "\($0.to ?? $0.reason?.rawValue ?? "close") \(number($0.probability))" }.joined(separator: ", ")
            lines.append(level.level.padded(21) + " " + String(level.entries).padded(8) + " " + (best.map { number($0.mean) } ?? "-").padded(10) + " "
                         + (best.map { number($0.sd) } ?? "-").padded(9) + " " + (best?.family.rawValue ?? "-").padded(13) + " "
                         + (best.map { number($0.ks) } ?? "-").padded(6) + " " + exits)
        }
        if let front = calibration.frontDoor.first {
            lines.append("front door: \(number(front.mean)) days to a decision (\(front.family.rawValue))")
        }
        for warning in calibration.warnings { lines.append("warning: \(warning)") }
        return lines.joined(separator: "\n")
    }
}
