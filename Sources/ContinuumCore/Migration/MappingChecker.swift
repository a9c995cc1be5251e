import ContinuumJSON

/// Proves a ``PathwayMapping`` total before it runs: every old level that can hold an open case
/// is mapped and every case at it lands somewhere (the last rule has no conditions), every target
/// exists, no rule can put a case on a consent level without consent (those go to the review
/// list), and every clock of the old version is carried or stopped with a reason. Each gap is an
/// error naming the level or clock and its JSON path.
public enum MappingChecker {
    public struct Report: Sendable {
        public let problems: [PathwayProblem]
        public let verified: VerifiedMapping?

        public var errors: [PathwayProblem] { problems.filter { $0.severity == .error } }
    }

    public static func check(_ mapping: PathwayMapping, from old: VerifiedPathway, to new: VerifiedPathway) -> Report {
        var problems: [PathwayProblem] = []
        func error(_ path: String, rule: String? = nil, _ message: String) { problems.append(PathwayProblem(.error, path, rule: rule, message)) }
        let oldPathway = old.definition, newPathway = new.definition
        if mapping.format != PathwayMapping.format {
            error("$.format", "format is \"\(mapping.format)\"; this version of Continuum reads \"\(PathwayMapping.format)\"")
        }
        if mapping.from != oldPathway.reference { error("$.from", "the mapping is from \(mapping.from), but the old version is \(oldPathway.reference)") }
        if mapping.to != newPathway.reference { error("$.to", "the mapping is to \(mapping.to), but the new version is \(newPathway.reference)") }
        if oldPathway.reference == newPathway.reference { error("$.to", "a mapping must go to another version") }

        let oldLevels = oldPathway.levels.map(\.id), newLevels = newPathway.levels.map(\.id)
        let assessmentClock = oldPathway.clock(for: .assessment)?.id
        if let clock = mapping.childProtectionPlanClock, !oldPathway.clocks.contains(where: { $0.id == clock }) {
            error("$.childProtectionPlanClock", "\(oldPathway.reference) has no clock \"\(clock)\"" + Suggestion.didYouMean(clock, among: oldPathway.clocks.map(\.id)))
        }
        var mapped = Set<String>()
        for (index, entry) in mapping.levels.enumerated() {
            let path = "$.levels[\(index)]"
            guard oldLevels.contains(entry.from) else {
                error("\(path).from", "\(oldPathway.reference) has no level \"\(entry.from)\"" + Suggestion.didYouMean(entry.from, among: oldLevels))
                continue
            }
            if !mapped.insert(entry.from).inserted { error("\(path).from", rule: entry.from, "level \"\(entry.from)\" is mapped twice") }
            if entry.rules.isEmpty { error("\(path).rules", rule: entry.from, "level \"\(entry.from)\" has no rules: its cases would have nowhere to go") }
            var ruleIDs = Set<String>()
            for (ruleIndex, rule) in entry.rules.enumerated() {
                let rulePath = "\(path).rules[\(ruleIndex)]"
                if !ruleIDs.insert(rule.id).inserted { error("\(rulePath).id", rule: rule.id, "duplicate rule id \"\(rule.id)\"") }
                if rule.description.allSatisfy(\.isWhitespace) { error("\(rulePath).description", rule: rule.id, "every rule needs a description: it is the migration's rationale") }
                switch (rule.to, rule.review) {
                case (nil, nil), (.some, .some):
                    error(rulePath, rule: rule.id, "give exactly one of \"to\" (a level of \(newPathway.reference)) or \"review\" (why a person must decide)")
                case (let to?, nil):
                    guard let level = newPathway.level(to) else {
                        error("\(rulePath).to", rule: rule.id, "\(newPathway.reference) has no level \"\(to)\"" + Suggestion.didYouMean(to, among: newLevels))
                        break
                    }
                    if level.consentRequired, rule.when?.consent != .given {
                        error("\(rulePath).when.consent", rule: rule.id,
                              "puts cases at \"\(entry.from)\" on \"\(to)\", which needs consent, without requiring consent \"given\": a case without consent would land there. Require consent and send the rest to review")
                    }
                case (nil, let reason?):
                    if reason.allSatisfy(\.isWhitespace) { error("\(rulePath).review", rule: rule.id, "say why a person must decide these cases") }
                }
                if let when = rule.when {
                    if when.isEmpty { error("\(rulePath).when", rule: rule.id, "an empty condition; leave \"when\" out for a rule that takes every case") }
                    if when.assessmentRunning != nil, assessmentClock == nil {
                        error("\(rulePath).when.assessmentRunning", rule: rule.id, "\(oldPathway.reference) has no clock for the assessment indicator")
                    }
                    if when.childProtectionPlan != nil, mapping.childProtectionPlanClock == nil {
                        error("\(rulePath).when.childProtectionPlan", rule: rule.id, "name the clock that shows a plan is in force in $.childProtectionPlanClock")
                    }
                }
            }
            if let last = entry.rules.last, !(last.when?.isEmpty ?? true) {
                error("\(path).rules[\(entry.rules.count - 1)].when", rule: entry.from,
                      "level \"\(entry.from)\" is not covered: a case no rule matches has nowhere to go; end with a rule without \"when\" (a level, or review)")
            }
        }
        // Every level can hold an open case: the pathway checker proved each reachable.
        for level in oldLevels where !mapped.contains(level) {
            error("$.levels", rule: level, "level \"\(level)\" of \(oldPathway.reference) is not mapped: its open cases would have nowhere to go")
        }

        var clocksMapped = Set<String>()
        var targets: [String: String] = [:]
        for (index, entry) in mapping.clocks.enumerated() {
            let path = "$.clocks[\(index)]"
            guard oldPathway.clocks.contains(where: { $0.id == entry.from }) else {
                error("\(path).from", "\(oldPathway.reference) has no clock \"\(entry.from)\"" + Suggestion.didYouMean(entry.from, among: oldPathway.clocks.map(\.id)))
                continue
            }
            if !clocksMapped.insert(entry.from).inserted { error("\(path).from", rule: entry.from, "clock \"\(entry.from)\" is mapped twice") }
            switch (entry.to, entry.stopped) {
            case (let to?, nil):
                if !newPathway.clocks.contains(where: { $0.id == to }) {
                    error("\(path).to", rule: entry.from, "\(newPathway.reference) has no clock \"\(to)\"" + Suggestion.didYouMean(to, among: newPathway.clocks.map(\.id)))
                } else if let other = targets[to] {
                    error("\(path).to", rule: entry.from, "clocks \"\(other)\" and \"\(entry.from)\" both become \"\(to)\"; a case could have both running")
                } else {
                    targets[to] = entry.from
                }
            case (nil, let reason?):
                if reason.allSatisfy(\.isWhitespace) { error("\(path).stopped", rule: entry.from, "say why the clock stops") }
            default:
                error(path, rule: entry.from, "give exactly one of \"to\" (a clock of \(newPathway.reference)) or \"stopped\" (the reason)")
            }
        }
        for clock in oldPathway.clocks where !clocksMapped.contains(clock.id) {
            error("$.clocks", rule: clock.id, "clock \"\(clock.id)\" of \(oldPathway.reference) is not accounted for: carry it to a clock of \(newPathway.reference) or stop it with a reason")
        }
        let verified = problems.isEmpty ? VerifiedMapping(mapping: mapping, from: old, to: new, assessmentClock: assessmentClock) : nil
        return Report(problems: problems, verified: verified)
    }
}

