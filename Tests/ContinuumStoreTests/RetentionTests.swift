import ContinuumCore
import ContinuumStore
import ContinuumTesting
import Foundation
import Testing

/// The retention schedule (issue 20, part): the longest rule of any level a child's cases reached,
/// from closure or birth; kept while a case of the child is open.
@Suite("Retention schedule")
struct RetentionTests {
    @Test("early help six years after closure, child in need to the 25th birthday, open children kept, one child's cases judged together")
    func schedule() async throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let at = StoreFixture.start   // 2026-11-26
        func opened(_ id: String, child: Int, at level: String) async throws -> String {
            let answer = try await fixture.submit(id, child: child)
            let same = answer.decision.level == level
            _ = try await store.decide(caseId: answer.caseId, level: same ? nil : level, rationale: "test", overrideReason: same ? nil : "test",
                                       actor: StoreFixture.manager, at: at)
            return answer.caseId
        }
        func close(_ caseId: String, _ reason: ClosureReason) async throws {
            _ = try await store.transition(caseId: caseId, kind: .close, to: nil, reason: reason, rationale: "ended", actor: StoreFixture.manager, at: at)
        }
        let earlyHelp = try await opened("R-A", child: 1, at: "targeted-support")
        try await close(earlyHelp, .servicesCeased)
        let inNeed = try await opened("R-B", child: 2, at: "child-in-need")   // born 2018-03-14 (the example's child)
        try await close(inNeed, .servicesCeased)
        let stillOpen = try await opened("R-C", child: 3, at: "targeted-support")
        let frontDoor = try await fixture.submit("R-D", child: 4).caseId        // recommended targeted-support, closed at the front door
        try await close(frontDoor, .noFurtherActionAfterAssessment)
        let firstOfE = try await opened("R-E1", child: 5, at: "targeted-support")
        try await close(firstOfE, .servicesCeased)
        _ = try await fixture.submit("R-E2", child: 5)                           // the same child again: a new, open case

        let later = try await store.retention(asOf: try #require(CalendarDate("2033-01-01")))
        #expect(later.children == 5 && later.open == 2 && later.kept == 1 && later.undetermined.isEmpty)
        #expect(later.due.map(\.caseIds) == [[earlyHelp], [frontDoor]] || later.due.map(\.caseIds) == [[frontDoor], [earlyHelp]])
        #expect(later.due.allSatisfy { $0.keptUntil == CalendarDate("2032-11-26") && $0.rule == "6 years after closure" })
        #expect(!later.due.contains { $0.caseIds.contains(firstOfE) }, "the child has an open case")
        #expect(!later.due.contains { $0.caseIds.contains(stillOpen) })

        let muchLater = try await store.retention(asOf: try #require(CalendarDate("2044-01-01")))
        let child = try #require(muchLater.due.first { $0.caseIds == [inNeed] })
        #expect(child.keptUntil == CalendarDate("2043-03-14") && child.level == "child-in-need" && child.rule == "until the 25th birthday")
        #expect(try await store.retention(asOf: try #require(CalendarDate("2026-12-01"))).due.isEmpty)
    }

    @Test("the pathway's retention rules: each level has one, and a period out of range is an error")
    func rules() throws {
        let surrey = try TestFixtures.surrey().definition
        #expect(surrey.levels.allSatisfy { $0.retention != nil })
        #expect(surrey.level("looked-after")?.retention == RetentionRule(years: 75, after: .birth, source: surrey.level("looked-after")?.retention?.source))
        var broken = surrey
        broken.levels[0].retention = RetentionRule(years: 0, after: .closure)
        broken.levels[1].retention = nil
        let problems = PathwayChecker.check(broken).problems
        #expect(problems.contains { $0.severity == .error && $0.path == "$.levels[0].retention.years" })
        #expect(problems.contains { $0.severity == .warning && $0.path == "$.levels[1].retention" })
    }
}
