import ContinuumCore
import ContinuumJSON
import ContinuumSimulator
import ContinuumTesting
import Foundation
import Testing

@Suite("Scenarios")
struct ScenarioTests {
    static let valid = """
        {"name": "check", "horizonDays": 200, "warmupDays": 20, "replications": 4, "seed": 7,
         "arrivals": [{"to": "front-door", "perDay": 40, "monthly": [1,1,1,1,1,1,1,0.8,1.2,1,1,1]}],
         "stages": [
           {"id": "front-door", "servers": 4, "service": {"distribution": "exponential", "meanDays": 0.08},
            "routing": [{"to": "early-help", "probability": 0.3}]},
           {"id": "early-help", "servers": {"workers": 5, "caseload": 2}, "service": {"distribution": "lognormal", "meanDays": 0.7, "sdDays": 0.5}}]}
        """

    @Test("every problem is reported with its JSON path")
    func problems() throws {
        let broken = """
            {"name": "x", "horizonDays": 10, "warmupDays": 20, "replications": 0,
             "arrivals": [{"to": "front-dor", "perDay": -1}],
             "stages": [{"id": "front-door", "servers": 0, "service": {"distribution": "weibull", "meanDays": 1},
                         "routing": [{"to": "front-door", "probability": 0.7}, {"to": "front-door", "probability": 0.6}]}]}
            """
        do {
            _ = try ScenarioLoader().load(Array(broken.utf8))
            Issue.record("expected problems")
        } catch {
            let paths = error.problems.map(\.path)
            for path in ["$.warmupDays", "$.replications", "$.arrivals[0].to", "$.arrivals[0].perDay", "$.stages[0].servers",
                         "$.stages[0].service.distribution", "$.stages[0].routing"] {
                #expect(paths.contains(path), "missing \(path) in \(paths)")
            }
            #expect(error.description.contains("did you mean \"front-door\""))
        }
    }

    @Test("an arrival rate or monthly multiplier far beyond any council's is refused, not run for days")
    func rateBounds() throws {
        let fast = Self.valid.replacingOccurrences(of: "\"perDay\": 40", with: "\"perDay\": 4e9")
            .replacingOccurrences(of: "0.8,1.2", with: "0.8,1e6")
        do {
            _ = try ScenarioLoader().load(Array(fast.utf8))
            Issue.record("expected problems")
        } catch {
            #expect(error.problems.map(\.path) == ["$.arrivals[0].perDay", "$.arrivals[0].monthly"])
            #expect(error.description.contains("must be 0 to 1,000,000 referrals a day"))
        }
    }