/// A mapping that passed ``MappingChecker``: the only form a migration runs.
public struct VerifiedMapping: Sendable {
    public let mapping: PathwayMapping
    public let from: VerifiedPathway
    public let to: VerifiedPathway
    let assessmentClock: String?

    /// What the migration does with one case.
    public enum Step: Sendable, Hashable {
        /// Move it now.
        case move(PathwayMigration)
        /// Put it on the review list (or keep it there).
        case review(MigrationReview)
        /// Leave it: not on the old version, ended, or already on the review list for this move.
        case unchanged
    }

    /// The step for a case in `state`: pure, so a dry run and the real run agree. An open case's
    /// level is placed by the mapping's rules; a case awaiting its front-door decision has no level
    /// to place (its referral is routed again by the new version when it moves); a case with a
    /// change waiting for approval goes to review, since the change names the old version's rules.
    public func plan(_ state: CaseState) -> Step {
        guard state.pathway == mapping.from, state.phase == .open || state.phase == .awaitingDecision else { return .unchanged }
        let clocks = mapping.clocks.map { ClockChange(clock: $0.from, to: $0.to, stopped: $0.stopped) }
        func review(_ reason: String) -> Step {
            let review = MigrationReview(to: mapping.to, reason: reason, clocks: clocks)
            return state.migrationReview == review ? .unchanged : .review(review)
        }
        if let pending = state.pending {
            return review("a change waits for a manager's approval (\(pending.change.summary)); decide it, then move the case")
        }
        var levelChange: LevelChange?
        var rule: String?
        if state.phase == .open, let level = state.level {
            switch place(level, state) {
            case .level(let new, let id):
                levelChange = LevelChange(from: level, to: new)
                rule = id
            case .review(let reason): return review(reason)
            }
        }
        return .move(PathwayMigration(from: mapping.from, to: mapping.to, level: levelChange, clocks: clocks, rule: rule))
    }

    private enum Placement: Hashable {
        case level(String, rule: String)
        case review(String)
    }

    private func place(_ level: String, _ state: CaseState) -> Placement {
        guard let entry = mapping.levels.first(where: { $0.from == level }) else {
            return .review("the mapping has no rule for level \"\(level)\"")
        }
        for rule in entry.rules where matches(rule.when, state) {
            if let to = rule.to { return .level(to, rule: rule.id) }
            return .review(rule.review ?? rule.description)
        }
        return .review("no rule of the mapping matches this case at \"\(level)\"")
    }

    private func matches(_ condition: MappingCondition?, _ state: CaseState) -> Bool {
        guard let condition else { return true }
        if let consent = condition.consent, (state.consent == .given) != (consent == .given) { return false }
        if let running = condition.assessmentRunning, (assessmentClock.flatMap { state.clock($0) } != nil) != running { return false }
        if let plan = condition.childProtectionPlan, (mapping.childProtectionPlanClock.flatMap { state.clock($0) } != nil) != plan { return false }
        return true
    }
}
