import ContinuumAPI
import ContinuumCensus
import ContinuumCore
import ContinuumJSON
import ContinuumStore
import ContinuumTesting
import Foundation
import Testing

/// The children in need census from a log with children through every path (issue 18): each
/// child's record checked element by element, and each rule the data can break provoked.
@Suite("Census")
struct CensusTests {
    static let manager = StoreFixture.manager, practitioner = StoreFixture.practitioner
    static func day(_ text: String) -> CalendarDate { CalendarDate(text) ?? CalendarDate(daysSinceEpoch: 0) }
    static func at(_ text: String) -> Timestamp { TestFixtures.at(text + "T10:00:00Z") }

    struct Log {
        let fixture: StoreFixture
        var store: SQLiteCaseStore { fixture.store }

        func submit(_ id: String, child: Int, example: String, on date: String, set: [(String, JSONValue?)] = []) async throws -> Submission {
            var value = try TestFixtures.referral(id, child: child, from: example).setting("sentAt", .string(date + "T09:00:00Z"))
            for (path, member) in set { value = value.setting(path, member) }
            let received = CensusTests.at(date)
            return try await store.submit(try StoreFixture.referral(value, receivedAt: received), partnerId: "partner-a", actor: StoreFixture.partner, receivedAt: received)
        }

        func decide(_ caseId: String, _ level: String?, on date: String) async throws {
            _ = try await store.decide(caseId: caseId, level: level, rationale: "Decided", overrideReason: level == nil ? nil : "Census test", actor: manager, at: at(date))
        }

        func move(_ caseId: String, _ kind: TransitionKind, _ to: String, on date: String) async throws {
            _ = try await store.transition(caseId: caseId, kind: kind, to: to, reason: nil, rationale: "Moved", actor: manager, at: at(date))
        }

        func close(_ caseId: String, _ reason: ClosureReason, on date: String) async throws {
            _ = try await store.transition(caseId: caseId, kind: .close, to: nil, reason: reason, rationale: "Closed", actor: manager, at: at(date))
        }

        /// The episode's primary need recorded on the case by staff (`PATCH …/child`).
        func need(_ caseId: String, _ code: String, on date: String) async throws {
            let command = try ChildDetailsCommand(upn: nil, ethnicity: nil, sex: nil, primaryNeed: code, rationale: "Front door's view")
            _ = try await store.recordChildDetails(caseId: caseId, command, actor: practitioner, at: at(date))
        }

        func record(_ caseId: String, _ milestone: String, on date: String, factors: [String]? = nil, need: String? = nil, category: String? = nil,
                    outcome: String? = nil) async throws {
            let command = try MilestoneCommand(milestone: milestone, on: date, rationale: "Recorded", factors: factors, primaryNeed: need, category: category, outcome: outcome)
            _ = try await store.recordMilestone(caseId: caseId, command, actor: practitioner, at: at(date))
        }
    }

    static func child(_ census: CensusReturn, case caseId: String) throws -> CensusChild {
        try #require(census.children.first { $0.episodes.contains { $0.caseId == caseId } })
    }

