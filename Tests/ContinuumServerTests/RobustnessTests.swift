import ContinuumJSON
import ContinuumTesting
import Foundation
import NIOHTTP1
import Testing

@Suite("Robustness and privacy")
struct RobustnessTests {
    @Test("every JSONTestSuite n_ file posted as a referral gets 400, and the server keeps serving")
    func jsonTestSuite() async throws {
        let folder = TestFixtures.shared.appendingPathComponent("data/JSONTestSuite/test_parsing")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("n_") }.sorted()
        try #require(names.count > 150, "JSONTestSuite not found at \(folder.path)")
        try await TestServer.with { server in
            for name in names {
                let bytes = Array(try Data(contentsOf: folder.appendingPathComponent(name)))
                let answer = try await server.request(.POST, "/v1/referrals", token: server.partnerA, contentType: "application/json", body: bytes)
                #expect(answer.status == 400, "\(name): \(answer.status)")
                #expect(answer.contentType == "application/problem+json", "\(name)")
            }
            #expect(try await server.get("/healthz", token: nil).status == 200)
            let metrics = try await server.get("/metrics", token: nil)
            #expect(!metrics.text.contains("status=\"5"))
        }
    }

    @Test("no log line carries the referral's personal data, nor a token")
    func logsCarryIdsOnly() async throws {
        try await TestServer.with { server in
            let referral = try TestFixtures.referral("PRIV-1")
            let created = try await server.refer(referral)
            let caseId = try #require(try await server.caseId(of: created))
            _ = try await server.refer(referral.setting("child.dateOfBirth", .string("2031-01-01")).setting("messageId", .string("PRIV-2")))
            _ = try await server.post("/v1/cases/\(caseId)/decisions", token: server.practitioner,
                                      json: .object(["level": .string("thriving"), "overrideReason": .string("Mother Sam Example declined"), "rationale": .string("Jamie is safe at GU1 4LH")]))
            _ = try await server.get("/v1/cases/\(caseId)", token: server.practitioner)
            _ = try await server.request(.POST, "/v1/referrals/batch", token: server.partnerA, contentType: "application/x-ndjson", body: referral.serializedBytes())
            let logs = server.logs.lines
            #expect(logs.contains { $0.contains(caseId) }, "the logs name the case by id")
            let personal = ["Jamie", "Example", "2018-03-14", "9434765919", "GU1 4LH", "Alex Morgan", "alex.morgan", "Sam", "verbal argument",
                            "Second domestic incident", "declined", "2031-01-01", server.partnerA, server.practitioner]
            for line in logs {
                for value in personal {
                    #expect(!line.contains(value), "log line carries \"\(value)\": \(line)")
                }
            }
        }
    }
}
