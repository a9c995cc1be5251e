import ContinuumCore
import ContinuumJSON
import ContinuumStore
import ContinuumTesting
import Foundation
import GRDB
import NIOHTTP1
import Testing

/// Pins the API's answers and the stored event texts byte for byte (issue 16: refactoring the
/// seams must not change what partners, staff and old logs see).
///
/// A scripted session drives every route on a server with a test clock; random ids are replaced
/// by `<C1>`, `<R1>`, … in order of first appearance. The transcript and the event log (bodies
/// included) must equal the files under `Golden/`. After an intended change of output, run with
/// `CONTINUUM_RECORD_GOLDEN=1` to write them anew, and say why in the commit.
@Suite("Wire contract, pinned")
struct WireGoldenTests {
    static let golden = GoldenFolder(beside: #filePath)

    @Test("every documented API answer and every stored event text stays byte-identical")
    func session() async throws {
        let (transcript, events, rawEvents) = try await TestServer.with { server in
            var script = Script(server: server)
            try await script.run()
            let rows = try Self.events(in: server.store.path)
            return (script.transcript, rows.map { Self.sortingSameAs(script.names.normalise(Self.withoutHashes($0))) }.joined(separator: "\n") + "\n", rows.joined(separator: "\n") + "\n")
        }
        try Self.golden.compare(transcript, with: "wire-session.txt")
        try Self.golden.compare(events, with: "event-log.txt")
        // The raw log (real ids and hashes) of the version that first wrote this test is kept as
        // it was: an old log that every later version must verify. Never written over.
        let frozen = Self.golden.file("event-log-2026-11-29.txt")
        if !FileManager.default.fileExists(atPath: frozen.path) {
            try rawEvents.write(to: frozen, atomically: true, encoding: .utf8)
        }
    }

    @Test("a log written by an earlier version verifies, is encrypted, rebuilds, and each body reads back to the same text")
    func oldLogStillVerifies() async throws {
        let lines = try OldLog.rows()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-old-log-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("old.sqlite").path
        let store = try SQLiteCaseStore(path: path, pathway: try TestFixtures.surrey(), masterKey: nil)
        try await OldLog.write(lines, into: path)
        #expect(try await store.verifyChain().events == Int64(lines.count), "the old log verifies as it is")
        // Opened with a key, it is encrypted (issue 20); the re-sealed log verifies and rebuilds.
        let upgraded = try SQLiteCaseStore(path: path, pathway: try TestFixtures.surrey(), masterKey: TestFixtures.masterKey)
        let report = try await upgraded.verifyChain()
        #expect(report.events == Int64(lines.count))
        let rebuilt = try await upgraded.rebuild()
        #expect(rebuilt.events == Int64(lines.count) && rebuilt.cases > 0)
        for columns in lines {
            let text = columns[6].stringValue ?? ""
            let body = try JSONParser().parse(text).decode(EventBody.self)
            #expect(try JSONValueEncoder().encode(body).serialized() == text, "E\(columns[0]) re-encodes differently")
        }
    }

    /// The event log as stored: one JSON array per event, its columns in order (body as text).
    static func events(in path: String) throws -> [String] {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        return try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT sequence, case_id, type, actor_id, actor_role, at, body, previous_hash, hash FROM events ORDER BY sequence").map { row in
                JSONValue.array([.integer(row[0])] + (1..<row.count).map { .string(row[$0]) }).serialized()
            }
        }
    }

    /// A dumped row without its two hashes (they cover the random ids, so they differ each run).
    static func withoutHashes(_ row: String) -> String {
        guard case .array(let columns)? = try? JSONParser().parse(row).value() else { return row }
        return JSONValue.array(Array(columns.dropLast(2))).serialized()
    }

    /// `sameAs` lists referral ids sorted by id; the ids are random, so their placeholders are
    /// sorted here to compare.
    static func sortingSameAs(_ row: String) -> String {
        row.replacing(/sameAs\\":\[([^\]]*)\]/) { match in
            "sameAs\\\":[" + match.output.1.split(separator: ",").sorted().joined(separator: ",") + "]"
        }
    }
}

