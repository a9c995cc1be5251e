import ContinuumCore
import ContinuumStore
import ContinuumTesting
import Foundation
import Testing

@Suite("Event log")
struct EventLogTests {
    @Test("rebuild from the log gives the same cases, queue and clocks")
    func rebuildMatchesLive() async throws {
        let fixture = try StoreFixture()
        var cases: [String] = []
        for index in 0..<6 { cases.append(try await fixture.submit("M-\(index)", child: index).caseId) }
        _ = try await fixture.store.decide(caseId: cases[0], level: nil, rationale: "Agree", overrideReason: nil, actor: StoreFixture.practitioner, at: StoreFixture.start)
        _ = try await fixture.store.decide(caseId: cases[1], level: "intensive-support", rationale: "Pattern", overrideReason: "Third incident",
                                           actor: StoreFixture.practitioner, at: StoreFixture.start)
        _ = try await fixture.store.transition(caseId: cases[2], kind: .close, to: nil, reason: .noFurtherActionAfterAssessment, rationale: "NFA", actor: StoreFixture.practitioner, at: StoreFixture.start)
        _ = try await fixture.store.recordBreaches(at: TestFixtures.at("2026-12-01T09:00:00Z"))
        let today = CalendarDate("2026-12-01") ?? CalendarDate(daysSinceEpoch: 0)
        let before = try await (fixture.store.queue(today: today), cases.asyncMap { try await fixture.store.caseRecord($0, today: today) }, fixture.store.approvals())
        let report = try await fixture.store.rebuild()
        #expect(report.cases == 6 && report.referrals == 6)
        let after = try await (fixture.store.queue(today: today), cases.asyncMap { try await fixture.store.caseRecord($0, today: today) }, fixture.store.approvals())
        #expect(after.0 == before.0)
        #expect(after.1 == before.1)
        #expect(after.2 == before.2)
    }

    @Test("audit verify finds an edited event")
    func tamperIsDetected() async throws {
        let fixture = try StoreFixture()
        for index in 0..<3 { _ = try await fixture.submit("M-\(index)", child: index) }
        #expect(try await fixture.store.verifyChain().events == 6)
        // Edit one event behind the store's back, as someone with the file could.
        let status = try runSQLite(fixture.path, "UPDATE events SET body = replace(body, 'targeted-support', 'thriving') WHERE sequence = 4")
        try #require(status == 0, "sqlite3 is needed for this test")
        await #expect(throws: StoreError.chainBroken(sequence: 4, reason: "its content does not match its hash (edited after it was written)")) {
            try await fixture.store.verifyChain()
        }
    }

    private func runSQLite(_ path: String, _ sql: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [path, sql]
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
