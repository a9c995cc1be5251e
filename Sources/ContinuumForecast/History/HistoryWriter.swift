import ContinuumAPI
import ContinuumCore
import ContinuumSimulator
import ContinuumStore

/// Why a history cannot be written.
public enum HistoryWriterError: Error, Sendable, CustomStringConvertible {
    /// Only a pathway-driven scenario has referrals, levels and clocks to record.
    case notPathwayDriven(scenario: String)

    public var description: String {
        switch self {
        case .notPathwayDriven(let name):
            "scenario \"\(name)\" is not pathway-driven: --write-log needs a scenario with \"pathway\" and \"referralMix\" (Simulations/surrey-pathway.json is one)"
        }
    }
}

/// What ``HistoryWriter`` wrote, and what the pathway refused.
public struct HistoryReport: Sendable {
    public var referrals = 0
    /// Re-referrals the mix drew that were written as a referral of an earlier child (one
    /// whose case had closed, referred within the 12 months before); the others had no such
    /// child and were written as a new child.
    public var reReferralsMatched = 0
    public var reReferralsUnmatched = 0
    public var decisions = 0
    public var moves = 0
    public var closures = 0
    public var milestones = 0
    /// Cases still open when the run ended.
    public var open = 0
    /// Moves the simulation made that the pathway refused (a level needing consent the family
    /// did not give, say), by the store's reason: the case was closed there instead.
    public var refused: [String: Int] = [:]
    /// Moves written as more than one pathway transition (no single transition joins the two levels).
    public var chained = 0
}

/// Turns one replication's ``CaseTrace`` into a real event log, written through the store's
/// own commands (so the log verifies, and `report`, `census` and the server read it): each
/// synthetic referral submitted by a partner at its simulated time and routed by the live
/// router, the front-door decision when the front door finishes with it, a pathway move for
/// every change of stage that changes the level, the milestones that stop the clocks a stage
/// stops, and a closure when the case leaves.
///
/// Stages map onto levels by the scenario: a stage holds the levels it lists and the level
/// named like it. A case entering a stage that holds its level stays there; otherwise it moves
/// to the stage's level the pathway lets it reach, by the shortest chain of transitions (the
/// nearest in the pathway's order first). Children are synthetic, each with its own NHS number
/// (the test range, 999…), so no two are ever offered as a match; a referral the mix draws as
/// a re-referral names a child whose case closed and who was referred within the 12 months
/// before, when there is one.
public struct HistoryWriter: Sendable {
    let scenario: Scenario
    let model: PathwayModel
    let definition: Pathway
    /// Per stage, the levels it holds, in the pathway's order.
    let stageLevels: [[String]]
    /// Per stage, the milestones that stop the clocks it stops (the front door stops its
    /// clocks by the decision itself).
    let stageMilestones: [[String]]
    let partner = Actor(id: "T-SIMULATED-PARTNER", role: .partner)
    let manager = Actor(id: "T-SIMULATED-MANAGER", role: .manager)

    public init(scenario: Scenario) throws(HistoryWriterError) {
        guard let model = scenario.pathwayModel else { throw .notPathwayDriven(scenario: scenario.name) }
        self.scenario = scenario
        self.model = model
        definition = model.pathway.definition
        let definition = self.definition
        stageLevels = scenario.stages.indices.map { stage in
            let held = Set(model.stageForLevel.filter { $0.value == stage }.map(\.key))
                .union(definition.level(scenario.stages[stage].id) == nil ? [] : [scenario.stages[stage].id])
            return definition.levels.map(\.id).filter(held.contains)
        }
        stageMilestones = scenario.stages.indices.map { stage in
            guard stage != model.frontDoor, model.stopsClocks.indices.contains(stage) else { return [] }
            var milestones: [String] = []
            for clockId in model.stopsClocks[stage] {
                for trigger in definition.clocks.first(where: { $0.id == clockId })?.stopsOn ?? [] where trigger.event == .milestone {
                    if let milestone = trigger.milestone, !milestones.contains(milestone) { milestones.append(milestone) }
                }
            }
            return milestones
        }
    }

    /// One case as the writer follows it.
    struct Followed: Sendable {
        var caseId: String?
        var level: String?
        var recommended: String
        var storeRecommendation: String?
        var referral: Referral
        /// The pathway refused a move and the case was closed: its later events are skipped.
        var ended = false
        var closedAt: Double?
    }

    /// What one case's events of a day did.
    struct DayWork: Sendable {
        var followed: Followed
        var report = HistoryReport()
    }

