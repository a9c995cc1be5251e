/// Static verification of a ``Pathway`` before anyone relies on it.
///
/// Errors (the pathway cannot be used): unknown or duplicate ids; levels unreachable from the
/// front door; levels with no path to closure; a step-up or escalation with no chain of
/// step-downs back; step-ups that go down (and the reverse); rules that overlap under a
/// `unique` hit policy; input combinations no rule covers; rules that recommend a
/// consent-only level without requiring consent; clocks that never stop or never start.
/// Warnings: rules that can never fire under `first`, clocks that keep running after closure,
/// a bank-holiday list that ends within a year.
public enum PathwayChecker {
    /// The result: every problem, and the verified pathway when there are no errors.
    public struct Report: Sendable {
        public let problems: [PathwayProblem]
        public let verified: VerifiedPathway?

        public var errors: [PathwayProblem] { problems.filter { $0.severity == .error } }
        public var warnings: [PathwayProblem] { problems.filter { $0.severity == .warning } }
    }

    /// Checks `pathway`. Pass `today` to be warned when the bank-holiday list runs out soon.
    public static func check(_ pathway: Pathway, today: CalendarDate? = nil) -> Report {
        var checker = Checker(pathway: pathway)
        checker.run(today: today)
        let problems = checker.problems
        guard !problems.contains(where: { $0.severity == .error }),
              let routingIndex = pathway.criteria.firstIndex(where: { $0.id == pathway.intake.routing }),
              let routing = checker.compiled[routingIndex] else {
            return Report(problems: problems, verified: nil)
        }
        return Report(problems: problems, verified: VerifiedPathway(definition: pathway, routing: routing, warnings: problems))
    }
}

private struct Checker {
    let pathway: Pathway
    var problems: [PathwayProblem] = []
    /// Compiled tables by index in `criteria` (nil where a table did not compile).
    var compiled: [Int: CompiledTable] = [:]

    init(pathway: Pathway) {
        self.pathway = pathway
    }

    mutating func error(_ path: String, rule: String? = nil, _ message: String) {
        problems.append(PathwayProblem(.error, path, rule: rule, message))
    }

    mutating func warning(_ path: String, rule: String? = nil, _ message: String) {
        problems.append(PathwayProblem(.warning, path, rule: rule, message))
    }

    var levelIDs: Set<String> { Set(pathway.levels.map(\.id)) }

    /// "; did you mean …?" when an id is close to a known one, else the known ids.
    func suggest(_ id: String, _ known: [String]) -> String {
        guard !known.isEmpty else { return "" }
        let suggestion = Suggestion.didYouMean(id, among: known)
        return suggestion.isEmpty ? "; known: \(known.joined(separator: ", "))" : suggestion
    }

    mutating func run(today: CalendarDate?) {
        if pathway.format != Pathway.format {
            error("$.format", "format is \"\(pathway.format)\"; this version of Continuum reads \"\(Pathway.format)\"")
        }
        checkUniqueIDs()
        checkLevels()
        checkIntake()
        checkTransitions()
        checkInputs()
        for index in pathway.criteria.indices { checkTable(index) }
        checkGraph()
        checkClocks()
        checkCensus()
        if let today {
            if let years = pathway.workingDays.coveredYears {
                if years.upperBound < today.adding(months: 12).year {
                    warning("$.calendar.bankHolidays", "bank holidays are listed only to \(years.upperBound); deadlines after that count weekends only. Add the newly proclaimed holidays")
                }
            } else {
                warning("$.calendar.bankHolidays", "no bank holidays are loaded; deadlines count weekends only")
            }
        }
    }

    // MARK: - Ids

