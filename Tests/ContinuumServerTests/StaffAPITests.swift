import ContinuumCore
import ContinuumJSON
import ContinuumStore
import ContinuumTesting
import Foundation
import NIOHTTP1
import Testing

@Suite("Staff API")
struct StaffAPITests {
    @Test("the queue puts immediate risk first, then the nearest deadline, and marks overdue referrals")
    func queueOrder() async throws {
        try await TestServer.with { server in
            let early = try await server.refer(try TestFixtures.referral("Q-1", child: 1))
            server.clock.set(TestFixtures.at("2026-11-27T12:00:00Z"))  // Friday: due Monday
            let later = try await server.refer(try TestFixtures.referral("Q-2", child: 2))
            let urgent = try await server.refer(try TestFixtures.referral("Q-3", child: 3, from: "school-neglect-immediate-risk"))
            server.clock.set(TestFixtures.at("2026-11-30T09:00:00Z"))  // Monday: the first is overdue
            let queue = try await server.get("/v1/queue", token: server.practitioner)
            #expect(queue.status == 200)
            let items = queue.json?["items"]?.items ?? []
            #expect(items.compactMap { $0["referralId"]?.stringValue } == [urgent, early, later].compactMap { $0.json?["referralId"]?.stringValue })
            #expect(items.map { $0["overdue"] } == [.bool(false), .bool(true), .bool(false)])
            #expect(items.first?["immediateRisk"] == .bool(true))
        }
    }

    @Test("?limit=N gives the N most urgent and the total waiting; a bad limit is a 400 naming it")
    func queueLimit() async throws {
        try await TestServer.with { server in
            for index in 1...3 { _ = try await server.refer(try TestFixtures.referral("L-\(index)", child: index)) }
            let urgent = try await server.refer(try TestFixtures.referral("L-4", child: 4, from: "school-neglect-immediate-risk"))
            let all = try await server.get("/v1/queue", token: server.practitioner)
            #expect(all.json?["total"] == .integer(4) && all.json?["items"]?.items.count == 4)
            let two = try await server.get("/v1/queue?limit=2", token: server.practitioner)
            #expect(two.status == 200)
            #expect(two.json?["total"] == .integer(4))
            #expect(two.json?["items"]?.items.compactMap { $0["caseId"]?.stringValue } == Array((all.json?["items"]?.items ?? []).prefix(2)).compactMap { $0["caseId"]?.stringValue })
            #expect(two.json?.lookup("items.0.referralId") == urgent.json?["referralId"])
            let more = try await server.get("/v1/queue?limit=10", token: server.practitioner)
            #expect(more.json?["total"] == .integer(4) && more.json?["items"]?.items.count == 4)
            for bad in ["0", "1001", "two", "-1", ""] {
                let refused = try await server.get("/v1/queue?limit=\(bad)", token: server.practitioner)
                #expect(refused.status == 400, "limit=\(bad)")
                #expect(refused.json?.lookup("errors.0.path")?.stringValue == "limit")
            }
        }
    }

    @Test("a decision needs a rationale; an override needs a reason and a manager's approval; the case shows it all")
    func decisionsAndApprovals() async throws {
        try await TestServer.with { server in
            let created = try await server.refer(try TestFixtures.referral("D-1"))
            let caseId = try #require(try await server.caseId(of: created))
            let path = "/v1/cases/\(caseId)/decisions"
            let noRationale = try await server.post(path, token: server.practitioner, json: .object(["accept": .bool(true), "rationale": .string(" ")]))
            #expect(noRationale.status == 400 && noRationale.json?.lookup("errors.0.path")?.stringValue == "$.rationale")
            let unknownField = try await server.post(path, token: server.practitioner, json: .object(["acept": .bool(true), "rationale": .string("x")]))
            #expect(unknownField.status == 400 && unknownField.text.contains("accept"))
            let noReason = try await server.post(path, token: server.practitioner, json: .object(["level": .string("intensive-support"), "rationale": .string("Pattern")]))
            #expect(noReason.status == 422 && noReason.text.contains("override reason"))

            let pending = try await server.post(path, token: server.practitioner, json: .object([
                "level": .string("intensive-support"), "overrideReason": .string("Third incident"), "rationale": .string("Pattern of incidents"),
            ]))
            #expect(pending.status == 201 && pending.json?["status"]?.stringValue == "pending-approval")
            let approvalId = try #require(pending.json?["eventId"]?.stringValue)
            let list = try await server.get("/v1/approvals", token: server.manager)
            #expect(list.json?["items"]?.items.first?["id"]?.stringValue == approvalId)
            #expect(try await server.get("/v1/approvals", token: server.practitioner).status == 403)
            let byPractitioner = try await server.post("/v1/decisions/\(approvalId)/approval", token: server.practitioner, json: .object(["approve": .bool(true)]))
            #expect(byPractitioner.status == 403)
            let approved = try await server.post("/v1/decisions/\(approvalId)/approval", token: server.manager,
                                                 json: .object(["approve": .bool(true), "rationale": .string("Agreed")]))
            #expect(approved.status == 201 && approved.json?["level"]?.stringValue == "intensive-support")
            #expect(try await server.post("/v1/decisions/\(approvalId)/approval", token: server.manager, json: .object(["approve": .bool(true)])).status == 404)

            let record = try await server.get("/v1/cases/\(caseId)", token: server.practitioner)
            #expect(record.status == 200)
            let json = try #require(record.json)
            #expect(json["level"]?.stringValue == "intensive-support")
            #expect(json["events"]?.items.compactMap { $0["type"]?.stringValue } == ["referral-received", "routed", "decided", "approved"])
            #expect(json["referrals"]?.items.first?.lookup("message.child.givenName")?.stringValue == "Jamie")
            #expect(json["events"]?.items.allSatisfy { $0["hash"]?.stringValue?.count == 64 } == true)
        }
    }

