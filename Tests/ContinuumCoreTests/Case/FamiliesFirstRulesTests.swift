import ContinuumCore
import ContinuumTesting
import Testing

/// Case roles, reclassification and the FGDM gate on Pathways/families-first.json (issue 15).
@Suite("Families First case rules")
struct FamiliesFirstRulesTests {
    let machine: CaseStateMachine
    let practitioner = Actor(id: "T-P", role: .practitioner)
    let manager = Actor(id: "T-M", role: .manager)
    let at = Fixtures.at("2027-04-06T10:00:00Z")

    init() throws {
        machine = CaseStateMachine(pathway: try TestFixtures.familiesFirst())
    }

    func apply(_ events: [CaseEvent], to start: CaseState = CaseState()) throws -> CaseState {
        var state = start
        for event in events { state = try machine.apply(event, to: state).state }
        return state
    }

    /// A case opened at `level` by a manager's decision.
    func opened(at level: String, consent: Consent = .given) throws -> CaseState {
        try apply([.referralReceived(at: at, consent: consent), .decided(level: level, by: manager, at: at, rationale: "test", overrideReason: "test")])
    }

    func assign(_ worker: String, _ qualification: Qualification?, as role: CaseRole? = nil) -> CaseEvent {
        .assigned(to: worker, by: practitioner, at: at, role: role, qualification: qualification)
    }

    @Test("a case opens on the machine's version")
    func version() throws {
        #expect(try opened(at: "universal").pathway == "surrey-families-first@2027-04")
    }

    @Test("a Family Help lead may be any discipline; at child protection only a social worker leads, refused naming the rule")
    func roles() throws {
        let help = try apply([assign("fsw-1", .familySupportWorker)], to: try opened(at: "family-help-cin"))
        #expect(help.lead == CaseWorker(id: "fsw-1", qualification: .familySupportWorker))
        let protection = try opened(at: "child-protection")
        #expect(throws: CaseTransitionError.notQualified(worker: "fsw-2", qualification: .familySupportWorker, role: "Lead Child Protection Practitioner",
                                                         level: "child-protection", allowed: [.socialWorker])) {
            try machine.apply(assign("fsw-2", .familySupportWorker), to: protection)
        }
        #expect(throws: CaseTransitionError.self) { try machine.apply(assign("someone", nil), to: protection) }
        #expect(throws: CaseTransitionError.caseRoleNotAtLevel(.coWorker, level: "family-help-cin")) {
            try machine.apply(assign("fsw-3", .familySupportWorker, as: .coWorker), to: help)
        }
        let refused = CaseTransitionError.notQualified(worker: "x", qualification: nil, role: "Lead Child Protection Practitioner", level: "child-protection", allowed: [.socialWorker])
        #expect(refused.description.contains("may not be the Lead Child Protection Practitioner") && refused.description.contains("social-worker"))
    }

    @Test("stepping up to child protection keeps the Family Help lead as co-worker; stepping down drops the LCPP and keeps the Family Help lead")
    func carriedWorkers() throws {
        let help = try apply([assign("fsw-1", .familySupportWorker)], to: try opened(at: "family-help-cin"))
        let protection = try apply([.moved(kind: .escalate, to: "child-protection", by: practitioner, at: at, rationale: "s47")], to: help)
        #expect(protection.lead == nil && protection.coWorker?.id == "fsw-1")
        let led = try apply([assign("sw-1", .socialWorker)], to: protection)
        #expect(led.lead?.id == "sw-1" && led.coWorker?.id == "fsw-1")
        let down = try apply([.moved(kind: .stepDown, to: "family-help-cin", by: manager, at: at, rationale: "plan ended")], to: led)
        #expect(down.lead?.id == "fsw-1" && down.coWorker == nil)
    }

    @Test("targeted ↔ s17 is a reclassification: the lead stays; back to targeted needs consent")
    func reclassify() throws {
        let targeted = try apply([assign("ehp-1", .earlyHelpPractitioner)], to: try opened(at: "family-help-targeted"))
        let s17 = try apply([.moved(kind: .reclassify, to: "family-help-cin", by: practitioner, at: at, rationale: "now in need")], to: targeted)
        #expect(s17.level == "family-help-cin" && s17.lead?.id == "ehp-1")
        var refused = s17
        refused.consent = .refused
        #expect(throws: CaseTransitionError.self) {
            try machine.apply(.moved(kind: .reclassify, to: "family-help-targeted", by: manager, at: at, rationale: "back"), to: refused)
        }
    }

    @Test("a court application is refused until an FGDM offer, or a manager-approved decision that one is not in the child's interests")
    func fgdmGate() throws {
        let pre = try apply([.moved(kind: .stepUp, to: "pre-proceedings", by: manager, at: at, rationale: "legal planning meeting")],
                            to: try opened(at: "child-protection"))
        #expect(pre.clock("pre-proceedings-review") != nil)
        #expect(throws: CaseTransitionError.milestoneRequires("court-application", anyOf: ["fgdm-offered", "fgdm-not-in-best-interests"])) {
            try machine.apply(.milestone("court-application", by: manager, at: at), to: pre)
        }
        let offered = try apply([.milestone("fgdm-offered", by: practitioner, at: at), .milestone("court-application", by: manager, at: at)], to: pre)
        #expect(offered.clock("pre-proceedings-review") == nil)

        #expect(throws: CaseTransitionError.rationaleMissing) {
            try machine.apply(.milestone("fgdm-not-in-best-interests", by: practitioner, at: at), to: pre)
        }
        let asked = try apply([.milestone("fgdm-not-in-best-interests", by: practitioner, at: at, rationale: "risk of harm from a family member")], to: pre)
        #expect(asked.pending != nil)
        #expect(throws: CaseTransitionError.self) { try machine.apply(.milestone("court-application", by: manager, at: at), to: asked) }
        let approved = try apply([.approved(by: manager, at: at, rationale: nil), .milestone("court-application", by: manager, at: at)], to: asked)
        #expect(approved.milestones == ["fgdm-not-in-best-interests", "court-application"])
    }
}
