import ContinuumCore
import ContinuumJSON
import ContinuumSimulator
import ContinuumTesting
import Foundation
import Testing

/// Every chart kind, drawn headless from real runs: the SVG's tick labels and legends are what
/// a planner or board member reads, so they are checked as text (issue 25).
@Suite("Charts")
struct ChartTests {
    /// The texts of the SVG's elements of one class (`x-tick`, `y-tick`, `legend`).
    static func texts(_ svg: String, _ kind: String) -> [String] {
        svg.components(separatedBy: "class=\"\(kind)\"").dropFirst().compactMap { part in
            guard let open = part.firstIndex(of: ">"), let close = part.range(of: "</text>") else { return nil }
            return String(part[part.index(after: open)..<close.lowerBound])
        }
    }

    /// A three-year run of an explicit network (1,095 days, a 200-day warm-up), three replications.
    static func threeYears() async throws -> SimulationSummary {
        let text = """
            {"name": "three years", "horizonDays": 1095, "warmupDays": 200, "replications": 3, "seed": 11, "startDate": "2026-04-01",
             "arrivals": [{"to": "front-door", "perDay": 40}],
             "stages": [
               {"id": "front-door", "servers": 4, "service": {"distribution": "exponential", "meanDays": 0.08},
                "routing": [{"to": "early-help", "probability": 0.3}]},
               {"id": "early-help", "servers": 10, "service": {"distribution": "exponential", "meanDays": 0.7}}]}
            """
        return await Simulator(scenario: try ScenarioLoader().load(Array(text.utf8))).run(jobs: 1)
    }

    @Test("occupancy over three years: calendar months by name, round counts, the warm-up shaded, each stage's places")
    func occupancy() async throws {
        let svg = try await Self.threeYears().occupancyChart.svg
        let ticks = Self.texts(svg, "x-tick")
        // 36 months: a tick every six, on the half-years, the year named on January and the first.
        #expect(ticks == ["Jul 2026", "Jan 2027", "Jul", "Jan 2028", "Jul", "Jan 2029"], "\(ticks)")
        #expect(ticks.allSatisfy { $0.count <= 8 && !$0.contains(".") }, "\(ticks)")
        let counts = Self.texts(svg, "y-tick")
        #expect(counts.first == "0" && counts.allSatisfy { Double($0.replacingOccurrences(of: ",", with: "")).map { $0 == $0.rounded() } ?? false }, "\(counts)")
        #expect(svg.contains("class=\"band\""), "the warm-up is shaded")
        let legend = Self.texts(svg, "legend")
        #expect(legend == ["front-door", "early-help", "places at front-door: 4", "places at early-help: 10", "warm-up (not measured)"], "\(legend)")
        #expect(svg.contains("class=\"reference\""), "places drawn")
    }

    @Test("waiting times: the axis ends where the curves reach all their cases, not at the longest bin")
    func waitingTimes() async throws {
        let summary = try await Self.threeYears()
        let svg = summary.waitingTimeChart.svg
        let ticks = Self.texts(svg, "x-tick").compactMap(Double.init)
        // Where every stage has seen 99.9% of its cases start service: the axis ends there.
        let reach = summary.stages.map { stage in
            let total = Double(stage.waitHistogram.reduce(0, +))
            var running = 0.0
            for (bin, count) in stage.waitHistogram.enumerated() {
                running += Double(count)
                if running >= 0.999 * total { return Double(bin + 1) * stage.waitBinDays }
            }
            return Double(stage.waitHistogram.count) * stage.waitBinDays
        }.max() ?? 0
        let longestBin = summary.stages.map { Double($0.waitHistogram.count) * $0.waitBinDays }.max() ?? 0
        let last = try #require(ticks.last)
        #expect(last <= reach && last > reach / 2, "axis to \(last); the curves reach all their cases by \(reach) days")
        #expect(reach < longestBin, "the histogram runs to \(longestBin) days")
        #expect(ticks.count >= 3 && ticks == ticks.sorted())
        #expect(Self.texts(svg, "y-tick").last == "1")
    }

    @Test("calendar ticks: days, weeks on Mondays, months by the span; labelled ticks thin out past twelve")
    func calendarTicks() {
        let start = CalendarDate(year: 2026, month: 12, day: 1) ?? CalendarDate(daysSinceEpoch: 0)
        let week = SVGChart(title: "t", xLabel: "x", yLabel: "y", series: [.init(name: "a", points: [(0, 1), (7, 2)])], xScale: .calendar(start: start))
        #expect(Self.texts(week.svg, "x-tick") == ["1 Dec", "2 Dec", "3 Dec", "4 Dec", "5 Dec", "6 Dec", "7 Dec", "8 Dec"])
        let quarter = SVGChart(title: "t", xLabel: "x", yLabel: "y", series: [.init(name: "a", points: [(0, 1), (90, 2)])], xScale: .calendar(start: start))
        #expect(Self.texts(quarter.svg, "x-tick") == ["7 Dec", "21 Dec", "4 Jan", "18 Jan", "1 Feb", "15 Feb", "1 Mar"], "Mondays, two weeks apart")
        let months = (1...24).map { SVGChart.Tick(Double($0), SVGChart.monthName("20\(26 + ($0 - 1) / 12)-\(String(format: "%02d", ($0 - 1) % 12 + 1))")) }
        let long = SVGChart(title: "t", xLabel: "month", yLabel: "y", series: [.init(name: "a", points: [(1, 1), (24, 2)])], xScale: .labelled(months))
        #expect(Self.texts(long.svg, "x-tick") == ["Jan 2026", "Mar 2026", "May 2026", "Jul 2026", "Sep 2026", "Nov 2026",
                                                   "Jan 2027", "Mar 2027", "May 2027", "Jul 2027", "Sep 2027", "Nov 2027"])
    }

    @Test("a legend is never truncated, and numbers never read -0 or 219.8 days")
    func legendsAndLabels() {
        let names = ["Front-door decisions within one working day", "Re-referrals within 12 months", "Step-downs followed by a re-referral within 12 months"]
        let chart = SVGChart(title: "t", xLabel: "x", yLabel: "y", series: names.map { .init(name: $0, points: [(0, 0.1), (1, 0.2)]) })
        #expect(Self.texts(chart.svg, "legend") == names)
        #expect(SVGChart.label(-0.0001) == "0" && SVGChart.label(1234) == "1,234" && SVGChart.label(0.35) == "0.35")
        #expect(CSV.number(-0.0001) == "0" && CSV.number(1.0687022900763359) == "1.1" && CSV.number(12) == "12")
        #expect(CSV.record(["per 10,000", "say \"hi\"", "plain"]) == #""per 10,000","say ""hi""",plain"#)
    }
}