    @Test("transitions follow the pathway: a disallowed one is 422 naming the rules; closure needs a census reason")
    func transitions() async throws {
        try await TestServer.with { server in
            let created = try await server.refer(try TestFixtures.referral("T-1"))
            let caseId = try #require(try await server.caseId(of: created))
            _ = try await server.post("/v1/cases/\(caseId)/decisions", token: server.practitioner, json: .object(["accept": .bool(true), "rationale": .string("Agree")]))
            let path = "/v1/cases/\(caseId)/transitions"
            let refused = try await server.post(path, token: server.practitioner, json: .object(["kind": .string("step-up"), "to": .string("looked-after"), "rationale": .string("x")]))
            #expect(refused.status == 422 && refused.text.contains("up-intensive"))
            let badKind = try await server.post(path, token: server.practitioner, json: .object(["kind": .string("sideways"), "to": .string("thriving"), "rationale": .string("x")]))
            #expect(badKind.status == 400 && badKind.json?.lookup("errors.0.path")?.stringValue == "$.kind")
            let noReason = try await server.post(path, token: server.practitioner, json: .object(["kind": .string("close"), "rationale": .string("x")]))
            #expect(noReason.status == 400 && noReason.json?.lookup("errors.0.path")?.stringValue == "$.reason")
            // The store's own refusals name the request's field too (it speaks of neither paths nor flags).
            let future = try await server.post("/v1/cases/\(caseId)/milestones", token: server.practitioner,
                                               json: .object(["milestone": .string("assessment-completed"), "on": .string("2027-06-01"), "rationale": .string("x")]))
            #expect(future.status == 400 && future.json?.lookup("errors.0.path")?.stringValue == "$.on")
            #expect(future.json?.lookup("errors.0.message")?.stringValue?.contains("in the future") == true)
            let up = try await server.post(path, token: server.practitioner, json: .object(["kind": .string("step-up"), "to": .string("intensive-support"), "rationale": .string("Worse")]))
            #expect(up.status == 201 && up.json?["level"]?.stringValue == "intensive-support")
            let down = try await server.post(path, token: server.practitioner, json: .object(["kind": .string("step-down"), "to": .string("targeted-support"), "rationale": .string("Better")]))
            #expect(down.status == 201 && down.json?["level"]?.stringValue == "targeted-support")
            let closed = try await server.post(path, token: server.practitioner, json: .object(["kind": .string("close"), "reason": .string("RC7"), "rationale": .string("Plan complete")]))
            #expect(closed.status == 201 && closed.json?["phase"]?.stringValue == "closed")
            #expect(try await server.get("/v1/cases/C-UNKNOWN", token: server.practitioner).status == 404)
        }
    }

    @Test("a clock breach is recorded as an event and shows on the case")
    func breachShows() async throws {
        try await TestServer.with { server in
            let created = try await server.refer(try TestFixtures.referral("K-1"))
            let caseId = try #require(try await server.caseId(of: created))
            server.clock.set(TestFixtures.at("2026-11-30T09:00:00Z"))
            #expect(try await server.store.recordBreaches(at: server.clock.now()) == 1)
            let record = try await server.get("/v1/cases/\(caseId)", token: server.manager)
            #expect(record.json?["events"]?.items.last?["type"]?.stringValue == "clock-breached")
            #expect(record.json?["clocks"]?.items.first?["breached"] == .bool(true))
            #expect(record.json?["clocks"]?.items.first?["overdue"] == .bool(true))
            let metrics = try await server.get("/metrics", token: nil)
            #expect(metrics.text.contains("continuum_clocks_overdue_count 1"))
            #expect(metrics.text.contains("continuum_queue_length 1"))
        }
    }
}

@Suite("Indicators API")
struct IndicatorsAPITests {
    @Test("GET /v1/indicators: managers and planners read the data set; others get 403; a bad date is 400")
    func indicators() async throws {
        try await TestServer.with { server in
            _ = try await server.refer(try TestFixtures.referral("IND-1"))
            let answer = try await server.get("/v1/indicators?from=2026-11-01&to=2026-11-30", token: server.planner)
            #expect(answer.status == 200)
            let json = try #require(answer.json)
            #expect(json.lookup("period.from")?.stringValue == "2026-11-01")
            let ids = (json["indicators"]?.items ?? []).compactMap { $0["id"]?.stringValue }
            for id in ["referrals", "referralsBySource", "referralRatePer10k", "decisionsWithinOneWorkingDayPct", "noFurtherActionPct",
                       "reReferralsWithin12MonthsPct", "routedByLevel", "overridePct", "stepUps", "stepDowns", "stepDownReReferredWithin12MonthsPct",
                       "assessmentsWithin45WorkingDaysPct", "medianAssessmentWorkingDays", "icpcWithin15WorkingDaysPct", "openCasesByLevel",
                       "overdueClocks", "decisionsPerPractitioner", "approvalsPendingOverWorkingDay"] {
                #expect(ids.contains(id), "\(id)")
            }
            #expect(json["indicators"]?.items.first { $0["id"]?.stringValue == "referrals" }?["value"] == .double(1))
            #expect(try await server.get("/v1/indicators", token: server.manager).status == 200)
            for token in [server.partnerA, server.practitioner, server.admin] {
                #expect(try await server.get("/v1/indicators", token: token).status == 403)
            }
            #expect(try await server.get("/v1/indicators?from=yesterday", token: server.manager).status == 400)
        }
    }
}
