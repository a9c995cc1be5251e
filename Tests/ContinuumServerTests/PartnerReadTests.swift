import ContinuumCore
import ContinuumJSON
import ContinuumStore
import ContinuumTesting
import Foundation
import Testing

/// What partners hear back (issue 24, the reading part): their own referrals only, by id, by
/// their messageId or listed; the outcome of *their* referral in plain words; nothing that says
/// whether a child was known before the front door decided.
@Suite("Partners hear back")
struct PartnerReadTests {
    static func body(_ members: [String: String]) -> JSONValue { .object(members.mapValues { .string($0) }) }

    @Test("a referral's outcome is the decision on it (level, date, joined, closure in words); another partner learns nothing")
    func outcomes() async throws {
        try await TestServer.with { server in
            let sent = try await server.refer(try TestFixtures.referral("PA-1", child: 1))
            let referralA = try #require(sent.json?["referralId"]?.stringValue)
            let caseId = try #require(try await server.caseId(of: sent))
            let waiting = try await server.get("/v1/referrals/\(referralA)", token: server.partnerA)
            #expect(waiting.json?["status"] == .string("awaiting-decision") && waiting.json?["outcome"] == nil && waiting.json?["caseId"] == nil)
            #expect(waiting.json?["summary"]?.stringValue?.hasPrefix("Received; the front door decides within one working day (by 2026-11-27)") == true)
            let byMessage = try await server.get("/v1/referrals/by-message/PA-1", token: server.partnerA)
            #expect(byMessage.json?["referralId"] == .string(referralA))
            #expect(try await server.get("/v1/referrals/by-message/PA-1", token: server.partnerB).status == 404)
            #expect(try await server.get("/v1/referrals/\(referralA)", token: server.partnerB).status == 404)

            server.clock.set(TestFixtures.at("2026-11-27T10:00:00Z"))
            _ = try await server.post("/v1/cases/\(caseId)/decisions", token: server.practitioner,
                                      json: .object(["accept": .bool(true), "rationale": .string("Private staff reasoning")]))
            let decided = try await server.get("/v1/referrals/\(referralA)", token: server.partnerA)
            #expect(decided.json?["status"] == .string("open") && decided.json?.lookup("outcome.level") == .string("targeted-support"))
            #expect(decided.json?.lookup("outcome.decidedAt") == .string("2026-11-27T10:00:00Z") && decided.json?.lookup("outcome.joinedOpenCase") == .bool(false))
            #expect(decided.json?["summary"] == .string("Decided on 2026-11-27: Targeted support: getting help."), "\(decided.text)")
            #expect(decided.json?["nextSteps"]?.stringValue?.contains("early help") == true)
            #expect(!decided.text.contains("Private staff reasoning") && !decided.text.contains(caseId))

            // Partner B refers the same child: its answer is the same shape as for an unknown child.
            let known = try await server.refer(try TestFixtures.referral("PB-1", child: 1), token: server.partnerB)
            let unknown = try await server.refer(try TestFixtures.referral("PB-2", child: 2), token: server.partnerB)
            #expect(Set(known.json?.objectKeys ?? []) == ["referralId", "status", "decision"], "\(known.text)")
            #expect(known.json?.objectKeys == unknown.json?.objectKeys && known.json?["status"] == unknown.json?["status"])
            let referralB = try #require(known.json?["referralId"]?.stringValue)
            let beforeDecision = try await server.get("/v1/referrals/\(referralB)", token: server.partnerB)
            #expect(beforeDecision.json?["outcome"] == nil && beforeDecision.json?["status"] == .string("awaiting-decision"), "\(beforeDecision.text)")

            // Noted at the case's level: now B hears that the child was known.
            _ = try await server.post("/v1/cases/\(caseId)/decisions", token: server.practitioner,
                                      json: .object(["noted": .bool(true), "rationale": .string("Known")]))
            let noted = try await server.get("/v1/referrals/\(referralB)", token: server.partnerB)
            #expect(noted.json?.lookup("outcome.level") == .string("targeted-support") && noted.json?.lookup("outcome.joinedOpenCase") == .bool(true))
            #expect(noted.json?["summary"]?.stringValue?.contains("already known") == true)

            // The case escalates: each referral keeps the level it was decided at.
            _ = try await server.post("/v1/cases/\(caseId)/transitions", token: server.practitioner,
                                      json: Self.body(["kind": "escalate", "to": "child-protection", "rationale": "s47"]))
            #expect(try await server.get("/v1/referrals/\(referralA)", token: server.partnerA).json?.lookup("outcome.level") == .string("targeted-support"))
            server.clock.set(TestFixtures.at("2026-12-04T10:00:00Z"))
            _ = try await server.post("/v1/cases/\(caseId)/transitions", token: server.manager,
                                      json: Self.body(["kind": "close", "reason": "RC5", "rationale": "Moved away"]))
            let closed = try await server.get("/v1/referrals/\(referralA)", token: server.partnerA)
            #expect(closed.json?["status"] == .string("closed") && closed.json?.lookup("outcome.closureReason") == .string("RC5"))
            #expect(closed.json?.lookup("outcome.closureMeaning") == .string("Transferred to services of another local authority"))
            #expect(closed.json?.lookup("outcome.closedAt") == .string("2026-12-04T10:00:00Z"))
            #expect(closed.json?["summary"]?.stringValue?.contains("Closed on 2026-12-04") == true, "\(closed.text)")
        }
    }

    @Test("GET /v1/referrals lists the partner's own, newest first, by status, in pages; staff and other partners get nothing")
    func listing() async throws {
        try await TestServer.with { server in
            var mine: [String] = []
            for index in 0..<3 {
                server.clock.set(TestFixtures.at("2026-11-2\(6 + index)T09:00:00Z"))
                mine.append(try #require(try await server.refer(try TestFixtures.referral("LA-\(index)", child: index)).json?["referralId"]?.stringValue))
            }
            _ = try await server.refer(try TestFixtures.referral("LB-0", child: 9), token: server.partnerB)
            let all = try await server.get("/v1/referrals", token: server.partnerA)
            #expect(all.json?["items"]?.items.compactMap { $0["referralId"]?.stringValue } == mine.reversed(), "\(all.text)")
            #expect(all.json?["nextCursor"] == nil)
            // Pages of one, following the cursor.
            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try await server.get("/v1/referrals?limit=1" + (cursor.map { "&cursor=\($0)" } ?? ""), token: server.partnerA)
                seen += page.json?["items"]?.items.compactMap { $0["referralId"]?.stringValue } ?? []
                cursor = page.json?["nextCursor"]?.stringValue
            } while cursor != nil && seen.count < 10
            #expect(seen == mine.reversed())
            let since = try await server.get("/v1/referrals?since=2026-11-27", token: server.partnerA)
            #expect(since.json?["items"]?.items.count == 2)
            let decided = try await server.get("/v1/referrals?status=open", token: server.partnerA)
            #expect(decided.json?["items"]?.items.isEmpty == true)
            let bad = try await server.get("/v1/referrals?status=opne&since=yesterday", token: server.partnerA)
            #expect(bad.status == 400 && bad.text.contains("did you mean \\\"open\\\"") && bad.text.contains("\"path\":\"since\""))
            #expect(try await server.get("/v1/referrals?cursor=nonsense", token: server.partnerA).status == 400)
            let other = try await server.get("/v1/referrals", token: server.partnerB)
            #expect(other.json?["items"]?.items.count == 1 && !other.text.contains(mine[0]))
            #expect(try await server.get("/v1/referrals", token: server.practitioner).status == 403)
        }
    }
}
