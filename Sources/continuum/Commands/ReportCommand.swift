import ArgumentParser
import ContinuumCore
import ContinuumJSON
import ContinuumSimulator
import ContinuumStore
import Foundation

/// `continuum report`: the improvement board's indicators, from the event log.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Compute the performance indicators for a period, by month, from the event log.",
        discussion: """
            Every value is computed from recorded events (docs/indicators.md defines each one and \
            its source). Targets, tolerances and the child population come from a versioned file \
            (--targets, default Pathways/indicator-targets.json): each indicator with a target gets \
            red / amber / green, and those off target or worsening over the last three months are \
            listed first as slow to progress. --out writes indicators.json, indicators.csv (RFC \
            4180) and board-pack.html.

            Examples:
              continuum report --from 2026-04-01 --to 2027-03-31
              continuum report --json > indicators.json
              continuum report --out board/
            """
    )

    @OptionGroup var database: DatabaseOption
    @OptionGroup var pathway: PathwayOption

    @Option(name: .long, help: ArgumentHelp("First day of the period (default 12 months before --to).", valueName: "YYYY-MM-DD"))
    var from: String?

    @Option(name: .long, help: ArgumentHelp("Last day of the period (default today).", valueName: "YYYY-MM-DD"))
    var to: String?

    @Option(name: .long, help: ArgumentHelp("Targets and tolerances.", valueName: "FILE"))
    var targets = "Pathways/indicator-targets.json"

    @Flag(name: .long, help: "Print the indicators as JSON.")
    var json = false

    @Option(name: .long, help: ArgumentHelp("Write indicators.json, indicators.csv and board-pack.html here.", valueName: "DIR"))
    var out: String?

    /// The period, checked as the API checks it (dates 1900 to 2199, at most ten years).
    func period() -> Result<IndicatorPeriod, MessageInvalid> {
        IndicatorPeriod.resolve(from: from, to: to, today: Clock.today)
    }

    func validate() throws {
        if case .failure(let invalid) = period() {
            throw ValidationError(invalid.problems.map { "--\($0.path) \($0.message)" }.joined(separator: "\n"))
        }
    }

    func run() async throws {
        guard case .success(let resolved) = period() else { throw Exit.usage }
        let (start, end) = (resolved.from, resolved.to)
        let goals = try Self.loadTargets(targets)
        let store = try database.open(pathways: try pathway.loadSet())
        let report: IndicatorReport
        do {
            report = try await store.indicators(from: start, to: end, targets: goals)
        } catch {
            Console.error("continuum: cannot compute the indicators: \(error)")
            throw Exit.software
        }
        if json {
            Console.out(report.json.serialized(pretty: true))
        } else {
            Console.out(Self.table(report))
        }
        if let out {
            do {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                let folder = URL(fileURLWithPath: out)
                try Data(report.json.serialized(pretty: true).utf8).write(to: folder.appendingPathComponent("indicators.json"))
                try Data(report.csv.utf8).write(to: folder.appendingPathComponent("indicators.csv"))
                try Data(BoardPack.html(report).utf8).write(to: folder.appendingPathComponent("board-pack.html"))
                Console.error("continuum: wrote indicators.json, indicators.csv and board-pack.html to \(out)")
            } catch {
                Console.error("continuum: cannot write to \(out): \(error.localizedDescription)")
                throw Exit.cannotCreate
            }
        }
    }

    static func loadTargets(_ path: String) throws -> IndicatorTargets {
        guard Files.exists(path) else {
            Console.error("continuum: no targets file at \(path); indicators are reported without targets")
            return IndicatorTargets()
        }
        do {
            return try JSONParser().parse(Files.read(path)).decode(IndicatorTargets.self, rejectUnknownKeys: true)
        } catch let error as DecodingError {
            Console.error("continuum: \(path): \(JSONProblem(error))")
            throw Exit.dataError
        } catch {
            Console.error("continuum: \(path): \(error)")
            throw Exit.dataError
        }
    }

    /// A value as people read it: counts whole with thousands separators (998,973), shares and
    /// medians to one decimal (86.4).
    static func display(_ value: Double) -> String {
        guard value == value.rounded(), abs(value) < 1e15 else {
            let text = String(format: "%.1f", value)
            return text == "-0.0" ? "0.0" : text
        }
        return SVGChart.grouped(Int(value))
    }

    /// A value with its unit as people read it: "86.4%", "1,204", "512.3 per 10,000".
    static func withUnit(_ value: Double?, _ unit: String) -> String {
        guard let value else { return "no data" }
        switch unit {
        case "%": return display(value) + "%"
        case "count": return display(value)
        default: return display(value) + " " + unit
        }
    }

    /// The terminal table: each indicator by title with its period value, target, RAG and
    /// trend, then its months by name (those with a value).
    static func table(_ report: IndicatorReport) -> String {
        var lines = ["Indicators \(report.from) to \(report.to)"]
        let titles = Dictionary(report.indicators.map { ($0.id, $0.title) }, uniquingKeysWith: { first, _ in first })
        if !report.slowToProgress.isEmpty {
            lines.append("Slow to progress (off target or worsening): " + report.slowToProgress.map { titles[$0] ?? $0 }.joined(separator: "; "))
        }
        for indicator in report.indicators {
            var head = indicator.title + ": " + withUnit(indicator.value, indicator.unit)
            if let target = indicator.target { head += ", target " + withUnit(target, indicator.unit) }
            if let rag = indicator.rag { head += ", " + rag.uppercased() }
            if let trend = indicator.trend { head += ", " + trend }
            lines.append("")
            lines.append(head)
            let months = indicator.months.compactMap { month in month.value.map { SVGChart.monthName(month.month) + " " + display($0) } }
            if !months.isEmpty { lines.append("  " + months.joined(separator: " · ")) }
            if let breakdown = indicator.breakdown, !breakdown.isEmpty {
                lines.append("  " + breakdown.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                    .map { (indicator.breakdownTitles[$0.key] ?? $0.key) + " " + display($0.value) }.joined(separator: " · "))
            }
        }
        return lines.joined(separator: "\n")
    }
}