    mutating func checkUniqueIDs() {
        func duplicates(_ ids: [String], _ path: String, _ what: String) {
            var seen = Set<String>()
            for (index, id) in ids.enumerated() {
                if id.isEmpty { error("\(path)[\(index)].id", "\(what) id must not be empty") }
                if !seen.insert(id).inserted { error("\(path)[\(index)].id", "duplicate \(what) id \"\(id)\"") }
            }
        }
        duplicates(pathway.levels.map(\.id), "$.levels", "level")
        duplicates(pathway.milestones.map(\.id), "$.milestones", "milestone")
        duplicates(pathway.transitions.map(\.id), "$.transitions", "transition")
        duplicates(pathway.inputs.map(\.id), "$.inputs", "input")
        duplicates(pathway.criteria.map(\.id), "$.criteria", "decision table")
        duplicates(pathway.clocks.map(\.id), "$.clocks", "clock")
        for (tableIndex, table) in pathway.criteria.enumerated() {
            duplicates(table.rules.map(\.id), "$.criteria[\(tableIndex)].rules", "rule")
        }
        // One clock per national indicator: a report must know which clock it measures.
        var indicators: [ClockIndicator: String] = [:]
        for (index, clock) in pathway.clocks.enumerated() {
            guard let indicator = clock.indicator else { continue }
            if let first = indicators[indicator] {
                error("$.clocks[\(index)].indicator", rule: clock.id, "clock \"\(first)\" already stands for the indicator \"\(indicator.rawValue)\"")
            } else {
                indicators[indicator] = clock.id
            }
        }
    }

