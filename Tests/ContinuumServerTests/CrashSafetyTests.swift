import AsyncHTTPClient
import ContinuumJSON
import ContinuumTesting
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// Durability: a 2xx means committed. Kill the server with SIGKILL while many clients submit,
/// restart it, and every acknowledged referral is there exactly once and the chain verifies.
@Suite("Crash safety")
struct CrashSafetyTests {
    @Test("SIGKILL mid-stream loses no acknowledged referral and duplicates none")
    func killMidStream() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try TestStore.make(in: folder)
        defer { TestStore.drop(database) }
        let created = try ServerProcess.run(["token", "create", "--role", "partner", "--partner", "crash-test", "--database", database])
        try #require(created.status == 0, "token create failed: \(created.stderr)")
        let token = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        let first = try ServerProcess(arguments: ["--database", database, "--replica", folder.appendingPathComponent("replica.sqlite").path, "--rate-limit", "0"], stderrFile: folder.appendingPathComponent("first.log"))
        let shared = Shared()
        let clients = 8
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<clients {
                group.addTask {
                    var index = 0
                    while !shared.stop.load(ordering: .relaxed) {
                        let messageId = "CR-\(client)-\(index)"
                        let body = try TestFixtures.referral(messageId, child: client * 10_000 + index)
                        index += 1
                        guard let answer = try? await TestServer.call(port: first.port, .POST, "/v1/referrals", token: token, body: body) else { continue }
                        if answer.status == 201, let referralId = answer.json?["referralId"]?.stringValue {
                            shared.acknowledged.withLock { $0[messageId] = referralId }
                        }
                    }
                }
            }
            group.addTask {
                // Kill once a good number are in, mid-stream (clients are still sending). The
                // deadline only guards against a hang: with the whole suite running in parallel on
                // two cores, the debug server took over 30 s to acknowledge 150.
                let deadline = ContinuousClock.now + .seconds(120)
                while shared.acknowledged.withLock({ $0.count }) < 150, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
                first.kill()
                try await Task.sleep(for: .milliseconds(200))
                shared.stop.store(true, ordering: .relaxed)
            }
            try await group.waitForAll()
        }
        let stored = shared.acknowledged.withLock { $0 }
        #expect(stored.count >= 150)

        let second = try ServerProcess(arguments: ["--database", database, "--replica", folder.appendingPathComponent("replica.sqlite").path, "--rate-limit", "0"], stderrFile: folder.appendingPathComponent("second.log"))
        for (messageId, referralId) in stored {
            let client = Int(messageId.split(separator: "-")[1]) ?? 0
            let index = Int(messageId.split(separator: "-")[2]) ?? 0
            let again = try await TestServer.call(port: second.port, .POST, "/v1/referrals", token: token, body: try TestFixtures.referral(messageId, child: client * 10_000 + index))
            // 200 with the same id: it was stored, and resending does not store it twice.
            #expect(again.status == 200, "\(messageId) was acknowledged but is missing after the crash")
            #expect(again.json?["referralId"]?.stringValue == referralId)
        }
        second.stop()
        let verify = try ServerProcess.run(["audit", "verify", "--database", database])
        #expect(verify.status == 0, "audit verify: \(verify.stderr)")
        let rebuilt = try ServerProcess.run(["rebuild", "--database", database])
        #expect(rebuilt.status == 0, "rebuild: \(rebuilt.stderr)")
    }

    /// What the clients share: the acknowledged referrals and the signal to stop.
    final class Shared: Sendable {
        let acknowledged = Mutex<[String: String]>([:])  // messageId → referralId
        let stop = Atomic<Bool>(false)
    }
}
