import ContinuumAPI
import ContinuumCore
import ContinuumJSON
import ContinuumStore
import ContinuumTesting
import Foundation
import Testing

/// Children's personal data at rest (issue 20): sealed under per-referral and per-case data keys
/// wrapped by the master key; erasure destroys the keys; a wrong key is refused; rotation re-wraps;
/// a database from before is encrypted when first opened with a key.
@Suite("Personal data at rest")
struct EncryptionTests {
    /// Values that appear nowhere else in a test database, so finding one in the file means a leak.
    static let secrets = ["Zebedee", "Quintrell", "2015-06-09", "9434765919", "KT22 7QX", "Ophelia Brandt", "o.brandt@example.police.uk",
                          "Hollis", "Summary-Marker-8841", "Detail-Marker-5520", "Rationale-Marker-3310", "Closing-Marker-7702", "Approved-Marker-6604"]

    static func personal(_ messageId: String) throws -> JSONValue {
        try TestFixtures.example("police-domestic-abuse").setting("messageId", .string(messageId))
            .setting("child.givenName", .string("Zebedee")).setting("child.familyName", .string("Quintrell"))
            .setting("child.dateOfBirth", .string("2015-06-09")).setting("child.nhsNumber", .string("9434765919"))
            .setting("child.postcode", .string("KT22 7QX")).setting("referrer.name", .string("Ophelia Brandt"))
            .setting("referrer.email", .string("o.brandt@example.police.uk"))
            .setting("household", .array([.object(["givenName": .string("Hollis"), "familyName": .string("Quintrell"), "relationship": .string("mother")])]))
            .setting("summary", .string("Summary-Marker-8841"))
            .setting("concerns", .array([.object(["factor": .string("3B"), "impact": .string("medium"), "detail": .string("Detail-Marker-5520")])]))
    }

    /// The texts of `needles` found in the database file or its WAL.
    static func found(_ needles: [String], in path: String) throws -> [String] {
        var bytes: [UInt8] = []
        for file in [path, path + "-wal"] where FileManager.default.fileExists(atPath: file) {
            bytes += Array(try Data(contentsOf: URL(fileURLWithPath: file)))
        }
        return needles.filter { needle in
            let pattern = Array(needle.utf8)
            guard pattern.count <= bytes.count else { return false }
            return (0...(bytes.count - pattern.count)).contains { start in bytes[start] == pattern[0] && Array(bytes[start..<(start + pattern.count)]) == pattern }
        }
    }

    /// A child referred, decided at child in need by a practitioner's override a manager approved, and closed.
    static func closedChild(_ fixture: StoreFixture) async throws -> String {
        let referral = try StoreFixture.referral(personal("P-1"))
        let answer = try await fixture.store.submit(referral, partnerId: "partner-a", actor: StoreFixture.partner, receivedAt: StoreFixture.start)
        // A practitioner's override waits for a manager: the pending state holds its rationale.
        let pending = try await fixture.store.decide(caseId: answer.caseId, level: "child-in-need", rationale: "Rationale-Marker-3310",
                                                     overrideReason: "Closing-Marker-7702", actor: StoreFixture.practitioner, at: StoreFixture.start)
        #expect(pending.status == .pendingApproval)
        _ = try await fixture.store.resolveApproval(pending.eventId, approve: true, rationale: "Approved-Marker-6604", actor: StoreFixture.manager, at: StoreFixture.start)
        _ = try await fixture.store.transition(caseId: answer.caseId, kind: .close, to: nil, reason: .servicesCeased, rationale: "ended",
                                               actor: StoreFixture.manager, at: StoreFixture.start)
        return answer.caseId
    }

    @Test("names, dates of birth, NHS numbers, addresses and free text never reach the file or its WAL; staff still read them")
    func atRest() async throws {
        let fixture = try StoreFixture()
        let caseId = try await Self.closedChild(fixture)
        #expect(try Self.found(Self.secrets, in: fixture.path) == [])
        #expect(try Self.found(["Surrey Police", "child-in-need"], in: fixture.path).count == 2, "what is not personal stays readable")
        let record = try await fixture.store.caseRecord(caseId, today: UKTime.londonDate(of: StoreFixture.start))
        #expect(record.referrals.first?.message.lookup("child.givenName") == .string("Zebedee"))
        #expect(record.referrals.first?.message.lookup("household.0.givenName") == .string("Hollis"))
        #expect(record.events.contains { $0.detail.lookup("decided.rationale") == .string("Rationale-Marker-3310") })
        #expect(try await fixture.store.verifyChain().events == 5)
    }

