import ContinuumCore
import ContinuumJSON
import ContinuumLoadTest
import ContinuumSimulator
import ContinuumStore
import ContinuumTesting
import Foundation
import NIOHTTP1
import Testing

/// `continuum loadtest` against a real server on loopback.
/// A server process on a database of its own, with a partner and a practitioner token.
struct LiveServer {
    let folder: URL
    let database: String
    let partner: String
    let staff: String
    let server: ServerProcess

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-load-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let database = try TestStore.make(in: folder)
        self.database = database
        func token(_ arguments: [String]) throws -> String {
            try ServerProcess.run(["token", "create"] + arguments + ["--database", database]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        partner = try token(["--role", "partner", "--partner", "load"])
        staff = try token(["--role", "practitioner"])
        server = try ServerProcess(arguments: ["--database", database, "--rate-limit", "0", "--max-concurrent-per-token", "0"],
                                   stderrFile: folder.appendingPathComponent("server.log"))
    }

    func remove() {
        TestStore.drop(database)
        try? FileManager.default.removeItem(at: folder)
    }
}

@Suite("Load test")
struct LoadTestTests {
    static func scenario() throws -> Scenario {
        try ScenarioLoader().load(TestFixtures.read(TestFixtures.path("Simulations/surrey-pathway.json"))) { _ in try TestFixtures.surrey() }
    }

