import ContinuumCore
import ContinuumJSON
import ContinuumStore
import ContinuumTesting
import Foundation
import NIOHTTP1
import Testing

/// Each role against each endpoint: 401 without a token, 403 for a role the route does not
/// allow, and never data for the wrong role.
@Suite("Authorization matrix")
struct AuthorizationTests {
    enum Expect: Equatable { case allowed, forbidden }

    @Test("every role against every endpoint")
    func matrix() async throws {
        try await TestServer.with { server in
            let created = try await server.refer(try TestFixtures.referral("A-1"))
            let caseId = try #require(try await server.caseId(of: created))
            let referralId = try #require(created.json?["referralId"]?.stringValue)
            let referral = try TestFixtures.referral("A-2", child: 2).serializedBytes()
            let decision = JSONValue.object(["accept": .bool(true), "rationale": .string("Agree")]).serializedBytes()
            let transition = JSONValue.object(["kind": .string("close"), "reason": .string("RC8"), "rationale": .string("NFA")]).serializedBytes()
            let approval = JSONValue.object(["approve": .bool(true)]).serializedBytes()
            let endpoints: [(HTTPMethod, String, String?, [UInt8]?)] = [
                (.POST, "/v1/referrals", "application/json", referral),
                (.POST, "/v1/referrals/batch", "application/x-ndjson", referral),
                (.GET, "/v1/referrals/\(referralId)", nil, nil),
                (.GET, "/v1/queue", nil, nil),
                (.GET, "/v1/cases/\(caseId)", nil, nil),
                (.GET, "/v1/approvals", nil, nil),
                (.POST, "/v1/cases/\(caseId)/decisions", "application/json", decision),
                (.POST, "/v1/cases/\(caseId)/transitions", "application/json", transition),
                (.POST, "/v1/decisions/E999/approval", "application/json", approval),
                (.POST, "/v1/cases/\(caseId)/assignment", "application/json", JSONValue.object(["to": .string("A. Worker")]).serializedBytes()),
                (.POST, "/v1/cases/\(caseId)/audits", "application/json",
                 JSONValue.object(["grade": .string("good"), "findings": .string("fine")]).serializedBytes()),
                (.POST, "/v1/cases/\(caseId)/milestones", "application/json",
                 JSONValue.object(["milestone": .string("strategy-discussion"), "rationale": .string("held")]).serializedBytes()),
                (.GET, "/v1/migration-review", nil, nil),
                (.POST, "/v1/cases/\(caseId)/migration", "application/json",
                 JSONValue.object(["level": .string("universal"), "rationale": .string("moved")]).serializedBytes()),
            ]
            // Rows: partnerA, partnerB, practitioner, manager, planner, admin.
            let allowed: [String: [Expect]] = [
                "/v1/referrals": [.allowed, .allowed, .forbidden, .forbidden, .forbidden, .forbidden],
                "/v1/referrals/batch": [.allowed, .allowed, .forbidden, .forbidden, .forbidden, .forbidden],
                "/v1/referrals/\(referralId)": [.allowed, .allowed, .allowed, .allowed, .forbidden, .forbidden],
                "/v1/queue": [.forbidden, .forbidden, .allowed, .allowed, .forbidden, .forbidden],
                "/v1/cases/\(caseId)": [.forbidden, .forbidden, .allowed, .allowed, .forbidden, .forbidden],
                "/v1/approvals": [.forbidden, .forbidden, .forbidden, .allowed, .forbidden, .forbidden],
                "/v1/cases/\(caseId)/decisions": [.forbidden, .forbidden, .allowed, .allowed, .forbidden, .forbidden],
                "/v1/cases/\(caseId)/transitions": [.forbidden, .forbidden, .allowed, .allowed, .forbidden, .forbidden],
                "/v1/decisions/E999/approval": [.forbidden, .forbidden, .forbidden, .allowed, .forbidden, .forbidden],
                "/v1/cases/\(caseId)/assignment": [.forbidden, .forbidden, .allowed, .allowed, .forbidden, .forbidden],
                "/v1/cases/\(caseId)/audits": [.forbidden, .forbidden, .forbidden, .allowed, .forbidden, .forbidden],
                "/v1/cases/\(caseId)/milestones": [.forbidden, .forbidden, .allowed, .allowed, .forbidden, .forbidden],
                "/v1/migration-review": [.forbidden, .forbidden, .allowed, .allowed, .forbidden, .forbidden],
                "/v1/cases/\(caseId)/migration": [.forbidden, .forbidden, .allowed, .allowed, .forbidden, .forbidden],
            ]
            let tokens = [server.partnerA, server.partnerB, server.practitioner, server.manager, server.planner, server.admin]
            for (method, path, type, body) in endpoints {
                let anonymous = try await server.request(method, path, token: nil, contentType: type, body: body)
                #expect(anonymous.status == 401, "\(method) \(path) without a token")
                for (row, token) in tokens.enumerated() {
                    let answer = try await server.request(method, path, token: token, contentType: type, body: body)
                    let expected = allowed[path]?[row] ?? .forbidden
                    if expected == .forbidden {
                        #expect(answer.status == 403, "\(method) \(path) as token \(row)")
                        #expect(!answer.text.contains("Jamie"), "\(method) \(path) leaked data to token \(row)")
                    } else {
                        #expect(answer.status != 401 && answer.status != 403 && answer.status < 500, "\(method) \(path) as token \(row): \(answer.status)")
                    }
                }
            }
        }
    }

    @Test("partner B cannot read or infer partner A's referrals")
    func partnerIsolation() async throws {
        try await TestServer.with { server in
            let created = try await server.refer(try TestFixtures.referral("ISO-1"), token: server.partnerA)
            let referralId = try #require(created.json?["referralId"]?.stringValue)
            let probe = try await server.get("/v1/referrals/\(referralId)", token: server.partnerB)
            #expect(probe.status == 404 && !probe.text.contains("ISO-1") && !probe.text.contains("Jamie"))
            // B reusing A's messageId is a new referral of B's own, not a conflict that reveals A's.
            let reuse = try await server.refer(try TestFixtures.referral("ISO-1"), token: server.partnerB)
            #expect(reuse.status == 201 && reuse.json?["referralId"]?.stringValue != referralId)
        }
    }

    @Test("a revoked token is refused at once")
    func revokedToken() async throws {
        try await TestServer.with { server in
            let created = try await server.store.createToken(role: .practitioner, partnerId: nil, name: "Temp", at: server.clock.now())
            #expect(try await server.get("/v1/queue", token: created.secret).status == 200)
            try await server.store.revokeToken(created.info.tokenId, at: server.clock.now())
            #expect(try await server.get("/v1/queue", token: created.secret).status == 401)
        }
    }
}
