import ContinuumCore
import ContinuumJSON
import ContinuumLoadTest
import ContinuumSimulator
import ContinuumStore
import ContinuumTesting
import Foundation
import Testing

/// `continuum loadtest` against a real server on loopback.
@Suite("Load test")
struct LoadTestTests {
    static func scenario() throws -> Scenario {
        try ScenarioLoader().load(TestFixtures.read(TestFixtures.path("Simulations/surrey-pathway.json"))) { _ in try TestFixtures.surrey() }
    }

    @Test("a short run reaches its target rate within 10%, and every acknowledged referral is in the server")
    func rateAndDurability() async throws {
        try await TestServer.with(realTime: true) { server in
            // The server's clock is real time here: the generator stamps referrals with the wall clock.
            let options = LoadTest.Options(target: "http://127.0.0.1:\(server.port)", token: server.partnerA, staffToken: server.practitioner,
                                           rate: 40, duration: .seconds(3), connections: 16, poisson: false, seed: 5)
            let report = try await LoadTest(scenario: try Self.scenario(), options: options).run { _, _, _, _ in }
            let submit = try #require(report.submit)
            #expect(abs(submit.perSecond - 40) / 40 < 0.1, "achieved \(submit.perSecond)/s")
            #expect(submit.errors == 0, "\(submit.statuses)")
            #expect(report.referralIds.count == submit.count)
            for id in report.referralIds {
                let found = try await server.store.referralStatus(id)
                #expect(found.partnerId == "partner-a")
            }
            #expect(report.operations.contains { $0.name == "decide" && $0.count > 0 })
            #expect(report.operations.contains { $0.name == "transition" && $0.count > 0 })
        }
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
        }
    }
}
