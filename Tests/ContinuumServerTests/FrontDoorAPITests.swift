import ContinuumCore
import ContinuumJSON
import ContinuumStore
import ContinuumTesting
import Foundation
import NIOHTTP1
import Testing

/// The front door as staff live in it (issue 23), over HTTP against a real server: joined
/// referrals decided as referrals, escalation, caseloads and search, people by name, and staff
/// errors at the referral's standard.
@Suite("Front door over HTTP")
struct FrontDoorAPITests {
    /// The police referral for child `child` with other concerns: low impact (recommends
    /// emerging-needs), or significant harm with immediate risk (recommends child-protection).
    static func referral(_ messageId: String, child: Int, harm: Bool = false, low: Bool = false) throws -> JSONValue {
        var value = try TestFixtures.referral(messageId, child: child)
        if low {
            value = value.setting("concerns", .array([.object(["factor": .string("14A"), "impact": .string("low")])]))
        }
        if harm {
            value = value.setting("concerns", .array([.object(["factor": .string("16A"), "impact": .string("high")]),
                                                     .object(["factor": .string("18C"), "impact": .string("high")])]))
                .setting("immediateRisk", .bool(true))
        }
        return value
    }

    static func body(_ members: [String: String]) -> JSONValue { .object(members.mapValues { .string($0) }) }

    @Test("a referral that joins an open case is decided as a referral: never lowers it, can be noted while a change waits, and after a rejection")
    func joinedReferrals() async throws {
        try await TestServer.with { server in
            let caseId = try #require(try await server.caseId(of: try await server.refer(try Self.referral("J-1", child: 1))))
            // A manager places the child at child in need (an override applies at once for a manager).
            let placed = try await server.post("/v1/cases/\(caseId)/decisions", token: server.manager,
                                               json: Self.body(["level": "child-in-need", "overrideReason": "Known history", "rationale": "Assessed need"]))
            #expect(placed.status == 201 && placed.json?["level"] == .string("child-in-need"), "\(placed.text)")
            // A practitioner asks for a step-down, which waits for a manager.
            let stepDown = try await server.post("/v1/cases/\(caseId)/transitions", token: server.practitioner,
                                                 json: Self.body(["kind": "step-down", "to": "targeted-support", "rationale": "Plan goals met"]))
            #expect(stepDown.json?["status"] == .string("pending-approval"))
            let stepDownId = try #require(stepDown.json?["eventId"]?.stringValue)

            // A low-impact referral for the same child joins the open case.
            let joined = try await server.refer(try Self.referral("J-2", child: 1, low: true))
            #expect(joined.status == 201 || joined.status == 202, "\(joined.text)")
            let queue = try await server.get("/v1/queue", token: server.practitioner)
            let item = try #require(queue.json?["items"]?.items.first)
            #expect(item["caseId"] == .string(caseId) && item["currentLevel"] == .string("child-in-need"))
            #expect(item["recommendedLevel"] == .string("emerging-needs") && item["recommendationBelowLevel"] == .bool(true))
            let record = try await server.get("/v1/cases/\(caseId)", token: server.practitioner)
            #expect(record.json?["level"] == .string("child-in-need") && record.json?.lookup("options.note") == .bool(true))
            #expect(record.json?.lookup("options.moves") == .array([]), "no move is offered while one waits")

            // Accepting a lower recommendation notes the referral at the case's level, although a step-down waits.
            let noted = try await server.post("/v1/cases/\(caseId)/decisions", token: server.practitioner,
                                              json: .object(["accept": .bool(true), "rationale": .string("GP letter, nothing new")]))
            #expect(noted.status == 201 && noted.json?["status"] == .string("applied") && noted.json?["level"] == .string("child-in-need"), "\(noted.text)")
            #expect(try await server.get("/v1/queue", token: server.practitioner).json?["total"] == .integer(0))

            // The manager rejects the step-down: the timeline shows it as asked and rejected, never as a move.
            let rejected = try await server.post("/v1/decisions/\(stepDownId)/approval", token: server.manager,
                                                 json: .object(["approve": .bool(false), "rationale": .string("Not yet: school concerns")]))
            #expect(rejected.status == 201)
            let events = try #require(try await server.get("/v1/cases/\(caseId)", token: server.manager).json?["events"]?.items)
            #expect(events.first { $0["id"] == .string(stepDownId) }?["approval"] == .string("rejected"))
            #expect(events.contains { $0["type"] == .string("referral-noted") })

            // A third referral, significant harm: the front door takes the move up (an escalation by the pathway).
            _ = try await server.refer(try Self.referral("J-3", child: 1, harm: true))
            let up = try await server.post("/v1/cases/\(caseId)/decisions", token: server.practitioner,
                                           json: .object(["accept": .bool(true), "rationale": .string("Strategy discussion needed")]))
            #expect(up.status == 201 && up.json?["level"] == .string("child-protection"), "\(up.text)")

            // Noting a new case's referral is refused, naming what to do instead.
            let other = try #require(try await server.caseId(of: try await server.refer(try Self.referral("J-4", child: 2))))
            let refusedNote = try await server.post("/v1/cases/\(other)/decisions", token: server.practitioner,
                                                    json: .object(["noted": .bool(true), "rationale": .string("x")]))
            #expect(refusedNote.status == 400 && refusedNote.json?.lookup("errors.0.path") == .string("$.noted"))
            #expect(refusedNote.text.contains("accept the recommendation or choose its level"))

            // The referral's own decision asked for a move that a manager rejects: the referral is still decidable.
            let third = try #require(try await server.caseId(of: try await server.refer(try Self.referral("J-5", child: 3))))
            _ = try await server.post("/v1/cases/\(third)/decisions", token: server.manager,
                                      json: Self.body(["level": "child-in-need", "overrideReason": "History", "rationale": "Assessed"]))
            _ = try await server.refer(try Self.referral("J-6", child: 3, low: true))
            let asked = try await server.post("/v1/cases/\(third)/decisions", token: server.practitioner,
                                              json: Self.body(["level": "targeted-support", "overrideReason": "Improving", "rationale": "Step down"]))
            #expect(asked.json?["status"] == .string("pending-approval"), "\(asked.text)")
            let askedId = try #require(asked.json?["eventId"]?.stringValue)
            _ = try await server.post("/v1/decisions/\(askedId)/approval", token: server.manager,
                                      json: .object(["approve": .bool(false), "rationale": .string("Keep at child in need")]))
            #expect(try await server.get("/v1/queue", token: server.practitioner).json?["items"]?.items.contains { $0["caseId"] == .string(third) } == true)
            let after = try await server.post("/v1/cases/\(third)/decisions", token: server.practitioner,
                                              json: .object(["noted": .bool(true), "rationale": .string("As the manager decided")]))
            #expect(after.status == 201 && after.json?["status"] == .string("applied"), "\(after.text)")
        }
    }

