import ContinuumAPI
import ContinuumCore
import ContinuumStore
import ContinuumTesting
import Testing

/// Indicators from a log with known facts: each value asserted exactly.
@Suite("Indicators")
struct IndicatorTests {
    static func at(_ text: String) -> Timestamp { TestFixtures.at(text) }

    @Test("timeliness across bank holidays, overrides, step-ups and -downs, NFA, re-referrals at 11 and 13 months")
    func knownFacts() async throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let manager = StoreFixture.manager, practitioner = StoreFixture.practitioner
        // A: received Thursday 26 Nov, decided Friday 27 (due Friday): on time. Then step-up and step-down.
        let a = try await fixture.submit("A", child: 1, at: Self.at("2026-11-26T12:00:00Z"))
        _ = try await store.decide(caseId: a.caseId, level: nil, rationale: "Agree", overrideReason: nil, actor: practitioner, at: Self.at("2026-11-27T10:00:00Z"))
        _ = try await store.transition(caseId: a.caseId, kind: .stepUp, to: "intensive-support", reason: nil, rationale: "Worse", actor: practitioner, at: Self.at("2026-12-02T10:00:00Z"))
        _ = try await store.transition(caseId: a.caseId, kind: .stepDown, to: "targeted-support", reason: nil, rationale: "Better", actor: practitioner, at: Self.at("2026-12-09T10:00:00Z"))
        // B: received Christmas Eve; 25, 26 (Boxing Day on Monday 28) are bank holidays: due Tuesday 29; decided then with an override.
        let b = try await fixture.submit("B", child: 2, at: Self.at("2026-12-24T15:00:00Z"))
        _ = try await store.decide(caseId: b.caseId, level: "intensive-support", rationale: "Pattern", overrideReason: "Third incident", actor: manager, at: Self.at("2026-12-29T16:00:00Z"))
        // C: received Thursday 26 Nov, closed at the front door on Monday 30: late, and no further action.
        let c = try await fixture.submit("C", child: 3, at: Self.at("2026-11-26T12:00:00Z"))
        _ = try await store.transition(caseId: c.caseId, kind: .close, to: nil, reason: .noFurtherActionAfterAssessment, rationale: "NFA", actor: practitioner, at: Self.at("2026-11-30T10:00:00Z"))
        // D is referred again 11 months later (a re-referral); E 13 months later (not).
        let d = try await fixture.submit("D", child: 4, at: Self.at("2026-11-26T12:00:00Z"))
        _ = try await store.transition(caseId: d.caseId, kind: .close, to: nil, reason: .noFurtherActionAfterAssessment, rationale: "NFA", actor: practitioner, at: Self.at("2026-11-26T14:00:00Z"))
        let e = try await fixture.submit("E", child: 5, at: Self.at("2026-11-26T12:00:00Z"))
        _ = try await store.transition(caseId: e.caseId, kind: .close, to: nil, reason: .noFurtherActionAfterAssessment, rationale: "NFA", actor: practitioner, at: Self.at("2026-11-26T14:00:00Z"))
        let d2 = try await fixture.submit("D2", child: 4, at: Self.at("2027-10-26T12:00:00Z"))
        let e2 = try await fixture.submit("E2", child: 5, at: Self.at("2027-12-28T12:00:00Z"))
        #expect(d2.reReferral && !e2.reReferral)
        // A's child is referred again six months after the step-down: the step-down was followed by a re-referral.
        let a2 = try await fixture.submit("A2", child: 1, at: Self.at("2027-06-01T12:00:00Z"))
        #expect(a2.caseId == a.caseId && a2.reReferral)

