import ContinuumAPI
import ContinuumCore
import ContinuumJSON
import ContinuumStore
import ContinuumTesting
import Foundation
import GRDB
import Testing

/// Tamper evidence beyond the chain's tail (issue 22): signed checkpoints, and projections and
/// tokens checked against a replay of the log.
@Suite("Checkpoints")
struct CheckpointTests {
    /// A store with three referrals (one decided) and a token: 9 events.
    static func logged() async throws -> StoreFixture {
        let fixture = try StoreFixture()
        _ = try await fixture.store.createToken(role: .partner, partnerId: "partner-a", name: nil, at: StoreFixture.start)
        let first = try await fixture.submit("K-1", child: 1)
        _ = try await fixture.submit("K-2", child: 2)
        _ = try await fixture.submit("K-3", child: 3)
        _ = try await fixture.store.decide(caseId: first.caseId, level: nil, rationale: "Agree", overrideReason: nil, actor: StoreFixture.practitioner,
                                           at: StoreFixture.start.adding(seconds: 60))
        return fixture
    }

    static func execute(_ path: String, _ sql: String) throws {
        try DatabaseQueue(path: path).writeWithoutTransaction { try $0.execute(sql: sql) }
    }

    @Test("a checkpoint is signed by its key alone, and an altered one does not verify")
    func signing() async throws {
        let fixture = try await Self.logged()
        let key = CheckpointKey.generate()
        let checkpoint = try await fixture.store.checkpoint(key: key, at: StoreFixture.start)
        #expect(checkpoint.events == 8)
        try key.verify(checkpoint)
        var altered = checkpoint
        altered.events = 5
        #expect(throws: CheckpointError.badSignature) { try key.verify(altered) }
        let other = CheckpointKey.generate()
        #expect(throws: CheckpointError.wrongKey(expected: other.keyId, got: key.keyId)) { try other.verify(checkpoint) }
        let reread = try JSONParser().parse(try checkpoint.fileText()).decode(Checkpoint.self)
        #expect(reread == checkpoint)
        #expect(try await fixture.store.problems(against: checkpoint).isEmpty)
        #expect(try await fixture.store.problemsAgainstReplay().isEmpty)
    }

