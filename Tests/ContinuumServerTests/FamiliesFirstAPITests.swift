import ContinuumCore
import ContinuumJSON
import ContinuumStore
import ContinuumTesting
import Foundation
import Testing

/// Families First over HTTP (issue 15): a server with two pathway versions routes by date, shows
/// each case's version and workers, refuses an unqualified lead and a court application before
/// the FGDM offer (422, naming the rule), and serves the migration review list.
@Suite("Families First API")
struct FamiliesFirstAPITests {
    static let versions: @Sendable () throws -> PathwaySet = { try PathwaySet([try TestFixtures.surrey(), try TestFixtures.familiesFirst()]) }

    @Test("routing by the day received; roles by qualification; the FGDM gate; version, lead and co-worker in the case record")
    func familiesFirst() async throws {
        try await TestServer.with(versions: Self.versions) { server in
            server.clock.set(TestFixtures.at("2027-04-06T10:00:00Z"))
            let health = try await server.get("/healthz", token: nil)
            #expect(health.json?["pathway"] == .string("surrey-families-first@2027-04"))
            #expect(health.json?["pathways"] == .array([.string("surrey@2026-11"), .string("surrey-families-first@2027-04")]))

            let answer = try await server.refer(try TestFixtures.referral("FF-1", child: 1))
            #expect(answer.json?["decision"]?["pathway"] == .string("surrey-families-first@2027-04"))
            #expect(answer.json?["decision"]?["level"] == .string("family-help-targeted"))
            let caseId = try #require(try await server.caseId(of: answer))
            let decided = try await server.post("/v1/cases/\(caseId)/decisions", token: server.manager, json: .object([
                "level": .string("child-protection"), "overrideReason": .string("harm disclosed"), "rationale": .string("s47")]))
            #expect(decided.status == 201, "\(decided.text)")

            _ = try await server.store.createToken(role: .practitioner, partnerId: nil, name: "Sam Social", qualification: .socialWorker, at: server.clock.now())
            _ = try await server.store.createToken(role: .practitioner, partnerId: nil, name: "Fran Support", qualification: .familySupportWorker, at: server.clock.now())
            let refused = try await server.post("/v1/cases/\(caseId)/assignment", token: server.practitioner, json: .object(["to": .string("Fran Support")]))
            #expect(refused.status == 422)
            #expect(refused.text.contains("may not be the Lead Child Protection Practitioner"))
            let badRole = try await server.post("/v1/cases/\(caseId)/assignment", token: server.practitioner,
                                                json: .object(["to": .string("Fran Support"), "role": .string("helper")]))
            #expect(badRole.status == 400 && badRole.text.contains("$.role"))
            #expect(try await server.post("/v1/cases/\(caseId)/assignment", token: server.practitioner, json: .object(["to": .string("Sam Social")])).status == 201)
            #expect(try await server.post("/v1/cases/\(caseId)/assignment", token: server.practitioner,
                                          json: .object(["to": .string("Fran Support"), "role": .string("co-worker")])).status == 201)
            let record = try await server.get("/v1/cases/\(caseId)", token: server.practitioner)
            #expect(record.json?["pathway"] == .string("surrey-families-first@2027-04"))
            #expect(record.json?["lead"]?["id"] == .string("Sam Social") && record.json?["lead"]?["qualification"] == .string("social-worker"))
            #expect(record.json?["coWorker"]?["qualification"] == .string("family-support-worker"))

            let up = try await server.post("/v1/cases/\(caseId)/transitions", token: server.manager, json: .object([
                "kind": .string("step-up"), "to": .string("pre-proceedings"), "rationale": .string("legal planning meeting")]))
            #expect(up.status == 201, "\(up.text)")
            func milestone(_ id: String) async throws -> TestServer.Answer {
                try await server.post("/v1/cases/\(caseId)/milestones", token: server.manager, json: .object(["milestone": .string(id), "rationale": .string("recorded")]))
            }
            let early = try await milestone("court-application")
            #expect(early.status == 422 && early.text.contains("fgdm-offered"))
            #expect(try await milestone("fgdm-offered").status == 201)
            #expect(try await milestone("court-application").status == 201)
        }
    }

    @Test("the migration review list over HTTP: staff see it, a person moves a case, partners cannot")
    func reviewList() async throws {
        try await TestServer.with(versions: Self.versions) { server in
            // Opened on Surrey's pathway, then given to targeted support and its consent refused.
            let first = try await server.refer(try TestFixtures.referral("R-1", child: 5))
            let caseId = try #require(try await server.caseId(of: first))
            #expect(try await server.post("/v1/cases/\(caseId)/decisions", token: server.manager,
                                          json: .object(["accept": .bool(true), "rationale": .string("agree")])).status == 201)
            let refused = try TestFixtures.referral("R-2", child: 5).setting("consent", .string("refused"))
            #expect(try await server.refer(refused).status == 201)
            server.clock.set(TestFixtures.at("2027-04-01T09:00:00Z"))
            let report = try await server.store.migrate(try TestFixtures.familiesFirstMapping(), dryRun: false,
                                                        actor: Actor(id: "pathway-migrate", role: .admin), at: server.clock.now())
            #expect(report.review == [caseId])

            let list = try await server.get("/v1/migration-review", token: server.practitioner)
            #expect(list.status == 200 && list.json?["total"] == .integer(1))
            #expect(list.json?["items"]?.items.first?["pathway"] == .string("surrey@2026-11"))
            #expect(try await server.get("/v1/migration-review", token: server.partnerA).status == 403)
            let onConsent = try await server.post("/v1/cases/\(caseId)/migration", token: server.practitioner,
                                                  json: .object(["level": .string("family-help-targeted"), "rationale": .string("continue")]))
            #expect(onConsent.status == 422 && onConsent.text.contains("consent"))
            let noReason = try await server.post("/v1/cases/\(caseId)/migration", token: server.practitioner, json: .object(["level": .string("universal")]))
            #expect(noReason.status == 400 && noReason.text.contains("$.rationale"))
            let moved = try await server.post("/v1/cases/\(caseId)/migration", token: server.practitioner,
                                              json: .object(["level": .string("universal"), "rationale": .string("family declines help; universal services continue")]))
            #expect(moved.status == 201, "\(moved.text)")
            #expect(try await server.get("/v1/migration-review", token: server.practitioner).json?["total"] == .integer(0))
            let again = try await server.post("/v1/cases/\(caseId)/migration", token: server.practitioner,
                                              json: .object(["level": .string("universal"), "rationale": .string("again")]))
            #expect(again.status == 409)
        }
    }
}
