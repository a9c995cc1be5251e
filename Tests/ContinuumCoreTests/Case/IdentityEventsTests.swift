import ContinuumCore
import Testing

/// The case state machine's identity events: linking, merging, moving a referral in, unlinking.
@Suite("Identity events in the case state machine")
struct IdentityEventsTests {
    let machine: CaseStateMachine
    let practitioner = Actor(id: "p1", role: .practitioner)
    let manager = Actor(id: "m1", role: .manager)
    let partner = Actor(id: "t1", role: .partner)
    let received = Fixtures.at("2026-11-26T12:00:00Z")

    init() throws {
        machine = CaseStateMachine(pathway: try Fixtures.verifiedSurrey())
    }

    func awaiting() throws -> CaseState {
        try machine.apply(.referralReceived(at: received, consent: .given), to: CaseState()).state
    }

    func refusal(_ event: CaseEvent, _ state: CaseState) -> CaseTransitionError? {
        if case .failure(let error) = Result(catching: { () throws(CaseTransitionError) in try machine.apply(event, to: state) }) { return error }
        return nil
    }

    @Test("link and mark-different need staff and a rationale, and change nothing else")
    func linkAndDistinguish() throws {
        let state = try awaiting()
        let link = CaseEvent.childLinked(match: "M1-1", referralId: "R1", to: "R0", by: practitioner, at: received, rationale: "Same school")
        #expect(try machine.apply(link, to: state).state == state)
        #expect(refusal(.childLinked(match: "M1-1", referralId: "R1", to: "R0", by: practitioner, at: received, rationale: " "), state) == .rationaleMissing)
        if case .roleNotPermitted? = refusal(.childrenDistinguished(match: "M1-1", referralId: "R1", from: "R0", by: partner, at: received, rationale: "x"), state) {
        } else {
            Issue.record("a partner may not decide a possible match")
        }
    }

    @Test("a case awaiting its first decision merges: it ends, its clocks go without a stop to count")
    func merge() throws {
        let state = try awaiting()
        #expect(!state.clocks.isEmpty)
        let merged = try machine.apply(.merged(into: "C2", referralId: "R1", by: practitioner, at: received, rationale: "Same child"), to: state)
        #expect(merged.state.phase == .merged && merged.state.mergedInto == "C2" && merged.state.clocks.isEmpty && !merged.state.decisionOutstanding)
        #expect(!merged.effects.contains { if case .clockStopped = $0 { true } else { false } })
        #expect(refusal(.referralReceived(at: received, consent: .given), merged.state) != nil)
        let decided = try machine.apply(.decided(level: "targeted-support", by: manager, at: received, rationale: "ok", overrideReason: nil), to: state).state
        #expect(refusal(.merged(into: "C2", referralId: "R1", by: practitioner, at: received, rationale: "x"), decided) != nil)
    }

    @Test("a referral moved in counts its clocks from its own receipt, with its recommendation (if the case's version has its level)")
    func moveIn() throws {
        let later = Fixtures.at("2026-12-03T09:00:00Z")
        let moved = try machine.apply(.referralMoved(referralId: "R1", from: "C1", receivedAt: received, consent: .given, recommendation: "targeted-support",
                                                     by: manager, at: later, rationale: "Unlinked"), to: CaseState())
        #expect(moved.state.phase == .awaitingDecision && moved.state.decisionOutstanding && moved.state.recommendation == "targeted-support")
        #expect(moved.state.clock("referral-decision")?.from == Fixtures.date("2026-11-26"))
        // Routed under another pathway version (a level this one lacks): the case takes the
        // referral without that recommendation, and the front door decides afresh.
        let other = try machine.apply(.referralMoved(referralId: "R1", from: "C1", receivedAt: received, consent: .given, recommendation: "family-help-cin",
                                                     by: manager, at: later, rationale: "x"), to: moved.state)
        #expect(other.state.recommendation == nil && other.state.decisionOutstanding)
    }

    @Test("a practitioner's unlink waits for a manager; a manager's or an approval applies it")
    func unlink() throws {
        let state = try awaiting()
        let asked = try machine.apply(.unlinkRequested(referralId: "R1", by: practitioner, at: received, rationale: "Another child"), to: state)
        #expect(asked.state.pending?.change == .unlink(referralId: "R1"))
        #expect(!asked.effects.contains(.referralUnlinked("R1")))
        let approved = try machine.apply(.approved(by: manager, at: received, rationale: nil), to: asked.state)
        #expect(approved.effects.contains(.referralUnlinked("R1")) && approved.state.unlinkedReferrals == ["R1"] && approved.state.pending == nil)
        let direct = try machine.apply(.unlinkRequested(referralId: "R1", by: manager, at: received, rationale: "Another child"), to: state)
        #expect(direct.effects == [.referralUnlinked("R1")])
        if case .approvalPending? = refusal(.unlinkRequested(referralId: "R2", by: practitioner, at: received, rationale: "x"), asked.state) {
        } else {
            Issue.record("a second change while one waits is refused")
        }
    }
}
