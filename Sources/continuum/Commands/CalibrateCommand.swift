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

    @Option(name: .long, help: ArgumentHelp("Write calibration.json and scenario.json here (and backtest.json with --holdout-months).", valueName: "DIR"))
    var out: String

    @Option(name: .customLong("holdout-months"), help: ArgumentHelp("Backtest: fit on the history before the last N months, forecast them from the cases open "
                                                                     + "when they began, and compare with the log (DIR/backtest.json).", valueName: "N"))
    var holdoutMonths: Int?

    @Option(name: .long, help: "With --holdout-months: replications of the forecast (default 100).")
    var replications: Int = 100

    @Option(name: .long, help: "With --holdout-months: replications run at once (default: the number of cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

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

    func validate() throws {
        _ = try dates()
        if let holdoutMonths, !(1...60).contains(holdoutMonths) { throw ValidationError("--holdout-months must be 1 to 60") }
        if !(1...10_000).contains(replications) { throw ValidationError("--replications must be 1 to 10,000") }
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    func run() async throws {
        let (start, end) = try dates()
        let versions = try pathway.loadSet()
        let store = try database.open(pathways: versions)
        let history: [PathwayHistoryEvent]
        do {
            // A backtest starts from open cases (their clocks too); a calibration needs levels only.
            history = try await store.pathwayHistory(through: end, clocks: holdoutMonths != nil)
        } catch {
            Console.error("continuum: cannot read the log: \(error)")
            throw Exit.forStore(error)
        }
        let inForce = versions.inForce(on: end ?? Clock.today)
        let file = pathway.paths.first { path in (try? PathwayLoader().load(path: path, read: Files.read).reference) == inForce.definition.reference } ?? pathway.paths[0]
        if let holdoutMonths {
            try await backtest(history, pathway: inForce, file: file, from: start, to: end, months: holdoutMonths)
            return
        }
        let calibration: Calibration
        do {
            calibration = try Calibrator(pathway: inForce.definition).calibrate(history, from: start, to: end)
        } catch {
            Console.error("continuum: \(error)")
            throw Exit.dataError
        }
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

    func backtest(_ history: [PathwayHistoryEvent], pathway: VerifiedPathway, file: String, from: CalendarDate?, to: CalendarDate?, months: Int) async throws {
        guard let last = history.map({ UKTime.londonDate(of: $0.at) }).max() else {
            Console.error("continuum: the log has no referrals: nothing to backtest")
            throw Exit.dataError
        }
        let to = to ?? Backtest.lastWholeMonthEnd(last)
        let heldOut = Backtest.holdoutStart(to: to, months: months)
        if let from, from >= heldOut {
            Console.error("continuum: --from \(from) leaves nothing to fit before the held-out months (from \(heldOut))")
            throw Exit.usage
        }
        Console.error("continuum: backtest: fitting up to \(CalendarDate(daysSinceEpoch: heldOut.daysSinceEpoch - 1)), forecasting \(heldOut) to \(to) (\(replications) replications)")
        let progress = Progress(total: replications, label: "backtest")
        let result: Backtest
        do {
            result = try await Backtest.run(history, pathway: pathway, from: from, to: to, holdoutMonths: months, replications: replications, jobs: jobs) { done, _ in
                progress.update(done)
            }
            progress.finish()
        } catch let error as CalibrationError {
            progress.finish()
            Console.error("continuum: \(error)")
            throw Exit.dataError
        }
        Console.out(Self.table(result.calibration))
        Console.out(Self.backtestTable(result))
        let scenario = result.calibration.scenario(name: "calibrated-\(result.calibration.from)-\(result.calibration.to)", pathway: Self.relativePath(of: file, from: out))
        try SimulateCommand.write([("calibration.json", result.calibration.json.serialized(pretty: true) + "\n"),
                                   ("scenario.json", scenario.serialized(pretty: true) + "\n"),
                                   ("backtest.json", result.json.serialized(pretty: true) + "\n"),
                                   ("backtest-forecast.csv", result.forecast.csv)], to: out)
    }

    static func backtestTable(_ backtest: Backtest) -> String {
        func number(_ value: Double) -> String { SimulateCommand.number(value) }
        var lines = ["", "backtest: fitted \(backtest.fitted.lowerBound) to \(backtest.fitted.upperBound), held out \(backtest.heldOut.lowerBound) to \(backtest.heldOut.upperBound); "
                     + "cases open at each month's end in the log, and the forecast's 95% interval (! outside it)"]
        let months = Array(Set(backtest.cells.map(\.month))).sorted()
        lines.append("level                 " + months.map { SVGChart.monthName(String($0.description.prefix(7))).padded(18) }.joined())
        var levels: [String] = []
        for cell in backtest.cells where !levels.contains(cell.level) { levels.append(cell.level) }
        for level in levels {
            let cells = months.map { month in backtest.cells.first { $0.month == month && $0.level == level } }
            lines.append(level.padded(21) + " " + cells.map { cell in
                guard let cell else { return "-".padded(18) }
                return "\(cell.actual)\(cell.inside ? " " : "!") \(number(cell.forecast.low))-\(number(cell.forecast.high))".padded(18)
            }.joined())
        }
        lines.append("mean absolute percentage error \(backtest.meanAbsolutePercentageError.map { number($0) + "%" } ?? "-"); "
                     + "\(number(backtest.coverage * 100))% of month-level values inside the 95% interval (\(backtest.cells.count) values)")
        return lines.joined(separator: "\n")
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
            // A level whose stays end at once (universal help decided and closed together) has no time to fit.
            let best = level.best.flatMap { $0.mean >= Calibration.shortestStage ? $0 : nil }
            let exits = level.exits.prefix(4).map { "\($0.to ?? $0.reason?.rawValue ?? "close") \(number($0.probability))" }.joined(separator: ", ")
            lines.append(level.level.padded(21) + " " + String(level.entries).padded(8) + " " + (best.map { number($0.mean) } ?? "-").padded(10) + " "
                         + (best.map { number($0.sd) } ?? "-").padded(9) + " " + (best?.family.rawValue ?? "-").padded(13) + " "
                         + (best.map { number($0.ks) } ?? "-").padded(6) + " " + (level.best != nil && best == nil ? "(leaves at once: no stage) " : "") + exits)
        }
        if let front = calibration.frontDoor.first {
            lines.append("front door: \(number(front.mean)) days to a decision (\(front.family.rawValue))")
        }
        for warning in calibration.warnings { lines.append("warning: \(warning)") }
        return lines.joined(separator: "\n")
    }
}
