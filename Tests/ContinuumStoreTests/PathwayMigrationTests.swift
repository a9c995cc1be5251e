import ContinuumAPI
import ContinuumCore
import ContinuumJSON
import ContinuumStore
import ContinuumTesting
import Foundation
import Testing

/// Carrying open cases from surrey@2026-11 to surrey-families-first@2027-04 (issue 15):
/// routing by the version in force, the migration as events, the review list, re-runs, rebuild.
@Suite("Pathway migration")
struct PathwayMigrationTests {
    let store: SQLiteCaseStore
    let migrator = Actor(id: "pathway-migrate", role: .admin)
    static let before = TestFixtures.at("2027-03-31T10:00:00Z")
    static let changeDay = TestFixtures.at("2027-04-01T09:00:00Z")
    static let after = TestFixtures.at("2027-04-02T10:00:00Z")

    init() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-migration-\(UUID().uuidString)")
        store = try SQLiteCaseStore(path: folder.appendingPathComponent("continuum.sqlite").path,
                                    pathways: try PathwaySet([try TestFixtures.surrey(), try TestFixtures.familiesFirst()]), masterKey: TestFixtures.masterKey)
    }

    func submit(_ id: String, child: Int, consent: String = "given", at: Timestamp = StoreFixture.start) async throws -> Submission {
        let value = try TestFixtures.referral(id, child: child).setting("consent", .string(consent))
        return try await store.submit(try StoreFixture.referral(value, receivedAt: at), partnerId: "partner-a", actor: StoreFixture.partner, receivedAt: at)
    }

    /// A case opened by a manager at `level` (an override where it is not the recommendation).
    func opened(_ id: String, child: Int, at level: String) async throws -> String {
        let answer = try await submit(id, child: child)
        let same = answer.decision.level == level
        _ = try await store.decide(caseId: answer.caseId, level: same ? nil : level, rationale: "test", overrideReason: same ? nil : "test",
                                   actor: StoreFixture.manager, at: StoreFixture.start)
        return answer.caseId
    }

    func milestone(_ caseId: String, _ id: String) async throws {
        _ = try await store.recordMilestone(caseId: caseId, milestone: id, on: UKTime.londonDate(of: StoreFixture.start), rationale: "held",
                                            actor: StoreFixture.practitioner, at: StoreFixture.start)
    }

    @Test("a referral is routed by the version in force on the day it arrives, and its case stays on that version")
    func routedByDate() async throws {
        let old = try await submit("V-1", child: 901, at: Self.before)
        let new = try await submit("V-2", child: 902, at: Self.after)
        #expect(old.decision.pathway == "surrey@2026-11" && old.decision.level == "targeted-support")
        #expect(new.decision.pathway == "surrey-families-first@2027-04" && new.decision.level == "family-help-targeted")
        #expect(try await store.caseRecord(old.caseId, today: UKTime.londonDate(of: Self.after)).pathway == "surrey@2026-11")
        // A later referral for the old case's child joins it and is routed by its version.
        let again = try await submit("V-3", child: 901, at: Self.after)
        #expect(again.caseId == old.caseId && again.decision.pathway == "surrey@2026-11")
    }

    @Test("open cases at every old level move by the mapping; the rest wait on the review list; a re-run moves nothing; rebuild and audit verify hold")
    func migrateEveryLevel() async throws {
        var cases: [String: String] = [:]
        for (index, level) in ["thriving", "emerging-needs", "targeted-support", "intensive-support", "child-in-need", "child-protection", "looked-after"].enumerated() {
            cases[level] = try await opened("L-\(index)", child: 100 + index, at: level)
        }
        // Child protection with a plan in force (review clock running) and without (enquiry over).
        try await milestone(try #require(cases["child-protection"]), "strategy-discussion")
        try await milestone(try #require(cases["child-protection"]), "initial-conference-held")
        let noPlan = try await opened("L-CP2", child: 120, at: "child-protection")
        try await milestone(noPlan, "assessment-completed")
        // A step-down waiting for a manager.
        let pending = try await opened("L-PEND", child: 121, at: "child-in-need")
        _ = try await store.transition(caseId: pending, kind: .stepDown, to: "intensive-support", reason: nil, rationale: "improving",
                                       actor: StoreFixture.practitioner, at: StoreFixture.start)
        // Targeted support whose latest referral says consent is refused.
        let withdrawn = try await opened("L-WD", child: 122, at: "targeted-support")
        _ = try await submit("L-WD2", child: 122, consent: "refused")
        // Awaiting the front door's decision.
        let waiting = try await submit("L-WAIT", child: 123).caseId
        let assessmentDue = try await store.caseRecord(try #require(cases["child-in-need"]), today: UKTime.londonDate(of: Self.changeDay))
            .clocks.first { $0.clock == "assessment" }?.due

        let mapping = try TestFixtures.familiesFirstMapping()
        let eventsBefore = try await store.verifyChain().events
        let dry = try await store.migrate(mapping, dryRun: true, actor: migrator, at: Self.changeDay)
        #expect(try await store.verifyChain().events == eventsBefore)
        #expect(dry.cases == 11 && dry.moved == 8)
        #expect(Set(dry.review) == [noPlan, pending, withdrawn])

        let report = try await store.migrate(mapping, dryRun: false, actor: migrator, at: Self.changeDay)
        #expect(report.cases == dry.cases && report.moved == dry.moved && report.review == dry.review && report.byLevel == dry.byLevel)
        #expect(report.byLevel.contains(.init(from: "intensive-support", to: "family-help-targeted", count: 1)))
        #expect(report.byLevel.contains(.init(from: "awaiting-decision", to: "awaiting-decision", count: 1)))
        // One event per case, and a `routed` for the referral that awaited its decision.
        #expect(try await store.verifyChain().events == eventsBefore + 12)
        let json = report.json.serialized()
        #expect(json.contains("\"cases\":11") && json.contains("\"moved\":8") && json.contains("\"byLevel\":["))

        let today = UKTime.londonDate(of: Self.changeDay)
        let cin = try await store.caseRecord(try #require(cases["child-in-need"]), today: today)
        #expect(cin.pathway == "surrey-families-first@2027-04" && cin.level == "family-help-cin")
        #expect(cin.clocks.first { $0.clock == "assessment" }?.due == assessmentDue)
        #expect(cin.events.last?.type == .pathwayMigrated)
        let plan = try await store.caseRecord(try #require(cases["child-protection"]), today: today)
        #expect(plan.level == "child-protection" && plan.clocks.contains { $0.clock == "child-protection-review" })
        let front = try await store.caseRecord(waiting, today: today)
        #expect(front.pathway == "surrey-families-first@2027-04" && front.recommendation == "family-help-targeted")
        #expect(front.referrals.last?.decision?.pathway == "surrey-families-first@2027-04" && front.referrals.last?.decision?.rules == ["FF-TGT-02"])
        let held = try await store.caseRecord(pending, today: today)
        #expect(held.pathway == "surrey@2026-11" && held.pending != nil && held.migrationReview != nil)

        // Twice: nothing more moves, no event is written.
        let again = try await store.migrate(mapping, dryRun: false, actor: migrator, at: Self.changeDay)
        #expect(again.moved == 0 && again.cases == 3 && Set(again.review) == Set(report.review))
        #expect(try await store.verifyChain().events == eventsBefore + 12)

        // The review list, as staff see it; a person moves a case, never onto consent it lacks.
        let list = try await store.migrationReview(limit: 50)
        #expect(list.total == 3 && Set(list.items.map(\.caseId)) == [noPlan, pending, withdrawn])
        await #expect(throws: StoreError.self) {
            try await store.migrateReviewed(caseId: withdrawn, MigrateCaseCommand(level: "family-help-targeted", rationale: "keep going"),
                                            actor: StoreFixture.practitioner, at: Self.after)
        }
        await #expect(throws: StoreError.self) {
            try await store.migrateReviewed(caseId: withdrawn, MigrateCaseCommand(level: nil, rationale: "no level"), actor: StoreFixture.practitioner, at: Self.after)
        }
        _ = try await store.migrateReviewed(caseId: withdrawn, MigrateCaseCommand(level: "family-help-cin", rationale: "in need; consent refused"),
                                            actor: StoreFixture.practitioner, at: Self.after)
        let moved = try await store.caseRecord(withdrawn, today: today)
        #expect(moved.pathway == "surrey-families-first@2027-04" && moved.level == "family-help-cin" && moved.migrationReview == nil)
        #expect(try await store.migrationReview(limit: 50).total == 2)
        await #expect(throws: StoreError.self) {
            try await store.migrateReviewed(caseId: withdrawn, MigrateCaseCommand(level: "universal", rationale: "again"), actor: StoreFixture.practitioner, at: Self.after)
        }

        // The log replays to the same projections, and its chain holds.
        #expect(try await store.problemsAgainstReplay().isEmpty)
        _ = try await store.rebuild()
        #expect(try await store.caseRecord(withdrawn, today: today) == moved)
        // The review case's move, and its outstanding referral routed again.
        #expect(try await store.verifyChain().events == eventsBefore + 14)
    }

    @Test("a store without the version its cases are on refuses to open, naming it")
    func missingVersion() async throws {
        _ = try await opened("M-1", child: 300, at: "child-in-need")
        _ = try await store.migrate(try TestFixtures.familiesFirstMapping(), dryRun: false, actor: migrator, at: Self.changeDay)
        #expect(throws: StoreError.pathwayVersionMissing("surrey-families-first@2027-04", loaded: ["surrey@2026-11"])) {
            try SQLiteCaseStore(path: store.path, pathway: try TestFixtures.surrey(), masterKey: TestFixtures.masterKey)
        }
    }

    @Test("assigning needs the qualification the level asks for; the token's qualification is recorded with the assignment")
    func qualifiedAssignment() async throws {
        let answer = try await submit("Q-1", child: 400, at: Self.after)
        _ = try await store.decide(caseId: answer.caseId, level: "child-protection", rationale: "s47", overrideReason: "harm",
                                   actor: StoreFixture.manager, at: Self.after)
        _ = try await store.createToken(role: .practitioner, partnerId: nil, name: "Sam Social", qualification: .socialWorker, at: Self.after)
        _ = try await store.createToken(role: .practitioner, partnerId: nil, name: "Fran Support", qualification: .familySupportWorker, at: Self.after)
        await #expect(throws: StoreError.refused(.notQualified(worker: "Fran Support", qualification: .familySupportWorker, role: "Lead Child Protection Practitioner",
                                                               level: "child-protection", allowed: [.socialWorker]))) {
            try await store.assign(caseId: answer.caseId, AssignCommand(worker: "Fran Support"), actor: StoreFixture.practitioner, at: Self.after)
        }
        _ = try await store.assign(caseId: answer.caseId, AssignCommand(worker: "Sam Social"), actor: StoreFixture.practitioner, at: Self.after)
        _ = try await store.assign(caseId: answer.caseId, AssignCommand(worker: "Fran Support", role: "co-worker"), actor: StoreFixture.practitioner, at: Self.after)
        let record = try await store.caseRecord(answer.caseId, today: UKTime.londonDate(of: Self.after))
        #expect(record.lead == CaseWorker(id: "Sam Social", qualification: .socialWorker) && record.assignedTo == "Sam Social")
        #expect(record.coWorker?.qualification == .familySupportWorker)
        #expect(try await store.listTokens().contains { $0.qualification == .socialWorker })
        await #expect(throws: StoreError.self) {
            try await store.createToken(role: .partner, partnerId: "p", name: nil, qualification: .socialWorker, at: Self.after)
        }
    }

    @Test("indicators over a period spanning the change count both versions' clocks, and mark the day of the change")
    func indicatorsAcrossVersions() async throws {
        // The new version names its assessment clock differently: the indicator must still find both.
        var renamed = try TestFixtures.familiesFirst().definition
        for index in renamed.clocks.indices where renamed.clocks[index].id == "assessment" { renamed.clocks[index].id = "family-help-assessment" }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-indicators-\(UUID().uuidString)")
        let store = try SQLiteCaseStore(path: folder.appendingPathComponent("continuum.sqlite").path,
                                        pathways: try PathwaySet([try TestFixtures.surrey(), try VerifiedPathway(renamed)]), masterKey: TestFixtures.masterKey)
        for (id, child, received, level, completed) in [("I-1", 500, "2027-03-01T10:00:00Z", "child-in-need", "2027-03-10"),
                                                       ("I-2", 501, "2027-04-05T10:00:00Z", "family-help-cin", "2027-04-12")] {
            let at = TestFixtures.at(received)
            let answer = try await store.submit(try StoreFixture.referral(try TestFixtures.referral(id, child: child), receivedAt: at),
                                                partnerId: "partner-a", actor: StoreFixture.partner, receivedAt: at)
            _ = try await store.decide(caseId: answer.caseId, level: level, rationale: "test", overrideReason: "test", actor: StoreFixture.manager, at: at)
            let done = try #require(CalendarDate(completed))
            _ = try await store.recordMilestone(caseId: answer.caseId, milestone: "assessment-completed", on: done, rationale: "signed off",
                                                actor: StoreFixture.practitioner, at: TestFixtures.at("\(completed)T16:00:00Z"))
        }
        let report = try await store.indicators(from: try #require(CalendarDate("2027-03-01")), to: try #require(CalendarDate("2027-04-30")), targets: IndicatorTargets())
        let assessed = try #require(report.indicators.first { $0.id == "assessmentsWithin45WorkingDaysPct" })
        #expect(assessed.value == 100 && assessed.months.map(\.value) == [100, 100])
        let median = try #require(report.indicators.first { $0.id == "medianAssessmentWorkingDays" })
        #expect(median.months.allSatisfy { $0.value != nil })
        #expect(report.pathwayChanges?.map(\.date.description) == ["2027-04-01"])
        #expect(report.json.serialized().contains("\"pathwayChanges\":[{\"date\":\"2027-04-01\""))
    }
}