    @Test("cutting the tail, deleting the whole log, or rewriting it with its hashes recomputed fails against a checkpoint")
    func truncationDeletionRehash() async throws {
        let fixture = try await Self.logged()
        let checkpoint = try await fixture.store.checkpoint(key: CheckpointKey.generate(), at: StoreFixture.start)
        let second = try await Self.logged()
        let copy = second.path
        try Self.execute(fixture.path, "DELETE FROM events WHERE sequence > 6")
        #expect(try await fixture.store.verifyChain().events == 6, "the chain alone cannot tell")
        #expect(try await fixture.store.problems(against: checkpoint).first?.contains("cut from its end") == true)
        try Self.execute(fixture.path, "DELETE FROM events")
        #expect(try await fixture.store.problems(against: checkpoint).first?.contains("whole log was deleted") == true)

        // Rewritten: an event's body edited and every hash from it on recomputed (no key needed).
        let rewritten = second.store
        let signed = try await rewritten.checkpoint(key: CheckpointKey.generate(), at: StoreFixture.start)
        try await DatabaseQueue(path: copy).write { db in
            var previous = EventRecord.genesisHash
            for row in try Row.fetchAll(db, sql: "SELECT * FROM events ORDER BY sequence") {
                var body: String = row["body"]
                // The decision's level (in the clear: its rationale is sealed).
                if (row["sequence"] as Int64) == 8 { body = body.replacingOccurrences(of: "\"level\":\"", with: "\"level\":\"x") }
                let actor = Actor(id: row["actor_id"], role: try #require(Role(rawValue: row["actor_role"] as String)))
                let text = EventRecord.canonicalText(sequence: row["sequence"], caseId: row["case_id"], actor: actor,
                                                     at: try #require(Timestamp(rfc3339: row["at"] as String)), body: body)
                let hash = EventRecord.chainHash(previousHash: previous, canonicalText: text)
                try db.execute(sql: "UPDATE events SET body = ?, previous_hash = ?, hash = ? WHERE sequence = ?", arguments: [body, previous, hash, row["sequence"] as Int64])
                previous = hash
            }
        }
        #expect(try await rewritten.verifyChain().events == 8, "the chain alone cannot tell")
        #expect(try await rewritten.problems(against: signed).first?.contains("rewritten") == true)
    }

    @Test("the unhashed type column must say what the hashed body says")
    func typeColumn() async throws {
        let fixture = try await Self.logged()
        try Self.execute(fixture.path, "UPDATE events SET type = 'closed' WHERE sequence = 8")
        await #expect(throws: StoreError.chainBroken(sequence: 8, reason: "its type column says \"closed\" but its hashed body is a decided event")) {
            try await fixture.store.verifyChain()
        }
    }

    @Test("projection and token rows edited outside Continuum disagree with a replay")
    func projectionsAndTokens() async throws {
        let fixture = try await Self.logged()
        try Self.execute(fixture.path, "UPDATE cases SET level = 'looked-after' WHERE level IS NOT NULL")
        try Self.execute(fixture.path, "UPDATE referrals SET decision = decision || ' '")
        try Self.execute(fixture.path, "UPDATE tokens SET role = 'manager', partner_id = NULL")
        try Self.execute(fixture.path, "INSERT INTO tokens (token_id, secret_hash, role, created_at) VALUES ('T-INJECTED', 'x', 'admin', '2027-01-01T00:00:00Z')")
        let problems = try await fixture.store.problemsAgainstReplay()
        #expect(problems.contains { $0.contains("the cases table") })
        #expect(problems.contains { $0.contains("the referrals table") })
        #expect(problems.contains { $0.contains("differs from the log") && $0.contains("partner of partner-a") })
        #expect(problems.contains { $0.contains("T-INJECTED") && $0.contains("not in the log") })

        // A qualification granted in place (to hold a case role the pathway refuses) shows too.
        let person = try await fixture.store.createToken(role: .practitioner, partnerId: nil, name: "Fran", qualification: .familySupportWorker, at: StoreFixture.start)
        #expect(try await fixture.store.problemsAgainstReplay().allSatisfy { !$0.contains(person.info.tokenId) })
        try Self.execute(fixture.path, "UPDATE tokens SET qualification = 'social-worker' WHERE token_id = '\(person.info.tokenId)'")
        #expect(try await fixture.store.problemsAgainstReplay().contains { $0.contains(person.info.tokenId) && $0.contains("family-support-worker") })
        // The replay's copy is removed.
        let folder = (fixture.path as NSString).deletingLastPathComponent
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).allSatisfy { !$0.hasPrefix(".continuum-verify") })
        _ = try await fixture.store.rebuild()
        #expect(try await fixture.store.problemsAgainstReplay().filter { !$0.contains("token") }.isEmpty, "rebuild restores the projections")
    }

    @Test("key files: private signs, public verifies, anything else is refused with the reason")
    func keyFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-keys-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let key = CheckpointKey.generate()
        try (key.privateFileText ?? "").write(toFile: folder + "/key", atomically: true, encoding: .utf8)
        try key.publicFileText.write(toFile: folder + "/key.pub", atomically: true, encoding: .utf8)
        let signer = try CheckpointKey(file: folder + "/key")
        let verifier = try CheckpointKey(file: folder + "/key.pub")
        #expect(signer.canSign && !verifier.canSign && signer.keyId == verifier.keyId)
        try verifier.verify(try signer.sign(events: 3, lastHash: EventRecord.genesisHash, at: StoreFixture.start))
        try "not a key".write(toFile: folder + "/bad", atomically: true, encoding: .utf8)
        #expect(throws: CheckpointError.self) { try CheckpointKey(file: folder + "/bad") }
        #expect(throws: CheckpointError.self) { try CheckpointKey(file: folder + "/missing") }
    }

    @Test("a checkpoint signs the access log's head too: lines cut from its end show; an event-only (v1) checkpoint still verifies")
    func accessLogHead() async throws {
        let fixture = try await Self.logged()
        let reader = Principal(tokenId: "T-READER", role: .practitioner, partnerId: nil, name: nil)
        let caseId = try #require(try await fixture.store.queue(today: UKTime.londonDate(of: StoreFixture.start)).first?.caseId)
        for minute in 0..<3 {
            try await fixture.store.recordAccess([AccessRead(caseId: caseId, view: .case)], by: reader, at: StoreFixture.start.adding(seconds: Int64(60 * minute)))
        }
        let key = CheckpointKey.generate()
        let signed = try await fixture.store.checkpoint(key: key, at: StoreFixture.start)
        #expect(signed.format == Checkpoint.formatWithAccess && signed.accessEntries == 3)
        try key.verify(signed)
        var altered = signed
        altered.accessEntries = 2
        #expect(throws: CheckpointError.badSignature) { try key.verify(altered) }
        #expect(try await fixture.store.problems(against: signed).isEmpty)

        let eventsOnly = try key.sign(events: signed.events, lastHash: signed.lastHash, at: StoreFixture.start)
        try key.verify(eventsOnly)
        #expect(eventsOnly.format == Checkpoint.format && eventsOnly.accessEntries == nil)

        try Self.execute(fixture.path, "DELETE FROM access_log WHERE sequence = 3")
        #expect(try await fixture.store.verifyChain().accessEntries == 2, "the chain alone cannot see a cut end")
        let problems = try await fixture.store.problems(against: signed)
        #expect(problems.count == 1 && problems[0].contains("the access log has 2 lines but the checkpoint"))
        #expect(try await fixture.store.problems(against: eventsOnly).isEmpty)
    }
}
