import ContinuumCore
import ContinuumJSON
import ContinuumStore
import ContinuumTesting
import Foundation
import Testing

/// `continuum census` (issue 18): the XML written, the data-quality list as text and JSON,
/// `--strict` exit 65 while an error remains, 64 for a wrong year or LA code, 66 for no database.
@Suite("continuum census")
struct CensusCommandTests {
    @Test("writes the return, lists what to fix by LA child id, and --strict fails while an error remains")
    func census() async throws {
        let folder = try CommandRunner.temporaryFolder()
        let database = folder.appendingPathComponent("continuum.sqlite").path
        do {
            let store = try SQLiteCaseStore(path: database, pathway: try TestFixtures.surrey(), masterKey: TestFixtures.masterKey)
            let at = TestFixtures.at("2026-11-26T12:00:00Z")
            let partner = Actor(id: "T-P", role: .partner), manager = Actor(id: "T-M", role: .manager)
            let value = try TestFixtures.referral("CLI-1", child: 1, from: "school-neglect-immediate-risk")
            let referral = try ReferralReader().read(value.serializedBytes(), receivedAt: at)
            let answer = try await store.submit(referral, partnerId: "p", actor: partner, receivedAt: at)
            _ = try await store.decide(caseId: answer.caseId, DecisionCommand(accept: true, level: nil, overrideReason: nil, rationale: "s47"), actor: manager, at: at)
            // Assessed without the primary need (DfE rule 8610); a child of 7 with no UPN (8770Q, a query).
            _ = try await store.recordMilestone(caseId: answer.caseId, MilestoneCommand(milestone: "assessment-completed", on: "2026-11-30", rationale: "done", factors: ["16A"]),
                                                actor: manager, at: at.adding(seconds: 4 * 86_400))
        }
        let out = folder.appendingPathComponent("cin.xml").path
        let run = try CommandRunner.run(["census", "--database", database, "--year", "2026-27", "--out", out])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("CIN census 2026-27 for LA 936") && run.stdout.contains("1 children, 1 episodes"))
        #expect(run.stdout.contains("ERROR 8610") && run.stdout.contains("fix: Record the episode's primary need"))
        #expect(!run.stdout.contains("Childb"), "children are named by LA child id only")
        let xml = try String(contentsOfFile: out, encoding: .utf8)
        #expect(xml.contains("<LEA>936</LEA>") && xml.contains("<AssessmentFactors>16A</AssessmentFactors>") && !xml.contains("Childb"))
        // The export is in the access log, by case, before the file was written.
        let caseId = try #require(run.stdout.split(separator: " ").first { $0.hasPrefix("C-") }.map { String($0.trimmingCharacters(in: CharacterSet(charactersIn: "():"))) })
        let access = try CommandRunner.run(["audit", "access", "--database", database, "--case", caseId, "--json"])
        #expect(access.status == 0 && access.stdout.contains("census"), "\(access.stdout)")
        // The quality list alone writes nothing out and records nothing.
        _ = try CommandRunner.run(["census", "--database", database, "--year", "2026-27"])
        let again = try CommandRunner.run(["audit", "access", "--database", database, "--case", caseId, "--json"])
        #expect(again.stdout.components(separatedBy: "census").count == access.stdout.components(separatedBy: "census").count)

        let strict = try CommandRunner.run(["census", "--database", database, "--year", "2026-27", "--strict", "--json", "--la", "123"])
        #expect(strict.status == 65 && strict.stderr.contains("validation error"))
        let list = try JSONParser().parse(Array(strict.stdout.utf8)).value()
        #expect(list["la"] == .string("123") && list["errors"] == .integer(1), "\(strict.stdout)")
        #expect(list["issues"]?.arrayValue?.contains { $0["rule"] == .string("8770Q") && $0["severity"] == .string("query") } == true)
        #expect(list["issues"]?.arrayValue?.contains { $0["rule"] == .string("8610") && $0["severity"] == .string("error") } == true)

        // The fix the list names, recorded on the case: the return is clean of errors.
        do {
            let store = try SQLiteCaseStore(path: database, pathway: try TestFixtures.surrey(), masterKey: TestFixtures.masterKey)
            let command = try ChildDetailsCommand(upn: nil, ethnicity: nil, sex: nil, primaryNeed: "N1", rationale: "Corrected")
            _ = try await store.recordChildDetails(caseId: caseId, command, actor: Actor(id: "T-M", role: .manager), at: TestFixtures.at("2026-12-01T12:00:00Z"))
        }
        let fixed = try CommandRunner.run(["census", "--database", database, "--year", "2026-27", "--strict"])
        #expect(fixed.status == 0 && !fixed.stdout.contains("8610"), "\(fixed.stdout)")

        let badYear = try CommandRunner.run(["census", "--database", database, "--year", "2026"])
        #expect(badYear.status == 64 && badYear.stderr.contains("give it as 2026-27"))
        let badLA = try CommandRunner.run(["census", "--database", database, "--year", "2026-27", "--la", "93"])
        #expect(badLA.status == 64 && badLA.stderr.contains("three-digit LA code"))
        let missing = try CommandRunner.run(["census", "--database", folder.appendingPathComponent("typo.sqlite").path, "--year", "2026-27"])
        #expect(missing.status == 66)
        let noKey = try CommandRunner.run(["census", "--database", database, "--year", "2026-27"], environment: ["CONTINUUM_MASTER_KEY_FILE": ""])
        #expect(noKey.status == 78)
    }
}