    @Test("escalate is its own move; a step-up to child protection is refused naming escalate; every refusal names its field")
    func escalateAndErrors() async throws {
        try await TestServer.with { server in
            let caseId = try #require(try await server.caseId(of: try await server.refer(try Self.referral("X-1", child: 1))))
            _ = try await server.post("/v1/cases/\(caseId)/decisions", token: server.manager,
                                      json: Self.body(["level": "child-in-need", "overrideReason": "History", "rationale": "Assessed"]))
            let asStepUp = try await server.post("/v1/cases/\(caseId)/transitions", token: server.practitioner,
                                                 json: Self.body(["kind": "step-up", "to": "child-protection", "rationale": "Harm"]))
            #expect(asStepUp.status == 422 && asStepUp.json?.lookup("errors.0.path") == .string("$.kind"))
            #expect(asStepUp.text.contains("is an escalate (transition escalate-cp-from-child-in-need)"))
            let jump = try await server.post("/v1/cases/\(caseId)/transitions", token: server.practitioner,
                                             json: Self.body(["kind": "jump", "to": "child-protection", "rationale": "Harm"]))
            #expect(jump.status == 400 && jump.json?.lookup("errors.0.path") == .string("$.kind"))
            #expect(jump.text.contains("unknown kind \\\"jump\\\"") && jump.text.contains("escalate") && !jump.text.contains("Cannot initialize"), "\(jump.text)")
            let typo = try await server.post("/v1/cases/\(caseId)/transitions", token: server.practitioner,
                                             json: Self.body(["kind": "escalate", "to": "child-protectoin", "rationale": "Harm"]))
            #expect(typo.status == 400 && typo.json?.lookup("errors.0.path") == .string("$.to"))
            #expect(typo.text.contains("did you mean \\\"child-protection\\\""), "\(typo.text)")
            // Lower-case id and codes in any case: resolved and written canonically.
            let escalated = try await server.post("/v1/cases/\(caseId.lowercased())/transitions", token: server.practitioner,
                                                  json: Self.body(["kind": "ESCALATE", "to": "Child-Protection", "rationale": "Section 47 threshold met"]))
            #expect(escalated.status == 201 && escalated.json?["level"] == .string("child-protection"), "\(escalated.text)")
            let wrongReason = try await server.post("/v1/cases/\(caseId)/transitions", token: server.manager,
                                                    json: Self.body(["kind": "close", "reason": "rc7", "rationale": "x"]))
            #expect(wrongReason.status == 422 && wrongReason.json?.lookup("errors.0.path") == .string("$.reason"))
            #expect(wrongReason.text.contains("allows closure reasons RC2, RC5, not RC7"))
            let closed = try await server.post("/v1/cases/\(caseId)/transitions", token: server.manager,
                                               json: Self.body(["kind": "close", "reason": "rc5", "rationale": "Moved to Kent"]))
            #expect(closed.status == 201, "\(closed.text)")
            let record = try await server.get("/v1/cases/\(caseId)", token: server.manager)
            #expect(record.json?["closureReason"] == .string("RC5"))

            // A referral's id opens its case for a read, and is named for a change; a typo gets the nearest id.
            let referralId = try #require(record.json?.lookup("referrals.0.referralId")?.stringValue)
            #expect(try await server.get("/v1/cases/\(referralId)", token: server.practitioner).json?["caseId"] == .string(caseId))
            let byReferral = try await server.post("/v1/cases/\(referralId)/milestones", token: server.practitioner,
                                                   json: Self.body(["milestone": "assessment-completed", "rationale": "x"]))
            #expect(byReferral.status == 404 && byReferral.text.contains("is a referral, on case \(caseId)"))
            let misspelt = String(caseId.dropLast()) + (caseId.hasSuffix("A") ? "B" : "A")
            let near = try await server.get("/v1/cases/\(misspelt)", token: server.practitioner)
            #expect(near.status == 404 && near.text.contains("did you mean \\\"\(caseId)\\\""), "\(near.text)")
            let milestone = try await server.post("/v1/cases/\(caseId)/milestones", token: server.practitioner,
                                                  json: Self.body(["milestone": "asessment-completed", "rationale": "x"]))
            #expect(milestone.status == 400 && milestone.text.contains("did you mean \\\"assessment-completed\\\""))
        }
    }