    @Test("erasure destroys the child's keys: shown as erased, the chain verifies, past indicators unchanged, nothing left in the file")
    func erasure() async throws {
        let fixture = try StoreFixture()
        let caseId = try await Self.closedChild(fixture)
        let period = (try #require(CalendarDate("2026-11-01")), try #require(CalendarDate("2026-11-30")))
        let before = try await fixture.store.indicators(from: period.0, to: period.1, targets: IndicatorTargets())

        #expect(try await fixture.store.applyRetention(asOf: try #require(CalendarDate("2040-01-01")), actor: StoreFixture.manager, at: StoreFixture.start).events.isEmpty,
                "child in need is kept to the 25th birthday (2040-06-09)")
        let erased = try await fixture.store.applyRetention(asOf: try #require(CalendarDate("2041-01-01")), actor: StoreFixture.manager, at: StoreFixture.start)
        #expect(erased.events.count == 1 && erased.report.due.first?.caseIds == [caseId])
        // The destroyed keys' rows are not left in the WAL either: it was checkpointed and emptied.
        #expect(WALCheckpointTests.walSize(fixture) == 0)

        let record = try await fixture.store.caseRecord(caseId, today: UKTime.londonDate(of: StoreFixture.start))
        #expect(record.erasure?.rule == "until the 25th birthday" && record.level == "child-in-need" && record.phase == .closed)
        let message = try #require(record.referrals.first?.message)
        #expect(message.lookup("child.givenName") == .null && message.lookup("child.dateOfBirth") == .null && message.lookup("summary") == .null)
        #expect(message.lookup("referrer.agency") == .string("Surrey Police"), "codes and agencies remain")
        #expect(record.events.contains { $0.detail.lookup("decided.rationale") == .null && $0.detail.lookup("decided.level") == .string("child-in-need") })
        #expect(record.events.last?.type == .personalDataErased)

        #expect(try await fixture.store.verifyChain().events == 6)
        let after = try await fixture.store.indicators(from: period.0, to: period.1, targets: IndicatorTargets())
        #expect(after.json.serialized() == before.json.serialized())
        #expect(try await fixture.store.problemsAgainstReplay() == [])
        #expect(try Self.found(Self.secrets, in: fixture.path) == [])
        // A second run finds no one; the same child referred again is a new child to matching.
        #expect(try await fixture.store.applyRetention(asOf: try #require(CalendarDate("2041-01-01")), actor: StoreFixture.manager, at: StoreFixture.start).report.erased == 1)
        let again = try await fixture.store.submit(try StoreFixture.referral(Self.personal("P-2")), partnerId: "partner-a", actor: StoreFixture.partner,
                                                   receivedAt: StoreFixture.start)
        #expect(again.caseId != caseId && !again.reReferral)
        _ = try await fixture.store.rebuild()
        #expect(try await fixture.store.caseRecord(caseId, today: UKTime.londonDate(of: StoreFixture.start)).erasure != nil)
    }

    @Test("another database's key is refused and writes nothing; without a key the store opens locked")
    func wrongKeyAndLocked() async throws {
        let fixture = try StoreFixture()
        let caseId = try await Self.closedChild(fixture)
        let stranger = MasterKey.generate()
        #expect(throws: StoreError.wrongMasterKey(expected: TestFixtures.masterKey.id, given: stranger.id)) {
            try SQLiteCaseStore(path: fixture.path, pathway: fixture.pathway, masterKey: stranger)
        }
        let locked = try SQLiteCaseStore(path: fixture.path, pathway: fixture.pathway, masterKey: nil)
        #expect(try await locked.verifyChain().events == 5)
        #expect(try await locked.indicators(from: UKTime.londonDate(of: StoreFixture.start), to: UKTime.londonDate(of: StoreFixture.start), targets: IndicatorTargets()).indicators.isEmpty == false)
        await #expect(throws: StoreError.masterKeyRequired("reading personal data")) {
            try await locked.caseRecord(caseId, today: UKTime.londonDate(of: StoreFixture.start))
        }
        await #expect(throws: StoreError.masterKeyRequired("matching a child")) {
            try await locked.submit(try StoreFixture.referral(Self.personal("P-3")), partnerId: "partner-a", actor: StoreFixture.partner, receivedAt: StoreFixture.start)
        }
    }

    @Test("rotation re-wraps every key under the new master key; a rotation stopped part-way is finished by running it again")
    func rotation() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-rotate-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("continuum.sqlite").path
        let old = MasterKey.generate(), new = MasterKey.generate()
        let pathway = try TestFixtures.surrey()
        var caseId = ""
        do {
            let store = try SQLiteCaseStore(path: path, pathway: pathway, masterKey: old)
            for index in 1...3 {
                let referral = try StoreFixture.referral(TestFixtures.referral("K-\(index)", child: index))
                caseId = try await store.submit(referral, partnerId: "partner-a", actor: StoreFixture.partner, receivedAt: StoreFixture.start).caseId
            }
        }
        struct Interrupted: Error {}
        #expect(throws: Interrupted.self) {
            try KeyRotation.rotate(database: path, from: old, to: new, batchSize: 1) { done, _ in if done >= 2 { throw Interrupted() } }
        }
        #expect(throws: StoreError.keyRotationUnfinished(from: old.id, to: new.id)) { try SQLiteCaseStore(path: path, pathway: pathway, masterKey: new) }
        #expect(throws: StoreError.keyRotationUnfinished(from: old.id, to: new.id)) { try SQLiteCaseStore(path: path, pathway: pathway, masterKey: old) }
        #expect(throws: StoreError.keyRotationUnfinished(from: old.id, to: new.id)) {
            try KeyRotation.rotate(database: path, from: old, to: MasterKey.generate())
        }
        let finished = try KeyRotation.rotate(database: path, from: old, to: new)
        #expect(finished.total == 4 && finished.rewrapped == 2, "3 referral keys and the matching key; 2 done before the stop")
        let store = try SQLiteCaseStore(path: path, pathway: pathway, masterKey: new)
        #expect(try await store.caseRecord(caseId, today: UKTime.londonDate(of: StoreFixture.start)).referrals.first?.message.lookup("child.givenName") == .string("Childd"))
        let again = try await store.submit(try StoreFixture.referral(TestFixtures.referral("K-4", child: 3)), partnerId: "partner-a", actor: StoreFixture.partner,
                                           receivedAt: StoreFixture.start)
        #expect(again.caseId == caseId, "the matching key survived the rotation: the same child joins its open case")
        #expect(throws: StoreError.wrongMasterKey(expected: new.id, given: old.id)) { try SQLiteCaseStore(path: path, pathway: pathway, masterKey: old) }
        #expect(try KeyRotation.rotate(database: path, from: old, to: new).alreadyDone)
    }

    @Test("a log with personal data in the clear is encrypted when first opened with a key: the chain verifies, an old checkpoint still holds")
    func upgrade() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-upgrade-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("old.sqlite").path
        let pathway = try TestFixtures.surrey()
        // The log the first version with a wire golden wrote, in the clear, as an old database holds it.
        let lines = try OldLog.rows()
        let checkpointKey = CheckpointKey.generate()
        let signed: Checkpoint
        do {
            let plain = try SQLiteCaseStore(path: path, pathway: pathway, masterKey: nil)
            try await OldLog.write(lines, into: path)
            signed = try await plain.checkpoint(key: checkpointKey, at: StoreFixture.start)
            #expect(try Self.found(["Childb", "Police attended"], in: path).count == 2, "the old log is in the clear")
        }
        var notices: [String] = []
        let store = try SQLiteCaseStore(path: path, pathway: pathway, masterKey: TestFixtures.masterKey) { notices.append($0) }
        #expect(notices.first?.contains("encrypting the personal data") == true && notices.first?.contains("per million referrals") == true)
        #expect(try Self.found(["Childb", "Police attended", "Agree"], in: path) == [])
        let report = try await store.verifyChain()
        #expect(report.events == Int64(lines.count) && report.lastHash != signed.lastHash)
        #expect(try await store.problems(against: signed) == [], "a checkpoint signed before the upgrade still holds")
        // The test wrote the old log's token events without their rows: only those may differ.
        let replay = try await store.problemsAgainstReplay()
        #expect(replay.filter { !$0.hasPrefix("token ") } == [])
        let caseId = try #require(lines.first { $0[2].stringValue == "referral-received" }?[1].stringValue)
        let record = try await store.caseRecord(caseId, today: UKTime.londonDate(of: StoreFixture.start))
        #expect(record.referrals.first?.message.lookup("child.givenName")?.stringValue?.hasPrefix("Child") == true)
        // Reopened: nothing more to do.
        notices = []
        _ = try SQLiteCaseStore(path: path, pathway: pathway, masterKey: TestFixtures.masterKey) { notices.append($0) }
        #expect(notices.isEmpty)
    }
}
