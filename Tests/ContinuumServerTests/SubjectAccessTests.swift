import ContinuumCore
import ContinuumJSON
import ContinuumStore
import ContinuumTesting
import Foundation
import Testing

/// `continuum sar` (issue 20, part): everything held about the child, third-party data marked for
/// review, the export itself recorded.
@Suite("Subject access export")
struct SubjectAccessTests {
    @Test("covers every case of the child, marks referrer, household and free text for review, writes 0600 files, and is recorded")
    func export() async throws {
        try await TestServer.with { server in
            // A first referral closed at the front door, then the same child (same NHS number) again.
            let first = try await server.refer(try TestFixtures.referral("S-1", child: 7))
            let firstCase = try #require(try await server.caseId(of: first))
            #expect(try await server.post("/v1/cases/\(firstCase)/transitions", token: server.practitioner, json: .object([
                "kind": .string("close"), "reason": .string("RC8"), "rationale": .string("No further action")])).status == 201)
            server.clock.advance(seconds: 86_400 * 30)
            let second = try await server.refer(try TestFixtures.referral("S-2", child: 7))
            let secondCase = try #require(try await server.caseId(of: second))
            #expect(secondCase != firstCase)
            // Another child, who must not appear.
            _ = try await server.refer(try TestFixtures.referral("S-3", child: 8))

            let out = server.folder.appendingPathComponent("sar-1")
            let run = try await ServerProcess.runAsync(["sar", "--database", server.store.path, "--case", secondCase, "--out", out.path, "--by", "IG team, SAR 001"])
            #expect(run.status == 0, "\(run.stderr)")
            let sar = try JSONParser().parse(Array(try Data(contentsOf: out.appendingPathComponent("sar.json")))).value()
            #expect(sar["format"] == .string("continuum-sar/1"))
            let cases = sar["cases"]?.arrayValue ?? []
            #expect(cases.compactMap { $0["caseId"]?.stringValue } == [firstCase, secondCase])
            let reviews = (sar["redactionReview"]?.arrayValue ?? []).compactMap { $0["path"]?.stringValue }
            #expect(reviews.contains("$.cases[0].referrals[0].message.referrer") && reviews.contains("$.cases[1].referrals[0].message.household[1]"))
            #expect(reviews.contains("$.cases[0].referrals[0].message.concerns[0].detail") && reviews.contains("$.cases[1].referrals[0].message.summary"))
            let text = sar.serialized()
            #expect(text.contains("PC Alex Morgan"), "third-party data is included, marked, not dropped")
            #expect(!text.contains("Childi"), "another child's data is not included")
            let html = try String(contentsOf: out.appendingPathComponent("sar.html"), encoding: .utf8)
            #expect(html.contains("Redaction review: third party") && html.contains(secondCase) && !html.contains("<script"))
            let mode = try FileManager.default.attributesOfItem(atPath: out.appendingPathComponent("sar.json").path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            let recorded = try await server.store.accessLog(caseId: firstCase)
            #expect(recorded.last?.view == .subjectAccess && recorded.last?.tokenName == "IG team, SAR 001")

            let again = try await ServerProcess.runAsync(["sar", "--database", server.store.path, "--case", secondCase, "--out", out.path])
            #expect(again.status == 73 && again.stderr.contains("not empty"))
            let unknown = try await ServerProcess.runAsync(["sar", "--database", server.store.path, "--case", "C-NOSUCH", "--out", server.folder.appendingPathComponent("x").path])
            #expect(unknown.status == 65 && unknown.stderr.contains("no case"))
        }
    }
}
