import ContinuumCore
import ContinuumForecast
import ContinuumJSON
import ContinuumSimulator
import ContinuumStore
import ContinuumTesting
import Foundation
import Testing

@Suite("Forecasting from the cases open on a day")
struct ForecastTests {
    func at(_ day: Int, hours: Int = 10) -> Timestamp {
        Timestamp(secondsSinceEpoch: Int64((CalendarDate(year: 2026, month: 1, day: 1)?.daysSinceEpoch ?? 0) + day) * 86_400 + Int64(hours) * 3_600)
    }

    func referral(_ caseId: String, _ day: Int, risk: Bool = false) -> PathwayHistoryEvent {
        PathwayHistoryEvent(caseId: caseId, at: at(day), kind: .referral(ReferralFacts(
            source: .police, concerns: [Concern(factor: .domesticAbuseChild, impact: .medium)], consent: .given, immediateRisk: risk, disabled: false, reReferral: false)))
    }

    @Test("open cases: their level, since when, their running clocks (a milestone or the decision stops one); closed cases are gone")
    func openCases() throws {
        let pathway = try TestFixtures.surrey()
        let due = try #require(CalendarDate(year: 2026, month: 3, day: 1))
        let history: [PathwayHistoryEvent] = [
            referral("A", 0), .init(caseId: "A", at: at(0), kind: .routed(level: "child-in-need", deadlines: ["referral-decision": due, "assessment": due])),
            .init(caseId: "A", at: at(1), kind: .decided(level: "child-in-need")),
            referral("B", 2), .init(caseId: "B", at: at(2), kind: .routed(level: "child-in-need", deadlines: ["referral-decision": due, "assessment": due])),
            .init(caseId: "B", at: at(3), kind: .decided(level: "child-in-need")), .init(caseId: "B", at: at(4), kind: .milestone("assessment-completed")),
            .init(caseId: "B", at: at(20), kind: .moved(kind: .escalate, to: "child-protection")),
            referral("C", 5), .init(caseId: "C", at: at(6), kind: .decided(level: "targeted-support")), .init(caseId: "C", at: at(8), kind: .closed(.servicesCeased)),
            referral("D", 30, risk: true), .init(caseId: "D", at: at(30), kind: .routed(level: "child-protection", deadlines: ["referral-decision": due])),
        ]
        let day = try #require(CalendarDate(year: 2026, month: 1, day: 31))
        let open = Dictionary(uniqueKeysWithValues: OpenCases.at(endOf: day, history, pathway: pathway.definition).map { ($0.caseId, $0) })
        #expect(Set(open.keys) == ["A", "B", "D"])
        #expect(open["A"]?.level == "child-in-need" && open["A"]?.clocksDue.keys.sorted() == ["assessment"])
        #expect(open["B"]?.level == "child-protection" && open["B"]?.since == at(20) && open["B"]?.clocksDue.isEmpty == true)
        #expect(open["D"]?.level == nil && open["D"]?.recommended == "child-protection" && open["D"]?.clocksDue.keys.sorted() == ["referral-decision"])
        // Placed in the Surrey scenario: A at the assessment team's stage (which holds child in
        // need), D at the front door heading there, first in its queue (immediate risk).
        let surrey = try scenario("Simulations/surrey-pathway.json")
        let start = StartingPoint(Array(open.values), asOf: day, scenario: surrey)
        let assessment = try #require(surrey.stageIndex("assessment"))
        let a = try #require(start.cases.first { $0.elapsedDays > 29 && $0.elapsedDays < 31 })
        #expect(a.stage == assessment && a.clocksDue["assessment"] == due.daysSinceEpoch - day.daysSinceEpoch - 1)
        let d = try #require(start.cases.first { $0.stage == surrey.pathwayModel?.frontDoor })
        #expect(d.priority == 0 && d.plannedStage == assessment && abs(d.elapsedDays - 14.0 / 24) < 1e-9)
    }

