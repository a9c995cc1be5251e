import ContinuumCore
import ContinuumJSON
import ContinuumSimulator
import ContinuumStore

/// A test of the forecast against what really happened (issue 19): fit on the history before
/// the last months, forecast those months from the cases open when they began, and compare the
/// forecast's cases open at each month's end with the log's.
public struct Backtest: Sendable {
    /// One month at one level: the forecast (mean and 95% interval) against the log.
    public struct Cell: Sendable {
        public var month: CalendarDate
        public var level: String
        public var forecast: Forecast.Band
        public var actual: Int

        /// The absolute percentage error of the mean (nil when nothing was open).
        public var percentageError: Double? { actual > 0 ? abs(forecast.mean - Double(actual)) / Double(actual) * 100 : nil }
        public var inside: Bool { forecast.contains(Double(actual)) }
    }

    /// The days fitted and the days held out (inclusive).
    public var fitted: ClosedRange<CalendarDate>
    public var heldOut: ClosedRange<CalendarDate>
    public var replications: Int
    public var cells: [Cell]
    public var calibration: Calibration
    public var forecast: Forecast

    /// The mean absolute percentage error over the cells with anything open.
    public var meanAbsolutePercentageError: Double? {
        let errors = cells.compactMap(\.percentageError)
        return errors.isEmpty ? nil : errors.reduce(0, +) / Double(errors.count)
    }

    /// The share of cells whose actual value is inside the forecast's 95% interval.
    public var coverage: Double { cells.isEmpty ? 0 : Double(cells.count(where: \.inside)) / Double(cells.count) }

    /// The default end of a backtest: `last` when it ends its month, else the end of the month
    /// before (a month half in the log would compare a full forecast month with half a month).
    public static func lastWholeMonthEnd(_ last: CalendarDate) -> CalendarDate {
        let first = CalendarDate(year: last.year, month: last.month, day: 1) ?? last
        let next = first.adding(months: 1)
        return next.daysSinceEpoch - 1 == last.daysSinceEpoch ? last : CalendarDate(daysSinceEpoch: first.daysSinceEpoch - 1)
    }

    /// The first day held out: `holdoutMonths` months before the day after `to`.
    public static func holdoutStart(to: CalendarDate, months: Int) -> CalendarDate {
        CalendarDate(daysSinceEpoch: to.daysSinceEpoch + 1).adding(months: -months)
    }

    /// Fits, forecasts and compares.
    /// - Parameters:
    ///   - pathway: the version the history is judged by; `pathwayFile` is how the scenario names it.
    ///   - progress: told (replications done, replications).
    public static func run(_ history: [PathwayHistoryEvent], pathway: VerifiedPathway, from: CalendarDate?, to: CalendarDate, holdoutMonths: Int,
                           replications: Int, seed: UInt64 = 1, jobs: Int, progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) async throws -> Backtest {
        let start = holdoutStart(to: to, months: holdoutMonths)
        let fitEnd = CalendarDate(daysSinceEpoch: start.daysSinceEpoch - 1)
        let calibration = try Calibrator(pathway: pathway.definition).calibrate(history.filter { UKTime.londonDate(of: $0.at) <= fitEnd }, from: from, to: fitEnd)
        var scenario = try ScenarioLoader().load(Array(calibration.scenario(name: "backtest", pathway: "(in memory)").serialized().utf8)) { _ in pathway }
        let open = OpenCases.at(endOf: fitEnd, history, pathway: pathway.definition)
        scenario.initialCases = StartingPoint(open, asOf: fitEnd, scenario: scenario).cases
        scenario.startDate = start
        scenario.horizonDays = Double(to.daysSinceEpoch - start.daysSinceEpoch + 1)
        scenario.warmupDays = 0
        scenario.replications = replications
        scenario.seed = seed
        let summary = await Simulator(scenario: scenario).run(jobs: jobs, progress: progress)
        let forecast = Forecast(scenario: scenario, daily: summary.replicationDaily)
        // What the log shows: cases open at each month's end (or at `to`), by level.
        var cells: [Cell] = []
        for month in forecast.months {
            let next = month.adding(months: 1)
            let end = min(CalendarDate(daysSinceEpoch: next.daysSinceEpoch - 1), to)
            var counts: [String: Int] = [:]
            for entry in OpenCases.at(endOf: end, history, pathway: pathway.definition) { counts[entry.level ?? "front-door", default: 0] += 1 }
            // Levels only: the front door's month-end count is a few referrals of that evening.
            for row in forecast.rows where row.month == month && row.stage != forecast.stages.first {
                cells.append(Cell(month: month, level: row.stage, forecast: row.open, actual: counts[row.stage] ?? 0))
            }
        }
        return Backtest(fitted: calibration.from...fitEnd, heldOut: start...to, replications: replications, cells: cells, calibration: calibration, forecast: forecast)
    }

    /// `backtest.json` (docs/forecast.md).
    public var json: JSONValue {
        func number(_ value: Double?) -> JSONValue { value.map { $0.isFinite ? .double(($0 * 1000).rounded() / 1000) : .null } ?? .null }
        return .object([
            "fitted": .object(["from": .string(fitted.lowerBound.description), "to": .string(fitted.upperBound.description)]),
            "heldOut": .object(["from": .string(heldOut.lowerBound.description), "to": .string(heldOut.upperBound.description)]),
            "measure": .string("cases open at each month's end, by level"),
            "replications": .integer(Int64(replications)),
            "meanAbsolutePercentageError": number(meanAbsolutePercentageError),
            "coverage": number(coverage),
            "months": .array(cells.map { cell in
                .object(["month": .string(String(cell.month.description.prefix(7))), "level": .string(cell.level),
                         "forecast": .object(["mean": number(cell.forecast.mean), "low": number(cell.forecast.low), "high": number(cell.forecast.high)]),
                         "actual": .integer(Int64(cell.actual)), "percentageError": number(cell.percentageError), "inside": .bool(cell.inside)])
            }),
            "warnings": .array(calibration.warnings.map(JSONValue.string)),
        ])
    }
}