    /// Writes `trace` to `store`, a day of simulated time at a time (each day's cases
    /// concurrently, so commits group). `progress` is told (days written, days).
    public func write(_ trace: CaseTrace, to store: any CaseStore, progress: @Sendable (Int, Int) async -> Void = { _, _ in }) async throws -> HistoryReport {
        var report = HistoryReport()
        var cases: [Int: Followed] = [:]
        /// Children whose case closed, oldest first, with when they were last referred.
        var closedChildren: [(child: Child, referredAt: Double)] = []
        var closedHead = 0
        var lastReferredAt: [String: Double] = [:]
        let events = trace.events
        let days = max(1, Int(scenario.horizonDays.rounded(.up)))
        var index = 0
        var day = 0
        while index < events.count {
            day = Int(events[index].time)
            var end = index
            while end < events.count, Int(events[end].time) == day { end += 1 }
            // New referrals first pick their child (a re-referral: the oldest closed child
            // referred within the 12 months before), in order, before the day's writes run.
            var byCase: [Int: [CaseTrace.Event]] = [:]
            var order: [Int] = []
            for event in events[index..<end] {
                if case .referred(var referral, let reReferral, let recommended, _) = event.kind {
                    report.referrals += 1
                    referral.messageId = "SIM-\(event.caseNumber)"
                    referral.referrer = Referrer(agency: "simulated", source: referral.referrer.source, name: "simulated")
                    while closedHead < closedChildren.count, event.time - closedChildren[closedHead].referredAt > 365 { closedHead += 1 }
                    if reReferral, closedHead < closedChildren.count {
                        referral.child = closedChildren[closedHead].child
                        closedHead += 1
                        report.reReferralsMatched += 1
                    } else {
                        if reReferral { report.reReferralsUnmatched += 1 }
                        referral.child = Self.child(event.caseNumber, like: referral.child)
                    }
                    cases[event.caseNumber] = Followed(caseId: nil, level: nil, recommended: recommended, referral: referral)
                }
                if byCase[event.caseNumber] == nil { order.append(event.caseNumber) }
                byCase[event.caseNumber, default: []].append(event)
            }
            let start = scenario.startDate.daysSinceEpoch
            let results = try await withThrowingTaskGroup(of: (Int, DayWork).self) { group in
                for number in order {
                    guard let followed = cases[number], let list = byCase[number] else { continue }
                    group.addTask { (number, try await self.work(list, followed, store: store, startDay: start)) }
                }
                var results: [(Int, DayWork)] = []
                for try await result in group { results.append(result) }
                return results.sorted { $0.0 < $1.0 }
            }
            for (number, work) in results {
                report.merge(work.report)
                cases[number] = work.followed
                if let key = work.followed.referral.child.nhsNumber?.digits {
                    if work.followed.caseId != nil, case .referred? = byCase[number]?.first?.kind { lastReferredAt[key] = byCase[number]?.first?.time }
                    if work.followed.closedAt != nil, work.followed.ended {
                        closedChildren.append((work.followed.referral.child, lastReferredAt[key] ?? 0))
                        cases[number] = nil
                        lastReferredAt[key] = nil
                    }
                }
            }
            await progress(min(day + 1, days), days)
            index = end
        }
        report.open = cases.values.filter { !$0.ended && $0.caseId != nil }.count
        return report
    }

    /// A synthetic child for case `number`: names unique to it, an NHS number of the test
    /// range unique to it, the date of birth and disabilities the mix drew.
    static func child(_ number: Int, like drawn: Child) -> Child {
        var child = drawn
        let letters = ReferralGenerator.letters(number)
        child.givenName = "Sim" + letters
        child.familyName = "History" + letters
        child.nhsNumber = nhsNumber(number)
        return child
    }

    /// The `number`th valid NHS number from 999 000 000 1 upwards (the range the NHS keeps for
    /// tests), skipping bases whose check digit would be 10.
    static func nhsNumber(_ number: Int) -> NHSNumber? {
        // About one base in eleven has no valid check digit: step over them.
        var base = 999_000_000 + number * 11 / 10
        while base <= 999_999_999 {
            let digits = Array(String(base)).compactMap(\.wholeNumberValue)
            var total = 0
            for (position, digit) in digits.enumerated() { total += digit * (10 - position) }
            let check = (11 - total % 11) % 11
            if check != 10 { return try? NHSNumber(validating: String(base) + String(check)) }
            base += 1
        }
        return nil
    }

