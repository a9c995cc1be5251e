import ContinuumJSON
import ContinuumTesting
import Foundation
import NIOHTTP1
import Testing

@Suite("Partner API")
struct PartnerAPITests {
    @Test("POST /v1/referrals: 201 with ids and the route decision; the same again 200; another body 409")
    func submitAndIdempotency() async throws {
        try await TestServer.with { server in
            let referral = try TestFixtures.referral("SP-1")
            let created = try await server.refer(referral)
            #expect(created.status == 201)
            let body = try #require(created.json)
            #expect(body["status"]?.stringValue == "awaiting-decision")
            #expect(body.lookup("decision.level")?.stringValue == "targeted-support")
            #expect(body.lookup("decision.rules") == .array([.string("FD-TGT-01")]))
            #expect(body.lookup("decision.deadlines.0.due")?.stringValue == "2026-11-27")
            #expect(body.lookup("decision.tier")?.stringValue == "early-help")
            let referralId = try #require(body["referralId"]?.stringValue)
            #expect(created.headers.first(name: "location") == "/v1/referrals/\(referralId)")

            let again = try await server.refer(referral)
            #expect(again.status == 200)
            #expect(again.json == body)
            // A partner is never told the council's case id, nor whether the child was known.
            #expect(body["caseId"] == nil && body["joinedOpenCase"] == nil && body["reReferral"] == nil)

            let conflict = try await server.refer(referral.setting("summary", .string("A different account")))
            #expect(conflict.status == 409)
            #expect(conflict.contentType == "application/problem+json")
            #expect(conflict.json?.lookup("errors.0.path")?.stringValue == "$.messageId")
        }
    }

