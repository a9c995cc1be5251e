import ContinuumStore
import ContinuumTesting
import Foundation
import Testing

/// The store's WAL checkpoints, which run beside the writer (`WALCheckpointer`), seen from
/// outside: the WAL file's size, and what the log holds. 600 durable referrals take about 20 s
/// unoptimised (each commit is fsynced), 6 s optimised.
@Suite("WAL checkpoints", .releaseOnly("writes 600 durable referrals"))
struct WALCheckpointTests {
    /// The WAL file's size in bytes (0 when there is none).
    static func walSize(_ fixture: StoreFixture) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: fixture.path + "-wal"))?[.size] as? Int) ?? 0
    }

    @Test("under a stream of concurrent referrals the WAL starts again near 1,000 pages, as SQLite's own checkpoint keeps it; nothing is lost")
    func walStaysBounded() async throws {
        let fixture = try StoreFixture()
        let rounds = 30, perRound = 20
        var largest = 0
        for round in 0..<rounds {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<perRound {
                    group.addTask { _ = try await fixture.submit("W-\(round)-\(index)", child: round * perRound + index) }
                }
                try await group.waitForAll()
            }
            largest = max(largest, Self.walSize(fixture))
        }
        // Measured: about 4.7 MiB (1,150 pages). Without the writer's own pass after the
        // background one, the WAL never starts again while referrals keep coming: 20 MiB here.
        #expect(largest > 0)
        #expect(largest < 12 * 1_048_576, "the WAL reached \(largest) bytes")
        let chain = try await fixture.store.verifyChain()
        #expect(chain.events == Int64(rounds * perRound * 2))
    }
}