        let goals: [String: IndicatorTargets.Target] = [
            "decisionsWithinOneWorkingDayPct": IndicatorTargets.Target(target: 95, better: "higher", tolerance: 5),
            "overridePct": IndicatorTargets.Target(target: 10, better: "lower", tolerance: 30),
            "noFurtherActionPct": IndicatorTargets.Target(target: 70, better: "lower", tolerance: 5),
        ]
        let targets = IndicatorTargets(version: "test", childPopulation: 10_000, targets: goals)
        let from = try #require(CalendarDate("2026-11-01")), to = try #require(CalendarDate("2027-12-31"))
        let report = try await store.indicators(from: from, to: to, targets: targets)
        func value(_ id: String) -> Double? { report.indicators.first { $0.id == id }?.value }
        #expect(value("referrals") == 8)
        #expect(value("referralRatePer10k") == 8)
        // Decision clocks stopped: A (on time), B (on time across the holidays), C (late), D and E (same day).
        let decisions = try #require(value("decisionsWithinOneWorkingDayPct"))
        #expect(abs(decisions - 80) < 1e-9)
        #expect(report.indicators.first { $0.id == "decisionsWithinOneWorkingDayPct" }?.rag == "red")
        // Two decisions (A accepted, B overridden): 50% overrides, 40 points over the target: red.
        #expect(value("overridePct") == 50)
        #expect(report.indicators.first { $0.id == "overridePct" }?.rag == "red")
        #expect(value("stepUps") == 1 && value("stepDowns") == 1)
        // Front-door outcomes: 2 decisions and 3 closures.
        #expect(value("noFurtherActionPct") == 60)
        // Slow to progress: off target (the two reds), never a green one that is not worsening.
        #expect(report.indicators.first { $0.id == "noFurtherActionPct" }?.rag == "green")
        #expect(report.slowToProgress == ["decisionsWithinOneWorkingDayPct", "overridePct"])
        #expect(report.indicators.first { $0.id == "routedByLevel" }?.breakdownTitles["targeted-support"]?.isEmpty == false)
        // Two re-referrals (D2 at 11 months, A2) among 8 referrals; E2 at 13 months is not one.
        #expect(value("reReferralsWithin12MonthsPct") == 25)
        #expect(value("stepDownReReferredWithin12MonthsPct") == 100)
        let expected: [String: Double] = ["targeted-support": 1, "intensive-support": 1]
        #expect(report.indicators.first { $0.id == "routedByLevel" }?.breakdown == expected)
        #expect(report.indicators.first { $0.id == "referrals" }?.months.first { $0.month == "2026-11" }?.value == 4)
        // At the end: A open at targeted support, B at intensive support; C, D, E closed; A2, D2
        // and E2 await decisions, each with its decision clock overdue.
        #expect(report.indicators.first { $0.id == "openCasesByLevel" }?.breakdown == expected)
        #expect(value("overdueClocks") == 3)
        #expect(value("decisionsPerPractitioner") == 1)
        #expect(value("approvalsPendingOverWorkingDay") == 0)
    }

    @Test("assessments, conferences, approvals waiting and audit grades from milestones and records")
    func milestonesApprovalsAudits() async throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let manager = StoreFixture.manager, practitioner = StoreFixture.practitioner
        let received = Self.at("2026-11-26T12:00:00Z"), decided = Self.at("2026-11-27T10:00:00Z")
        // F and G go to child in need (the assessment clock runs from receipt); F's assessment
        // ends in 10 working days, G's after the 45.
        let f = try await fixture.submit("F", child: 1, at: received)
        let g = try await fixture.submit("G", child: 2, at: received)
        for id in [f.caseId, g.caseId] {
            _ = try await store.decide(caseId: id, level: "child-in-need", rationale: "Needs", overrideReason: "Disability", actor: manager, at: decided)
        }
        _ = try await store.recordMilestone(caseId: f.caseId, milestone: "assessment-completed", on: try #require(CalendarDate("2026-12-10")),
                                            rationale: "Done", actor: practitioner, at: Self.at("2026-12-10T16:00:00Z"))
        _ = try await store.recordMilestone(caseId: g.caseId, milestone: "assessment-completed", on: try #require(CalendarDate("2027-03-01")),
                                            rationale: "Done", actor: practitioner, at: Self.at("2027-03-01T16:00:00Z"))
        // H: a practitioner's override waits for a manager, never approved.
        let h = try await fixture.submit("H", child: 3, at: received)
        let pending = try await store.decide(caseId: h.caseId, level: "intensive-support", rationale: "Pattern", overrideReason: "History",
                                             actor: practitioner, at: decided)
        #expect(pending.status == .pendingApproval)
        // J: child protection; strategy discussion 1 December, initial conference 15 December (10 working days).
        let j = try await fixture.submit("J", child: 4, at: received)
        _ = try await store.decide(caseId: j.caseId, level: "child-protection", rationale: "Harm", overrideReason: "Injury", actor: manager, at: decided)
        for (milestone, day) in [("strategy-discussion", "2026-12-01"), ("initial-conference-held", "2026-12-15")] {
            _ = try await store.recordMilestone(caseId: j.caseId, milestone: milestone, on: try #require(CalendarDate(day)), rationale: "Held",
                                                actor: practitioner, at: Self.at("\(day)T16:00:00Z"))
        }
        _ = try await store.recordAudit(caseId: f.caseId, grade: .good, findings: "Clear plan", actor: manager, at: Self.at("2027-01-12T10:00:00Z"))
        _ = try await store.recordAudit(caseId: g.caseId, grade: .inadequate, findings: "Drift", actor: manager, at: Self.at("2027-01-12T11:00:00Z"))

        let from = try #require(CalendarDate("2026-11-01")), to = try #require(CalendarDate("2027-03-31"))
        let report = try await store.indicators(from: from, to: to, targets: IndicatorTargets())
        func indicator(_ id: String) -> IndicatorReport.Indicator? { report.indicators.first { $0.id == id } }
        #expect(indicator("assessmentsWithin45WorkingDaysPct")?.value == 50)
        let late = fixture.pathway.calendar.workingDays(from: try #require(CalendarDate("2026-11-26")), to: try #require(CalendarDate("2027-03-01")))
        #expect(late > 45)
        #expect(indicator("medianAssessmentWorkingDays")?.value == Double(10 + late) / 2)
        #expect(indicator("assessmentsWithin45WorkingDaysPct")?.months.first { $0.month == "2026-12" }?.value == 100)
        #expect(indicator("assessmentsWithin45WorkingDaysPct")?.months.first { $0.month == "2027-03" }?.value == 0)
        #expect(indicator("icpcWithin15WorkingDaysPct")?.value == 100)
        #expect(indicator("approvalsPendingOverWorkingDay")?.value == 1)
        #expect(indicator("auditGrades")?.value == 50)
        #expect(indicator("auditGrades")?.breakdown == ["good": 1, "inadequate": 1])
        #expect(indicator("openCasesByLevel")?.breakdown == ["child-in-need": 2, "child-protection": 1])
        // H's decision clock, J's assessment clock and J's first review (due 15 March) are overdue on 31 March.
        #expect(indicator("overdueClocks")?.value == 3)
        // The period's end bounds the standing: on the day of receipt four decision clocks ran, due the next day.
        let early = try await store.indicators(from: from, to: try #require(CalendarDate("2026-11-26")), targets: IndicatorTargets())
        #expect(early.indicators.first { $0.id == "overdueClocks" }?.value == 0)
        #expect(early.indicators.first { $0.id == "openCasesByLevel" }?.value == 0)
    }
}