    @Test("400: invalid JSON names the offset; an invalid message names every JSON path")
    func badRequests() async throws {
        try await TestServer.with { server in
            let syntax = try await server.request(.POST, "/v1/referrals", token: server.partnerA, contentType: "application/json",
                                                  body: Array(#"{"messageId": "x",}"#.utf8))
            #expect(syntax.status == 400)
            #expect(syntax.contentType == "application/problem+json")
            #expect(syntax.json?.lookup("errors.0.message")?.stringValue?.contains("offset 18") == true)

            let invalid = try TestFixtures.referral("SP-2").setting("child.dateOfBirth", .string("2031-02-30")).setting("consent", .string("maybe"))
            let answer = try await server.refer(invalid)
            #expect(answer.status == 400)
            let paths = (answer.json?["errors"]?.items ?? []).compactMap { $0["path"]?.stringValue }
            #expect(paths.contains("$.child.dateOfBirth") && paths.contains("$.consent"))
        }
    }

    @Test("401 without or with a bad token, 403 for a staff token, 415 wrong type, 413 too large, 429 over the rate")
    func refusals() async throws {
        // A burst of 3 refilled once a minute: the bucket stays empty however slowly a busy
        // machine runs the requests below (at 3 a second, a loaded CI run refilled it).
        try await TestServer.with(rateLimit: 1.0 / 60, rateBurst: 3, maxBodyBytes: 4096) { server in
            let body = try TestFixtures.referral("SP-3").serializedBytes()
            #expect(try await server.request(.POST, "/v1/referrals", token: nil, contentType: "application/json", body: body).status == 401)
            let bad = try await server.request(.POST, "/v1/referrals", token: "cnt_NOTATOKEN", contentType: "application/json", body: body)
            #expect(bad.status == 401 && bad.headers.first(name: "www-authenticate") != nil)
            #expect(try await server.request(.POST, "/v1/referrals", token: server.practitioner, contentType: "application/json", body: body).status == 403)
            #expect(try await server.request(.POST, "/v1/referrals", token: server.partnerB, contentType: "text/plain", body: body).status == 415)
            let large = try TestFixtures.referral("SP-4").setting("summary", .string(String(repeating: "a", count: 5000))).serializedBytes()
            let tooLarge = try await server.request(.POST, "/v1/referrals", token: server.partnerB, contentType: "application/json", body: large)
            #expect(tooLarge.status == 413 && tooLarge.contentType == "application/problem+json")
            // partner-b has used 2 of its 3; the 4th and later are refused with Retry-After.
            var statuses: [Int] = []
            var retryAfter: String?
            for index in 0..<4 {
                let answer = try await server.request(.POST, "/v1/referrals", token: server.partnerB, contentType: "application/json",
                                                      body: try TestFixtures.referral("SP-R\(index)", child: index).serializedBytes())
                statuses.append(answer.status)
                if answer.status == 429 { retryAfter = answer.headers.first(name: "retry-after") }
            }
            #expect(statuses.prefix(1) == [201])
            #expect(statuses.last == 429)
            #expect(retryAfter.flatMap(Int.init).map { $0 >= 1 } == true)
        }
    }

    @Test("batch: one result line per input line, in order; bad lines do not spoil good ones")
    func batch() async throws {
        try await TestServer.with { server in
            var lines: [String] = []
            lines.append(try TestFixtures.referral("B-1", child: 1).serialized())
            lines.append(#"{"messageId": "B-2", "oops"#)
            lines.append(try TestFixtures.referral("B-3", child: 3).setting("concerns", .array([])).serialized())
            lines.append("")
            lines.append(try TestFixtures.referral("B-4", child: 4).serialized())
            lines.append(try TestFixtures.referral("B-1", child: 1).serialized())
            let answer = try await server.request(.POST, "/v1/referrals/batch", token: server.partnerA, contentType: "application/x-ndjson",
                                                  body: Array(lines.joined(separator: "\n").utf8))
            #expect(answer.status == 200)
            #expect(answer.contentType == "application/x-ndjson")
            let results = answer.lines
            #expect(results.map { $0["line"] } == [1, 2, 3, 5, 6].map { JSONValue.integer($0) })
            #expect(results.map { $0["status"] } == [201, 400, 400, 201, 200].map { JSONValue.integer($0) } ||
                    results.map { $0["status"] } == [200, 400, 400, 201, 201].map { JSONValue.integer($0) })
            #expect(results[0]["referralId"] == results[4]["referralId"])
            #expect(results[2].lookup("errors.0.path")?.stringValue == "$.concerns")
            let queue = try await server.get("/v1/queue", token: server.practitioner)
            #expect(queue.json?["items"]?.items.count == 2)
        }
    }

    @Test("GET /v1/referrals/{id}: the sending partner hears the outcome; another partner gets the same 404 as an unknown id")
    func referralStatusAndOwnership() async throws {
        try await TestServer.with { server in
            let created = try await server.refer(try TestFixtures.referral("SP-5"))
            let referralId = try #require(created.json?["referralId"]?.stringValue)
            let caseId = try #require(try await server.caseId(of: created))
            let mine = try await server.get("/v1/referrals/\(referralId)", token: server.partnerA)
            #expect(mine.status == 200 && mine.json?["status"]?.stringValue == "awaiting-decision")

            let theirs = try await server.get("/v1/referrals/\(referralId)", token: server.partnerB)
            let unknown = try await server.get("/v1/referrals/R-000000000000", token: server.partnerB)
            #expect(theirs.status == 404 && unknown.status == 404)
            #expect(theirs.text.replacingOccurrences(of: referralId, with: "ID") == unknown.text.replacingOccurrences(of: "R-000000000000", with: "ID"))

            _ = try await server.post("/v1/cases/\(caseId)/decisions", token: server.practitioner, json: .object(["accept": .bool(true), "rationale": .string("Agree")]))
            let decided = try await server.get("/v1/referrals/\(referralId)", token: server.partnerA)
            #expect(decided.json?["status"]?.stringValue == "open")
            #expect(decided.json?.lookup("outcome.level")?.stringValue == "targeted-support")
            #expect(decided.json?["events"] == nil && decided.text.contains("rationale\":\"Agree") == false)
        }
    }
}
