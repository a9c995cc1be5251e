import ContinuumCore
import ContinuumJSON
import ContinuumStore
import ContinuumTesting
import Foundation
import Testing

/// Every staff read of a case is recorded before it is answered (issue 20); partners' reads of
/// their own referrals are not staff reads.
@Suite("Access log over HTTP")
struct AccessLogAPITests {
    @Test("the case record, the queue, a referral's status and approvals are recorded with the reader; `audit access` lists them")
    func staffReads() async throws {
        try await TestServer.with { server in
            let answer = try await server.refer(try TestFixtures.referral("AL-1", child: 1))
            let caseId = try #require(try await server.caseId(of: answer))
            let referralId = try #require(answer.json?["referralId"]?.stringValue)
            let before = try await server.store.accessLog(caseId: caseId).count   // caseId(of:) reads the queue as a practitioner

            #expect(try await server.get("/v1/referrals/\(referralId)", token: server.partnerA).status == 200)
            #expect(try await server.store.accessLog(caseId: caseId).count == before, "a partner's read of its own referral is not a staff read")

            #expect(try await server.get("/v1/cases/\(caseId)", token: server.practitioner).status == 200)
            #expect(try await server.get("/v1/queue", token: server.manager).status == 200)
            #expect(try await server.get("/v1/referrals/\(referralId)", token: server.practitioner).status == 200)
            #expect(try await server.get("/v1/cases/C-NOSUCHCASE", token: server.practitioner).status == 404)
            // An override waits for a manager, whose approvals list shows the case.
            #expect(try await server.post("/v1/cases/\(caseId)/decisions", token: server.practitioner, json: .object([
                "level": .string("child-in-need"), "overrideReason": .string("history"), "rationale": .string("pattern")])).status == 201)
            #expect(try await server.get("/v1/approvals", token: server.manager).status == 200)
            let entries = try await server.store.accessLog(caseId: caseId)
            #expect(Array(entries.map(\.view).suffix(4)) == [.case, .queue, .referral, .approvals])
            #expect(Array(entries.map(\.role).suffix(4)) == [.practitioner, .manager, .practitioner, .manager])
            #expect(try await server.store.accessLog(caseId: "C-NOSUCHCASE").isEmpty, "nothing was shown, nothing is recorded")

            let listed = try await ServerProcess.runAsync(["audit", "access", "--database", server.store.path, "--case", caseId])
            #expect(listed.status == 0, "\(listed.stderr)")
            #expect(listed.stdout.contains(" case ") && listed.stdout.contains(" queue ") && listed.stdout.contains(" referral "))
            let json = try await ServerProcess.runAsync(["audit", "access", "--database", server.store.path, "--case", caseId, "--json"])
            #expect(json.stdout.split(separator: "\n").count == entries.count)
            let verified = try await ServerProcess.runAsync(["audit", "verify", "--database", server.store.path])
            let count = try await server.store.verifyChain().accessEntries
            #expect(verified.status == 0 && verified.stdout.contains("access log verified: \(count) reads"))
        }
    }
}
