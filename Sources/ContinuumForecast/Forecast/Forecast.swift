import ContinuumCore
import ContinuumJSON
import ContinuumSimulator

/// A forecast by month and stage (in a calibrated scenario each stage is a level) over a run's
/// replications: cases open at the month's end, entries and exits in the month, and spend, each
/// with a 95% interval (the 2.5th and 97.5th percentiles of the replications: where one month's
/// outcome is expected to fall, not only its mean).
public struct Forecast: Sendable {
    /// A mean with the interval around it.
    public struct Band: Sendable, Hashable {
        public var mean: Double
        public var low: Double
        public var high: Double

        /// The mean and 2.5th / 97.5th percentiles of `values`.
        public init(_ values: [Double]) {
            let sorted = values.sorted()
            mean = sorted.isEmpty ? 0 : sorted.reduce(0, +) / Double(sorted.count)
            low = Self.percentile(sorted, 0.025)
            high = Self.percentile(sorted, 0.975)
        }

        public init(mean: Double, low: Double, high: Double) {
            self.mean = mean
            self.low = low
            self.high = high
        }

        /// Linear interpolation between order statistics (the usual "type 7").
        static func percentile(_ sorted: [Double], _ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let position = p * Double(sorted.count - 1)
            let below = Int(position.rounded(.down)), above = min(below + 1, sorted.count - 1)
            return sorted[below] + (position - Double(below)) * (sorted[above] - sorted[below])
        }

        public func contains(_ value: Double) -> Bool { value >= low - 1e-9 && value <= high + 1e-9 }
    }

    /// One month at one stage.
    public struct Row: Sendable {
        /// The month's first day.
        public var month: CalendarDate
        public var stage: String
        public var open: Band
        public var entries: Band
        public var exits: Band
        public var cost: Band
    }

    public var start: CalendarDate
    public var days: Int
    public var stages: [String]
    public var months: [CalendarDate]
    /// Month by month, each stage in the scenario's order.
    public var rows: [Row]
    public var replications: Int
    /// Cases open at the start, by stage.
    public var openAtStart: [String: Int]
    public var costs: [String: Scenario.UnitCost]
    /// Spend over the whole run by stage (each replication's total, then the interval).
    public var totalCost: [String: Band]

    /// - Parameter daily: per replication, per day, per stage (``SimulationSummary/replicationDaily``).
    public init(scenario: Scenario, daily: [[[DayCounts]]]) {
        start = scenario.startDate
        stages = scenario.stages.map(\.id)
        costs = scenario.costs
        replications = daily.count
        let days = daily.first?.count ?? 0
        self.days = days
        var openAtStart: [String: Int] = [:]
        for open in scenario.initialCases where scenario.stages.indices.contains(open.stage) { openAtStart[scenario.stages[open.stage].id, default: 0] += 1 }
        self.openAtStart = openAtStart
        // Each day's month, as the first of the month.
        let monthOf = (0..<days).map { day -> CalendarDate in
            let date = CalendarDate(daysSinceEpoch: scenario.startDate.daysSinceEpoch + day)
            return CalendarDate(year: date.year, month: date.month, day: 1) ?? date
        }
        var months: [CalendarDate] = []
        var ranges: [Range<Int>] = []
        var day = 0
        while day < days {
            var end = day
            while end < days, monthOf[end] == monthOf[day] { end += 1 }
            months.append(monthOf[day])
            ranges.append(day..<end)
            day = end
        }
        self.months = months
        var totals: [String: [Double]] = [:]
        var rows: [Row] = []
        for (month, range) in zip(months, ranges) {
            for (stageIndex, stage) in scenario.stages.enumerated() {
                let cost = scenario.costs[stage.id]
                var open: [Double] = [], entries: [Double] = [], exits: [Double] = [], spend: [Double] = []
                for replication in daily {
                    let last = replication[range.upperBound - 1][stageIndex]
                    open.append(Double(last.inService + last.queued))
                    var arrived = 0.0, completed = 0.0, occupied = 0.0
                    for day in range {
                        let counts = replication[day][stageIndex]
                        arrived += Double(counts.arrivals)
                        completed += Double(counts.completed)
                        occupied += Double(counts.inService + counts.queued)
                    }
                    entries.append(arrived)
                    exits.append(completed)
                    spend.append((cost?.perDay ?? 0) * occupied + (cost?.perEpisode ?? 0) * arrived)
                }
                rows.append(Row(month: month, stage: stage.id, open: Band(open), entries: Band(entries), exits: Band(exits), cost: Band(spend)))
                if totals[stage.id] == nil { totals[stage.id] = Array(repeating: 0, count: daily.count) }
                for (index, value) in spend.enumerated() { totals[stage.id]?[index] += value }
            }
        }
        self.rows = rows
        totalCost = totals.mapValues(Band.init)
    }

    /// `forecast.csv` (RFC 4180): `month,level,open_mean,open_low,open_high,entries_mean,exits_mean,cost_mean,cost_low,cost_high`.
    public var csv: String {
        let records = rows.map { row -> [String] in
            [String(row.month.description.prefix(7)), row.stage]
                + [row.open.mean, row.open.low, row.open.high, row.entries.mean, row.exits.mean].map { CSV.number($0, decimals: 1) }
                + [row.cost.mean, row.cost.low, row.cost.high].map { CSV.number($0, decimals: 0) }
        }
        return CSV.file(header: ["month", "level", "open_mean", "open_low", "open_high", "entries_mean", "exits_mean", "cost_mean", "cost_low", "cost_high"],
                        records: records)
    }

    /// `forecast.svg`: open cases by stage at each month's end, with their 95% bands.
    public var chart: SVGChart {
        let keys = months.map { String($0.description.prefix(7)) }
        let series = stages.enumerated().map { index, stage -> SVGChart.Series in
            let own = rows.filter { $0.stage == stage }
            return SVGChart.Series(name: stage, points: own.enumerated().map { (Double($0.offset), $0.element.open.mean) },
                                   band: own.enumerated().map { (Double($0.offset), $0.element.open.low, $0.element.open.high) })
        }
        return SVGChart(title: "Open cases at each month's end, with 95% intervals (\(replications) replications)", xLabel: "month", yLabel: "open cases",
                        series: series, xScale: .labelled(SVGChart.monthTicks(keys)))
    }

    /// `forecast.json`: the same figures, unrounded.
    public var json: JSONValue {
        func band(_ band: Band) -> JSONValue { .object(["mean": .double(band.mean), "low": .double(band.low), "high": .double(band.high)]) }
        return .object([
            "start": .string(start.description), "days": .integer(Int64(days)), "replications": .integer(Int64(replications)),
            "openAtStart": .object(openAtStart.mapValues { .integer(Int64($0)) }),
            "costs": .object(costs.mapValues { cost in
                .object(["perDay": .double(cost.perDay), "perEpisode": .double(cost.perEpisode), "source": cost.source.map(JSONValue.string) ?? .null])
            }),
            "rows": .array(rows.map { row in
                .object(["month": .string(String(row.month.description.prefix(7))), "level": .string(row.stage), "open": band(row.open),
                         "entries": band(row.entries), "exits": band(row.exits), "cost": band(row.cost)])
            }),
        ])
    }
}
