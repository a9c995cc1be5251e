import ContinuumAPI
import ContinuumCore
import Foundation
import GRDB
import ContinuumJSON
import ContinuumStore
import ContinuumTesting
import Synchronization
import Testing

@Suite("SQLite case store")
struct SQLiteCaseStoreTests {
    @Test("a referral is stored, routed and queued")
    func submitRoutesAndQueues() async throws {
        let fixture = try StoreFixture()
        let answer = try await fixture.submit("M-1")
        #expect(answer.decision.level == "targeted-support")
        #expect(answer.decisionText.hasPrefix("{\"consentRequired\""))
        #expect(!answer.replayed)
        let queue = try await fixture.store.queue(today: CalendarDate(year: 2026, month: 11, day: 26) ?? CalendarDate(daysSinceEpoch: 0))
        #expect(queue.map(\.caseId) == [answer.caseId])
        #expect(queue.first?.decisionDue == CalendarDate("2026-11-27"))
        #expect(queue.first?.child.ageYears == 8)
    }

    @Test("case and referral ids begin with the millisecond they were made, so later ids sort after earlier ones; the random part keeps its length")
    func orderedIdentifiers() async throws {
        let fixture = try StoreFixture()
        let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
        // The id's nine characters of time, read back as milliseconds since 1970.
        func milliseconds(_ id: String) throws -> UInt64 {
            try id.dropFirst(2).prefix(9).reduce(UInt64(0)) { value, character in
                (value << 5) + UInt64(try #require(alphabet.firstIndex(of: character)))
            }
        }
        let before = UInt64(Date().timeIntervalSince1970 * 1000)
        var answers: [Submission] = []
        for index in 0..<5 {
            answers.append(try await fixture.submit("O-\(index)", child: index + 1))
            try await Task.sleep(for: .milliseconds(3))
        }
        let after = UInt64(Date().timeIntervalSince1970 * 1000)
        #expect(answers.map(\.referralId) == answers.map(\.referralId).sorted())
        #expect(answers.map(\.caseId) == answers.map(\.caseId).sorted())
        for answer in answers {
            #expect(answer.referralId.hasPrefix("R-") && answer.referralId.count == 2 + 9 + 12)
            #expect(answer.caseId.hasPrefix("C-") && answer.caseId.count == 2 + 9 + 10)
            #expect((before...after + 1).contains(try milliseconds(answer.referralId)))
            #expect((before...after + 1).contains(try milliseconds(answer.caseId)))
            #expect(answer.caseId.dropFirst(2).allSatisfy { alphabet.contains($0) })
        }
    }

    @Test("the database, its WAL and its folder are the owner's alone (0600, 0700); an existing file is tightened on open")
    func filePermissions() async throws {
        let fixture = try StoreFixture()
        _ = try await fixture.submit("P-1")
        func mode(_ path: String) throws -> Int {
            try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        }
        #expect(try mode(fixture.path) == 0o600)
        #expect(try mode(fixture.path + "-wal") == 0o600)
        #expect(try mode((fixture.path as NSString).deletingLastPathComponent) == 0o700)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: fixture.path)
        _ = try SQLiteCaseStore(path: fixture.path, pathway: fixture.pathway, masterKey: TestFixtures.masterKey)
        #expect(try mode(fixture.path) == 0o600)
    }

    @Test("a corrupt stored time is a damaged table naming the remedy, never the epoch")
    func corruptTimestamp() async throws {
        let fixture = try StoreFixture()
        let answer = try await fixture.submit("T-1")
        try await DatabaseQueue(path: fixture.path).write { db in
            try db.execute(sql: "UPDATE referrals SET received_at = 'yesterday'")
            try db.execute(sql: "UPDATE cases SET received_at = 'soon'")
        }
        await #expect(throws: StoreError.projectionBroken(table: "referrals", sequence: 0,
                                                          reason: "\(answer.referralId) has received_at \"yesterday\", not an RFC 3339 time")) {
            try await fixture.store.referralStatus(answer.referralId)
        }
        await #expect(throws: StoreError.self) { try await fixture.store.queue(today: UKTime.londonDate(of: StoreFixture.start)) }
        #expect(StoreError.projectionBroken(table: "cases", sequence: 0, reason: "x").description
                == "the cases table is damaged: x; run `continuum rebuild` to recreate it from the event log")
    }

    @Test("the same messageId and body is answered again, not stored twice; another body conflicts")
    func idempotency() async throws {
        let fixture = try StoreFixture()
        let first = try await fixture.submit("M-1")
        let again = try await fixture.submit("M-1")
        #expect(again.replayed)
        #expect(again.referralId == first.referralId && again.caseId == first.caseId)
        // Another partner may use the same messageId: ids are unique per partner.
        let other = try await fixture.submit("M-1", partner: "partner-b")
        #expect(!other.replayed && other.referralId != first.referralId)
        let changed = try StoreFixture.referral(TestFixtures.referral("M-1").setting("summary", .string("Different")))
        await #expect(throws: StoreError.messageIdConflict(messageId: "M-1", referralId: first.referralId)) {
            try await fixture.store.submit(changed, partnerId: "partner-a", actor: StoreFixture.partner, receivedAt: StoreFixture.start)
        }
        let report = try await fixture.store.rebuild()
        #expect(report.referrals == 2)
    }

    @Test("a referral for a child with an open case joins it; after closure a new case is a re-referral")
    func childMatching() async throws {
        let fixture = try StoreFixture()
        let first = try await fixture.submit("M-1")
        let second = try await fixture.submit("M-2")
        #expect(second.caseId == first.caseId && second.joinedOpenCase)
        #expect(second.reReferral)
        let unrelated = try await fixture.submit("M-3", child: 7)
        #expect(unrelated.caseId != first.caseId && !unrelated.reReferral)

        _ = try await fixture.store.transition(caseId: first.caseId, kind: .close, to: nil, reason: .noFurtherActionAfterAssessment, rationale: "No further action",
                                               actor: StoreFixture.practitioner, at: StoreFixture.start.adding(seconds: 60))
        let later = StoreFixture.start.adding(seconds: 86_400 * 30)
        let third = try await fixture.submit("M-4", at: later)
        #expect(third.caseId != first.caseId && !third.joinedOpenCase)
        #expect(third.reReferral)
        let record = try await fixture.store.caseRecord(third.caseId, today: UKTime.londonDate(of: later))
        #expect(record.referrals.first?.previousReferralId == second.referralId)
    }

    @Test("an override needs a manager's approval; the approval applies it")
    func approvals() async throws {
        let fixture = try StoreFixture()
        let answer = try await fixture.submit("M-1")
        let pending = try await fixture.store.decide(caseId: answer.caseId, level: "intensive-support", rationale: "Third incident",
                                                     overrideReason: "Escalating pattern", actor: StoreFixture.practitioner, at: StoreFixture.start)
        #expect(pending.status == .pendingApproval)
        #expect(try await fixture.store.approvals().map(\.id) == [pending.eventId])
        await #expect(throws: StoreError.self) {
            try await fixture.store.resolveApproval(pending.eventId, approve: true, rationale: nil, actor: StoreFixture.practitioner, at: StoreFixture.start)
        }
        let approved = try await fixture.store.resolveApproval(pending.eventId, approve: true, rationale: "Agreed", actor: StoreFixture.manager, at: StoreFixture.start)
        #expect(approved.status == .applied && approved.level == "intensive-support")
        #expect(try await fixture.store.approvals().isEmpty)
        await #expect(throws: StoreError.approvalNotFound(pending.eventId)) {
            try await fixture.store.resolveApproval(pending.eventId, approve: true, rationale: nil, actor: StoreFixture.manager, at: StoreFixture.start)
        }
    }

    @Test("a clock past its due date is recorded as breached once, and shows in the queue")
    func breaches() async throws {
        let fixture = try StoreFixture()
        let answer = try await fixture.submit("M-1")
        #expect(try await fixture.store.recordBreaches(at: StoreFixture.start) == 0)
        let monday = TestFixtures.at("2026-11-30T09:00:00Z")  // due Friday 27th
        #expect(try await fixture.store.recordBreaches(at: monday) == 1)
        #expect(try await fixture.store.recordBreaches(at: monday) == 0)
        let queue = try await fixture.store.queue(today: UKTime.londonDate(of: monday))
        #expect(queue.first?.overdue == true)
        let record = try await fixture.store.caseRecord(answer.caseId, today: UKTime.londonDate(of: monday))
        #expect(record.events.last?.type == .clockBreached)
        #expect(record.clocks.first?.breached == true)
    }

    @Test("a long catch-up of breaches commits in batches, and referrals are committed in between", .timeLimit(.minutes(1)))
    func breachesInBatches() async throws {
        let fixture = try StoreFixture()
        for index in 0..<25 { _ = try await fixture.submit("M-\(index)", child: index) }
        let monday = TestFixtures.at("2026-11-30T09:00:00Z")  // every decision clock was due Friday 27th
        let store = fixture.store
        let totals = Mutex<[Int]>([])
        let between = Mutex<String?>(nil)
        let recorded = try await store.recordBreaches(at: monday, batchSize: 10) { total in
            totals.withLock { $0.append(total) }
            // A referral sent during the catch-up is committed before it ends (it would wait
            // for the whole catch-up if that were one transaction).
            if total == 10, let answer = try? await fixture.submit("M-during", child: 99, at: monday) {
                between.withLock { $0 = answer.caseId }
            }
        }
        #expect(recorded == 25)
        #expect(totals.withLock { $0 } == [10, 20, 25])
        let during = try #require(between.withLock { $0 })
        // Its own decision clock is not yet due, so a second pass finds nothing more.
        #expect(try await store.recordBreaches(at: monday) == 0)
        let record = try await store.caseRecord(during, today: UKTime.londonDate(of: monday))
        #expect(!record.events.contains { $0.type == .clockBreached })
    }

    @Test("a disallowed transition is refused with the pathway's rule and changes nothing")
    func refusedTransition() async throws {
        let fixture = try StoreFixture()
        let answer = try await fixture.submit("M-1")
        _ = try await fixture.store.decide(caseId: answer.caseId, level: nil, rationale: "Agree", overrideReason: nil,
                                           actor: StoreFixture.practitioner, at: StoreFixture.start)
        let before = try await fixture.store.caseRecord(answer.caseId, today: UKTime.londonDate(of: StoreFixture.start))
        do {
            _ = try await fixture.store.transition(caseId: answer.caseId, kind: .stepUp, to: "looked-after", reason: nil, rationale: "x",
                                                   actor: StoreFixture.practitioner, at: StoreFixture.start)
            Issue.record("expected a refusal")
        } catch StoreError.refused(let refusal) {
            #expect(refusal.description.contains("up-intensive"))
        }
        let after = try await fixture.store.caseRecord(answer.caseId, today: UKTime.londonDate(of: StoreFixture.start))
        #expect(after == before)
    }

    @Test("concurrent submissions share commits: all stored once, chain intact")
    func groupCommit() async throws {
        let fixture = try StoreFixture()
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<200 {
                group.addTask { try await fixture.submit("M-\(index)", child: index).referralId }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(Set(ids).count == 200)
        let chain = try await fixture.store.verifyChain()
        #expect(chain.events == 400)
    }
}