    @Test("a short run reaches its target rate within 10%, and every acknowledged referral is in the server")
    func rateAndDurability() async throws {
        // The server and the load test as separate processes, as in use (and so neither shares
        // this test process's threads with the CPU-heavy simulator tests running beside it).
        let live = try LiveServer()
        defer { live.remove() }
        let (folder, database, partner, staff, server) = (live.folder, live.database, live.partner, live.staff, live.server)
        let run = try await ServerProcess.runAsync(["loadtest", "Simulations/surrey-pathway.json", "--server", "http://127.0.0.1:\(server.port)",
                                                    "--token", partner, "--staff-token", staff, "--rate", "40", "--duration", "3",
                                                    "--connections", "16", "--out", folder.appendingPathComponent("out").path])
        server.stop()
        #expect(run.status == 0, "\(run.stderr)")
        let report = try JSONParser().parse(TestFixtures.read(folder.appendingPathComponent("out/report.json").path)).value()
        let sent = try #require(report["sentPerSecond"].flatMap { if case .double(let rate) = $0 { rate } else { nil } })
        #expect(abs(sent - 40) / 40 < 0.1, "sent \(sent)/s")
        let submit = try #require(report["operations"]?.items.first { $0["operation"]?.stringValue == "submit" })
        #expect(submit["statuses"]?["201"] == .integer(120), "\(String(describing: submit["statuses"]))")
        // Each acknowledgement's referral id is read (from its Location), once.
        #expect(report["acknowledged"] == .integer(120))
        #expect(report["operations"]?.items.contains { $0["operation"]?.stringValue == "transition" } == true)
        // The latency chart reads in percentiles people quote, each operation named in the legend.
        let svg = try String(contentsOf: folder.appendingPathComponent("out/latency.svg"), encoding: .utf8)
        for label in ["p50", "p90", "p99", "p99.9"] { #expect(svg.contains("class=\"x-tick\"") && svg.contains(">\(label)</text>"), "\(label)") }
        for operation in ["submit", "decide"] { #expect(svg.range(of: #"class="legend"[^>]*>"# + operation + "</text>", options: .regularExpression) != nil, "\(operation)") }
        // Every acknowledged referral is in the database, once.
        let store = try TestStore.open(database, in: folder)
        let rebuilt = try await store.rebuild()
        #expect(rebuilt.referrals == 120)
        #expect(try await store.verifyChain().events > 240)
    }

    @Test("a server killed mid-run: what it left unanswered, and every slot after, counts as failed; the run ends on time and fails")
    func serverDies() async throws {
        let live = try LiveServer()
        defer { live.remove() }
        let (folder, partner, staff, server) = (live.folder, live.partner, live.staff, live.server)
        async let run = ServerProcess.runAsync(["loadtest", "Simulations/surrey-pathway.json", "--server", "http://127.0.0.1:\(server.port)",
                                                "--token", partner, "--rate", "40", "--duration", "15", "--connections", "4",
                                                "--out", folder.appendingPathComponent("out").path])
        // Killed once the load test is sending (its start-up is slow while the whole suite runs).
        // The run is long enough that the kill lands inside it even when this task waits
        // seconds for a thread: in one CI run a 6-second run ended before the first poll that saw it.
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            let queue = try? await TestServer.call(port: server.port, .GET, "/v1/queue?limit=1", token: staff)
            if case .integer(let total)? = queue?.json?["total"], total >= 20 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        server.kill()
        let killed = ContinuousClock.now
        let result = try await run
        #expect(ContinuousClock.now - killed < .seconds(30), "the senders stop at the end of the window, not at a client timeout")
        #expect(result.status == 1, "\(result.stderr)")
        let report = try JSONParser().parse(TestFixtures.read(folder.appendingPathComponent("out/report.json").path)).value()
        let submit = try #require(report["operations"]?.items.first { $0["operation"]?.stringValue == "submit" })
        let statuses = try #require(submit["statuses"])
        func count(_ status: String) -> Int { if case .integer(let n)? = statuses[status] { Int(n) } else { 0 } }
        #expect(count("201") >= 10 && count("0") > 20, "\(statuses)")
        #expect(count("201") + count("0") == 600, "every slot of the schedule, answered or failed: \(statuses)")
    }

    @Test("a threshold that cannot be met fails the command (exit 1); a bad partner token exits 77")
    func thresholds() async throws {
        try await TestServer.with(realTime: true) { server in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-load-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            var scenario = try JSONParser().parse(TestFixtures.read(TestFixtures.path("Simulations/surrey-pathway.json"))).value()
            scenario = scenario.setting("thresholds", .object(["p99Ms": .double(0.001), "errorRate": .double(0)]))
                .setting("pathway", .string(TestFixtures.path("Pathways/surrey.json")))
            let file = folder.appendingPathComponent("strict.json")
            try Data(scenario.serializedBytes()).write(to: file)
            let target = "http://127.0.0.1:\(server.port)"
            let strict = try await ServerProcess.runAsync(["loadtest", file.path, "--target", target, "--token", server.partnerA, "--rate", "20", "--duration", "1",
                                                           "--out", folder.appendingPathComponent("out").path])
            #expect(strict.status == 1, "\(strict.stderr)")
            #expect(strict.stderr.contains("thresholds missed") && strict.stderr.contains("p99"))
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/latency.svg").path))
            let refused = try await ServerProcess.runAsync(["loadtest", file.path, "--target", target, "--token", "cnt_BAD", "--rate", "5", "--duration", "1"])
            #expect(refused.status == 77)
            // An explicit network has no referrals to send: invalid input, before any request.
            let network = try await ServerProcess.runAsync(["loadtest", "Simulations/surrey-baseline.json", "--target", target, "--token", server.partnerA, "--rate", "5", "--duration", "1"])
            #expect(network.status == 65 && network.stderr.contains("explicit network"), "\(network.stderr)")
        }
    }

    @Test("a run the rate limit refuses says so, counts only successes, and fails (over 1% refused)")
    func rateLimited() async throws {
        try await TestServer.with(rateLimit: 5, rateBurst: 5, realTime: true) { server in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-load-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            var scenario = try JSONParser().parse(TestFixtures.read(TestFixtures.path("Simulations/surrey-pathway.json"))).value()
            scenario = scenario.setting("pathway", .string(TestFixtures.path("Pathways/surrey.json")))
            let file = folder.appendingPathComponent("plain.json")
            try Data(scenario.serializedBytes()).write(to: file)
            let run = try await ServerProcess.runAsync(["loadtest", file.path, "--server", "http://127.0.0.1:\(server.port)", "--token", server.partnerA,
                                                        "--rate", "40", "--duration", "2", "--out", folder.appendingPathComponent("out").path])
            #expect(run.status == 1, "\(run.stderr)")
            #expect(run.stderr.contains("were refused by the server's rate limit (429)") && run.stderr.contains("--rate-limit 0"), "\(run.stderr)")
            #expect(run.stderr.contains("of submissions failed, over the error rate allowed (1%"), "\(run.stderr)")
            let report = try JSONParser().parse(TestFixtures.read(folder.appendingPathComponent("out/report.json").path)).value()
            let submit = try #require(report["operations"]?.items.first { $0["operation"]?.stringValue == "submit" })
            let succeeded = try #require(submit["succeeded"].flatMap { if case .integer(let n) = $0 { Int(n) } else { nil } })
            let perSecond = try #require(submit["perSecond"].flatMap { if case .double(let rate) = $0 { rate } else { nil } })
            let seconds = try #require(report["durationSeconds"].flatMap { if case .double(let value) = $0 { value } else { nil } })
            // The achieved rate is the successes' alone, well under the 40/s sent.
            #expect(abs(perSecond - Double(succeeded) / seconds) < 0.01 && perSecond < 20, "\(perSecond)/s")
            #expect(report["warnings"]?.items.isEmpty == false)
        }
    }
}
