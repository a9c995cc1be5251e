import ContinuumAPI
import ContinuumCore
import ContinuumJSON
import ContinuumStore
import ContinuumTesting
import Foundation
import Testing

@Suite("Event log")
struct EventLogTests {
    @Test("rebuild from the log gives the same cases, queue and clocks")
    func rebuildMatchesLive() async throws {
        let fixture = try StoreFixture()
        var cases: [String] = []
        for index in 0..<6 { cases.append(try await fixture.submit("M-\(index)", child: index).caseId) }
        _ = try await fixture.store.decide(caseId: cases[0], level: nil, rationale: "Agree", overrideReason: nil, actor: StoreFixture.practitioner, at: StoreFixture.start)
        _ = try await fixture.store.decide(caseId: cases[1], level: "intensive-support", rationale: "Pattern", overrideReason: "Third incident",
                                           actor: StoreFixture.practitioner, at: StoreFixture.start)
        _ = try await fixture.store.transition(caseId: cases[2], kind: .close, to: nil, reason: .noFurtherActionAfterAssessment, rationale: "NFA", actor: StoreFixture.practitioner, at: StoreFixture.start)
        _ = try await fixture.store.recordBreaches(at: TestFixtures.at("2026-12-01T09:00:00Z"))
        let today = CalendarDate("2026-12-01") ?? CalendarDate(daysSinceEpoch: 0)
        let before = try await (fixture.store.queue(today: today), cases.asyncMap { try await fixture.store.caseRecord($0, today: today) }, fixture.store.approvals())
        let report = try await fixture.store.rebuild()
        #expect(report.cases == 6 && report.referrals == 6)
        let after = try await (fixture.store.queue(today: today), cases.asyncMap { try await fixture.store.caseRecord($0, today: today) }, fixture.store.approvals())
        #expect(after.0 == before.0)
        #expect(after.1 == before.1)
        #expect(after.2 == before.2)
    }