/// Random ids in order of first appearance: `C-…` → `<C1>`, `R-…` → `<R1>`, `T-…` → `<T1>`.
struct IdNames {
    private var names: [String: String] = [:]
    private var counts: [Character: Int] = [:]

    /// Sealed personal data (issue 20) differs each run (the keys are random): an envelope's
    /// ciphertext is replaced by `<sealed>`, keeping its key (`<R1>`, `<C1>`) and paths.
    mutating func normalise(_ text: String) -> String {
        // `/healthz` names the store the session ran on; the suite runs on both (issue 17).
        // A census LA child id is its case's id without the hyphen: named after the case (`LA(<C2>)`).
        text.replacing(/"kind":"(sqlite|postgresql)"/, with: "\"kind\":\"<store>\"")
            .replacing(/"laChildId":"C([0-9A-Z]{8,21})"/) { "\"laChildId\":\"LA(C-\($0.output.1))\"" }
            .replacing(/(\\+"data\\+":\\+")[A-Za-z0-9+\/=]+/) { "\($0.output.1)<sealed>" }
            .replacing(/\b[0-9a-f]{64}\b/, with: "<hash>").replacing(/\b([CRT])-[0-9A-Z]{8,21}\b/) { match in
            let id = String(match.output.0)
            if let name = names[id] { return name }
            let kind = match.output.1.first ?? "X"
            counts[kind, default: 0] += 1
            let name = "<\(kind)\(counts[kind] ?? 0)>"
            names[id] = name
            return name
        }
    }
}

/// The session: each exchange is written as `METHOD path as ROLE -> STATUS` and the body.
struct Script {
    let server: TestServer
    var names = IdNames()
    var transcript = ""

    init(server: TestServer) { self.server = server }

    mutating func run() async throws {
        let s = server
        // Partners: a referral, its replay, a conflict, an invalid one, a batch, status reads.
        let first = try await call(.POST, "/v1/referrals", s.partnerA, "partner-a", json: try TestFixtures.referral("G-1", child: 1))
        _ = try await call(.POST, "/v1/referrals", s.partnerA, "partner-a", json: try TestFixtures.referral("G-1", child: 1))
        _ = try await call(.POST, "/v1/referrals", s.partnerA, "partner-a", json: try TestFixtures.referral("G-1", child: 2))
        _ = try await call(.POST, "/v1/referrals", s.partnerA, "partner-a", json: try TestFixtures.example("invalid-referral"))
        // One good line and one bad: the batch's lines are stored concurrently, so two good ones
        // would take ids in either order.
        let batch = Array((try TestFixtures.referral("G-B1", child: 4).serialized() + "\n{\"messageId\": 7}\n").utf8)
        _ = try await call(.POST, "/v1/referrals/batch", s.partnerB, "partner-b", contentType: "application/x-ndjson", body: batch)
        let urgent = try await call(.POST, "/v1/referrals", s.partnerA, "partner-a",
                                    json: try TestFixtures.referral("G-2", child: 3, from: "school-neglect-immediate-risk"))
        let firstId = first.json?["referralId"]?.stringValue ?? "?"
        let urgentId = urgent.json?["referralId"]?.stringValue ?? "?"
        _ = try await call(.GET, "/v1/referrals/\(firstId)", s.partnerA, "partner-a")
        _ = try await call(.GET, "/v1/referrals/\(firstId)", s.partnerB, "partner-b")
        let staffView = try await call(.GET, "/v1/referrals/\(firstId)", s.practitioner, "practitioner")
        let caseId = staffView.json?["caseId"]?.stringValue ?? "?"
        let urgentCase = try await call(.GET, "/v1/referrals/\(urgentId)", s.practitioner, "practitioner").json?["caseId"]?.stringValue ?? "?"

        // The front door: queue, case, decisions, overrides, approvals.
        _ = try await call(.GET, "/v1/queue", s.practitioner, "practitioner")
        _ = try await call(.GET, "/v1/queue?limit=2", s.practitioner, "practitioner")
        _ = try await call(.GET, "/v1/cases/\(caseId)", s.practitioner, "practitioner")
        _ = try await call(.POST, "/v1/cases/\(caseId)/decisions", s.practitioner, "practitioner", json: .object(["accept": .bool(true), "rationale": .string(" ")]))
        _ = try await call(.POST, "/v1/cases/\(caseId)/decisions", s.practitioner, "practitioner", json: .object(["accept": .bool(true), "rationale": .string("Agreed with the recommendation")]))
        _ = try await call(.POST, "/v1/cases/\(urgentCase)/decisions", s.practitioner, "practitioner", json: .object([
            "level": .string("child-in-need"), "overrideReason": .string("Family engaging"), "rationale": .string("Seen at school"),
        ]))
        let approvals = try await call(.GET, "/v1/approvals", s.manager, "manager")
        let approvalId = approvals.json?.lookup("items.0.id")?.stringValue ?? "?"
        _ = try await call(.POST, "/v1/decisions/\(approvalId)/approval", s.manager, "manager", json: .object(["approve": .bool(false), "rationale": .string("Risk too high")]))
        _ = try await call(.POST, "/v1/cases/\(urgentCase)/decisions", s.practitioner, "practitioner", json: .object(["accept": .bool(true), "rationale": .string("As recommended")]))

        // Work on the case: assignment, milestone, audit, step-up with approval, step-down, close.
        server.clock.set(TestFixtures.at("2026-11-30T10:00:00Z"))
        _ = try await call(.POST, "/v1/cases/\(caseId)/assignment", s.practitioner, "practitioner", json: .object(["to": .string("worker-7")]))
        _ = try await call(.POST, "/v1/cases/\(caseId)/milestones", s.practitioner, "practitioner",
                           json: .object(["milestone": .string("assessment-completed"), "on": .string("2026-11-30"), "rationale": .string("Assessment done")]))
        _ = try await call(.POST, "/v1/cases/\(caseId)/audits", s.manager, "manager", json: .object(["grade": .string("good"), "findings": .string("Clear plan")]))
        _ = try await call(.POST, "/v1/cases/\(caseId)/transitions", s.practitioner, "practitioner",
                           json: .object(["kind": .string("step-up"), "to": .string("intensive-support"), "rationale": .string("Needs grew")]))
        _ = try await call(.POST, "/v1/cases/\(caseId)/transitions", s.practitioner, "practitioner",
                           json: .object(["kind": .string("step-down"), "to": .string("targeted-support"), "rationale": .string("Plan working")]))
        let pending = try await call(.GET, "/v1/approvals", s.manager, "manager")
        if let id = pending.json?.lookup("items.0.id")?.stringValue {
            _ = try await call(.POST, "/v1/decisions/\(id)/approval", s.manager, "manager", json: .object(["approve": .bool(true)]))
        }
        _ = try await call(.GET, "/v1/cases/\(caseId)", s.practitioner, "practitioner")
        _ = try await call(.POST, "/v1/cases/\(caseId)/transitions", s.practitioner, "practitioner",
                           json: .object(["kind": .string("close"), "rationale": .string("No reason given")]))
        _ = try await call(.POST, "/v1/cases/\(caseId)/transitions", s.practitioner, "practitioner",
                           json: .object(["kind": .string("close"), "reason": .string("RC8"), "rationale": .string("Needs met")]))
        _ = try await call(.POST, "/v1/cases/\(caseId)/transitions", s.practitioner, "practitioner",
                           json: .object(["kind": .string("close"), "reason": .string("RC5"), "rationale": .string("Needs met")]))
        _ = try await call(.GET, "/v1/referrals/\(firstId)", s.partnerA, "partner-a")

        // Identity: a possible match (same NHS number, another date of birth), linked; another,
        // told apart; a wrong link undone.
        server.clock.set(TestFixtures.at("2026-12-01T09:00:00Z"))
        let oliver = try TestFixtures.referral("G-3", child: 9).setting("child.givenName", .string("Oliver")).setting("child.familyName", .string("Smith"))
        _ = try await call(.POST, "/v1/referrals", s.partnerA, "partner-a", json: oliver)
        _ = try await call(.POST, "/v1/referrals", s.partnerB, "partner-b", json: oliver.setting("messageId", .string("G-4")).setting("child.dateOfBirth", .string("2015-01-01")))
        let matches = try await call(.GET, "/v1/matches", s.practitioner, "practitioner")
        if let matchId = matches.json?.lookup("items.0.matchId")?.stringValue {
            _ = try await call(.POST, "/v1/matches/\(matchId)/link", s.practitioner, "practitioner", json: .object(["rationale": .string("Same school, same carer")]))
        }
        _ = try await call(.POST, "/v1/referrals", s.partnerB, "partner-b", json: oliver.setting("messageId", .string("G-5")).setting("child.dateOfBirth", .string("2014-02-02")))
        let more = try await call(.GET, "/v1/matches", s.practitioner, "practitioner")
        if let matchId = more.json?.lookup("items.0.matchId")?.stringValue {
            _ = try await call(.POST, "/v1/matches/\(matchId)/different", s.practitioner, "practitioner", json: .object(["rationale": .string("Another child")]))
        }
        let joined = try await call(.POST, "/v1/referrals", s.partnerB, "partner-b", json: oliver.setting("messageId", .string("G-6")))
        let joinedId = joined.json?["referralId"]?.stringValue ?? "?"
        let oliverCase = try await call(.GET, "/v1/referrals/\(joinedId)", s.practitioner, "practitioner").json?["caseId"]?.stringValue ?? "?"
        _ = try await call(.POST, "/v1/cases/\(oliverCase)/unlink", s.practitioner, "practitioner",
                           json: .object(["referralId": .string(joinedId), "rationale": .string("Another Oliver")]))
        let unlinkApproval = try await call(.GET, "/v1/approvals", s.manager, "manager")
        if let id = unlinkApproval.json?.lookup("items.0.id")?.stringValue {
            _ = try await call(.POST, "/v1/decisions/\(id)/approval", s.manager, "manager", json: .object(["approve": .bool(true), "rationale": .string("Checked")]))
        }
        _ = try await call(.GET, "/v1/cases/\(oliverCase)", s.practitioner, "practitioner")

        // Reads and refusals.
        _ = try await call(.GET, "/v1/indicators?from=2026-11-01&to=2026-12-31", s.manager, "manager")
        _ = try await call(.GET, "/v1/indicators?from=2026-13-01", s.manager, "manager")
        _ = try await call(.GET, "/v1/cases/C-0000000000", s.practitioner, "practitioner")
        _ = try await call(.GET, "/v1/queue", s.partnerA, "partner-a")
        _ = try await call(.GET, "/v1/queue", nil, "nobody")
        _ = try await call(.GET, "/healthz", nil, "nobody")

        // The census (issue 18): codes on milestones, the child's details corrected, the quality list.
        _ = try await call(.POST, "/v1/cases/\(urgentCase)/milestones", s.practitioner, "practitioner", json: .object([
            "milestone": .string("assessment-completed"), "factors": .array([.string("16A"), .string("3A")]), "primaryNeed": .string("N1"), "rationale": .string("Signed off")]))
        _ = try await call(.POST, "/v1/cases/\(urgentCase)/milestones", s.practitioner, "practitioner", json: .object([
            "milestone": .string("cp-plan-started"), "category": .string("NEG"), "rationale": .string("Conference decided a plan")]))
        _ = try await call(.POST, "/v1/cases/\(urgentCase)/milestones", s.practitioner, "practitioner", json: .object([
            "milestone": .string("cp-plan-started"), "category": .string("XYZ"), "rationale": .string("Wrong code")]))
        _ = try await call(.PATCH, "/v1/cases/\(urgentCase)/child", s.practitioner, "practitioner", json: .object([
            "upn": .string("V936000178301"), "ethnicity": .string("WBRI"), "sex": .string("F"), "rationale": .string("School record")]))
        _ = try await call(.GET, "/v1/census/quality?year=2026-27", s.manager, "manager")
    }

    @discardableResult
    mutating func call(_ method: HTTPMethod, _ path: String, _ token: String?, _ role: String, json: JSONValue? = nil,
                       contentType: String? = nil, body: [UInt8]? = nil) async throws -> TestServer.Answer {
        let answer = try await server.request(method, path, token: token, contentType: contentType ?? (json == nil ? nil : "application/json"),
                                              body: body ?? json?.serializedBytes())
        transcript += names.normalise("\(method.rawValue) \(path) as \(role) -> \(answer.status)\n")
        transcript += names.normalise(answer.text) + "\n\n"
        return answer
    }
}

