import ContinuumJSON
import ContinuumTesting
import Foundation
import Testing

/// Identity matching over HTTP and in the triage CLI (docs/identity.md): partners learn nothing
/// of a match; staff see possible matches side by side and decide them.
@Suite("Identity API")
struct IdentityAPITests {
    static func oliver(_ messageId: String, nhs: String?) throws -> JSONValue {
        try TestFixtures.referral(messageId).setting("child.givenName", .string("Oliver")).setting("child.familyName", .string("Smith"))
            .setting("child.dateOfBirth", .string("2016-06-06")).setting("child.nhsNumber", nhs.map(JSONValue.string))
    }

    @Test("a partner's answer is the same whether the child was known or not, and carries no case id")
    func partnersLearnNothing() async throws {
        try await TestServer.with { server in
            _ = try await server.refer(try Self.oliver("A-1", nhs: "4000000004"), token: server.partnerA)
            let known = try await server.refer(try Self.oliver("B-1", nhs: "4000000004"), token: server.partnerB)
            let unknown = try await server.refer(try Self.oliver("B-2", nhs: "4000000020"), token: server.partnerB)
            #expect(known.status == 201 && unknown.status == 201)
            guard case .object(var a)? = known.json, case .object(var b)? = unknown.json else {
                Issue.record("answers are not objects")
                return
            }
            #expect(Set(a.keys) == ["referralId", "status", "decision"])
            a["referralId"] = nil
            b["referralId"] = nil
            #expect(a == b)
            // The known child did join the other agency's case: staff can see it, the partner cannot.
            let referralId = try #require(known.json?["referralId"]?.stringValue)
            let asPartner = try await server.get("/v1/referrals/\(referralId)", token: server.partnerB)
            #expect(asPartner.status == 200 && asPartner.json?["caseId"] == nil)
            let asStaff = try await server.get("/v1/referrals/\(referralId)", token: server.practitioner)
            #expect(asStaff.json?["caseId"]?.stringValue != nil)
        }
    }

    @Test("GET /v1/matches shows both records to staff only; link joins the case; errors are 400, 404 and 409")
    func matchesOverHTTP() async throws {
        try await TestServer.with { server in
            let first = try await server.refer(try Self.oliver("M-1", nhs: "4000000004"))
            let second = try await server.refer(try Self.oliver("M-2", nhs: nil), token: server.partnerB)
            for token in [server.partnerA, server.planner, server.admin] {
                #expect(try await server.get("/v1/matches", token: token).status == 403)
            }
            let matches = try await server.get("/v1/matches", token: server.practitioner)
            #expect(matches.status == 200 && matches.json?["total"] == .integer(1))
            let match = try #require(matches.json?.lookup("items.0"))
            #expect(match.lookup("referral.referralId") == second.json?["referralId"])
            #expect(match.lookup("candidate.referralId") == first.json?["referralId"])
            #expect(match.lookup("candidate.child.nhsNumber")?.stringValue == "4000000004" && match.lookup("referral.child.nhsNumber") == nil)
            #expect(match.lookup("referral.child.familyName")?.stringValue == "Smith")
            let matchId = try #require(match["matchId"]?.stringValue)

            let blank = try await server.post("/v1/matches/\(matchId)/link", token: server.practitioner, json: .object(["rationale": .string("  ")]))
            #expect(blank.status == 400 && blank.json?.lookup("errors.0.path")?.stringValue == "$.rationale")
            #expect(try await server.post("/v1/matches/M999-1/link", token: server.practitioner, json: .object(["rationale": .string("x")])).status == 404)
            #expect(try await server.post("/v1/matches/\(matchId)/link", token: server.partnerA, json: .object(["rationale": .string("x")])).status == 403)
            let linked = try await server.post("/v1/matches/\(matchId)/link", token: server.practitioner, json: .object(["rationale": .string("Same school")]))
            #expect(linked.status == 201 && linked.json?["joined"] == .bool(true))
            #expect(linked.json?["caseId"]?.stringValue == (try await server.caseId(of: first)))
            let again = try await server.post("/v1/matches/\(matchId)/different", token: server.practitioner, json: .object(["rationale": .string("x")]))
            #expect(again.status == 409)
            #expect(try await server.get("/v1/matches", token: server.practitioner).json?["total"] == .integer(0))
            // No personal data in the logs.
            #expect(!server.logs.lines.contains { $0.contains("Oliver") || $0.contains("4000000004") || $0.contains("2016-06-06") })
        }
    }