    @Test("audit verify finds an edited event")
    func tamperIsDetected() async throws {
        let fixture = try StoreFixture()
        for index in 0..<3 { _ = try await fixture.submit("M-\(index)", child: index) }
        #expect(try await fixture.store.verifyChain().events == 6)
        // Edit one event behind the store's back, as someone with the file could.
        let status = try runSQLite(fixture.path, "UPDATE events SET body = replace(body, 'targeted-support', 'thriving') WHERE sequence = 4")
        try #require(status == 0, "sqlite3 is needed for this test")
        await #expect(throws: StoreError.chainBroken(sequence: 4, reason: "its content does not match its hash (edited after it was written)")) {
            try await fixture.store.verifyChain()
        }
    }

    /// A log with every kind of indicator fact: referrals (one a re-referral), a decision, an
    /// override, a front-door closure, step-up and step-down, a milestone and an audit.
    private func indicatorLog(_ fixture: StoreFixture) async throws -> (from: CalendarDate, to: CalendarDate) {
        let store = fixture.store, practitioner = StoreFixture.practitioner, manager = StoreFixture.manager
        let a = try await fixture.submit("A", child: 1)
        let b = try await fixture.submit("B", child: 2)
        let c = try await fixture.submit("C", child: 3)
        let day2 = TestFixtures.at("2026-11-27T10:00:00Z"), day7 = TestFixtures.at("2026-12-02T10:00:00Z")
        _ = try await store.decide(caseId: a.caseId, level: nil, rationale: "Agree", overrideReason: nil, actor: practitioner, at: day2)
        _ = try await store.decide(caseId: b.caseId, level: "child-in-need", rationale: "Needs", overrideReason: "Disability", actor: manager, at: day2)
        _ = try await store.transition(caseId: c.caseId, kind: .close, to: nil, reason: .noFurtherActionAfterAssessment, rationale: "NFA", actor: practitioner, at: day2)
        _ = try await store.transition(caseId: a.caseId, kind: .stepUp, to: "intensive-support", reason: nil, rationale: "Worse", actor: practitioner, at: day7)
        _ = try await store.transition(caseId: a.caseId, kind: .stepDown, to: "targeted-support", reason: nil, rationale: "Better", actor: practitioner, at: day7)
        _ = try await store.recordMilestone(caseId: b.caseId, milestone: "assessment-completed", on: try #require(CalendarDate("2026-12-02")),
                                            rationale: "Done", actor: practitioner, at: day7)
        _ = try await store.recordAudit(caseId: b.caseId, grade: .good, findings: "Clear plan", actor: manager, at: day7)
        _ = try await fixture.submit("A2", child: 1, at: TestFixtures.at("2026-12-20T10:00:00Z"))
        return (try #require(CalendarDate("2026-11-01")), try #require(CalendarDate("2026-12-31")))
    }

    @Test("rebuild recreates the indicator facts: the same report")
    func rebuildKeepsIndicators() async throws {
        let fixture = try StoreFixture()
        let period = try await indicatorLog(fixture)
        let before = try await fixture.store.indicators(from: period.from, to: period.to, targets: IndicatorTargets())
        #expect(before.indicators.first { $0.id == "stepDownReReferredWithin12MonthsPct" }?.value == 100)
        _ = try await fixture.store.rebuild()
        let after = try await fixture.store.indicators(from: period.from, to: period.to, targets: IndicatorTargets())
        #expect(after.json.serialized() == before.json.serialized())
    }

    @Test("a database from before the indicator facts gets them from its log when opened")
    func migrationFillsIndicatorFacts() async throws {
        let fixture = try StoreFixture()
        let period = try await indicatorLog(fixture)
        let before = try await fixture.store.indicators(from: period.from, to: period.to, targets: IndicatorTargets())
        // Back to the v1 schema, as a database written by an earlier version is.
        let status = try runSQLite(fixture.path, """
            DROP TABLE indicator_facts; DROP TABLE clock_stops; DELETE FROM grdb_migrations WHERE identifier = 'v2-indicator-facts';
            """)
        try #require(status == 0, "sqlite3 is needed for this test")
        var notices: [String] = []
        let reopened = try SQLiteCaseStore(path: fixture.path, pathway: fixture.pathway, masterKey: TestFixtures.masterKey) { notices.append($0) }
        #expect(notices.count == 1 && notices.first?.contains("replaying its 15 events") == true, "\(notices)")
        // Opened again, up to date: nothing to say.
        _ = try SQLiteCaseStore(path: fixture.path, pathway: fixture.pathway, masterKey: TestFixtures.masterKey) { notices.append($0) }
        #expect(notices.count == 1)
        let after = try await reopened.indicators(from: period.from, to: period.to, targets: IndicatorTargets())
        #expect(after.json.serialized() == before.json.serialized())
        // The log itself is untouched.
        #expect(try await reopened.verifyChain().events == 15)
    }

    @Test("a damaged indicator fact is reported with the event and the remedy")
    func damagedFactIsReported() async throws {
        let fixture = try StoreFixture()
        let period = try await indicatorLog(fixture)
        let status = try runSQLite(fixture.path, "UPDATE indicator_facts SET phase = 'limbo' WHERE sequence = 1")
        try #require(status == 0, "sqlite3 is needed for this test")
        await #expect(throws: StoreError.projectionBroken(table: "indicator_facts", sequence: 1, reason: "unknown phase")) {
            try await fixture.store.indicators(from: period.from, to: period.to, targets: IndicatorTargets())
        }
        #expect(StoreError.projectionBroken(table: "indicator_facts", sequence: 1, reason: "unknown phase").description.contains("continuum rebuild"))
    }

    @Test("a fact whose columns do not make its kind (a referral without a known source) is reported, not read as a default")
    func factWithoutItsDetail() async throws {
        let fixture = try StoreFixture()
        let period = try await indicatorLog(fixture)
        let status = try runSQLite(fixture.path, "UPDATE indicator_facts SET detail = 'Z9' WHERE kind = 1 AND sequence = (SELECT min(sequence) FROM indicator_facts WHERE kind = 1)")
        try #require(status == 0, "sqlite3 is needed for this test")
        await #expect(throws: StoreError.self) {
            try await fixture.store.indicators(from: period.from, to: period.to, targets: IndicatorTargets())
        }
        do {
            _ = try await fixture.store.indicators(from: period.from, to: period.to, targets: IndicatorTargets())
        } catch let StoreError.projectionBroken(table, _, reason) {
            #expect(table == "indicator_facts")
            #expect(reason == "a referral fact without a known source")
        }
    }

    @Test("the queue's order is an index: a v1 database gets it when opened, and a rebuild keeps it")
    func queueOrderIndex() async throws {
        let fixture = try StoreFixture()
        _ = try await fixture.submit("Q-1")
        let plan = "EXPLAIN QUERY PLAN SELECT c.case_id FROM cases c JOIN referrals r ON r.referral_id = c.latest_referral "
            + "WHERE c.awaiting_decision = 1 ORDER BY c.immediate_risk DESC, c.next_due IS NULL, c.next_due, c.received_at LIMIT 50"
        func sorts() throws -> Bool {
            let (status, output) = try sqlite(fixture.path, plan)
            try #require(status == 0, "sqlite3 is needed for this test")
            #expect(output.contains("cases_queue_order"), "\(output)")
            return output.contains("TEMP B-TREE")
        }
        #expect(try !sorts(), "the most urgent N are read from the index, not sorted from every waiting case")
        // Back to v1's index, as a database written by an earlier version has it.
        let status = try runSQLite(fixture.path, """
            DROP INDEX cases_queue_order; CREATE INDEX cases_queue ON cases(awaiting_decision, immediate_risk, next_due);
            DELETE FROM grdb_migrations WHERE identifier = 'v3-queue-order';
            """)
        try #require(status == 0, "sqlite3 is needed for this test")
        let reopened = try SQLiteCaseStore(path: fixture.path, pathway: fixture.pathway, masterKey: TestFixtures.masterKey)
        #expect(try !sorts())
        #expect(try sqlite(fixture.path, "SELECT name FROM sqlite_master WHERE name = 'cases_queue'").output.isEmpty)
        _ = try await reopened.rebuild()
        #expect(try !sorts())
        #expect(try await reopened.queue(today: UKTime.londonDate(of: StoreFixture.start)).count == 1)
    }

    @Test("a database that kept a copy of each message beside its referral loses the copy when opened; what staff read is the same")
    func messageCopyDropped() async throws {
        let fixture = try StoreFixture()
        let submission = try await fixture.submit("M-1")
        let today = UKTime.londonDate(of: StoreFixture.start)
        let before = try await fixture.store.caseRecord(submission.caseId, today: today)
        let queued = try #require(try await fixture.store.queue(today: today).first?.child)
        let events = try await fixture.store.verifyChain().events
        // As a database written before v13 has it: the message's sealed text in its own column.
        let status = try runSQLite(fixture.path, """
            ALTER TABLE referrals ADD COLUMN message TEXT NOT NULL DEFAULT 'null';
            UPDATE referrals SET message = (SELECT json_extract(body, '$.referral.message') FROM events WHERE sequence = referrals.received_sequence);
            DELETE FROM grdb_migrations WHERE identifier = 'v13-message-in-log';
            """)
        try #require(status == 0, "sqlite3 is needed for this test")
        #expect(try sqlite(fixture.path, "SELECT length(message) > 500 FROM referrals").output.hasPrefix("1"))
        let reopened = try SQLiteCaseStore(path: fixture.path, pathway: fixture.pathway, masterKey: TestFixtures.masterKey)
        #expect(try !sqlite(fixture.path, "SELECT name FROM pragma_table_info('referrals')").output.contains("message\n"))
        let after = try await reopened.caseRecord(submission.caseId, today: today)
        #expect(after.referrals.map(\.message) == before.referrals.map(\.message))
        #expect(after.referrals.first?.message.lookup("child.givenName") != nil)
        #expect(try await reopened.queue(today: today).first?.child == queued)
        #expect(try await reopened.verifyChain().events == events)
    }

    private func runSQLite(_ path: String, _ sql: String) throws -> Int32 {
        try sqlite(path, sql).status
    }

    private func sqlite(_ path: String, _ sql: String) throws -> (status: Int32, output: String) {
        let ran = try ChildProcess.run(executable: "/usr/bin/sqlite3", arguments: [path, sql], environment: ProcessInfo.processInfo.environment)
        return (ran.status, String(decoding: ran.stdout, as: UTF8.self))
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