    /// One case's events of one day, in order.
    func work(_ events: [CaseTrace.Event], _ followed: Followed, store: any CaseStore, startDay: Int) async throws -> DayWork {
        var work = DayWork(followed: followed)
        for event in events where !work.followed.ended {
            let at = Timestamp(secondsSinceEpoch: Int64(((Double(startDay) + event.time) * 86_400).rounded(.down)))
            switch event.kind {
            case .referred:
                let submission = try await store.submit(work.followed.referral, partnerId: "simulated", actor: partner, receivedAt: at)
                work.followed.caseId = submission.caseId
                work.followed.storeRecommendation = submission.decision.level
                if submission.joinedOpenCase {
                    // Never expected (only closed cases' children are referred again); the case
                    // belongs to an earlier synthetic case, so this one is not followed further.
                    work.report.refused["joined an open case", default: 0] += 1
                    work.followed.ended = true
                }
            case .entered(let stage, let kind):
                try await enter(stage, kind: kind, at: at, store, &work)
            case .completed(let stage):
                guard work.followed.level != nil, let caseId = work.followed.caseId else { continue }
                for milestone in stageMilestones[stage] {
                    try await recordMilestone(milestone, caseId: caseId, at: at, store, &work)
                }
            case .reneged:
                continue
            case .left:
                try await leave(at: at, store, &work)
            }
        }
        return work
    }

    /// The case joins `stage`: the front-door decision, or a move when the stage holds other levels.
    private func enter(_ stage: Int, kind: TransitionKind?, at: Timestamp, _ store: any CaseStore, _ work: inout DayWork) async throws {
        guard let caseId = work.followed.caseId else { return }
        guard let current = work.followed.level else {
            let target = stageLevels[stage].contains(work.followed.recommended) ? work.followed.recommended : (stageLevels[stage].first ?? work.followed.recommended)
            try await decide(target, caseId: caseId, at: at, store, &work)
            return
        }
        let levels = stageLevels[stage]
        guard !levels.isEmpty, !levels.contains(current) else { return }
        guard let path = route(from: current, to: levels, kind: kind) else {
            work.report.refused["no pathway transition from \(current) to \(levels.joined(separator: " or "))", default: 0] += 1
            try await close(at: at, store, &work)
            return
        }
        if path.count > 1 { work.report.chained += 1 }
        for step in path {
            do {
                let command = try TransitionCommand(kind: step.kind, to: step.to, reason: nil, rationale: "simulated")
                _ = try await store.transition(caseId: caseId, command, actor: manager, at: at)
                work.followed.level = step.to
                work.report.moves += 1
            } catch let error as StoreError {
                work.report.refused[Self.reason(error), default: 0] += 1
                try await close(at: at, store, &work)
                return
            }
        }
    }

    /// The front-door decision: the router's recommendation accepted, or the level the
    /// simulation chose with an override reason (the store's own routing may differ from the
    /// simulation's for a re-referral the store did not see as one).
    private func decide(_ level: String, caseId: String, at: Timestamp, _ store: any CaseStore, _ work: inout DayWork) async throws {
        do {
            let command = level == work.followed.storeRecommendation
                ? try DecisionCommand(accept: true, level: nil, overrideReason: nil, rationale: "simulated")
                : try DecisionCommand(accept: false, level: level, overrideReason: "simulated", rationale: "simulated")
            _ = try await store.decide(caseId: caseId, command, actor: manager, at: at)
            work.followed.level = level
            work.report.decisions += 1
        } catch let error as StoreError {
            work.report.refused[Self.reason(error), default: 0] += 1
            try await close(at: at, store, &work)
        }
    }

    /// The case leaves the network: the front door's no further action (after the decision,
    /// for a level no stage holds), or a closure from its level.
    private func leave(at: Timestamp, _ store: any CaseStore, _ work: inout DayWork) async throws {
        guard let caseId = work.followed.caseId else { return }
        if work.followed.level == nil {
            try await decide(work.followed.recommended, caseId: caseId, at: at, store, &work)
            if work.followed.ended { return }
        }
        try await close(at: at, store, &work)
    }

    /// Reasons tried in order when a case leaves: services ceased, no further action after an
    /// assessment, referred to early help, moved to another authority; else the first the
    /// pathway allows from the level.
    static let closurePreference: [ClosureReason] = [.servicesCeased, .noFurtherActionAfterAssessment, .referredToEarlyHelp, .transferredToOtherAuthority]

    /// Closes the case with a reason its level (or the front door) allows; the case is not
    /// followed further.
    private func close(at: Timestamp, _ store: any CaseStore, _ work: inout DayWork) async throws {
        work.followed.ended = true
        guard let caseId = work.followed.caseId else { return }
        let allowed: [ClosureReason]
        if let level = work.followed.level {
            allowed = definition.transitions.filter { $0.kind == .close && $0.from == level }.flatMap { $0.reasons ?? [] }
        } else {
            allowed = definition.intake.closeReasons ?? []
        }
        guard let reason = Self.closurePreference.first(where: allowed.contains) ?? allowed.first else {
            work.report.refused["no closure allowed from \(work.followed.level ?? "the front door")", default: 0] += 1
            return
        }
        do {
            let command = try TransitionCommand(kind: .close, to: nil, reason: reason, rationale: "simulated")
            _ = try await store.transition(caseId: caseId, command, actor: manager, at: at)
            work.followed.closedAt = Double(at.secondsSinceEpoch) / 86_400
            work.report.closures += 1
        } catch let error as StoreError {
            work.report.refused["closure: " + Self.reason(error), default: 0] += 1
        }
    }