    @Test("unlink: a practitioner asks, a manager approves, the referral gets a case of its own")
    func unlinkOverHTTP() async throws {
        try await TestServer.with { server in
            let first = try await server.refer(try Self.oliver("U-1", nhs: "4000000004"))
            let wrong = try await server.refer(try Self.oliver("U-2", nhs: "4000000004"))
            let caseId = try #require(try await server.caseId(of: first))
            #expect(try await server.caseId(of: wrong) == caseId)
            let wrongId = try #require(wrong.json?["referralId"]?.stringValue)
            let missing = try await server.post("/v1/cases/\(caseId)/unlink", token: server.practitioner, json: .object(["rationale": .string("x")]))
            #expect(missing.status == 400)
            let notOnCase = try await server.post("/v1/cases/\(caseId)/unlink", token: server.practitioner,
                                                  json: .object(["referralId": .string("R-NOTHERE"), "rationale": .string("x")]))
            #expect(notOnCase.status == 422)
            let asked = try await server.post("/v1/cases/\(caseId)/unlink", token: server.practitioner,
                                              json: .object(["referralId": .string(wrongId), "rationale": .string("GP: another child")]))
            #expect(asked.status == 201 && asked.json?["status"]?.stringValue == "pending-approval")
            let approvalId = try #require(asked.json?["eventId"]?.stringValue)
            #expect(try await server.get("/v1/approvals", token: server.manager).json?.lookup("items.0.id")?.stringValue == approvalId)
            let approved = try await server.post("/v1/decisions/\(approvalId)/approval", token: server.manager, json: .object(["approve": .bool(true)]))
            #expect(approved.status == 201 && approved.json?["status"]?.stringValue == "applied")
            let moved = try #require(try await server.caseId(of: wrong))
            #expect(moved != caseId)
            let record = try await server.get("/v1/cases/\(moved)", token: server.practitioner)
            #expect(record.json?["awaitingDecision"] == .bool(true) && record.json?.lookup("events.0.type")?.stringValue == "referral-moved-in")
        }
    }

    @Test("triage matches shows the two records side by side; triage link and different decide them")
    func triageMatches() async throws {
        try await TestServer.with { server in
            _ = try await server.refer(try Self.oliver("T-1", nhs: "4000000004"))
            _ = try await server.refer(try Self.oliver("T-2", nhs: nil))
            let empty = try await TriageCommandTests.triage(server, ["matches", "--limit", "0"])
            #expect(empty.status == 64)
            let shown = try await TriageCommandTests.triage(server, ["matches"])
            #expect(shown.status == 0, "\(shown.stderr)")
            for text in ["new referral", "earlier record", "NHS number", "4000000004", "one record has no NHS number"] {
                #expect(shown.stdout.contains(text), "missing \(text)")
            }
            let json = try await TriageCommandTests.triage(server, ["matches", "--json"])
            let matchId = try #require(try JSONParser().parse(json.stdout).value().items.first?["matchId"]?.stringValue)
            let blank = try await TriageCommandTests.triage(server, ["different", matchId, "--rationale", " "])
            #expect(blank.status == 64)
            let different = try await TriageCommandTests.triage(server, ["different", matchId, "--rationale", "Twins at the same school"])
            #expect(different.status == 0 && different.stdout.contains("two different children"), "\(different.stderr)")
            let again = try await TriageCommandTests.triage(server, ["link", matchId, "--rationale", "x"])
            #expect(again.status == 65 && again.stderr.contains("already decided"))
            let none = try await TriageCommandTests.triage(server, ["matches"])
            #expect(none.stdout.contains("No possible match is waiting"))
        }
    }
}
