import ContinuumCore
import ContinuumJSON
import ContinuumSimulator
import Foundation
import Testing

@Suite("Starting from open cases, costs and a calibration's basis")
struct OpenCaseTests {
    /// One stage with `servers` places and a fixed ten-day service; arrivals at a trickle.
    func scenario(servers: Int, service: String = #"{"distribution": "fixed", "days": 10}"#, extra: String = "") throws -> Scenario {
        try ScenarioLoader().load(Array("""
            {"name": "open", "horizonDays": 30, "replications": 1, "seed": 3, "startDate": "2026-01-01",
             "arrivals": [{"to": "team", "perDay": 0.000001}],
             "stages": [{"id": "team", "servers": \(servers), "service": \(service)}]\(extra)}
            """.utf8))
    }

    @Test("an open case finishes after the time it has left; one over the places waits its turn; neither counts as an arrival")
    func seeded() throws {
        var run = try scenario(servers: 1)
        run.initialCases = [Scenario.InitialCase(stage: 0, elapsedDays: 4), Scenario.InitialCase(stage: 0, elapsedDays: 1)]
        let result = Replication(scenario: run, stream: 0).run()
        // The longer-open case is served first and has 6 days left; the other then takes a full 10.
        #expect(result.daily[0][0].inService == 1 && result.daily[0][0].queued == 1)
        #expect(result.daily[5][0].completed == 0 && result.daily[6][0].completed == 1)
        #expect(result.daily[16][0].completed == 1 && result.daily[17][0].inService == 0)
        #expect(result.daily.reduce(0) { $0 + Int($1[0].arrivals) } == 0)
    }

    /// The mean time left, in days, of `count` cases open `elapsed` days at a stage with
    /// `service` and ample places, from the days their completions fall on.
    func meanRemaining(_ service: String, elapsed: Double, count: Int = 4_000) throws -> Double {
        var run = try scenario(servers: count, service: service)
        run.horizonDays = 3_000
        run.initialCases = Array(repeating: Scenario.InitialCase(stage: 0, elapsedDays: elapsed), count: count)
        let daily = Replication(scenario: run, stream: 0).run().daily
        let done = daily.enumerated().reduce(0.0) { $0 + Double($1.element[0].completed) * (Double($1.offset) + 0.5) }
        return done / Double(count)
    }

    @Test("an open case's time left: memoryless for the exponential; for the lognormal and gamma, what the distribution leaves beyond the time spent")
    func remaining() throws {
        #expect(abs(try meanRemaining(#"{"distribution": "exponential", "meanDays": 20}"#, elapsed: 50) - 20) < 1.2)
        // The mean residual life at 300 days, by rejection from the distribution itself.
        var random = RandomSource(seed: 9, stream: 0)
        let sigma2 = log(1 + 0.36), mu = log(200) - sigma2 / 2
        let cases: [(String, (inout RandomSource) -> Double)] = [
            (#"{"distribution": "lognormal", "meanDays": 200, "sdDays": 120}"#, { exp(mu + sigma2.squareRoot() * $0.normal()) }),
            (#"{"distribution": "gamma", "meanDays": 200, "sdDays": 120}"#, { $0.gamma(shape: (200.0 / 120) * (200.0 / 120), scale: 120.0 * 120 / 200) }),
        ]
        for (service, draw) in cases {
            var beyond: [Double] = []
            while beyond.count < 20_000 {
                let value = draw(&random)
                if value > 300 { beyond.append(value - 300) }
            }
            let expected = beyond.reduce(0, +) / Double(beyond.count)
            let simulated = try meanRemaining(service, elapsed: 300)
            #expect(abs(simulated - expected) / expected < 0.05, "\(service): \(simulated) against \(expected)")
        }
        // Fixed: what is left, and nothing once past.
        #expect(abs(try meanRemaining(#"{"distribution": "fixed", "days": 10}"#, elapsed: 4, count: 10) - 6.5) < 1e-9)
        #expect(abs(try meanRemaining(#"{"distribution": "fixed", "days": 10}"#, elapsed: 12, count: 10) - 0.5) < 1e-9)
    }

    @Test("costs are read by stage id; an unknown stage or a negative cost is named")
    func costs() throws {
        let run = try scenario(servers: 2, extra: #", "costs": {"team": {"perDay": 92.29, "source": "PSSRU 2017"}}"#)
        #expect(run.costs["team"]?.perDay == 92.29 && run.costs["team"]?.perEpisode == 0)
        let invalid = problems("""
            {"name": "open", "horizonDays": 30, "arrivals": [{"to": "team", "perDay": 1}],
             "stages": [{"id": "team", "servers": 1, "service": {"distribution": "fixed", "days": 10}}], "costs": {"teem": {"perDay": -1}}}
            """)
        #expect(invalid.map(\.path).contains("$.costs.teem") && invalid.map(\.path).contains("$.costs.teem.perDay"))
        #expect(invalid.map(\.message).joined().contains("did you mean \"team\""))
    }

    @Test("with a basis, each replication draws its own rates, so totals vary between replications beyond Poisson's spread")
    func basis() throws {
        func totals(_ basis: String) throws -> [Double] {
            let run = try ScenarioLoader().load(Array("""
                {"name": "b", "horizonDays": 120, "replications": 1, "seed": 5, "startDate": "2026-01-01",
                 "arrivals": [{"to": "t", "perDay": 10\(basis)}],
                 "stages": [{"id": "t", "servers": 100, "service": {"distribution": "fixed", "days": 0.1}, "basis": {"stays": 50}}]}
                """.utf8))
            return (0..<30).map { stream in
                Double(Replication(scenario: run, stream: UInt64(stream)).run().daily.reduce(0) { $0 + Int($1[0].arrivals) })
            }
        }
        func variation(_ values: [Double]) -> Double {
            let mean = values.reduce(0, +) / Double(values.count)
            return (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)).squareRoot() / mean
        }
        // 1,200 referrals in a run: Poisson alone varies them by about 3%. Rates resting on ten
        // referrals a month vary by about 30% a month, about 15% over four months.
        let plain = variation(try totals("")), based = variation(try totals(#", "basis": {"referrals": [10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10]}"#))
        #expect(plain < 0.06 && based > 0.08, "\(plain) and \(based)")
        let paths = problems("""
            {"name": "b", "horizonDays": 10, "arrivals": [{"to": "t", "perDay": 1, "basis": {"referrals": [1, 2]}}],
             "stages": [{"id": "t", "servers": 1, "service": {"distribution": "fixed", "days": 1}, "basis": {"stays": 0}}]}
            """).map(\.path)
        #expect(paths.contains("$.arrivals[0].basis.referrals") && paths.contains("$.stages[0].basis.stays"))
    }

    /// The problems loading `text` reports (none when it loads).
    func problems(_ text: String) -> [JSONProblem] {
        do {
            _ = try ScenarioLoader().load(Array(text.utf8))
            return []
        } catch {
            return error.problems
        }
    }
}
