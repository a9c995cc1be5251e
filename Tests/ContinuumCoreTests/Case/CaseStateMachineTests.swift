import ContinuumCore
import Testing

@Suite("The case state machine on the Surrey pathway")
struct CaseStateMachineTests {
    let pathway: VerifiedPathway
    let machine: CaseStateMachine
    let practitioner = Actor(id: "p1", role: .practitioner)
    let manager = Actor(id: "m1", role: .manager)
    let received = Fixtures.at("2026-11-26T12:00:00Z")

    init() throws {
        pathway = try Fixtures.verifiedSurrey()
        machine = CaseStateMachine(pathway: pathway)
    }

    var definition: Pathway { pathway.definition }

    /// A case open at `level`, decided by a manager at the front door with consent given.
    func open(at level: String, consent: Consent = .given, at time: Timestamp? = nil) throws -> CaseState {
        let when = time ?? received
        var state = try machine.apply(.referralReceived(at: when, consent: consent), to: CaseState()).state
        state = try machine.apply(.decided(level: level, by: manager, at: when, rationale: "test", overrideReason: nil), to: state).state
        return state
    }

    func refusal(_ event: CaseEvent, _ state: CaseState) -> CaseTransitionError? {
        if case .failure(let error) = Result(catching: { () throws(CaseTransitionError) in try machine.apply(event, to: state) }) { return error }
        return nil
    }

    // MARK: - Every transition of the pathway

    @Test func everyMoveTakesEffectForAPermittedRole() throws {
        for transition in definition.transitions where transition.kind != .close {
            let to = try #require(transition.to)
            let actor = transition.roles.contains(.practitioner) ? practitioner : manager
            let state = try open(at: transition.from)
            let result = try machine.apply(.moved(kind: transition.kind, to: to, by: actor, at: received, rationale: "walk"), to: state)
            var after = result.state
            if transition.needsApproval && actor.role != .manager {
                #expect(after.level == transition.from, "\(transition.id) waits for approval")
                #expect(after.pending != nil)
                #expect(refusal(.moved(kind: transition.kind, to: to, by: actor, at: received, rationale: "again"), after) != nil)
                after = try machine.apply(.approved(by: manager, at: received, rationale: nil), to: after).state
            }
            #expect(after.level == to, "\(transition.id)")
            #expect(after.pending == nil)
            #expect(after.phase == .open)
        }
    }

    @Test func everyMoveRefusesRolesItDoesNotName() throws {
        for transition in definition.transitions where transition.kind != .close {
            let to = try #require(transition.to)
            let state = try open(at: transition.from)
            for role in Role.allCases where !transition.roles.contains(role) {
                let error = refusal(.moved(kind: transition.kind, to: to, by: Actor(id: "x", role: role), at: received, rationale: "r"), state)
                guard case .roleNotPermitted(let refused, let action, let allowed)? = error else {
                    Issue.record("\(transition.id) accepted a \(role)")
                    continue
                }
                #expect(refused == role && allowed == transition.roles && action.contains(transition.id))
            }
        }
    }

    @Test func movesThePathwayDoesNotHaveAreRefusedWithTheAlternatives() throws {
        let levels = definition.levels.map(\.id)
        for from in levels {
            let state = try open(at: from)
            for to in levels where to != from {
                for kind in [TransitionKind.stepUp, .stepDown, .escalate]
                where !definition.transitions.contains(where: { $0.from == from && $0.to == to && $0.kind == kind }) {
                    let refused = refusal(.moved(kind: kind, to: to, by: manager, at: received, rationale: "r"), state)
                    // The move exists as another kind: the refusal names that kind and its transition.
                    if let other = definition.transitions.first(where: { $0.from == from && $0.to == to }) {
                        #expect(refused == .wrongKind(from: from, to: to, asked: kind, actual: other.kind, transition: other.id))
                        continue
                    }
                    guard case .noSuchTransition(let f, let t, let k, let allowed)? = refused else {
                        Issue.record("\(kind.rawValue) \(from) → \(to) was not refused")
                        continue
                    }
                    #expect(f == from && t == to && k == kind && !allowed.isEmpty)
                }
            }
        }
    }

    @Test func childProtectionStepsDownOnlyToChildInNeed() throws {
        let state = try open(at: "child-protection")
        let error = refusal(.moved(kind: .stepDown, to: "targeted-support", by: manager, at: received, rationale: "r"), state)
        #expect(error?.description.contains("down-cp-to-cin") == true)
    }