    @Test("every path of the Surrey pathway: NFA, assessment only, CIN plan, s47 without conference, conference without plan, two CP plans, unborn")
    func everyPath() async throws {
        let log = Log(fixture: try StoreFixture())
        // A: recommended for child protection, closed at the front door: a referral with no further action.
        let a = try await log.submit("A", child: 1, example: "school-neglect-immediate-risk", on: "2026-11-26")
        try await log.close(a.caseId, .noFurtherActionAfterAssessment, on: "2026-11-26")
        // Z: recommended targeted support, closed at the front door: a contact, not in the census.
        let z = try await log.submit("Z", child: 26, example: "police-domestic-abuse", on: "2026-11-26")
        try await log.close(z.caseId, .noFurtherActionAfterAssessment, on: "2026-11-26")
        // Y: targeted support only: early help, not in the census.
        let y = try await log.submit("Y", child: 25, example: "police-domestic-abuse", on: "2026-11-26")
        try await log.decide(y.caseId, nil, on: "2026-11-27")
        // B: assessment only, with UPN, ethnicity and sex from the referral; closed RC8.
        let b = try await log.submit("B", child: 2, example: "police-domestic-abuse", on: "2026-11-26",
                                     set: [("child.upn", .string("V936000178301")), ("child.ethnicity", .string("WBRI")), ("child.sex", .string("F")), ("child.gender", nil)])
        try await log.decide(b.caseId, "child-in-need", on: "2026-11-27")
        try await log.record(b.caseId, "assessment-completed", on: "2026-12-10", factors: ["3B", "4B"], need: "N5")
        try await log.close(b.caseId, .noFurtherActionAfterAssessment, on: "2026-12-11")
        // C: CIN plan, then a step-down to targeted support: the episode closes RC7, the plan ends.
        let c = try await log.submit("C", child: 3, example: "police-domestic-abuse", on: "2026-11-26")
        try await log.decide(c.caseId, "child-in-need", on: "2026-11-27")
        try await log.record(c.caseId, "assessment-completed", on: "2026-12-07", factors: ["3B"], need: "N4")
        try await log.record(c.caseId, "cin-plan-started", on: "2026-12-08")
        try await log.move(c.caseId, .stepDown, "targeted-support", on: "2027-02-01")
        // D: s47 without a conference, then step-down to CIN and closure RC7.
        let d = try await log.submit("D", child: 4, example: "school-neglect-immediate-risk", on: "2026-11-26")
        try await log.decide(d.caseId, nil, on: "2026-11-26")
        try await log.record(d.caseId, "strategy-discussion", on: "2026-11-27")
        try await log.record(d.caseId, "conference-not-required", on: "2026-12-04")
        try await log.record(d.caseId, "assessment-completed", on: "2026-12-04", factors: ["16A"], need: "N1")
        try await log.move(d.caseId, .stepDown, "child-in-need", on: "2026-12-05")
        try await log.close(d.caseId, .servicesCeased, on: "2027-01-15")
        // Corrected after the closure: the case's last episode takes it (the latest recorded wins).
        try await log.need(d.caseId, "N3", on: "2027-01-20")
        // E: a conference without a plan; step-down to targeted support: RC7 (an enquiry followed the assessment).
        let e = try await log.submit("E", child: 5, example: "police-domestic-abuse", on: "2026-11-26")
        try await log.decide(e.caseId, "child-protection", on: "2026-11-26")
        try await log.record(e.caseId, "strategy-discussion", on: "2026-11-27")
        try await log.record(e.caseId, "assessment-completed", on: "2026-12-08", factors: ["16A"], need: "N1")
        try await log.record(e.caseId, "initial-conference-held", on: "2026-12-15")
        try await log.move(e.caseId, .stepDown, "child-in-need", on: "2026-12-16")
        try await log.move(e.caseId, .stepDown, "targeted-support", on: "2026-12-17")
        // F: a CP plan with reviews (the category changes), ended, and a second plan still open.
        let f = try await log.submit("F", child: 6, example: "school-neglect-immediate-risk", on: "2026-11-26")
        try await log.decide(f.caseId, nil, on: "2026-11-26")
        try await log.record(f.caseId, "strategy-discussion", on: "2026-11-27")
        try await log.record(f.caseId, "assessment-completed", on: "2026-12-08", factors: ["16A", "17A"], need: "N1")
        try await log.record(f.caseId, "initial-conference-held", on: "2026-12-14")
        try await log.record(f.caseId, "cp-plan-started", on: "2026-12-14", category: "NEG")
        try await log.record(f.caseId, "cp-review-held", on: "2027-03-01", category: "MUL")
        try await log.record(f.caseId, "cp-plan-ended", on: "2027-03-02")
        // A second plan needs its own enquiry and initial conference (DfE rule 2885: a plan starts at a conference).
        try await log.record(f.caseId, "strategy-discussion", on: "2027-03-16")
        try await log.record(f.caseId, "initial-conference-held", on: "2027-03-22")
        try await log.record(f.caseId, "cp-plan-started", on: "2027-03-22", category: "EMO")
        // I: assessed, then stepped down to targeted support with nothing more: RC9, referred to early help.
        let i = try await log.submit("I", child: 9, example: "police-domestic-abuse", on: "2026-11-26")
        try await log.decide(i.caseId, "child-in-need", on: "2026-11-27")
        try await log.record(i.caseId, "assessment-completed", on: "2026-12-03", factors: ["3B"], need: "N9")
        try await log.move(i.caseId, .stepDown, "targeted-support", on: "2026-12-04")
        // K: the same, but the assessment found no factors ("21"): RC8, as DfE rule 8873 requires.
        let k = try await log.submit("K", child: 11, example: "police-domestic-abuse", on: "2026-11-26")
        try await log.decide(k.caseId, "child-in-need", on: "2026-11-27")
        try await log.record(k.caseId, "assessment-completed", on: "2026-12-03", factors: ["21"], need: "N9")
        try await log.move(k.caseId, .stepDown, "targeted-support", on: "2026-12-04")
        // G: an unborn child, accepted for CIN; no assessment yet at the reference date. The
        // front door recorded a provisional primary need before deciding: the episode takes it.
        let g = try await log.submit("G", child: 7, example: "health-visitor-unborn", on: "2026-11-26")
        try await log.need(g.caseId, "N3", on: "2026-11-27")
        try await log.decide(g.caseId, nil, on: "2026-11-27")
        // H: assessed without a primary need or factors, and a CP plan without its category: errors to fix.
        let h = try await log.submit("H", child: 8, example: "school-neglect-immediate-risk", on: "2026-11-26")
        try await log.decide(h.caseId, nil, on: "2026-11-26")
        try await log.record(h.caseId, "assessment-completed", on: "2026-12-01")
        try await log.record(h.caseId, "cp-plan-started", on: "2026-12-02")
        // J: closed after assessment, then referred again (the same NHS number): a new case, the
        // same LA child id, two episodes under one child.
        let j = try await log.submit("J", child: 10, example: "police-domestic-abuse", on: "2026-11-26")
        try await log.decide(j.caseId, "child-in-need", on: "2026-11-27")
        try await log.record(j.caseId, "assessment-completed", on: "2026-12-01", factors: ["3B"], need: "N5")
        try await log.close(j.caseId, .noFurtherActionAfterAssessment, on: "2026-12-02")
        let j2 = try await log.submit("J2", child: 10, example: "police-domestic-abuse", on: "2027-01-11")
        try await log.decide(j2.caseId, "child-in-need", on: "2027-01-12")
        // Recorded after the decision, while the assessment runs.
        try await log.need(j2.caseId, "N4", on: "2027-01-12")
        // A later correction of B's ethnicity by staff, as an event.
        let details = try ChildDetailsCommand(upn: nil, ethnicity: "wirI", sex: nil, rationale: "Corrected from the school's record")
        _ = try await log.store.recordChildDetails(caseId: b.caseId, details, actor: Self.practitioner, at: Self.at("2026-12-20"))

        let year = try #require(CensusYear("2026-27"))
        let report = try await log.store.census(year: year, la: nil)
        let census = report.census
        #expect(census.la == "936")
        let ids = Set(census.children.flatMap { $0.episodes.map(\.caseId) })
        #expect(ids == Set([a, b, c, d, e, f, g, h, i, j, j2, k].map(\.caseId)), "Y and Z (early help and a contact) are not in the return")

        let childA = try Self.child(census, case: a.caseId)
        let nfa = try #require(childA.episodes.first)
        #expect(nfa.referralNFA && nfa.referralDate == Self.day("2026-11-26") && nfa.closureDate == Self.day("2026-11-26") && nfa.closureReason == .noFurtherActionAfterAssessment)
        #expect(nfa.referralSource == .schools && nfa.assessments.isEmpty && childA.upnUnknown == "UN7")

        let childB = try Self.child(census, case: b.caseId)
        #expect(childB.record.upn?.value == "V936000178301" && childB.record.ethnicity == .whiteIrish && childB.record.sex == .female)
        #expect(childB.laChildId == b.caseId.filter { $0 != "-" })
        let assessed = try #require(childB.episodes.first)
        #expect(assessed.referralSource == .police && assessed.primaryNeed == .familyDysfunction && assessed.closureReason == .noFurtherActionAfterAssessment)
        #expect(assessed.assessments == [.init(start: Self.day("2026-11-27"), authorised: Self.day("2026-12-10"), factors: [.domesticAbuseParent, .mentalHealthParent])])

        let plan = try #require(try Self.child(census, case: c.caseId).episodes.first)
        #expect(plan.cinPlans == [.init(start: Self.day("2026-12-08"), end: Self.day("2027-02-01"))])
        #expect(plan.closureDate == Self.day("2027-02-01") && plan.closureReason == .servicesCeased)

        let enquiry = try #require(try Self.child(census, case: d.caseId).episodes.first)
        #expect(enquiry.section47s == [.init(start: Self.day("2026-11-27"), conferenceTarget: Self.day("2026-12-18"), dateOfInitialCPC: nil, conferenceNotRequired: true)])
        #expect(enquiry.closureReason == .servicesCeased && enquiry.closureDate == Self.day("2027-01-15") && enquiry.plans.isEmpty)
        #expect(enquiry.primaryNeed == .parentalIllnessOrDisability, "the correction after the assessment's N1")

        let conference = try #require(try Self.child(census, case: e.caseId).episodes.first)
        #expect(conference.dateOfInitialCPC == Self.day("2026-12-15") && conference.plans.isEmpty)
        #expect(conference.closureReason == .servicesCeased && conference.closureDate == Self.day("2026-12-17"))

        let plans = try #require(try Self.child(census, case: f.caseId).episodes.first)
        #expect(plans.plans.count == 2)
        #expect(plans.plans.first == .init(start: Self.day("2026-12-14"), end: Self.day("2027-03-02"), initialCategory: .neglect, latestCategory: .multiple,
                                           previousPlans: 0, reviews: [Self.day("2027-03-01")]))
        #expect(plans.plans.last?.previousPlans == 1 && plans.plans.last?.end == nil && plans.plans.last?.initialCategory == .emotional)
        #expect(plans.closureDate == nil)

        let earlyHelp = try #require(try Self.child(census, case: i.caseId).episodes.first)
        #expect(earlyHelp.closureReason == .referredToEarlyHelp && earlyHelp.closureDate == Self.day("2026-12-04") && earlyHelp.primaryNeed == .notInNeed)
        let nothingFound = try #require(try Self.child(census, case: k.caseId).episodes.first)
        #expect(nothingFound.closureReason == .noFurtherActionAfterAssessment && nothingFound.closureDate == Self.day("2026-12-04"))

        let twice = try Self.child(census, case: j2.caseId)
        #expect(j2.caseId != j.caseId && twice.laChildId == j.caseId.filter { $0 != "-" })
        #expect(twice.episodes.map(\.caseId) == [j.caseId, j2.caseId] && twice.episodes.map(\.referralDate) == [Self.day("2026-11-26"), Self.day("2027-01-11")])
        #expect(twice.episodes.map(\.primaryNeed) == [.familyDysfunction, .familyInAcuteStress], "J2's recorded on its open episode only")

        let unborn = try Self.child(census, case: g.caseId)
        #expect(unborn.record.dateOfBirth == nil && unborn.record.expectedDateOfBirth != nil && unborn.upnUnknown == "UN1")
        #expect(unborn.episodes.map(\.primaryNeed) == [.parentalIllnessOrDisability], "recorded before the decision, taken by the episode it opened")

        // The XML, element by element for child B.
        let xml = CensusXML.document(census, generatedAt: "2027-04-02T09:00:00", release: "test")
        let expected = """
              <Child>
                <ChildIdentifiers>
                  <LAchildID>\(childB.laChildId)</LAchildID>
                  <UPN>V936000178301</UPN>
                  <PersonBirthDate>2018-03-14</PersonBirthDate>
                  <Sex>F</Sex>
                </ChildIdentifiers>
                <ChildCharacteristics>
                  <Ethnicity>WIRI</Ethnicity>
                  <Disabilities>
                    <Disability>NONE</Disability>
                  </Disabilities>
                </ChildCharacteristics>
                <CINdetails>
                  <CINreferralDate>2026-11-26</CINreferralDate>
                  <ReferralSource>6</ReferralSource>
                  <PrimaryNeedCode>N5</PrimaryNeedCode>
                  <CINclosureDate>2026-12-11</CINclosureDate>
                  <ReasonForClosure>RC8</ReasonForClosure>
                  <ReferralNFA>false</ReferralNFA>
                  <Assessments>
                    <AssessmentActualStartDate>2026-11-27</AssessmentActualStartDate>
                    <AssessmentAuthorisationDate>2026-12-10</AssessmentAuthorisationDate>
                    <FactorsIdentifiedAtAssessment>
                      <AssessmentFactors>3B</AssessmentFactors>
                      <AssessmentFactors>4B</AssessmentFactors>
                    </FactorsIdentifiedAtAssessment>
                  </Assessments>
                </CINdetails>
              </Child>

          """
        #expect(xml.contains(expected), "\(xml)")
        #expect(xml.hasPrefix("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Message>\n  <Header>"))
        #expect(xml.contains("<LEA>936</LEA>") && xml.contains("<ReferenceDate>2027-03-31</ReferenceDate>") && xml.contains("<Year>2027</Year>"))
        #expect(xml.contains("<InitialCPCtarget>2026-12-18</InitialCPCtarget>") && xml.contains("<ICPCnotRequired>true</ICPCnotRequired>"))
        // Each conference once, in its Section47 (DfE 2884: not also at episode level).
        let conferences = xml.components(separatedBy: "<DateOfInitialCPC>").count - 1
        #expect(conferences == 3 && xml.contains("<Section47>\n") , "E's and F's two conferences, each in its enquiry")
        for block in xml.components(separatedBy: "<CINdetails>").dropFirst() {
            let head = ["<Assessments>", "<CINPlanDates>", "<Section47>"].reduce(block) { $0.components(separatedBy: $1).first ?? $0 }
            #expect(!head.contains("<DateOfInitialCPC>"), "no episode-level conference date")
        }
        #expect(xml.contains("<NumberOfPreviousCPP>1</NumberOfPreviousCPP>") && xml.contains("<CPPreviewDate>2027-03-01</CPPreviewDate>"))
        #expect(!xml.contains("Child") || !xml.contains("Oliver"), "no names in the return")

        // The data-quality list: H's missing codes, by rule and LA child id, never a name.
        let hChild = try Self.child(census, case: h.caseId)
        let hRules = Set(report.issues.filter { $0.laChildId == hChild.laChildId }.map(\.rule))
        #expect(hRules.isSuperset(of: ["8610", "8897", "8905", "2885"]), "no factors, a plan with no category, started with no conference")
        // Everyone else's data was recorded whole: no DfE rule fires on what the census made of it
        // (G and J2, still being assessed, have the primary need the front door recorded).
        let others = report.issues.filter { $0.laChildId != hChild.laChildId && !$0.rule.hasPrefix("CNT-") && $0.severity == .error }
        #expect(others.isEmpty, "\(others.map { "\($0.laChildId) \($0.rule): \($0.message)" })")
        #expect(report.issues.filter { $0.laChildId == childB.laChildId }.isEmpty, "B's record is complete")
        #expect(report.errors > 0)
        #expect(report.issues.allSatisfy { !$0.message.contains("Child") || !$0.message.contains("Example") })
    }

    @Test("Families First: targeted Family Help is not in the census, a reclassification to section 17 is (5D), pre-proceedings with FGDM")
    func familiesFirst() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-census-\(UUID().uuidString)")
        let store = try SQLiteCaseStore(path: folder.appendingPathComponent("ff.sqlite").path, pathway: try TestFixtures.familiesFirst(), masterKey: TestFixtures.masterKey)
        defer { try? FileManager.default.removeItem(at: folder) }
        func submit(_ id: String, child: Int) async throws -> Submission {
            let value = try TestFixtures.referral(id, child: child).setting("sentAt", .string("2027-05-03T09:00:00Z"))
            return try await store.submit(try StoreFixture.referral(value, receivedAt: Self.at("2027-05-03")), partnerId: "p", actor: StoreFixture.partner, receivedAt: Self.at("2027-05-03"))
        }
        func record(_ caseId: String, _ milestone: String, _ date: String, outcome: String? = nil, need: String? = nil, factors: [String]? = nil) async throws {
            _ = try await store.recordMilestone(caseId: caseId, try MilestoneCommand(milestone: milestone, on: date, rationale: "Recorded", factors: factors, primaryNeed: need, outcome: outcome),
                                                actor: Self.manager, at: Self.at(date))
        }
        // T: targeted Family Help only. R: targeted, then reclassified to s17 a month later.
        let t = try await submit("T", child: 1)
        _ = try await store.decide(caseId: t.caseId, level: "family-help-targeted", rationale: "Targeted", overrideReason: "Test", actor: Self.manager, at: Self.at("2027-05-04"))
        let r = try await submit("R", child: 2)
        _ = try await store.decide(caseId: r.caseId, level: "family-help-targeted", rationale: "Targeted", overrideReason: "Test", actor: Self.manager, at: Self.at("2027-05-04"))
        _ = try await store.transition(caseId: r.caseId, kind: .reclassify, to: "family-help-cin", reason: nil, rationale: "In need", actor: Self.manager, at: Self.at("2027-06-07"))
        // P: section 17, then pre-proceedings with an FGDM offered and facilitated.
        let p = try await submit("P", child: 3)
        _ = try await store.decide(caseId: p.caseId, level: "family-help-cin", rationale: "In need", overrideReason: "Test", actor: Self.manager, at: Self.at("2027-05-04"))
        try await record(p.caseId, "assessment-completed", "2027-06-01", need: "N1", factors: ["16A"])
        _ = try await store.transition(caseId: p.caseId, kind: .stepUp, to: "pre-proceedings", reason: nil, rationale: "Legal gateway", actor: Self.manager, at: Self.at("2027-07-01"))
        try await record(p.caseId, "legal-planning-meeting", "2027-07-01")
        try await record(p.caseId, "letter-before-proceedings", "2027-07-05")
        try await record(p.caseId, "fgdm-offered", "2027-07-05")
        try await record(p.caseId, "pre-proceedings-meeting", "2027-07-12")
        try await record(p.caseId, "fgdm-facilitated", "2027-07-20")
        try await record(p.caseId, "pre-proceedings-review-held", "2027-08-20")
        try await record(p.caseId, "pre-proceedings-review-held", "2027-09-20")
        try await record(p.caseId, "pre-proceedings-decision", "2027-10-01", outcome: "A")

        let report = try await store.census(year: try #require(CensusYear("2027-28")), la: "936")
        #expect(Set(report.census.children.flatMap { $0.episodes.map(\.caseId) }) == [r.caseId, p.caseId])
        let reclassified = try #require(try Self.child(report.census, case: r.caseId).episodes.first)
        #expect(reclassified.referralDate == Self.day("2027-06-07") && reclassified.referralSource == .laEarlyHelp)
        let proceedings = try #require(try Self.child(report.census, case: p.caseId).episodes.first?.preProceedings.first)
        var expected = CINEpisode.PreProceedings(start: Self.day("2027-07-01"), fgdmOffered: true, fgdmFacilitated: true, reviewMeetings: 2)
        expected.letterBeforeProceedings = Self.day("2027-07-05")
        expected.initialMeeting = Self.day("2027-07-12")
        expected.stepDecision = Self.day("2027-10-01")
        expected.outcome = .endedConcernsReduced
        #expect(proceedings == expected)
        let xml = CensusXML.document(report.census, generatedAt: "2028-04-02T09:00:00", release: "test")
        #expect(xml.contains("""
                    <PreProceedingsandFGDM>
                      <PPStartDate>2027-07-01</PPStartDate>
                      <LBPSentDate>2027-07-05</LBPSentDate>
                      <FGDMMeetingOffer>true</FGDMMeetingOffer>
                      <FGDMMeetingFac>true</FGDMMeetingFac>
                      <InitialPPMeetingDate>2027-07-12</InitialPPMeetingDate>
                      <ReviewMeetingsCount>2</ReviewMeetingsCount>
                      <StepDecisionDate>2027-10-01</StepDecisionDate>
                      <PPOutcome>A</PPOutcome>
                    </PreProceedingsandFGDM>
            """))
    }

    @Test("closure with each census reason: RC1 from looked after, RC2 to RC9 from child in need, as recorded")
    func everyClosureReason() async throws {
        let log = Log(fixture: try StoreFixture())
        var cases: [(ClosureReason, String)] = []
        for (number, reason) in ClosureReason.allCases.enumerated() {
            let answer = try await log.submit("RC-\(number)", child: 40 + number, example: "police-domestic-abuse", on: "2026-11-26")
            try await log.decide(answer.caseId, reason == .adopted ? "looked-after" : "child-in-need", on: "2026-11-27")
            try await log.record(answer.caseId, "assessment-completed", on: "2026-12-01", factors: ["3B"], need: "N4")
            try await log.close(answer.caseId, reason, on: "2026-12-02")
            cases.append((reason, answer.caseId))
        }
        let report = try await log.store.census(year: try #require(CensusYear("2026-27")), la: nil)
        for (reason, caseId) in cases {
            let episode = try #require(try Self.child(report.census, case: caseId).episodes.first)
            #expect(episode.closureReason == reason && episode.closureDate == Self.day("2026-12-02"), "\(reason)")
        }
        let xml = CensusXML.document(report.census, generatedAt: "2027-04-01T09:00:00", release: "test")
        for reason in ClosureReason.allCases { #expect(xml.contains("<ReasonForClosure>\(reason.rawValue)</ReasonForClosure>")) }
    }

    @Test("a large return is written in parts, joined in order")
    func largeReturn() throws {
        let year = try #require(CensusYear("2026-27"))
        let children = (0..<20_500).map { index in
            CensusChild(laChildId: "C\(100_000 + index)", record: CensusChildRecord(dateOfBirth: Self.day("2015-01-01"), sex: .male, ethnicity: .whiteBritish),
                        upnUnknown: nil, episodes: [CINEpisode(caseId: "C-\(index)", referralDate: Self.day("2026-06-01"), referralSource: .police, referralNFA: false)])
        }
        let xml = CensusXML.document(CensusReturn(year: year, la: "936", children: children), generatedAt: "2027-04-01T09:00:00", release: "test")
        let ids = xml.split(separator: "\n").filter { $0.contains("<LAchildID>") }.map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(ids == children.map { "<LAchildID>\($0.laChildId)</LAchildID>" })
        #expect(xml.hasSuffix("    </Child>\n  </Children>\n</Message>\n"))
    }

    @Test("the rules the data can break, each provoked")
    func rules() throws {
        let year = try #require(CensusYear("2026-27"))
        func episode(_ build: (inout CINEpisode) -> Void) -> CINEpisode {
            var episode = CINEpisode(caseId: "C-1", referralDate: Self.day("2026-06-01"), referralSource: .police, primaryNeed: .abuseOrNeglect, referralNFA: false)
            build(&episode)
            return episode
        }
        func rules(_ record: CensusChildRecord, _ episodes: [CINEpisode], upnUnknown: String? = nil) -> Set<String> {
            Set(CensusRules.check(CensusReturn(year: year, la: "936", children: [CensusChild(laChildId: "C1", record: record, upnUnknown: upnUnknown, episodes: episodes)])).map(\.rule))
        }
        let born = CensusChildRecord(dateOfBirth: Self.day("2015-01-01"), sex: .male, ethnicity: .whiteBritish, upn: UPN("V936000178301"))
        #expect(rules(born, [episode { _ in }]).isEmpty)
        #expect(rules(CensusChildRecord(sex: .male, ethnicity: .whiteBritish, upn: UPN("V936000178301")), [episode { _ in }]).contains("8525"))
        var future = born
        future.dateOfBirth = Self.day("2027-04-01")
        #expect(rules(future, [episode { _ in }]).contains("8520"))
        var noUPN = born
        noUPN.upn = nil
        #expect(rules(noUPN, [episode { _ in }]) == ["8770Q"])
        let shared = CensusReturn(year: year, la: "936", children: ["C1", "C2"].map { id in
            var next = episode { _ in }
            next.caseId = "C-\(id)"
            return CensusChild(laChildId: id, record: born, upnUnknown: nil, episodes: [next])
        })
        #expect(CensusRules.check(shared).map(\.rule) == ["1520"], "the second child with the same UPN")
        // 1530: characters 2-4 are not an LA code (950); 936 (Surrey) and 001 (a pseudo-LA code) are.
        var elsewhere = born
        elsewhere.upn = UPN("A950000178301")
        #expect(rules(elsewhere, [episode { _ in }]) == ["1530"])
        elsewhere.upn = UPN("U001000178301")
        #expect(rules(elsewhere, [episode { _ in }]).isEmpty)
        // 8825Q: closed "after assessment" (RC8, RC9) with no assessment in the return.
        for reason in [ClosureReason.noFurtherActionAfterAssessment, .referredToEarlyHelp] {
            #expect(rules(born, [episode { $0.closureDate = Self.day("2026-06-10"); $0.closureReason = reason }]) == ["8825Q"])
        }
        #expect(rules(born, [episode { $0.closureDate = Self.day("2026-06-10"); $0.closureReason = .servicesCeased }]).isEmpty)
        // 8899Q: a disabled child's assessment without 5A or 6A.
        var disabled = born
        disabled.disabilities = [.autism]
        let authorised = CINEpisode.Assessment(start: Self.day("2026-06-02"), authorised: Self.day("2026-06-19"), factors: [.neglect])
        #expect(rules(disabled, [episode { $0.assessments = [authorised] }]) == ["8899Q"])
        #expect(rules(disabled, [episode { $0.assessments = [.init(start: authorised.start, authorised: authorised.authorised, factors: [.neglect, .learningDisabilityChild])] }]).isEmpty)
        disabled.disabilities = [.none]
        #expect(rules(disabled, [episode { $0.assessments = [authorised] }]).isEmpty)
        let overdueBirth = CensusChildRecord(expectedDateOfBirth: Self.day("2027-02-15"), sex: .male, ethnicity: .whiteBritish)
        #expect(rules(overdueBirth, [episode { _ in }], upnUnknown: "UN1") == ["8530Q"], "expected in February, still unborn at the end of March")
        #expect(rules(CensusChildRecord(dateOfBirth: Self.day("2015-01-01"), upn: UPN("V936000178301")), [episode { _ in }]) == ["CNT-ETHNICITY", "CNT-SEX"])
        #expect(rules(born, [episode { $0.primaryNeed = nil; $0.assessments = [.init(start: Self.day("2026-06-02"), authorised: Self.day("2026-07-01"), factors: [.neglect])] }]) == ["8610"])
        #expect(rules(born, [episode { $0.primaryNeed = nil; $0.assessments = [.init(start: Self.day("2027-02-02"), authorised: nil, factors: nil)] }]) == ["8610"],
                "an episode still being assessed has no primary need yet: the DfE asks for one all the same")
        #expect(rules(born, [episode {
            $0.primaryNeed = .abuseOrNeglect
            $0.assessments = [.init(start: Self.day("2026-07-02"), authorised: Self.day("2026-07-01"), factors: [.neglect, .noFactors])]
        }]) == ["8608", "8869"])
        #expect(rules(born, [episode {
            $0.referralNFA = true
            $0.closureDate = Self.day("2026-06-01")
            $0.section47s = [.init(start: Self.day("2026-06-01"), conferenceTarget: Self.day("2026-06-22"), dateOfInitialCPC: nil, conferenceNotRequired: true)]
        }]).contains("2990"))
        // An assessment, an enquiry whose conference was held on `day`, a plan: the parts of a
        // whole child protection episode, so that each case below breaks one rule.
        let assessed = CINEpisode.Assessment(start: Self.day("2026-06-02"), authorised: Self.day("2026-06-19"), factors: [.neglect])
        func conference(_ day: String) -> CINEpisode.Section47 {
            .init(start: Self.day(day).adding(days: -7), conferenceTarget: Self.day("2026-06-24"), dateOfInitialCPC: Self.day(day), conferenceNotRequired: false)
        }
        func plan(_ start: String, _ end: String? = nil, reviews: [String] = []) -> CINEpisode.ProtectionPlan {
            .init(start: Self.day(start), end: end.map(Self.day), initialCategory: .neglect, latestCategory: .neglect, previousPlans: 0, reviews: reviews.map(Self.day))
        }
        #expect(rules(born, [episode {
            $0.primaryNeed = .abuseOrNeglect
            $0.assessments = [assessed]
            $0.section47s = [conference("2026-07-01")]
            $0.plans = [plan("2026-07-01", "2026-07-01")]
        }]) == ["8840"])
        #expect(rules(born, [episode {
            $0.closureDate = Self.day("2026-09-01")
            $0.closureReason = .servicesCeased
            $0.primaryNeed = .abuseOrNeglect
            $0.assessments = [assessed]
            $0.section47s = [.init(start: Self.day("2026-06-01"), conferenceTarget: Self.day("2026-06-22"), dateOfInitialCPC: nil, conferenceNotRequired: false)]
            $0.misplaced = [.init(item: .cpReview, day: Self.day("2026-08-01"))]
        }]) == ["8868", "8675Q", "CNT-SEQUENCE"])
        // Plans against each other, the referral, the year and the conference (one case a rule,
        // with the rules that must come with it).
        func planRules(_ build: (inout CINEpisode) -> Void) -> Set<String> {
            rules(born, [episode {
                $0.primaryNeed = .abuseOrNeglect
                $0.assessments = [assessed]
                build(&$0)
            }])
        }
        let cin = { (start: String, end: String?) in CINEpisode.DateRange(start: Self.day(start), end: end.map(Self.day)) }
        #expect(planRules { $0.section47s = [conference("2026-07-01")]; $0.plans = [plan("2026-07-01")] }.isEmpty, "a plan from its conference")
        #expect(planRules { $0.plans = [plan("2026-07-01")] } == ["2885", "2883"], "a plan with no conference that day; more plans than conferences in the return")
        #expect(planRules { $0.referralNFA = true; $0.cinPlans = [cin("2026-06-01", nil)] }.isSuperset(of: ["4000", "2990"]))
        #expect(planRules { $0.referralNFA = true; $0.section47s = [conference("2026-07-01")]; $0.plans = [plan("2026-07-01")] }.isSuperset(of: ["8832", "2990"]))
        #expect(planRules { $0.cinPlans = [cin("2026-07-01", nil)]; $0.section47s = [conference("2026-07-10")]; $0.plans = [plan("2026-07-10")] } == ["4001", "4017"])
        #expect(planRules { $0.cinPlans = [cin("2026-07-01", "2026-07-10")]; $0.section47s = [conference("2026-07-10")]; $0.plans = [plan("2026-07-10")] }.isEmpty,
                "a CIN plan ending the day the CP plan starts")
        #expect(planRules { $0.section47s = [conference("2026-07-01")]; $0.plans = [plan("2026-07-01")]; $0.cinPlans = [cin("2026-07-20", nil)] } == ["4001", "4016"])
        #expect(planRules {
            $0.cinPlans = [cin("2026-08-03", "2026-10-01")]
            $0.section47s = [conference("2026-06-15")]
            $0.plans = [plan("2026-06-15", "2026-07-31", reviews: ["2026-08-14"])]
        } == ["4003"])
        #expect(planRules { $0.cinPlans = [cin("2026-06-10", nil), cin("2026-07-01", nil)] } == ["4004", "4014"])
        #expect(planRules { $0.cinPlans = [cin("2026-06-10", "2026-07-10"), cin("2026-07-01", nil)] } == ["4014"])
        #expect(planRules { $0.cinPlans = [cin("2026-06-10", "2026-07-10"), cin("2026-07-10", nil)] }.isEmpty, "one CIN plan ending the day the next starts")
        #expect(planRules { $0.cinPlans = [cin("2027-04-05", nil)] } == ["4010"])
        #expect(planRules { $0.cinPlans = [cin("2026-07-10", "2026-07-01")] } == ["4011"])
        #expect(planRules { $0.cinPlans = [cin("2026-07-01", "2026-07-01")] } == ["4012Q"])
        #expect(planRules { $0.cinPlans = [cin("2026-06-10", "2027-04-02")] } == ["4013"])
        #expect(planRules { $0.cinPlans = [cin("2026-05-01", nil)] } == ["4015"])
        #expect(planRules { $0.section47s = [conference("2026-06-10"), conference("2026-07-10")]; $0.plans = [plan("2026-06-10"), plan("2026-07-10")] } == ["8935", "8940"])
        #expect(planRules { $0.section47s = [conference("2026-06-10"), conference("2026-07-10")]; $0.plans = [plan("2026-06-10", "2026-07-10"), plan("2026-07-10")] } == ["8940"])
        #expect(planRules { $0.plans = [plan("2027-04-05")] } == ["8720"])
        #expect(planRules { $0.section47s = [conference("2026-07-10")]; $0.plans = [plan("2026-07-10", "2026-07-01")] } == ["8925"])
        #expect(planRules { $0.section47s = [conference("2026-06-10")]; $0.plans = [plan("2026-06-10", "2027-04-05")] } == ["8930"])
        #expect(planRules { $0.section47s = [conference("2026-06-10")]; $0.plans = [plan("2026-06-10", reviews: ["2026-06-10"])] } == ["8841"])
        #expect(planRules {
            $0.section47s = [conference("2026-06-10")]
            $0.plans = [.init(start: Self.day("2026-06-10"), end: nil, initialCategory: .neglect, latestCategory: nil, previousPlans: 0, reviews: [])]
        } == ["8910"])
        #expect(planRules {
            $0.referralDate = Self.day("2026-06-01")
            $0.section47s = [.init(start: Self.day("2026-05-10"), conferenceTarget: Self.day("2026-05-29"), dateOfInitialCPC: Self.day("2026-05-20"), conferenceNotRequired: false)]
            $0.plans = [plan("2026-05-20")]
        } == ["1105", "1104", "2889"])
        #expect(planRules { $0.section47s = [conference("2026-07-04")] } == ["8875"], "a conference on a Saturday")
        #expect(planRules {
            $0.section47s = [.init(start: Self.day("2026-06-10"), conferenceTarget: Self.day("2026-07-04"), dateOfInitialCPC: Self.day("2026-07-01"), conferenceNotRequired: false)]
        } == ["8870Q"])
        #expect(planRules {
            $0.referralDate = Self.day("2026-03-01")
            $0.section47s = [.init(start: Self.day("2026-03-10"), conferenceTarget: Self.day("2026-03-31"), dateOfInitialCPC: nil, conferenceNotRequired: false)]
        } == ["8740", "8675Q"])
        #expect(rules(born, [episode { $0.primaryNeed = .abuseOrNeglect; $0.section47s = [conference("2026-07-01")] }]) == ["2991Q"])
        #expect(planRules {
            $0.closureDate = Self.day("2026-06-15")
            $0.closureReason = .servicesCeased
        } == ["8565"], "the assessment was authorised after the closure")
        // Assessments and enquiries against each other; episodes against each other.
        // Started within 45 working days of the reference date: not yet overdue (8670Q).
        let open = CINEpisode.Assessment(start: Self.day("2027-02-01"), authorised: nil, factors: nil)
        #expect(planRules { $0.closureDate = Self.day("2027-03-01"); $0.closureReason = .servicesCeased; $0.assessments = [open] } == ["8867"])
        #expect(planRules { $0.assessments = [.init(start: Self.day("2026-05-20"), authorised: Self.day("2026-06-19"), factors: [.neglect])] } == ["1103"])
        #expect(planRules { $0.referralDate = Self.day("2026-03-01"); $0.assessments = [.init(start: Self.day("2026-03-10"), authorised: nil, factors: nil)] } == ["8736", "8670Q"])
        #expect(planRules { $0.assessments = [.init(start: Self.day("2026-06-02"), authorised: Self.day("2026-06-19"), factors: [.neglect, .neglect])] } == ["8898"])
        #expect(planRules { $0.assessments = [open, .init(start: Self.day("2027-02-20"), authorised: nil, factors: nil)] } == ["8896", "8863"])
        #expect(planRules { $0.assessments = [.init(start: Self.day("2026-06-02"), authorised: Self.day("2027-02-01"), factors: [.neglect]), open] }.isEmpty,
                "an assessment may start the day the last was authorised")
        #expect(planRules { $0.section47s = [conference("2026-07-01"), .init(start: Self.day("2026-06-20"), conferenceTarget: Self.day("2026-07-10"), dateOfInitialCPC: Self.day("2026-07-08"), conferenceNotRequired: false)] } == ["8890"])
        #expect(planRules { $0.referralNFA = true; $0.closureDate = Self.day("2026-06-01"); $0.closureReason = .noFurtherActionAfterAssessment } .contains("8831"))
        #expect(rules(born, [episode { $0.referralNFA = true; $0.referralDate = Self.day("2026-03-20"); $0.closureDate = Self.day("2026-04-01"); $0.closureReason = .noFurtherActionAfterAssessment }]) == ["8569"])
        let noFactors = CINEpisode.Assessment(start: Self.day("2026-06-02"), authorised: Self.day("2026-06-19"), factors: [.noFactors])
        #expect(rules(born, [episode { $0.primaryNeed = .notInNeed; $0.assessments = [noFactors]; $0.closureDate = Self.day("2026-06-20"); $0.closureReason = .referredToEarlyHelp }]) == ["8873"])
        #expect(rules(born, [episode { $0.primaryNeed = .notInNeed; $0.assessments = [noFactors]; $0.closureDate = Self.day("2026-06-20"); $0.closureReason = .noFurtherActionAfterAssessment }]).isEmpty)
        #expect(rules(born, [episode { $0.primaryNeed = .abuseOrNeglect; $0.closureDate = Self.day("2026-09-01"); $0.closureReason = .servicesCeased }, second("2026-09-01")]).isEmpty,
                "one episode closing the day the next opens")
        // Dates against the census year and each other.
        let closed = { (episode: inout CINEpisode) in
            episode.primaryNeed = .abuseOrNeglect
            episode.closureReason = .servicesCeased
        }
        #expect(rules(born, [episode { closed(&$0); $0.closureDate = Self.day("2026-03-31") }]) == ["8620", "8630"])
        #expect(rules(born, [episode { closed(&$0); $0.closureDate = Self.day("2027-04-01") }]) == ["8620"])
        #expect(rules(born, [episode { $0.primaryNeed = .abuseOrNeglect; $0.closureDate = Self.day("2026-09-01") }]) == ["8805"])
        #expect(rules(born, [episode { closed(&$0) }]) == ["8810"])
        #expect(rules(born, [episode {
            $0.primaryNeed = .abuseOrNeglect
            $0.referralDate = Self.day("2026-03-01")
            $0.assessments = [.init(start: Self.day("2026-03-01"), authorised: Self.day("2026-03-20"), factors: [.neglect]),
                              .init(start: Self.day("2027-02-01"), authorised: nil, factors: [.neglect])]
        }]) == ["8696", "8614"])
        let enquiry = { (start: String, conference: String?) in
            CINEpisode.Section47(start: Self.day(start), conferenceTarget: Self.day(start), dateOfInitialCPC: conference.map(Self.day), conferenceNotRequired: false)
        }
        #expect(planRules { $0.section47s = [enquiry("2026-07-10", "2026-07-01")] } == ["8615"])
        #expect(planRules { $0.referralDate = Self.day("2026-03-01"); $0.section47s = [enquiry("2026-03-10", "2026-03-20")] } == ["8715"])
        #expect(planRules { $0.section47s = [enquiry("2026-06-10", nil), enquiry("2026-07-10", nil)] } == ["8839", "8675Q", "8890"])
        // 8606: referred more than 40 weeks before the (expected) birth.
        let unborn = CensusChildRecord(expectedDateOfBirth: Self.day("2027-04-01"), sex: .male, ethnicity: .whiteBritish)
        #expect(rules(unborn, [episode { _ in }], upnUnknown: "UN1") == ["8606"])
        var nearBirth = unborn
        nearBirth.expectedDateOfBirth = Self.day("2027-03-05")
        #expect(rules(nearBirth, [episode { _ in }], upnUnknown: "UN1").isEmpty)
        // 8750: an unborn child's sex is U in the return, whatever a scan recorded; none recorded is no query.
        nearBirth.sex = .female
        let unbornReturn = CensusReturn(year: year, la: "936", children: [CensusChild(laChildId: "C1", record: nearBirth, upnUnknown: "UN1", episodes: [episode { _ in }])])
        let unbornXML = CensusXML.document(unbornReturn, generatedAt: "2027-04-02T09:00:00", release: "test")
        #expect(unbornXML.contains("<Sex>U</Sex>") && !unbornXML.contains("<Sex>F</Sex>"))
        nearBirth.sex = nil
        #expect(rules(nearBirth, [episode { _ in }], upnUnknown: "UN1").isEmpty)
        // 8820: one episode opening inside another; meeting on a day is allowed.
        let first = episode { closed(&$0); $0.closureDate = Self.day("2026-08-01") }
        func second(_ day: String) -> CINEpisode {
            var next = episode { $0.primaryNeed = .abuseOrNeglect }
            next.caseId = "C-2"
            next.referralDate = Self.day(day)
            return next
        }
        #expect(rules(born, [first, second("2026-07-01")]) == ["8820"])
        #expect(rules(born, [first, second("2026-08-01")]).isEmpty)
        #expect(rules(born, [episode { $0.primaryNeed = .abuseOrNeglect }, second("2026-09-01")]) == ["8820", "8815", "8816"])
    }

    @Test("an episode open across the year's start keeps only what was still open in the year (rules 8696, 8715)")
    func episodeAcrossYears() throws {
        let year = try #require(CensusYear("2026-27"))
        var episode = CINEpisode(caseId: "C-1", referralDate: Self.day("2025-10-01"), referralSource: .police, primaryNeed: .abuseOrNeglect, referralNFA: false)
        episode.assessments = [.init(start: Self.day("2025-10-02"), authorised: Self.day("2025-11-01"), factors: [.neglect]),
                               .init(start: Self.day("2026-05-01"), authorised: nil, factors: nil)]
        episode.section47s = [.init(start: Self.day("2025-10-02"), conferenceTarget: Self.day("2025-10-23"), dateOfInitialCPC: Self.day("2025-10-20"), conferenceNotRequired: false),
                              .init(start: Self.day("2026-03-25"), conferenceTarget: Self.day("2026-04-16"), dateOfInitialCPC: Self.day("2026-04-10"), conferenceNotRequired: false)]
        // The second CIN plan ends the day the second child protection plan starts, at its conference.
        episode.cinPlans = [.init(start: Self.day("2025-11-02"), end: Self.day("2026-03-01")), .init(start: Self.day("2026-03-02"), end: Self.day("2026-04-10"))]
        episode.plans = [.init(start: Self.day("2025-10-20"), end: Self.day("2026-03-01"), initialCategory: .neglect, latestCategory: .neglect, previousPlans: 0, reviews: []),
                         .init(start: Self.day("2026-04-10"), end: nil, initialCategory: .neglect, latestCategory: .neglect, previousPlans: 1, reviews: [])]
        let kept = episode.inYear(from: year.from)
        #expect(kept.assessments.map(\.start) == [Self.day("2026-05-01")])
        #expect(kept.section47s.map(\.start) == [Self.day("2026-03-25")])
        #expect(kept.cinPlans.map(\.start) == [Self.day("2026-03-02")])
        #expect(kept.plans.map(\.previousPlans) == [1])
        let born = CensusChildRecord(dateOfBirth: Self.day("2015-01-01"), sex: .male, ethnicity: .whiteBritish, upn: UPN("V936000178301"))
        let census = CensusReturn(year: year, la: "936", children: [CensusChild(laChildId: "C1", record: born, upnUnknown: nil, episodes: [kept])])
        #expect(CensusRules.check(census).map(\.rule) == ["8670Q"], "the open assessment, started 2026-05-01, is only a query")
        #expect(!CensusRules.check(CensusReturn(year: year, la: "936", children: [CensusChild(laChildId: "C1", record: born, upnUnknown: nil, episodes: [episode])])).isEmpty)
    }

    @Test("census codes are checked when recorded: a wrong code names the field and the codes allowed")
    func codesChecked() async throws {
        #expect(throws: InvalidCommand.self) { try MilestoneCommand(milestone: "cp-plan-started", on: nil, rationale: "x", category: "BAD") }
        do {
            _ = try MilestoneCommand(milestone: "assessment-completed", on: nil, rationale: "x", factors: ["21", "3B"], primaryNeed: "N0")
            Issue.record("accepted")
        } catch {
            #expect(error.problems.map(\.field) == [.factors, .primaryNeed])
            #expect(error.description.contains("N1, N2"))
        }
        let log = Log(fixture: try StoreFixture())
        let b = try await log.submit("B", child: 2, example: "police-domestic-abuse", on: "2026-11-26")
        try await log.decide(b.caseId, "child-in-need", on: "2026-11-27")
        // A category of abuse with an assessment: the pathway says it takes factors and a primary need.
        await #expect(throws: StoreError.self) { try await log.record(b.caseId, "assessment-completed", on: "2026-12-01", category: "NEG") }
        #expect(throws: InvalidCommand.self) { try ChildDetailsCommand(upn: "B950000178301", ethnicity: nil, sex: nil, rationale: "x") }
        #expect(UPN("V936000178301") != nil && UPN("H243278544154") != nil && UPN("R247962919251") == nil)
        #expect(CensusYear("2026-27")?.referenceDate == Self.day("2027-03-31") && CensusYear("2026-28") == nil && CensusYear("26-27") == nil)
    }
}
