import ContinuumAPI
import ContinuumCore
import ContinuumStore
import ContinuumTesting
import Foundation
import GRDB
import Testing

/// Migrations are frozen SQL; projections are the running projector's, rebuilt from the log
/// when a migration asks or an older projector wrote them (issue 16).
@Suite("Migrations")
struct MigrationTests {
    @Test("a migration's request for a replay, or an older projection version, rebuilds the projections once on open")
    func staleProjectionsAreRebuilt() async throws {
        let fixture = try StoreFixture()
        let answer = try await fixture.submit("MIG-1")
        // As an older projector, or a migration asking for a replay, would leave it: projections
        // out of step with the log.
        let queue = try DatabaseQueue(path: fixture.path)
        try await queue.write { db in
            try db.execute(sql: "DELETE FROM cases; INSERT INTO projection_rebuilds (migration) VALUES ('test'); UPDATE projection_version SET version = 1")
        }
        try queue.close()
        var told: [String] = []
        let reopened = try SQLiteCaseStore(path: fixture.path, pathway: fixture.pathway, masterKey: TestFixtures.masterKey) { told.append($0) }
        #expect(told.count == 1 && told.first?.contains("replaying its 2 events") == true)
        let record = try await reopened.caseRecord(answer.caseId, today: UKTime.londonDate(of: StoreFixture.start))
        #expect(record.phase == .awaitingDecision)
        let check = try DatabaseQueue(path: fixture.path)
        let (asked, version) = try await check.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM projection_rebuilds"), try Int.fetchOne(db, sql: "SELECT version FROM projection_version"))
        }
        #expect(asked == 0 && version == 9, "the projector of issue 18 (census facts, with referrals moved in) is version 8")
        // Opening again replays nothing.
        told = []
        _ = try SQLiteCaseStore(path: fixture.path, pathway: fixture.pathway, masterKey: TestFixtures.masterKey) { told.append($0) }
        #expect(told.isEmpty)
    }
}