    @Test("month by month: open at the month's end, entries, exits and spend, with percentile intervals; the CSV's columns are the contract")
    func aggregation() throws {
        var run = try ScenarioLoader().load(Array("""
            {"name": "f", "horizonDays": 59, "replications": 3, "startDate": "2026-01-01",
             "arrivals": [{"to": "team", "perDay": 1}],
             "stages": [{"id": "team", "servers": 50, "service": {"distribution": "fixed", "days": 10}}],
             "costs": {"team": {"perDay": 10, "perEpisode": 100}}}
            """.utf8))
        run.initialCases = [Scenario.InitialCase(stage: 0, elapsedDays: 0)]
        // Three replications of invented daily counts: day d has (d % 5) + r open, one arrival, one completion.
        let daily: [[[DayCounts]]] = (0..<3).map { replication in
            (0..<59).map { day in [DayCounts(arrivals: 1, inService: Int32(day % 5 + replication), queued: 0, completed: 1)] }
        }
        let forecast = Forecast(scenario: run, daily: daily)
        #expect(forecast.months.map(\.description) == ["2026-01-01", "2026-02-01"])
        let january = try #require(forecast.rows.first)
        // 31 January is day 30: 30 % 5 = 0, plus the replication.
        #expect(january.open.mean == 1 && january.open.low == 0.05 && january.open.high == 1.95)
        #expect(january.entries.mean == 31 && january.exits.mean == 31)
        // Spend in replication 0: 10 a day over the month's open days plus 100 per entry.
        let openDays = (0..<31).reduce(0) { $0 + $1 % 5 }
        #expect(january.cost.low > Double(10 * openDays + 3_100) - 1e-6)
        #expect(forecast.openAtStart["team"] == 1)
        let csv = forecast.csv
        #expect(csv.hasPrefix("month,level,open_mean,open_low,open_high,entries_mean,exits_mean,cost_mean,cost_low,cost_high\r\n2026-01,team,"))
        #expect(forecast.chart.svg.contains("class=\"interval\""))
    }

    @Test("percentiles interpolate between order statistics")
    func percentiles() {
        let band = Forecast.Band([4, 1, 3, 2])
        #expect(band.mean == 2.5 && abs(band.low - 1.075) < 1e-12 && abs(band.high - 3.925) < 1e-12)
        #expect(Forecast.Band([]).mean == 0)
    }

    @Test("a backtest's default end is the last whole month in the log")
    func wholeMonths() throws {
        let end = try #require(CalendarDate(year: 2027, month: 3, day: 31)), mid = try #require(CalendarDate(year: 2027, month: 4, day: 12))
        #expect(Backtest.lastWholeMonthEnd(end) == end && Backtest.lastWholeMonthEnd(mid) == end)
        #expect(Backtest.holdoutStart(to: end, months: 6) == CalendarDate(year: 2026, month: 10, day: 1))
    }
}

/// Issue 19's backtest check, on the two-year history of the known scenario.
@Suite("Backtesting a known history", .releaseOnly)
struct BacktestTests {
    @Test("fitted on eighteen months and forecast for the last six, at least 90% of the months' open cases fall inside the 95% intervals")
    func coverage() async throws {
        let known = try await KnownHistory.shared.get()
        let to = CalendarDate(daysSinceEpoch: known.scenario.startDate.daysSinceEpoch + Int(known.scenario.horizonDays) - 1)
        let backtest = try await Backtest.run(known.history, pathway: TestFixtures.surrey(), from: known.scenario.startDate, to: to, holdoutMonths: 6,
                                              replications: 100, jobs: 2)
        #expect(backtest.cells.count == 6 * 6, "six months of the six levels with a stage")
        #expect(backtest.coverage >= 0.9, "coverage \(backtest.coverage)")
        #expect((backtest.meanAbsolutePercentageError ?? 100) < 10)
        let json = backtest.json.serialized()
        for key in ["\"meanAbsolutePercentageError\"", "\"coverage\"", "\"months\"", "\"forecast\"", "\"actual\""] { #expect(json.contains(key)) }
    }
}
