import ContinuumCore
import ContinuumStore
import ContinuumTesting
import Foundation
import GRDB
import Testing

/// The record of who looked at which case (issue 20): appended in order, chained, and checked by
/// `audit verify` like the event log.
@Suite("Access log")
struct AccessLogTests {
    static let reader = Principal(tokenId: "T-READER", role: .practitioner, partnerId: nil, name: "Sam Patel")

    @Test("reads are kept per case, oldest first, with the token, its holder, the time and the view")
    func recorded() async throws {
        let fixture = try StoreFixture()
        let a = try await fixture.submit("AC-1", child: 1), b = try await fixture.submit("AC-2", child: 2)
        try await fixture.store.recordAccess([AccessRead(caseId: a.caseId, view: .queue), AccessRead(caseId: b.caseId, view: .queue)],
                                             by: Self.reader, at: StoreFixture.start)
        try await fixture.store.recordAccess([AccessRead(caseId: a.caseId, view: .case)], by: Self.reader, at: StoreFixture.start.adding(seconds: 60))
        try await fixture.store.recordAccess([], by: Self.reader, at: StoreFixture.start)
        let entries = try await fixture.store.accessLog(caseId: a.caseId)
        #expect(entries.map(\.view) == [.queue, .case])
        #expect(entries.allSatisfy { $0.tokenId == "T-READER" && $0.tokenName == "Sam Patel" && $0.role == .practitioner })
        #expect(entries.map(\.sequence) == [1, 3])
        #expect(try await fixture.store.accessLog(caseId: b.caseId).count == 1)
        let report = try await fixture.store.verifyChain()
        #expect(report.accessEntries == 3)
    }

    @Test("an edited or deleted line breaks the access log's chain, and audit verify says where")
    func tamperEvident() async throws {
        let fixture = try StoreFixture()
        let a = try await fixture.submit("AC-3", child: 3)
        for minute in 0..<3 {
            try await fixture.store.recordAccess([AccessRead(caseId: a.caseId, view: .case)], by: Self.reader, at: StoreFixture.start.adding(seconds: Int64(60 * minute)))
        }
        try CheckpointTests.execute(fixture.path, "UPDATE access_log SET token_id = 'T-SOMEONE-ELSE' WHERE sequence = 2")
        await #expect(throws: StoreError.self) { try await fixture.store.verifyChain() }
        do {
            _ = try await fixture.store.verifyChain()
        } catch {
            #expect("\(error)".contains("access log broken at line A2"))
        }
        let other = try StoreFixture()
        let b = try await other.submit("AC-4", child: 4)
        for minute in 0..<3 {
            try await other.store.recordAccess([AccessRead(caseId: b.caseId, view: .case)], by: Self.reader, at: StoreFixture.start.adding(seconds: Int64(60 * minute)))
        }
        try CheckpointTests.execute(other.path, "DELETE FROM access_log WHERE sequence = 3")
        #expect(try await other.store.verifyChain().accessEntries == 2, "the last line deleted: the rest still chains")
        try CheckpointTests.execute(other.path, "DELETE FROM access_log WHERE sequence = 1")
        await #expect(throws: StoreError.accessLogBroken(sequence: 1, reason: "line missing (next stored is A2)")) { try await other.store.verifyChain() }
    }
}