    @Test("caseloads by worker, level, phase and lateness; search by NHS number or names; people by name; searches in the access log")
    func caseloadsAndSearch() async throws {
        try await TestServer.with { server in
            let sam = try await server.store.createToken(role: .practitioner, partnerId: nil, name: "Sam Patel", qualification: .socialWorker, at: TestServer.start)
            let first = try #require(try await server.caseId(of: try await server.refer(try Self.referral("L-1", child: 1))))
            let second = try #require(try await server.caseId(of: try await server.refer(try Self.referral("L-2", child: 2))))
            #expect(try await server.post("/v1/cases/\(first)/decisions", token: sam.secret,
                                          json: .object(["accept": .bool(true), "rationale": .string("Agree")])).status == 201)
            #expect(try await server.post("/v1/cases/\(first)/assignment", token: server.manager, json: Self.body(["to": "Sam Patel"])).status == 201)

            let mine = try await server.get("/v1/cases?assignedTo=me", token: sam.secret)
            #expect(mine.status == 200 && mine.json?["total"] == .integer(1) && mine.json?.lookup("items.0.caseId") == .string(first), "\(mine.text)")
            let byLevel = try await server.get("/v1/cases?level=Targeted-Support&phase=open", token: server.practitioner)
            #expect(byLevel.json?["total"] == .integer(1))
            let waiting = try await server.get("/v1/cases?phase=awaiting-decision", token: server.practitioner)
            #expect(waiting.json?.lookup("items.0.caseId") == .string(second))
            server.clock.set(TestFixtures.at("2026-12-10T09:00:00Z"))
            let late = try await server.get("/v1/cases?overdue=true", token: server.practitioner)
            #expect(late.json?["total"] == .integer(1) && late.json?.lookup("items.0.caseId") == .string(second), "the front-door decision is late")
            let paged = try await server.get("/v1/cases?limit=1&offset=1", token: server.practitioner)
            #expect(paged.json?["total"] == .integer(2) && paged.json?["items"]?.items.count == 1 && paged.json?["offset"] == .integer(1))
            let badQuery = try await server.get("/v1/cases?phase=opne&overdue=maybe", token: server.practitioner)
            #expect(badQuery.status == 400 && badQuery.text.contains("did you mean \\\"open\\\"") && badQuery.text.contains("\"path\":\"overdue\""))