    @Test func everyClosureReasonOfEveryCloseTransition() throws {
        for transition in definition.transitions where transition.kind == .close {
            let actor = transition.roles.contains(.practitioner) ? practitioner : manager
            for reason in ClosureReason.allCases {
                let state = try open(at: transition.from)
                let allowed = definition.transitions.contains { $0.kind == .close && $0.from == transition.from && ($0.reasons ?? []).contains(reason) }
                switch Result(catching: { () throws(CaseTransitionError) in try machine.apply(.closed(reason: reason, by: actor, at: received, rationale: "r"), to: state) }) {
                case .success(let result):
                    #expect(allowed, "\(transition.id) closed with \(reason.rawValue)")
                    var after = result.state
                    if after.pending != nil { after = try machine.apply(.approved(by: manager, at: received, rationale: nil), to: after).state }
                    #expect(after.phase == .closed && after.closure == reason)
                    #expect(after.clocks.isEmpty, "every Surrey clock stops on closure")
                case .failure(let error):
                    #expect(!allowed, "\(transition.id) refused \(reason.rawValue): \(error)")
                    if case .closureReasonNotAllowed = error {} else { Issue.record("unexpected refusal \(error)") }
                }
            }
        }
    }

    // MARK: - The front door

    @Test func frontDoorDecisionsAndOverrides() throws {
        var state = try machine.apply(.referralReceived(at: received, consent: .given), to: CaseState()).state
        #expect(state.phase == .awaitingDecision)
        let decision = route(try ReferralReader().read(Fixtures.example("police-domestic-abuse"), receivedAt: received), pathway: pathway, receivedAt: received)
        state = try machine.apply(.routed(decision), to: state).state
        #expect(state.recommendation == "targeted-support")

        #expect(refusal(.decided(level: "intensive-support", by: practitioner, at: received, rationale: "r", overrideReason: nil), state)
            == .overrideReasonMissing(recommended: "targeted-support", chosen: "intensive-support"))
        #expect(refusal(.decided(level: "targeted-support", by: practitioner, at: received, rationale: " ", overrideReason: nil), state) == .rationaleMissing)
        #expect(refusal(.decided(level: "targeted-support", by: Actor(id: "police", role: .partner), at: received, rationale: "r", overrideReason: nil), state)
            == .roleNotPermitted(role: .partner, action: "record the front-door decision", allowed: [.practitioner, .manager]))
        #expect(refusal(.decided(level: "nowhere", by: practitioner, at: received, rationale: "r", overrideReason: nil), state) == .unknownLevel("nowhere"))

        // An override by a practitioner waits for a manager (management oversight).
        let pending = try machine.apply(.decided(level: "intensive-support", by: practitioner, at: received, rationale: "r", overrideReason: "third incident"), to: state)
        #expect(pending.state.phase == .awaitingDecision)
        #expect(pending.effects.contains { if case .approvalRequested = $0 { true } else { false } })
        #expect(refusal(.approved(by: practitioner, at: received, rationale: nil), pending.state) != nil)
        let refused = try machine.apply(.rejected(by: manager, at: received, rationale: "accept the recommendation"), to: pending.state).state
        #expect(refused.pending == nil && refused.phase == .awaitingDecision)
        let approved = try machine.apply(.approved(by: manager, at: received, rationale: "agreed"), to: pending.state)
        #expect(approved.state.level == "intensive-support")
        #expect(approved.effects.contains(.levelEntered("intensive-support")))

        // Accepting the recommendation needs no approval.
        let accepted = try machine.apply(.decided(level: "targeted-support", by: practitioner, at: received, rationale: "r", overrideReason: nil), to: state)
        #expect(accepted.state.level == "targeted-support" && accepted.state.phase == .open)
    }

    @Test func earlyHelpNeedsConsent() throws {
        let state = try open(at: "thriving", consent: .refused)
        #expect(refusal(.moved(kind: .stepUp, to: "emerging-needs", by: practitioner, at: received, rationale: "r"), state)
            == .consentMissing(level: "emerging-needs", consent: .refused))
        let consented = try machine.apply(.consentRecorded(.given, by: practitioner, at: received), to: state).state
        #expect(try machine.apply(.moved(kind: .stepUp, to: "emerging-needs", by: practitioner, at: received, rationale: "r"), to: consented).state.level == "emerging-needs")
        // Statutory levels do not need consent.
        #expect(try machine.apply(.moved(kind: .escalate, to: "child-protection", by: practitioner, at: received, rationale: "r"), to: state).state.level == "child-protection")
    }

    @Test func approvalRechecksConsentWithdrawnWhileWaiting() throws {
        let state = try open(at: "child-in-need")
        let pending = try machine.apply(.moved(kind: .stepDown, to: "intensive-support", by: practitioner, at: received, rationale: "CIN review"), to: state).state
        #expect(pending.pending != nil)
        let withdrawn = try machine.apply(.consentRecorded(.refused, by: practitioner, at: received), to: pending).state
        #expect(refusal(.approved(by: manager, at: received, rationale: nil), withdrawn) == .consentMissing(level: "intensive-support", consent: .refused))
        let refusedChange = try machine.apply(.rejected(by: manager, at: received, rationale: "consent withdrawn"), to: withdrawn).state
        #expect(refusedChange.level == "child-in-need" && refusedChange.pending == nil)
    }

    @Test func frontDoorClosureWithNoFurtherAction() throws {
        let state = try machine.apply(.referralReceived(at: received, consent: .given), to: CaseState()).state
        let closed = try machine.apply(.closed(reason: .noFurtherActionAfterAssessment, by: practitioner, at: received, rationale: "r"), to: state)
        #expect(closed.state.phase == .closed)
        #expect(closed.effects.contains(.clockStopped(clock: "referral-decision", on: Fixtures.date("2026-11-26"), met: true)))
        #expect(refusal(.closed(reason: .adopted, by: practitioner, at: received, rationale: "r"), state) != nil)
        #expect(refusal(.referralReceived(at: received, consent: .given), closed.state) == .wrongPhase(.closed, action: "add a referral (a closed case stays closed; open a new case)"))
    }

    // MARK: - Clocks

    @Test func decisionAndAssessmentClocks() throws {
        var result = try machine.apply(.referralReceived(at: received, consent: .given), to: CaseState())
        #expect(result.effects == [.clockStarted(clock: "referral-decision", from: Fixtures.date("2026-11-26"), due: Fixtures.date("2026-11-27"))])
        // Decided two days later: the decision clock was missed; the assessment counts from the referral.
        result = try machine.apply(.decided(level: "child-in-need", by: manager, at: Fixtures.at("2026-11-30T09:00:00Z"), rationale: "r", overrideReason: nil), to: result.state)
        #expect(result.effects.contains(.clockStopped(clock: "referral-decision", on: Fixtures.date("2026-11-30"), met: false)))
        #expect(result.effects.contains(.clockStarted(clock: "assessment", from: Fixtures.date("2026-11-26"), due: Fixtures.date("2027-02-02"))))
        #expect(result.state.overdue(on: Fixtures.date("2027-02-03")).map(\.clock) == ["assessment"])
        let breached = try machine.apply(.clockBreached(clock: "assessment", at: Fixtures.at("2027-02-03T00:00:00Z")), to: result.state).state
        #expect(breached.clock("assessment")?.breached == true)
        let done = try machine.apply(.milestone("assessment-completed", by: practitioner, at: Fixtures.at("2027-02-03T10:00:00Z")), to: breached)
        #expect(done.effects == [.clockStopped(clock: "assessment", on: Fixtures.date("2027-02-03"), met: false)])
        #expect(refusal(.milestone("tea-break", by: practitioner, at: received), breached) == .unknownMilestone("tea-break"))
    }

    @Test func stepUpStartsTheAssessmentFromTheStepUpNotTheOldReferral() throws {
        let state = try open(at: "targeted-support")
        let later = Fixtures.at("2027-01-11T10:00:00Z")
        let result = try machine.apply(.moved(kind: .stepUp, to: "child-in-need", by: practitioner, at: later, rationale: "r"), to: state)
        #expect(result.effects.contains(.clockStarted(clock: "assessment", from: Fixtures.date("2027-01-11"),
                                                      due: pathway.calendar.deadline(workingDays: 45, receivedOn: Fixtures.date("2027-01-11")))))
    }

    @Test func childProtectionConferenceAndReviews() throws {
        var state = try open(at: "child-protection")
        var result = try machine.apply(.milestone("strategy-discussion", by: practitioner, at: Fixtures.at("2026-12-01T10:00:00Z")), to: state)
        #expect(result.effects == [.clockStarted(clock: "initial-child-protection-conference", from: Fixtures.date("2026-12-01"), due: Fixtures.date("2026-12-22"))])
        result = try machine.apply(.milestone("initial-conference-held", by: practitioner, at: Fixtures.at("2026-12-18T10:00:00Z")), to: result.state)
        #expect(result.effects.contains(.clockStopped(clock: "initial-child-protection-conference", on: Fixtures.date("2026-12-18"), met: true)))
        #expect(result.effects.contains(.clockStarted(clock: "child-protection-review", from: Fixtures.date("2026-12-18"), due: Fixtures.date("2027-03-18"))))
        result = try machine.apply(.milestone("cp-review-held", by: practitioner, at: Fixtures.at("2027-03-10T10:00:00Z")), to: result.state)
        #expect(result.effects.contains(.clockRestarted(clock: "child-protection-review", from: Fixtures.date("2027-03-10"), due: Fixtures.date("2027-09-10"))))
        result = try machine.apply(.milestone("cp-review-held", by: practitioner, at: Fixtures.at("2027-09-01T10:00:00Z")), to: result.state)
        #expect(result.state.clock("child-protection-review")?.due == Fixtures.date("2028-03-01"))
        // Stepping down ends the plan and its review clock.
        state = try machine.apply(.moved(kind: .stepDown, to: "child-in-need", by: manager, at: Fixtures.at("2027-10-01T10:00:00Z"), rationale: "plan ended"), to: result.state).state
        #expect(state.clock("child-protection-review") == nil)
    }

    @Test func lookedAfterReviews() throws {
        let state = try open(at: "child-in-need")
        var result = try machine.apply(.moved(kind: .escalate, to: "looked-after", by: manager, at: Fixtures.at("2026-12-01T10:00:00Z"), rationale: "s20"), to: state)
        #expect(result.effects.contains(.clockStarted(clock: "looked-after-review", from: Fixtures.date("2026-12-01"), due: Fixtures.date("2026-12-31"))))
        result = try machine.apply(.milestone("lac-review-held", by: practitioner, at: Fixtures.at("2026-12-20T10:00:00Z")), to: result.state)
        #expect(result.state.clock("looked-after-review")?.due == Fixtures.date("2027-03-20"))
        result = try machine.apply(.milestone("lac-review-held", by: practitioner, at: Fixtures.at("2027-03-15T10:00:00Z")), to: result.state)
        #expect(result.state.clock("looked-after-review")?.due == Fixtures.date("2027-09-15"))
        result = try machine.apply(.milestone("lac-review-held", by: practitioner, at: Fixtures.at("2027-09-15T10:00:00Z")), to: result.state)
        #expect(result.state.clock("looked-after-review")?.due == Fixtures.date("2028-03-15"))
        #expect(result.state.clock("looked-after-review")?.restarts == 3)
    }

    // MARK: - A random walk

    @Test func randomWalkKeepsInvariantsAndReplaysDeterministically() throws {
        var rng = SplitMix64(seed: 20_261_126)
        let levels = definition.levels.map(\.id)
        let actors = Role.allCases.map { Actor(id: $0.rawValue, role: $0) }
        let milestones = definition.milestones.map(\.id)
        var state = CaseState()
        var accepted: [CaseEvent] = []
        var time = received
        for _ in 0..<3000 {
            time = time.adding(seconds: Int64(rng.next(below: 5 * 86_400)))
            let actor = actors[rng.next(below: actors.count)]
            let level = levels[rng.next(below: levels.count)]
            let event: CaseEvent
            switch rng.next(below: 10) {
            case 0: event = .referralReceived(at: time, consent: Consent.allCases[rng.next(below: 3)])
            case 1: event = .decided(level: level, by: actor, at: time, rationale: "r", overrideReason: rng.next(below: 2) == 0 ? nil : "o")
            case 2, 3: event = .moved(kind: [.stepUp, .stepDown, .escalate][rng.next(below: 3)], to: level, by: actor, at: time, rationale: "r")
            case 4: event = .closed(reason: ClosureReason.allCases[rng.next(below: 9)], by: actor, at: time, rationale: "r")
            case 5: event = .approved(by: actor, at: time, rationale: nil)
            case 6: event = .rejected(by: actor, at: time, rationale: "no")
            case 7: event = .consentRecorded(Consent.allCases[rng.next(below: 3)], by: actor, at: time)
            default: event = .milestone(milestones[rng.next(below: milestones.count)], by: actor, at: time)
            }
            if case .success(let result) = Result(catching: { () throws(CaseTransitionError) in try machine.apply(event, to: state) }) {
                let before = state.level
                state = result.state
                accepted.append(event)
                // Invariants.
                if state.phase == .open { #expect(state.level.map(levels.contains) == true) }
                if state.phase == .closed { #expect(state.clocks.isEmpty) }
                #expect(Set(state.clocks.map(\.clock)).count == state.clocks.count)
                #expect(state.clocks.allSatisfy { clock in definition.clocks.contains { $0.id == clock.clock } && clock.from <= clock.due })
                // A consent-only level is entered only with consent (it may be withdrawn later, which is recorded).
                if let level = state.level, level != before, definition.level(level)?.consentRequired == true {
                    #expect(state.consent == .given, "entered \(level) without consent")
                }
            }
            if state.phase == .closed { state = CaseState() ; accepted.removeAll() }
        }
        var replayed = CaseState()
        for event in accepted { replayed = try machine.apply(event, to: replayed).state }
        #expect(replayed == state)
    }
}

/// A small seeded generator so the walk is the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func next(below bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
