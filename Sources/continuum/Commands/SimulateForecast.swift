import ArgumentParser
import ContinuumCore
import ContinuumForecast
import ContinuumJSON
import ContinuumPostgres
import ContinuumSimulator
import ContinuumStore
import Foundation

/// `continuum simulate SCENARIO --start-from DB`: a forecast from the cases open in a log
/// (issue 19; docs/forecast.md).
extension SimulateCommand {
    /// Opens the log `--start-from` names (a path or a postgres:// URL), or exits.
    func openHistory(_ location: String, pathway: VerifiedPathway) throws -> any CaseStore {
        if !location.hasPrefix("postgres"), !Files.exists(location) {
            Console.error("continuum: --start-from: no database at \(location)")
            throw Exit.noInput
        }
        let option = try DatabaseOption.parse(["--database", location] + (masterKey.map { ["--master-key", $0] } ?? []))
        return try option.open(pathways: PathwaySet(single: pathway))
    }

    func forecast(_ path: String, from location: String) async throws {
        var scenario = try load(path)
        guard let model = scenario.pathwayModel else {
            Console.error("continuum: \(path): --start-from needs a pathway-driven scenario (its stages say which levels they hold); `continuum calibrate` writes one")
            throw Exit.usage
        }
        let store = try openHistory(location, pathway: model.pathway)
        let history: [PathwayHistoryEvent]
        do {
            history = try await store.pathwayHistory(through: asOf, clocks: true)
        } catch {
            Console.error("continuum: cannot read \(location): \(error)")
            throw Exit.forStore(error)
        }
        guard let last = history.map({ UKTime.londonDate(of: $0.at) }).max() else {
            Console.error("continuum: \(location) holds no referrals\(asOf.map { " up to \($0)" } ?? ""): nothing to start from")
            throw Exit.dataError
        }
        let day = asOf ?? last
        let open = OpenCases.at(endOf: day, history, pathway: model.pathway.definition)
        let start = StartingPoint(open, asOf: day, scenario: scenario)
        scenario.startDate = CalendarDate(daysSinceEpoch: day.daysSinceEpoch + 1)
        scenario.horizonDays = Double(horizonDays ?? 730)
        scenario.warmupDays = 0
        scenario.initialCases = start.cases
        Console.error("continuum: \(location): \(open.count) cases open at the end of \(day); forecasting \(Int(scenario.horizonDays)) days from \(scenario.startDate)")
        if !start.unplaced.isEmpty {
            Console.error("continuum: not modelled (no stage holds their level): " + start.unplaced.sorted { $0.key < $1.key }.map { "\($0.value) at \($0.key)" }.joined(separator: ", "))
        }
        let summary = await simulate(scenario)
        let forecast = Forecast(scenario: scenario, daily: summary.replicationDaily)
        Console.out(Self.forecastTable(forecast))
        if let out {
            try Self.write(Self.files(summary) + [("forecast.csv", forecast.csv), ("forecast.svg", forecast.chart.svg),
                                                   ("forecast.json", forecast.json.serialized(pretty: true) + "\n")], to: out)
        }
    }

    static func forecastTable(_ forecast: Forecast) -> String {
        func band(_ band: Forecast.Band, money: Bool = false) -> String {
            let format = { (value: Double) in money ? "£" + SVGChart.grouped(Int(value.rounded())) : number(value) }
            return "\(format(band.mean)) (\(format(band.low))-\(format(band.high)))"
        }
        guard let lastMonth = forecast.months.last else { return "no days forecast" }
        var lines = ["forecast from \(forecast.start), \(forecast.days) days, \(forecast.replications) replications: means with 95% intervals",
                     "level                 open now   open at the end of \(SVGChart.monthName(String(lastMonth.description.prefix(7))))     entries a month      spend over the period"]
        for stage in forecast.stages {
            let rows = forecast.rows.filter { $0.stage == stage }
            guard let last = rows.last else { continue }
            let entries = rows.reduce(0) { $0 + $1.entries.mean } / Double(max(rows.count, 1))
            let spend = forecast.totalCost[stage] ?? Forecast.Band([])
            lines.append(stage.padded(21) + " " + String(forecast.openAtStart[stage] ?? 0).padded(10) + " " + band(last.open).padded(31) + " "
                         + number(entries).padded(20) + " " + (forecast.costs[stage] == nil ? "no unit cost" : band(spend, money: true)))
        }
        return lines.joined(separator: "\n")
    }
}