            // People by name: the decision's actor in the timeline, the lead in the caseload.
            let record = try await server.get("/v1/cases/\(first)", token: server.practitioner)
            #expect(record.json?.lookup("people.\(sam.info.tokenId)") == .string("Sam Patel"))

            // Search by NHS number: the same child; by names and date of birth: possible, with why.
            let byNumber = try await server.get("/v1/children/search?nhsNumber=\(TestFixtures.nhsNumber(1))", token: server.practitioner)
            #expect(byNumber.json?["total"] == .integer(1) && byNumber.json?.lookup("items.0.match") == .string("same"), "\(byNumber.text)")
            let byName = try await server.get("/v1/children/search?givenName=childb&familyName=Example&dateOfBirth=2018-03-14", token: server.manager)
            #expect(byName.json?["total"] == .integer(1) && byName.json?.lookup("items.0.caseId") == .string(first), "\(byName.text)")
            #expect(byName.json?.lookup("items.0.match") == .string("possible"))
            let incomplete = try await server.get("/v1/children/search?givenName=Childb", token: server.practitioner)
            #expect(incomplete.status == 400 && incomplete.text.contains("dateOfBirth"))
            let badNumber = try await server.get("/v1/children/search?nhsNumber=1234567890", token: server.practitioner)
            #expect(badNumber.status == 400 && badNumber.text.contains("\"path\":\"nhsNumber\""))
            #expect(try await server.get("/v1/children/search?nhsNumber=\(TestFixtures.nhsNumber(1))", token: server.partnerA).status == 403)
            let views = try await server.store.accessLog(caseId: first).map(\.view)
            #expect(views.filter { $0 == .search }.count == 2 && views.contains(.caseload))

            let me = try await server.get("/v1/me", token: sam.secret)
            #expect(me.json?["name"] == .string("Sam Patel") && me.json?["role"] == .string("practitioner"))
        }
    }

    @Test("a search by names finds the child among more than 200 children sharing its family name and date of birth")
    func searchAmongMany() async throws {
        try await TestServer.with { server in
            // 210 children called Example, born the same day (the fixture's), each with a given name of its own.
            var body: [UInt8] = []
            for child in 0..<210 { body += try TestFixtures.referral("N-\(child)", child: child).serializedBytes() + [0x0A] }
            let batch = try await server.request(.POST, "/v1/referrals/batch", token: server.partnerA, contentType: "application/x-ndjson", body: body)
            #expect(batch.status == 200, "\(batch.text.prefix(300))")
            // The child whose referral id sorts last: any order but "most keys shared" (by id, as
            // the index gives them) would leave it out of the first 200 candidates.
            let lines = batch.lines.filter { $0["referralId"] != nil }
            #expect(lines.count == 210)
            let last = try #require(lines.indices.max { (lines[$0]["referralId"]?.stringValue ?? "") < (lines[$1]["referralId"]?.stringValue ?? "") })
            let given = "Child" + TestFixtures.letters(last)
            let found = try await server.get("/v1/children/search?givenName=\(given)&familyName=Example&dateOfBirth=2018-03-14", token: server.practitioner)
            #expect(found.json?["total"] == .integer(1), "\(found.text)")
            #expect(found.json?.lookup("items.0.child.givenName") == .string(given))
        }
    }
}