/// The board pack: one self-contained, printable HTML page (no scripts, no external assets).
enum BoardPack {
    static func html(_ report: IndicatorReport) -> String {
        let slow = Set(report.slowToProgress)
        let ordered = report.indicators.filter { slow.contains($0.id) } + report.indicators.filter { !slow.contains($0.id) }
        var body = "<h1>Children's services front door: performance indicators</h1>\n<p>Period \(report.from) to \(report.to). Computed from the event log.</p>\n"
        // A change of pathway version within the period: the indicators count both versions' cases.
        for change in report.pathwayChanges ?? [] {
            body += "<p class=\"change\"><strong>Pathway change on \(change.date)</strong>: \(SVGChart.escape(change.title)) (\(SVGChart.escape(change.pathway))) "
                + "came into force (\(SVGChart.monthName(String(change.date.description.prefix(7)))) on the charts). Indicators count the cases on both versions.</p>\n"
        }
        if !slow.isEmpty {
            body += "<h2>Slow to progress</h2>\n<p>Off target (amber or red), or worsening over the last three months.</p>\n<ul>"
                + report.slowToProgress.map { id in "<li>\(SVGChart.escape(report.indicators.first { $0.id == id }?.title ?? id))</li>" }.joined() + "</ul>\n"
        }
        for indicator in ordered {
            let value = SVGChart.escape(ReportCommand.withUnit(indicator.value, indicator.unit))
            let badge = indicator.rag.map { "<span class=\"rag \($0)\">\($0.uppercased())</span>" } ?? ""
            body += "<section><h3>\(SVGChart.escape(indicator.title)) \(badge)</h3>\n"
            body += "<p class=\"value\">\(value)" + (indicator.target.map { " (target \(SVGChart.escape(ReportCommand.withUnit($0, indicator.unit))))" } ?? "")
                + (indicator.trend.map { ", \($0)" } ?? "") + "</p>\n"
            let points = indicator.months.enumerated().compactMap { index, month in month.value.map { (Double(index + 1), $0) } }
            if points.count > 1 {
                var series = [SVGChart.Series(name: indicator.title, points: points)]
                if let target = indicator.target {
                    series.append(SVGChart.Series(name: "target: \(ReportCommand.withUnit(target, indicator.unit))",
                                                  points: [(1, target), (Double(indicator.months.count), target)], dashed: true))
                }
                let months = SVGChart.monthTicks(indicator.months.map(\.month))
                body += SVGChart(title: indicator.title, xLabel: "month", yLabel: indicator.unit, series: series, xScale: .labelled(months)).svg
            }
            if let breakdown = indicator.breakdown, !breakdown.isEmpty {
                body += "<table>" + breakdown.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map {
                    "<tr><td>\(SVGChart.escape(indicator.breakdownTitles[$0.key] ?? $0.key))</td><td>\(ReportCommand.display($0.value))</td></tr>"
                }.joined() + "</table>\n"
            }
            body += "<p class=\"definition\">\(SVGChart.escape(indicator.definition)) Source: \(SVGChart.escape(indicator.source)).</p></section>\n"
        }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Performance indicators \(report.from) to \(report.to)</title>
            <style>
            body { font-family: sans-serif; max-width: 60em; margin: 2em auto; color: #222; }
            section { break-inside: avoid; border-top: 1px solid #ccc; padding: 0.5em 0; }
            .rag { padding: 0.1em 0.5em; border-radius: 0.3em; color: white; font-size: 0.8em; }
            .green { background: #2e7d32; } .amber { background: #b26a00; } .red { background: #c62828; }
            .value { font-size: 1.3em; } .definition { color: #555; font-size: 0.9em; }
            .change { border-left: 0.3em solid #b26a00; padding-left: 0.5em; }
            svg { max-width: 100%; height: auto; }
            </style></head><body>
            \(body)</body></html>

            """
    }
}
