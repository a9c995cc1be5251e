import ContinuumCore
import Testing

/// What a role may do to a case (issue 23), and a joined referral noted rather than obeyed.
@Suite("Case options and joined referrals")
struct CaseOptionsTests {
    let machine: CaseStateMachine
    let practitioner = Actor(id: "p1", role: .practitioner)
    let manager = Actor(id: "m1", role: .manager)
    let received = Fixtures.at("2026-11-26T12:00:00Z")

    init() throws {
        machine = CaseStateMachine(pathway: try Fixtures.verifiedSurrey())
    }

    func open(at level: String) throws -> CaseState {
        let state = try machine.apply(.referralReceived(at: received, consent: .given), to: CaseState()).state
        return try machine.apply(.decided(level: level, by: manager, at: received, rationale: "test", overrideReason: nil), to: state).state
    }

    /// A second referral joined the case, recommending `level` (as its `routed` event records).
    func joined(_ state: CaseState, recommending level: String) throws -> CaseState {
        var again = try machine.apply(.referralReceived(at: received, consent: .given), to: state).state
        again.recommendation = level
        return again
    }

    @Test func everyOfferedMoveIsOneTheMachineAccepts() throws {
        for level in machine.pathway.definition.levels.map(\.id) {
            let state = try open(at: level)
            for role in [Role.practitioner, .manager] {
                let actor = role == .manager ? manager : practitioner
                let options = machine.options(for: state, role: role)
                #expect(!options.decide && !options.note)
                for move in options.moves {
                    let result = try machine.apply(.moved(kind: move.kind, to: move.to, by: actor, at: received, rationale: "r"), to: state)
                    let waits = result.effects.contains { if case .approvalRequested = $0 { true } else { false } }
                    #expect(waits == move.needsApproval, "\(move.transition) for a \(role.rawValue)")
                }
                for reason in options.closeReasons {
                    #expect(throws: Never.self) { try machine.apply(.closed(reason: reason, by: actor, at: received, rationale: "r"), to: state) }
                }
            }
        }
        let cin = machine.options(for: try open(at: "child-in-need"), role: .practitioner)
        #expect(cin.moves(.escalate).map(\.to) == ["child-protection"], "a practitioner may escalate to child protection, not to looked after")
        #expect(machine.options(for: try open(at: "child-in-need"), role: .manager).moves(.escalate).map(\.to).sorted() == ["child-protection", "looked-after"])
    }

    @Test func aNewCaseOffersTheDecisionAndNoMoves() throws {
        let state = try machine.apply(.referralReceived(at: received, consent: .given), to: CaseState()).state
        let options = machine.options(for: state, role: .practitioner)
        #expect(options.decide && options.moves.isEmpty && options.closeReasons == [.transferredToOtherAuthority, .noFurtherActionAfterAssessment])
        #expect(!options.approve && machine.options(for: state, role: .planner) == CaseOptions())
    }

    @Test func aJoinedReferralIsNotedAtTheCasesLevelWithAnOverrideWhenItRecommendsMore() throws {
        let state = try joined(try open(at: "targeted-support"), recommending: "emerging-needs")
        #expect(state.joinedReferralOutstanding && machine.options(for: state, role: .practitioner).note)
        let noted = try machine.apply(.referralNoted(level: "targeted-support", by: practitioner, at: received, rationale: "nothing new", overrideReason: nil), to: state)
        #expect(noted.state.level == "targeted-support" && !noted.state.decisionOutstanding && noted.state.pending == nil)
        #expect(noted.effects.contains { if case .clockStopped(let clock, _, _) = $0 { clock == "referral-decision" } else { false } })

        let higher = try joined(try open(at: "targeted-support"), recommending: "child-in-need")
        let bare = CaseEvent.referralNoted(level: "targeted-support", by: practitioner, at: received, rationale: "r", overrideReason: nil)
        #expect(throws: CaseTransitionError.overrideReasonMissing(recommended: "child-in-need", chosen: "targeted-support")) { try machine.apply(bare, to: higher) }
        let waits = try machine.apply(.referralNoted(level: "targeted-support", by: practitioner, at: received, rationale: "r", overrideReason: "seen today"), to: higher)
        #expect(waits.state.pending?.change == .noted(level: "targeted-support", overrideReason: "seen today") && waits.state.decisionOutstanding)
        let approved = try machine.apply(.approved(by: manager, at: received, rationale: nil), to: waits.state)
        #expect(!approved.state.decisionOutstanding && approved.state.level == "targeted-support")
        #expect(throws: CaseTransitionError.notedAtAnotherLevel("child-in-need", current: "targeted-support")) {
            try machine.apply(.referralNoted(level: "child-in-need", by: practitioner, at: received, rationale: "r", overrideReason: nil), to: higher)
        }
    }

    @Test func aPendingMoveLeavesTheJoinedReferralDecidable() throws {
        let cin = try open(at: "child-in-need")
        let asked = try machine.apply(.moved(kind: .stepDown, to: "targeted-support", by: practitioner, at: received, rationale: "better"), to: cin).state
        #expect(asked.pending != nil)
        let state = try joined(asked, recommending: "emerging-needs")
        #expect(machine.options(for: state, role: .practitioner).note && machine.options(for: state, role: .practitioner).moves.isEmpty)
        let noted = try machine.apply(.referralNoted(level: "child-in-need", by: practitioner, at: received, rationale: "r", overrideReason: nil), to: state)
        #expect(!noted.state.decisionOutstanding && noted.state.pending != nil, "noted; the step-down still waits for its manager")
    }
}