    mutating func checkLevels() {
        if pathway.levels.isEmpty { error("$.levels", "a pathway needs at least one level") }
        for (index, level) in pathway.levels.enumerated() where level.tier == .earlyHelp && !level.consentRequired {
            warning("$.levels[\(index)].consentRequired", rule: level.id, "early help is consensual, but level \"\(level.id)\" does not require consent")
        }
        for (index, level) in pathway.levels.enumerated() {
            guard let roles = level.caseRoles else { continue }
            for role in CaseRole.allCases {
                guard let rule = roles.rule(role) else { continue }
                let path = "$.levels[\(index)].caseRoles.\(role == .lead ? "lead" : "coWorker")"
                if rule.qualifications.isEmpty {
                    error("\(path).qualifications", rule: level.id, "list the qualifications that may hold the \(role.rawValue) role (\(Qualification.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                if rule.title.trimmingWhitespace.isEmpty { error("\(path).title", rule: level.id, "name the role as practitioners know it") }
            }
        }
        for (index, level) in pathway.levels.enumerated() {
            guard let rule = level.retention else {
                warning("$.levels[\(index)].retention", rule: level.id, "no retention rule: a child's record that reaches \"\(level.id)\" has no end date")
                continue
            }
            if rule.years < 1 || rule.years > 150 {
                error("$.levels[\(index)].retention.years", rule: level.id, "a retention period is a whole number of years from 1 to 150, not \(rule.years)")
            }
        }
        let milestoneIDs = pathway.milestones.map(\.id)
        for (index, milestone) in pathway.milestones.enumerated() {
            for (i, required) in (milestone.requiresAny ?? []).enumerated() {
                if required == milestone.id {
                    error("$.milestones[\(index)].requiresAny[\(i)]", rule: milestone.id, "a milestone cannot require itself")
                } else if !milestoneIDs.contains(required) {
                    error("$.milestones[\(index)].requiresAny[\(i)]", rule: milestone.id, "unknown milestone \"\(required)\"" + suggest(required, milestoneIDs))
                }
            }
            if let required = milestone.requiresAny, required.isEmpty {
                error("$.milestones[\(index)].requiresAny", rule: milestone.id, "an empty list can never be met; omit it when nothing is required")
            }
        }
    }

    mutating func checkIntake() {
        let intake = pathway.intake
        if !pathway.criteria.contains(where: { $0.id == intake.routing }) {
            error("$.intake.routing", "no decision table \"\(intake.routing)\"" + suggest(intake.routing, pathway.criteria.map(\.id)))
        }
        if intake.outcomes.isEmpty { error("$.intake.outcomes", "the front door must be able to place a child in at least one level") }
        for (index, outcome) in intake.outcomes.enumerated() where !levelIDs.contains(outcome) {
            error("$.intake.outcomes[\(index)]", "unknown level \"\(outcome)\"" + suggest(outcome, pathway.levels.map(\.id)))
        }
        if intake.roles.isEmpty { error("$.intake.roles", "name at least one role that may record the front-door decision") }
    }

    mutating func checkTransitions() {
        for (index, transition) in pathway.transitions.enumerated() {
            let path = "$.transitions[\(index)]"
            let fromRank = pathway.rank(of: transition.from)
            if fromRank == nil {
                error("\(path).from", rule: transition.id, "unknown level \"\(transition.from)\"" + suggest(transition.from, pathway.levels.map(\.id)))
            }
            if transition.roles.isEmpty { error("\(path).roles", rule: transition.id, "name at least one role that may make this transition") }
            if transition.kind == .close {
                if let to = transition.to { error("\(path).to", rule: transition.id, "a close transition has no target level (found \"\(to)\")") }
                if (transition.reasons ?? []).isEmpty {
                    error("\(path).reasons", rule: transition.id, "a close transition must list the CIN census closure reasons it allows (RC1…RC9)")
                }
                continue
            }
            if transition.reasons != nil { error("\(path).reasons", rule: transition.id, "only close transitions take closure reasons") }
            guard let to = transition.to else {
                error("\(path).to", rule: transition.id, "a \(transition.kind.rawValue) transition needs a target level")
                continue
            }
            guard let toRank = pathway.rank(of: to) else {
                error("\(path).to", rule: transition.id, "unknown level \"\(to)\"" + suggest(to, pathway.levels.map(\.id)))
                continue
            }
            guard let fromRank else { continue }
            if fromRank == toRank {
                error(path, rule: transition.id, "a transition must change level (from and to are both \"\(to)\")")
            } else if transition.kind == .reclassify {
                // Either direction: the legal basis changes, the service and its worker do not.
                if let from = pathway.level(transition.from), let target = pathway.level(to), from.caseRoles != target.caseRoles {
                    error(path, rule: transition.id,
                          "a reclassification keeps the case's workers, but \"\(transition.from)\" and \"\(to)\" have different case roles; make it a step-up or step-down")
                }
            } else if (transition.kind == .stepDown) != (toRank < fromRank) {
                let direction = toRank > fromRank ? "up" : "down"
                error("\(path).kind", rule: transition.id,
                      "\"\(transition.from)\" → \"\(to)\" goes \(direction) the continuum but is a \(transition.kind.rawValue); levels are listed in order of increasing need")
            }
        }
    }

    mutating func checkInputs() {
        for (index, input) in pathway.inputs.enumerated() {
            if input.fact.takesFactors {
                if let factors = input.factors, factors.isEmpty {
                    error("$.inputs[\(index)].factors", rule: input.id, "an empty factor list never matches; omit it to mean every factor")
                }
            } else if input.factors != nil {
                error("$.inputs[\(index)].factors", rule: input.id, "fact \"\(input.fact.rawValue)\" does not take factors")
            }
        }
    }

    // MARK: - Decision tables

    mutating func checkTable(_ tableIndex: Int) {
        let table = pathway.criteria[tableIndex]
        let base = "$.criteria[\(tableIndex)]"
        var inputs: [FactInput] = []
        for (index, id) in table.inputs.enumerated() {
            if let input = pathway.inputs.first(where: { $0.id == id }) {
                inputs.append(input)
            } else {
                error("\(base).inputs[\(index)]", "unknown input \"\(id)\"" + suggest(id, pathway.inputs.map(\.id)))
            }
        }
        guard inputs.count == table.inputs.count else { return }
        if table.rules.isEmpty { error("\(base).rules", "a decision table needs at least one rule") }
        let isRouting = table.id == pathway.intake.routing
        var rules: [CompiledTable.CompiledRule] = []
        for (ruleIndex, rule) in table.rules.enumerated() {
            let path = "\(base).rules[\(ruleIndex)]"
            var ok = true
            for key in rule.when.keys.sorted() where !table.inputs.contains(key) {
                error("\(path).when.\(key)", rule: rule.id, "\"\(key)\" is not one of this table's inputs (\(table.inputs.joined(separator: ", ")))")
                ok = false
            }
            var tests: [[ClosedRange<Int>]] = []
            for input in inputs {
                guard let condition = rule.when[input.id] else {
                    tests.append([input.fact.range])
                    continue
                }
                switch Self.resolve(condition, for: input.fact) {
                case .success(let ranges):
                    if ranges.isEmpty {
                        error("\(path).when.\(input.id)", rule: rule.id, "this condition matches no value, so the rule can never fire")
                        ok = false
                    }
                    tests.append(ranges)
                case .failure(let problem):
                    error("\(path).when.\(input.id)", rule: rule.id, problem.message)
                    ok = false
                }
            }
            guard let rank = pathway.rank(of: rule.then) else {
                error("\(path).then", rule: rule.id, "unknown level \"\(rule.then)\"" + suggest(rule.then, pathway.levels.map(\.id)))
                continue
            }
            if isRouting && !pathway.intake.outcomes.contains(rule.then) {
                error("\(path).then", rule: rule.id, "\"\(rule.then)\" is not one of the front door's outcomes (\(pathway.intake.outcomes.joined(separator: ", ")))")
            }
            if rule.description.trimmingWhitespace.isEmpty {
                error("\(path).description", rule: rule.id, "every rule needs a plain-English description: it is the decision's rationale")
            }
            guard ok else { continue }
            let compiledRule = CompiledTable.CompiledRule(id: rule.id, description: rule.description, output: rule.then, outputRank: rank, tests: tests)
            if let level = pathway.level(rule.then), level.consentRequired {
                checkConsent(compiledRule, inputs: inputs, level: level, path: path)
            }
            rules.append(compiledRule)
        }
        guard rules.count == table.rules.count else { return }
        let compiledTable = CompiledTable(id: table.id, policy: table.hitPolicy, inputs: inputs, rules: rules)
        compiled[tableIndex] = compiledTable
        checkOverlapAndCoverage(compiledTable, base: base)
    }

    /// A rule recommending a consent-only level must require consent "given".
    mutating func checkConsent(_ rule: CompiledTable.CompiledRule, inputs: [FactInput], level: Level, path: String) {
        let given = Consent.allCases.firstIndex(of: .given) ?? 0
        guard let consentIndex = inputs.firstIndex(where: { $0.fact == .consent }) else {
            error(path, rule: rule.id, "recommends \"\(level.id)\", which needs consent, but the table has no consent input to require it")
            return
        }
        let allowed = rule.tests[consentIndex]
        let other = FactKind.consent.range.filter { value in value != given && allowed.contains { $0.contains(value) } }
        if let value = other.first {
            error("\(path).when.\(inputs[consentIndex].id)", rule: rule.id,
                  "recommends \"\(level.id)\", which needs consent, even when consent is \(FactKind.consent.label(value)); require consent \"given\"")
        }
    }

    mutating func checkOverlapAndCoverage(_ table: CompiledTable, base: String) {
        if table.policy == .unique {
            for i in table.rules.indices {
                for j in table.rules.indices where j > i {
                    let a = table.rules[i], b = table.rules[j]
                    guard BoxGeometry.intersects(a.tests, b.tests), let point = BoxGeometry.commonPoint(a.tests, b.tests) else { continue }
                    error("\(base).rules[\(j)]", rule: b.id,
                          "rules \(a.id) and \(b.id) overlap under the unique hit policy; both match \(table.describe(point))")
                }
            }
        }
        switch BoxGeometry.coverage(of: table.domain, by: table.rules.map(\.tests)) {
        case .covered:
            break
        case .uncovered(let point):
            error("\(base).rules", rule: table.id, "no rule covers \(table.describe(point)); add a rule (or a final catch-all) for it")
        case .tooLarge(let cells):
            error("\(base).inputs", rule: table.id, "too many input combinations to verify (\(Int(cells)) cells); split the table or narrow its inputs")
        }
        if table.policy == .first {
            for (index, rule) in table.rules.enumerated() where index > 0 {
                if BoxGeometry.coverage(of: rule.tests, by: table.rules[..<index].map(\.tests)) == .covered {
                    warning("\(base).rules[\(index)]", rule: rule.id, "can never fire: earlier rules match every referral it matches")
                }
            }
        }
    }

    /// A condition as the set of domain values it allows.
    static func resolve(_ condition: Condition, for fact: FactKind) -> Result<[ClosedRange<Int>], ValidationProblem> {
        func value(_ literal: ConditionValue) -> Result<Int, ValidationProblem> {
            switch (literal, fact.labels) {
            case (.bool(let flag), let labels?) where labels == ["false", "true"]:
                return .success(flag ? 1 : 0)
            case (.label(let label), let labels?):
                guard let index = labels.firstIndex(of: label) else {
                    return .failure(ValidationProblem("\(literal) is not a value of \(fact.rawValue); expected one of \(labels.map { "\"\($0)\"" }.joined(separator: ", "))"))
                }
                return .success(index)
            case (.number(let number), nil):
                guard fact.range.contains(number) else {
                    return .failure(ValidationProblem("\(number) is outside \(fact.rawValue)'s range \(fact.range.lowerBound)…\(fact.range.upperBound)"))
                }
                return .success(number)
            case (_, let labels?):
                return .failure(ValidationProblem("\(literal) is not a value of \(fact.rawValue); expected one of \(labels.joined(separator: ", "))"))
            case (_, nil):
                return .failure(ValidationProblem("\(fact.rawValue) is a whole number from \(fact.range.lowerBound) to \(fact.range.upperBound), not \(literal)"))
            }
        }
        func values(_ literals: [ConditionValue]) -> Result<[Int], ValidationProblem> {
            var result: [Int] = []
            for literal in literals {
                switch value(literal) {
                case .success(let number): result.append(number)
                case .failure(let problem): return .failure(problem)
                }
            }
            return .success(result)
        }
        let domain = fact.range
        switch condition {
        case .equals(let literal):
            return value(literal).map { [$0...$0] }
        case .oneOf(let literals):
            return values(literals).map { Self.ranges(Set($0)) }
        case .not(let literals):
            return values(literals).map { excluded in Self.ranges(Set(domain).subtracting(excluded)) }
        case .atLeast(let literal):
            return value(literal).map { $0 <= domain.upperBound ? [$0...domain.upperBound] : [] }
        case .atMost(let literal):
            return value(literal).map { $0 >= domain.lowerBound ? [domain.lowerBound...$0] : [] }
        case .between(let low, let high):
            guard fact.labels == nil else {
                return .failure(ValidationProblem("min/max apply to whole-number facts; \(fact.rawValue) takes values such as \(fact.label(0))"))
            }
            let lower = max(low ?? domain.lowerBound, domain.lowerBound)
            let upper = min(high ?? domain.upperBound, domain.upperBound)
            return .success(lower <= upper ? [lower...upper] : [])
        }
    }

    /// Sorted disjoint ranges covering exactly `values`.
    static func ranges(_ values: Set<Int>) -> [ClosedRange<Int>] {
        var result: [ClosedRange<Int>] = []
        for value in values.sorted() {
            if let last = result.last, last.upperBound + 1 == value {
                result[result.count - 1] = last.lowerBound...value
            } else {
                result.append(value...value)
            }
        }
        return result
    }

    // MARK: - The continuum as a graph

    mutating func checkGraph() {
        let levels = pathway.levels.map(\.id)
        var moves: [String: Set<String>] = [:]      // step-up, step-down, escalate
        var stepDowns: [String: Set<String>] = [:]
        var closable = Set<String>()
        for transition in pathway.transitions where levelIDs.contains(transition.from) {
            if transition.kind == .close {
                closable.insert(transition.from)
            } else if let to = transition.to, levelIDs.contains(to) {
                moves[transition.from, default: []].insert(to)
                // A reclassification is a way back too: it changes the basis, not the need.
                if transition.kind == .stepDown || transition.kind == .reclassify { stepDowns[transition.from, default: []].insert(to) }
            }
        }
        let reachable = Self.closure(from: Set(pathway.intake.outcomes.filter(levelIDs.contains)), edges: moves)
        for (index, level) in levels.enumerated() where !reachable.contains(level) {
            error("$.levels[\(index)]", rule: level, "level \"\(level)\" cannot be reached from the front door (\(pathway.intake.title))")
        }
        var reverse: [String: Set<String>] = [:]
        for (from, targets) in moves { for to in targets { reverse[to, default: []].insert(from) } }
        let canClose = Self.closure(from: closable, edges: reverse)
        for (index, level) in levels.enumerated() where !canClose.contains(level) {
            error("$.levels[\(index)]", rule: level, "level \"\(level)\" has no path to closure: no close transition is reachable from it")
        }
        for (index, transition) in pathway.transitions.enumerated() where transition.kind == .stepUp || transition.kind == .escalate {
            guard let to = transition.to, levelIDs.contains(to), levelIDs.contains(transition.from) else { continue }
            if !Self.closure(from: [to], edges: stepDowns).contains(transition.from) {
                error("$.transitions[\(index)]", rule: transition.id,
                      "\(transition.kind.rawValue) \"\(transition.from)\" → \"\(to)\" has no step-down back: no chain of step-down transitions leads from \"\(to)\" to \"\(transition.from)\"")
            }
        }
    }

    static func closure(from start: Set<String>, edges: [String: Set<String>]) -> Set<String> {
        var seen = start
        var queue = Array(start)
        while let next = queue.popLast() {
            for target in edges[next] ?? [] where seen.insert(target).inserted { queue.append(target) }
        }
        return seen
    }

    // MARK: - Clocks

    mutating func checkClocks() {
        let milestoneIDs = Set(pathway.milestones.map(\.id))
        let leavable = Set(pathway.transitions.map(\.from))
        let hasClose = pathway.transitions.contains { $0.kind == .close } || !(pathway.intake.closeReasons ?? []).isEmpty
        for (index, clock) in pathway.clocks.enumerated() {
            let path = "$.clocks[\(index)]"
            if clock.due.isEmpty { error("\(path).due", rule: clock.id, "a clock needs at least one interval") }
            for (i, interval) in clock.due.enumerated() {
                let set = [interval.workingDays, interval.days, interval.months].compactMap { $0 }
                if set.count != 1 {
                    error("\(path).due[\(i)]", rule: clock.id, "give exactly one of workingDays, days or months")
                } else if let amount = set.first, amount < 0 || (amount == 0 && interval.workingDays == nil) {
                    error("\(path).due[\(i)]", rule: clock.id, "an interval must be positive (0 is allowed only as workingDays: the same day)")
                }
            }
            var triggers: [(String, ClockTrigger)] = []
            for (i, trigger) in clock.startsOn.enumerated() { triggers.append(("\(path).startsOn[\(i)]", trigger)) }
            for (i, trigger) in (clock.restartsOn ?? []).enumerated() { triggers.append(("\(path).restartsOn[\(i)]", trigger)) }
            for (i, trigger) in clock.stopsOn.enumerated() { triggers.append(("\(path).stopsOn[\(i)]", trigger)) }
            for (triggerPath, trigger) in triggers { checkTrigger(trigger, path: triggerPath, clock: clock.id, milestones: milestoneIDs) }
            if clock.startsOn.isEmpty { error("\(path).startsOn", rule: clock.id, "the clock never starts: list the events that start it") }
            let stoppable = clock.stopsOn.filter { trigger in
                switch trigger.event {
                case .milestone: trigger.milestone.map(milestoneIDs.contains) ?? false
                case .levelLeft: (trigger.levels ?? pathway.levels.map(\.id)).contains(where: leavable.contains)
                case .closed: hasClose
                case .referralReceived, .decided, .levelEntered: true
                }
            }
            if clock.stopsOn.isEmpty {
                error("\(path).stopsOn", rule: clock.id, "the clock never stops: list the events that stop it (a milestone, leaving a level, closure)")
            } else if stoppable.isEmpty {
                error("\(path).stopsOn", rule: clock.id, "the clock never stops: none of its stop events can happen in this pathway")
            } else if !clock.stopsOn.contains(where: { $0.event == .closed }) {
                warning("\(path).stopsOn", rule: clock.id, "the clock keeps running after the case closes; add {\"event\": \"closed\"} to stopsOn")
            }
        }
    }

    mutating func checkTrigger(_ trigger: ClockTrigger, path: String, clock: String, milestones: Set<String>) {
        switch trigger.event {
        case .milestone:
            guard let milestone = trigger.milestone else {
                error(path, rule: clock, "a milestone trigger must name its milestone")
                return
            }
            if !milestones.contains(milestone) {
                error("\(path).milestone", rule: clock, "unknown milestone \"\(milestone)\"" + suggest(milestone, pathway.milestones.map(\.id)))
            }
        case .levelEntered, .levelLeft:
            for (index, level) in (trigger.levels ?? []).enumerated() where !levelIDs.contains(level) {
                error("\(path).levels[\(index)]", rule: clock, "unknown level \"\(level)\"" + suggest(level, pathway.levels.map(\.id)))
            }
        default:
            if trigger.levels != nil || trigger.milestone != nil {
                error(path, rule: clock, "\"\(trigger.event.rawValue)\" takes no levels or milestone")
            }
        }
    }

    /// The CIN census (issue 18): every level says whether it is within the census, universal
    /// help never is, the LA code has three digits, and the census's main items have milestones.
    mutating func checkCensus() {
        for (index, level) in pathway.levels.enumerated() {
            switch (level.census, level.tier) {
            case (nil, _):
                warning("$.levels[\(index)].census", rule: level.id,
                        "say whether level \"\(level.id)\" is within the children in need census (\"census\": true or false); read as \(level.withinCensus) from its tier")
            case (true?, .universal):
                error("$.levels[\(index)].census", rule: level.id, "universal help is not a referral to children's social care; a universal level cannot be within the census")
            case (true?, .earlyHelp):
                warning("$.levels[\(index)].census", rule: level.id, "early help is within the census only under section 17; check that \"\(level.id)\" is")
            case (false?, .statutory):
                warning("$.levels[\(index)].census", rule: level.id, "statutory level \"\(level.id)\" is outside the census: its children will be missing from the return")
            default:
                break
            }
        }
        if let la = pathway.census?.la, !CensusSettings.isLACode(la) {
            error("$.census.la", "\"\(la)\" is not a three-digit LA code (Surrey is 936)")
        }
        let items = pathway.milestones.compactMap(\.census)
        if !items.isEmpty, !pathway.levels.contains(where: \.withinCensus) {
            error("$.milestones", "milestones record census items, but no level is within the census")
        }
        if pathway.levels.contains(where: \.withinCensus) {
            for required in [CensusItem.assessmentAuthorised, .s47Started, .initialConference, .cpPlanStarted] where !items.contains(required) {
                warning("$.milestones", "no milestone records the census item \"\(required.rawValue)\": the children in need census will lack it")
            }
        }
    }
}

extension String {
    var trimmingWhitespace: Substring {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map(index(after:)) ?? start
        return self[start..<max(start, end)]
    }
}

import ContinuumJSON
