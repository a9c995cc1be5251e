import ContinuumTesting
import Foundation
import Testing

@Suite("continuum simulate")
struct SimulateCommandTests {
    @Test("a summary table on stdout; with --out, summary.json, timeseries.csv and two SVG charts")
    func outputs() throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let outcome = try CommandRunner.run(["simulate", "Simulations/validation/jackson-example.json", "--replications", "3", "--out", folder.path])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("front-door") && outcome.stdout.contains("early-help") && outcome.stdout.contains("±"))
        #expect(outcome.stderr.contains("events/s"))
        for name in ["summary.json", "timeseries.csv", "occupancy.svg", "waiting-times.svg"] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path), "\(name)")
        }
        let csv = try String(contentsOf: folder.appendingPathComponent("timeseries.csv"), encoding: .utf8)
        // RFC 4180: records end with CRLF.
        #expect(csv.hasPrefix("day,stage,arrivals,in_service,queued,completed,clock_breaches,reneged\r\n"))
        #expect(csv.split(whereSeparator: \.isNewline).count == 1 + 2000 * 2)
        let svg = try String(contentsOf: folder.appendingPathComponent("occupancy.svg"), encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && !svg.contains("<script") && !svg.contains("href"), "self-contained")
        let summary = try String(contentsOf: folder.appendingPathComponent("summary.json"), encoding: .utf8)
        for key in ["arrivalsPerDay", "utilisation", "meanWaitDays", "meanInSystem", "throughputPerDay", "\"low\"", "\"high\""] {
            #expect(summary.contains(key), "\(key)")
        }
    }

    @Test("--compare marks significant differences")
    func compare() throws {
        let outcome = try CommandRunner.run(["simulate", "--compare", "Simulations/validation/mmc.json", "Simulations/validation/mmc-more-servers.json",
                                             "--replications", "5"])
        #expect(outcome.status == 0)
        let waitLine = outcome.stdout.split(separator: "\n").first { $0.hasPrefix("front-door.meanWaitDays") }
        #expect(waitLine?.hasSuffix("*") == true)
    }

    @Test("--compare on pathway-driven scenarios adds the timescales, re-referrals and the waiting list's leavers")
    func comparePathways() throws {
        let outcome = try CommandRunner.run(["simulate", "--compare", "Simulations/surrey-pathway.json", "Simulations/early-help-investment.json",
                                             "--replications", "3"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let lines = outcome.stdout.split(separator: "\n")
        for measure in ["clock.referral-decision.onTimePct", "clock.assessment.onTimePct", "reReferralsPerDay", "early-help.renegedPerDay", "stepUps"] {
            #expect(lines.contains { $0.hasPrefix(measure + " ") }, "no \(measure) in\n\(outcome.stdout)")
        }
        // More early help places: nobody leaves its waiting list, a difference no run misses.
        #expect(lines.first { $0.hasPrefix("early-help.renegedPerDay") }?.hasSuffix("*") == true)
    }

    @Test("--compare --out writes the comparison and both runs' charts; --window compares a period")
    func compareOut() throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let outcome = try CommandRunner.run(["simulate", "--compare", "Simulations/validation/mmc.json", "Simulations/validation/mmc-more-servers.json",
                                             "--replications", "3", "--window", "2027-01-01:2027-03-31", "--out", folder.path])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        for name in ["comparison.csv", "comparison.json", "comparison-occupancy.svg", "base/occupancy.svg", "variant/occupancy.svg", "base/summary.json"] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path), "\(name)")
        }
        #expect(outcome.stdout.contains("from 2027-01-01 to 2027-03-31"))
        let queued = outcome.stdout.split(separator: "\n").first { $0.hasPrefix("front-door.meanQueued") }
        #expect(queued?.hasSuffix("*") == true, "\(outcome.stdout)")
        #expect(!outcome.stdout.contains("-0.000"))
        // Both runs on one chart: each stage named with its run, the variant dashed.
        let overlay = try String(contentsOf: folder.appendingPathComponent("comparison-occupancy.svg"), encoding: .utf8)
        #expect(overlay.contains(">front-door (mmc)</text>") && overlay.contains(">front-door (mmc-more-servers)</text>") && overlay.contains("stroke-dasharray"))
        let csv = try String(contentsOf: folder.appendingPathComponent("comparison.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("period,measure,base_mean,base_half_width,variant_mean,variant_half_width,difference,significant\r\n"))
        #expect(csv.contains("\"2027-01-01 to 2027-03-31\",front-door.meanQueued,") || csv.contains("2027-01-01 to 2027-03-31,front-door.meanQueued,"))
        // A window outside the measured days is refused before anything runs.
        let outside = try CommandRunner.run(["simulate", "--compare", "Simulations/validation/mmc.json", "Simulations/validation/mmc-more-servers.json",
                                             "--window", "2020-01-01:2020-02-01"])
        #expect(outside.status == 64 && outside.stderr.contains("give a window within those days") && !outside.stderr.contains("events"))
    }

    @Test("--compare refuses stages that do not match, or pairs them with --map-stage; never drops them")
    func compareStages() throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let renamed = folder.appendingPathComponent("renamed.json")
        let text = try String(contentsOf: TestFixtures.root.appendingPathComponent("Simulations/validation/mmc-more-servers.json"), encoding: .utf8)
        try Data(text.replacingOccurrences(of: "\"front-door\"", with: "\"mash\"").utf8).write(to: renamed)
        let refused = try CommandRunner.run(["simulate", "--compare", "Simulations/validation/mmc.json", renamed.path, "--replications", "2"])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("only in the base, front-door; only in the variant, mash") && refused.stderr.contains("--map-stage front-door=mash"), "\(refused.stderr)")
        let mapped = try CommandRunner.run(["simulate", "--compare", "Simulations/validation/mmc.json", renamed.path, "--replications", "2", "--map-stage", "front-door=mash"])
        #expect(mapped.status == 0, "\(mapped.stderr)")
        #expect(mapped.stdout.contains("front-door=mash.meanWaitDays"))
        let apart = try CommandRunner.run(["simulate", "--compare", "Simulations/validation/mmc.json", renamed.path, "--replications", "2", "--allow-unmatched-stages"])
        #expect(apart.status == 0)
        let lines = apart.stdout.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("front-door.utilisation ") } && lines.contains { $0.hasPrefix("mash.utilisation ") }, "\(apart.stdout)")
        #expect(try CommandRunner.run(["simulate", "--compare", "Simulations/validation/mmc.json", renamed.path, "--map-stage", "front-door"]).status == 64)
    }

    @Test("an invalid scenario exits 65 naming each problem's JSON path; a missing file 66; bad flags 64")
    func failures() throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let broken = folder.appendingPathComponent("broken.json")
        try Data(#"{"name": "x", "horizonDays": 10, "arrivals": [{"to": "nowhere", "perDay": 1}], "stages": [{"id": "a", "servers": 1, "service": {"distribution": "exponential"}}]}"#.utf8).write(to: broken)
        let invalid = try CommandRunner.run(["simulate", broken.path])
        #expect(invalid.status == 65)
        #expect(invalid.stderr.contains("$.arrivals[0].to") && invalid.stderr.contains("$.stages[0].service.meanDays"))
        #expect(try CommandRunner.run(["simulate", "no-such.json"]).status == 66)
        #expect(try CommandRunner.run(["simulate", "a.json", "b.json"]).status == 64)
    }
}