    @Test("service times beyond any case's, or a spread that overflows its distribution, are refused with their paths")
    func serviceBounds() throws {
        let cases: [(service: String, path: String, message: String)] = [
            (#"{"distribution": "lognormal", "meanDays": 1e300, "sdDays": 1e300}"#, "$.stages[1].service.meanDays", "at most 1,000,000 days"),
            (#"{"distribution": "lognormal", "meanDays": 1e-200, "sdDays": 1}"#, "$.stages[1].service.sdDays", "cannot be sampled"),
            (#"{"distribution": "gamma", "meanDays": 1e-200, "sdDays": 1}"#, "$.stages[1].service.sdDays", "cannot be sampled"),
            (#"{"distribution": "empirical", "values": [1, 1e7]}"#, "$.stages[1].service.values", "each 0 to 1,000,000"),
        ]
        for (service, path, message) in cases {
            let json = Self.valid.replacingOccurrences(of: #"{"distribution": "lognormal", "meanDays": 0.7, "sdDays": 0.5}"#, with: service)
            do {
                _ = try ScenarioLoader().load(Array(json.utf8))
                Issue.record("expected a problem for \(service)")
            } catch {
                #expect(error.problems.map(\.path).contains(path), "\(service): \(error.problems.map(\.path))")
                #expect(error.description.contains(message), "\(service): \(error.description)")
            }
        }
    }

    @Test("reneging: its patience distribution and routes are checked like service and routing, with their paths")
    func renegingProblems() throws {
        let json = Self.valid.replacingOccurrences(of: #""routing": [{"to": "early-help", "probability": 0.3}]}"#, with: """
            "routing": [{"to": "early-help", "probability": 0.3}],
             "reneging": {"afterDays": {"distribution": "exponential"},
                          "routing": [{"to": "early-hlp", "probability": 0.8}, {"to": "early-help", "probability": 0.4}]}}
            """)
        do {
            _ = try ScenarioLoader().load(Array(json.utf8))
            Issue.record("expected problems")
        } catch {
            let paths = error.problems.map(\.path)
            #expect(paths == ["$.stages[0].reneging.afterDays.meanDays", "$.stages[0].reneging.routing[0].to", "$.stages[0].reneging.routing"], "\(paths)")
            #expect(error.description.contains("did you mean \"early-help\""))
            #expect(error.description.contains("probabilities add up to 1.2"))
        }
        let typo = Self.valid.replacingOccurrences(of: #""routing": [{"to": "early-help", "probability": 0.3}]}"#,
                                                   with: #""routing": [{"to": "early-help", "probability": 0.3}], "reneging": {"afterDay": {"distribution": "fixed", "days": 1}}}"#)
        do {
            _ = try ScenarioLoader().load(Array(typo.utf8))
            Issue.record("expected a problem")
        } catch {
            #expect(error.description.contains("afterDay"), "\(error.description)")
        }
    }

    @Test("unknown fields are rejected with a suggestion; a pathway without a referral mix is refused")
    func strictness() throws {
        let typo = Self.valid.replacingOccurrences(of: "\"horizonDays\"", with: "\"horizonDay\": 1, \"horizonDays\"")
        #expect(throws: ScenarioInvalid.self) { try ScenarioLoader().load(Array(typo.utf8)) }
        let pathway = Self.valid.replacingOccurrences(of: "\"seed\": 7", with: "\"seed\": 7, \"pathway\": \"Pathways/surrey.json\"")
        do {
            _ = try ScenarioLoader().load(Array(pathway.utf8)) { _ in try TestFixtures.surrey() }
            Issue.record("expected a problem")
        } catch {
            #expect(error.problems.contains { $0.path == "$.referralMix" })
        }
    }

    @Test("the same scenario and seed give byte-identical summary.json whatever the number of jobs", .releaseOnly)
    func deterministic() async throws {
        let scenario = try ScenarioLoader().load(Array(Self.valid.utf8))
        let one = await Simulator(scenario: scenario).run(jobs: 1).json.serialized(pretty: true)
        let three = await Simulator(scenario: scenario).run(jobs: 3).json.serialized(pretty: true)
        #expect(one == three)
        var other = scenario
        other.seed = 8
        #expect(await Simulator(scenario: other).run(jobs: 2).json.serialized(pretty: true) != one)
    }

    @Test("monthly multipliers shape arrivals: the August dip and the September rise", .releaseOnly)
    func monthly() async throws {
        let json = """
            {"name": "months", "horizonDays": 365, "warmupDays": 0, "replications": 20, "seed": 3, "startDate": "2026-01-01",
             "arrivals": [{"to": "q", "perDay": 100, "monthly": [1,1,1,1,1,1,1,0.5,1.5,1,1,1]}],
             "stages": [{"id": "q", "servers": 1000, "service": {"distribution": "fixed", "days": 0.01}}]}
            """
        let summary = await Simulator(scenario: try ScenarioLoader().load(Array(json.utf8))).run(jobs: 2)
        let august = summary.daily[212..<243].map { $0[0].arrivals }.reduce(0, +) / 31
        let september = summary.daily[243..<273].map { $0[0].arrivals }.reduce(0, +) / 30
        let july = summary.daily[181..<212].map { $0[0].arrivals }.reduce(0, +) / 31
        #expect(abs(august - 50) < 2 && abs(september - 150) < 3 && abs(july - 100) < 2)
    }

    @Test("extreme but valid service times run to the end: always 0 (bins of zero width), or tiny with a long tail", .releaseOnly)
    func extremeServiceTimes() async throws {
        for service in [#"{"distribution": "empirical", "values": [0]}"#,
                        #"{"distribution": "gamma", "meanDays": 1e-20, "sdDays": 1e-10}"#,
                        #"{"distribution": "fixed", "days": 1e-300}"#] {
            let json = """
                {"name": "extreme", "horizonDays": 30, "warmupDays": 0, "replications": 2, "seed": 3,
                 "arrivals": [{"to": "q", "perDay": 40}],
                 "stages": [{"id": "q", "servers": 1, "service": \(service)}]}
                """
            let summary = await Simulator(scenario: try ScenarioLoader().load(Array(json.utf8))).run(jobs: 2)
            #expect(summary.stages[0].throughputPerDay.mean > 30, "\(service)")
            let text = summary.json.serialized()
            #expect(!text.contains("nan") && !text.contains("inf"), "\(service)")
        }
    }

    @Test("the shipped scenarios load")
    func shipped() throws {
        let folder = TestFixtures.root.appendingPathComponent("Simulations")
        let files = FileManager.default.enumerator(atPath: folder.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".json") } ?? []
        #expect(files.count >= 5)
        for file in files {
            // Each scenario names its pathway relative to its own folder.
            #expect(throws: Never.self, "\(file)") {
                try ScenarioLoader().load(TestFixtures.read(folder.appendingPathComponent(file).path)) { name in
                    let beside = folder.appendingPathComponent(file).deletingLastPathComponent().appendingPathComponent(name).standardized.path
                    return try VerifiedPathway(PathwayLoader().load(path: beside, read: TestFixtures.read))
                }
            }
        }
    }
}
