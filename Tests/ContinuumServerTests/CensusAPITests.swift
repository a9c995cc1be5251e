import ContinuumCore
import ContinuumJSON
import ContinuumStore
import ContinuumTesting
import Foundation
import NIOHTTP1
import Testing

/// The census over HTTP (issue 18): census codes on milestones checked (400 naming the field and
/// the allowed codes; 422 for a code the milestone does not take), the child's details corrected
/// by staff as an event, and the data-quality list for managers only, by LA child id.
@Suite("Census API")
struct CensusAPITests {
    @Test("milestone codes, PATCH the child's details, GET /v1/census/quality")
    func census() async throws {
        try await TestServer.with { server in
            server.clock.set(TestFixtures.at("2026-11-26T12:00:00Z"))
            let answer = try await server.refer(try TestFixtures.referral("CEN-1", child: 1).setting("child.upn", .string("V936000178301")))
            #expect(answer.status == 201, "\(answer.text)")
            let badUPN = try await server.refer(try TestFixtures.referral("CEN-2", child: 2).setting("child.upn", .string("B950000178301")))
            #expect(badUPN.status == 400 && badUPN.text.contains("$.child.upn") && badUPN.text.contains("wrong check letter"), "\(badUPN.text)")
            let caseId = try #require(try await server.caseId(of: answer))
            let decided = try await server.post("/v1/cases/\(caseId)/decisions", token: server.manager, json: .object([
                "level": .string("child-in-need"), "overrideReason": .string("needs an assessment"), "rationale": .string("s17")]))
            #expect(decided.status == 201, "\(decided.text)")

            func milestone(_ members: [String: JSONValue]) async throws -> TestServer.Answer {
                try await server.post("/v1/cases/\(caseId)/milestones", token: server.practitioner,
                                      json: .object(members.merging(["rationale": .string("recorded")]) { $1 }))
            }
            let wrongNeed = try await milestone(["milestone": .string("assessment-completed"), "primaryNeed": .string("N0"), "factors": .array([.string("3B")])])
            #expect(wrongNeed.status == 400 && wrongNeed.text.contains("$.primaryNeed") && wrongNeed.text.contains("N1, N2"), "\(wrongNeed.text)")
            let notTaken = try await milestone(["milestone": .string("assessment-completed"), "category": .string("NEG")])
            #expect(notTaken.status == 422 && notTaken.text.contains("$.category") && notTaken.text.contains("takes factors, primaryNeed"), "\(notTaken.text)")
            let assessed = try await milestone(["milestone": .string("assessment-completed"), "primaryNeed": .string("n5"), "factors": .array([.string("3B")])])
            #expect(assessed.status == 201, "\(assessed.text)")
            let record = try await server.get("/v1/cases/\(caseId)", token: server.practitioner)
            let options = record.json?["options"]?["milestones"]?.arrayValue ?? []
            #expect(options.first { $0["id"] == .string("cp-plan-started") }?["takes"] == .array([.string("category")]))

            // The child's details, corrected by staff; a wrong code names the field.
            let badSex = try await server.request(.PATCH, "/v1/cases/\(caseId)/child", token: server.practitioner, contentType: "application/json",
                                                  body: JSONValue.object(["sex": .string("X"), "rationale": .string("r")]).serializedBytes())
            #expect(badSex.status == 400 && badSex.text.contains("$.sex"), "\(badSex.text)")
            let patched = try await server.request(.PATCH, "/v1/cases/\(caseId)/child", token: server.practitioner, contentType: "application/json",
                                                   body: JSONValue.object(["ethnicity": .string("WBRI"), "sex": .string("M"), "rationale": .string("School record")]).serializedBytes())
            #expect(patched.status == 201, "\(patched.text)")
            // The episode's primary need, recorded on the case: a wrong code names the field and the codes.
            let badNeed = try await server.request(.PATCH, "/v1/cases/\(caseId)/child", token: server.practitioner, contentType: "application/json",
                                                   body: JSONValue.object(["primaryNeed": .string("N10"), "rationale": .string("r")]).serializedBytes())
            #expect(badNeed.status == 400 && badNeed.text.contains("$.primaryNeed") && badNeed.text.contains("N1, N2"), "\(badNeed.text)")
            let empty = try await server.request(.PATCH, "/v1/cases/\(caseId)/child", token: server.practitioner, contentType: "application/json",
                                                 body: JSONValue.object(["rationale": .string("r")]).serializedBytes())
            #expect(empty.status == 400 && empty.text.contains("primary need"), "\(empty.text)")
            let need = try await server.request(.PATCH, "/v1/cases/\(caseId)/child", token: server.practitioner, contentType: "application/json",
                                                body: JSONValue.object(["primaryNeed": .string("n4"), "rationale": .string("Front door")]).serializedBytes())
            #expect(need.status == 201, "\(need.text)")
            let partner = try await server.request(.PATCH, "/v1/cases/\(caseId)/child", token: server.partnerA, contentType: "application/json",
                                                   body: JSONValue.object(["sex": .string("M"), "rationale": .string("r")]).serializedBytes())
            #expect(partner.status == 403)

            // The quality list: managers only; by LA child id, never a name.
            #expect(try await server.get("/v1/census/quality?year=2026-27", token: server.practitioner).status == 403)
            let noYear = try await server.get("/v1/census/quality", token: server.manager)
            #expect(noYear.status == 400 && noYear.text.contains("year"))
            #expect(try await server.get("/v1/census/quality?year=2026-28", token: server.manager).status == 400)
            let quality = try await server.get("/v1/census/quality?year=2026-27", token: server.manager)
            #expect(quality.status == 200, "\(quality.text)")
            #expect(quality.json?["children"] == .integer(1) && quality.json?["la"] == .string("936") && quality.json?["referenceDate"] == .string("2027-03-31"))
            #expect(quality.json?["errors"] == .integer(0), "\(quality.text)")
            #expect(!quality.text.contains("Childb") && !quality.text.contains("Example"))
        }
    }
}