    /// Records a milestone on the day of `at`, with the census details it takes: the referral's
    /// concerns as the factors, a primary need (N1, abuse or neglect, for a case at child
    /// protection; else N8, family dysfunction), neglect as the category.
    private func recordMilestone(_ milestone: String, caseId: String, at: Timestamp, _ store: any CaseStore, _ work: inout DayWork) async throws {
        let takes = definition.milestones.first { $0.id == milestone }?.census?.takes ?? []
        // "21" (no factors identified) stands alone: with other factors it is dropped.
        var codes: [String] = []
        for concern in work.followed.referral.concerns where !codes.contains(concern.factor.rawValue) { codes.append(concern.factor.rawValue) }
        if codes.count > 1 { codes.removeAll { $0 == "21" } }
        let factors = takes.contains(.factors) ? codes : nil
        let atProtection = work.followed.level.map { ($0 == "child-protection") } ?? false
        do {
            let command = try MilestoneCommand(milestone: milestone, on: UKTime.londonDate(of: at).description, rationale: "simulated",
                                               factors: factors, primaryNeed: takes.contains(.primaryNeed) ? (atProtection ? "N1" : "N8") : nil,
                                               category: takes.contains(.category) ? "NEG" : nil, outcome: takes.contains(.outcome) ? "A" : nil)
            _ = try await store.recordMilestone(caseId: caseId, command, actor: manager, at: at)
            work.report.milestones += 1
        } catch let error as StoreError {
            work.report.refused["milestone \(milestone): " + Self.reason(error), default: 0] += 1
        } catch let error as InvalidCommand {
            work.report.refused["milestone \(milestone): \(error)", default: 0] += 1
        }
    }

    /// The pathway transitions that take a case from `from` to one of `targets`: one
    /// transition when there is one (of `kind`'s direction first), else the shortest chain of
    /// moves (closures excluded); nil when none reaches them.
    func route(from: String, to targets: [String], kind: TransitionKind?) -> [(kind: TransitionKind, to: String)]? {
        let moves = definition.transitions.filter { $0.kind != .close && $0.to != nil }
        let direct = moves.filter { $0.from == from && targets.contains($0.to ?? "") }
        let wanted: (PathwayTransition) -> Bool = { transition in
            switch kind {
            case .stepUp?, .escalate?: transition.kind == .stepUp || transition.kind == .escalate
            case .stepDown?: transition.kind == .stepDown
            default: true
            }
        }
        // Of the direct moves, the direction the simulation took, then the nearest level.
        let rank = { (level: String) in definition.rank(of: level) ?? 0 }
        let distance = { (level: String) in abs(rank(level) - rank(from)) }
        if let best = direct.sorted(by: { (wanted($0) ? 0 : 1, distance($0.to ?? "")) < (wanted($1) ? 0 : 1, distance($1.to ?? "")) }).first,
           let to = best.to {
            return [(best.kind, to)]
        }
        // Breadth first over the pathway's moves.
        var previous: [String: (from: String, kind: TransitionKind)] = [from: (from, .stepUp)]
        var frontier = [from]
        while !frontier.isEmpty {
            var next: [String] = []
            for level in frontier {
                for move in moves where move.from == level {
                    guard let to = move.to, previous[to] == nil else { continue }
                    previous[to] = (level, move.kind)
                    if targets.contains(to) {
                        var path: [(kind: TransitionKind, to: String)] = []
                        var at = to
                        while at != from, let step = previous[at] {
                            path.insert((step.kind, at), at: 0)
                            at = step.from
                        }
                        return path
                    }
                    next.append(to)
                }
            }
            frontier = next
        }
        return nil
    }

    /// A store error as a short reason for the report (no case ids: the counts group them).
    static func reason(_ error: StoreError) -> String {
        if case .refused(let refusal) = error { return String(describing: refusal) }
        return String(describing: error)
    }
}

extension HistoryReport {
    mutating func merge(_ other: HistoryReport) {
        referrals += other.referrals
        reReferralsMatched += other.reReferralsMatched
        reReferralsUnmatched += other.reReferralsUnmatched
        decisions += other.decisions
        moves += other.moves
        closures += other.closures
        milestones += other.milestones
        chained += other.chained
        for (reason, count) in other.refused { refused[reason, default: 0] += count }
    }
}
