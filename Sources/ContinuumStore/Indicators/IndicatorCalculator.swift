import ContinuumAPI
import ContinuumCore

/// Computes the indicators from the event log's facts (``IndicatorFact``, ``ClockStopFact``:
/// each event reduced, as it was appended, to what the indicators count): every value comes
/// from recorded events (referrals, decisions, moves, clock stops), none is typed in.
public struct IndicatorCalculator: Sendable {
    /// Every version the log's cases were on: a period that spans a change of pathway is
    /// counted across both (each version names the clocks behind the timeliness indicators).
    public let pathways: PathwaySet
    public let targets: IndicatorTargets

    public init(pathways: PathwaySet, targets: IndicatorTargets) {
        self.pathways = pathways
        self.targets = targets
    }

    public init(pathway: VerifiedPathway, targets: IndicatorTargets) {
        self.init(pathways: PathwaySet(single: pathway), targets: targets)
    }

    /// Counts of a few distinct names (sources, levels, grades): a linear search over a handful
    /// of short strings beats hashing each of a million facts' values.
    struct Tally {
        private var names: [String] = []
        private var tallies: [Double] = []

        mutating func add(_ name: String) {
            if let index = names.firstIndex(of: name) {
                tallies[index] += 1
            } else {
                names.append(name)
                tallies.append(1)
            }
        }

        var counts: [String: Double] { Dictionary(uniqueKeysWithValues: zip(names, tallies)) }
    }

    /// A share in one month: how many, and how many met the measure.
    struct Share {
        var total = 0
        var met = 0
        var percent: Double? { total > 0 ? 100 * Double(met) / Double(total) : nil }
    }

    /// The indicators for a period from the log's facts (see ``IndicatorFact``).
    ///
    /// - Parameters:
    ///   - facts: calls its argument with every fact in log order (the whole log: earlier facts
    ///     give the cases' standing, later referrals can follow a step-down).
    ///   - clockStops: calls its argument with every clock stop, in any order.
    public func report(from: CalendarDate, to: CalendarDate,
                       facts: ((IndicatorFact) throws -> Void) throws -> Void,
                       clockStops: ((ClockStopFact) throws -> Void) throws -> Void) throws -> IndicatorReport {
        let calendar = pathways.latest.calendar
        // The clocks behind the timeliness indicators, as each version names them.
        func clocks(_ indicator: ClockIndicator) -> Set<String> {
            Set(pathways.versions.compactMap { $0.definition.clock(for: indicator)?.id })
        }
        let decisionClocks = clocks(.frontDoorDecision), assessmentClocks = clocks(.assessment), conferenceClocks = clocks(.initialConference)
        let months = Self.months(from: from, to: to)
        // Counts per month are arrays indexed from the period's first month: a report over a
        // million referrals does this for every fact, so no month text is built per fact.
        let firstMonth = from.year * 12 + from.month - 1
        func slot(_ date: CalendarDate) -> Int? {
            guard date >= from, date <= to else { return nil }
            return date.year * 12 + date.month - 1 - firstMonth
        }
        func counter() -> [Int] { Array(repeating: 0, count: months.count) }
        func shares() -> [Share] { Array(repeating: Share(), count: months.count) }

        var referrals = counter(), reReferrals = counter()
        var bySource = Tally(), byLevel = Tally()
        var decisions = counter(), overrides = counter(), frontDoorClosures = counter()
        var stepUps = counter(), stepDowns = counter()
        var deciders: Set<String> = []
        var lastDecider: String?
        var grades = Tally()
        var goodOrBetter = shares()
        // The cases' standing on the last day, and the days a case's child was referred again.
        var standing: [String: IndicatorFact.Standing] = [:]
        var referredAgain: [String: [CalendarDate]] = [:]
        var stepDownsSeen: [(caseId: String, day: CalendarDate, slot: Int)] = []

        try facts { fact in
            if fact.day <= to { standing[fact.caseId] = fact.after }
            if case .referral(_, _, let linkedCases) = fact.kind {
                for linked in linkedCases { referredAgain[linked, default: []].append(fact.day) }
            }
            guard let index = slot(fact.day) else { return }
            switch fact.kind {
            case .referral(let source, let reReferral, _):
                referrals[index] += 1
                if reReferral { reReferrals[index] += 1 }
                bySource.add(source.rawValue)
            case .decision(let level, let decider, let override):
                decisions[index] += 1
                // Runs of decisions by one person are common: skip hashing the same id again.
                if decider != lastDecider {
                    deciders.insert(decider)
                    lastDecider = decider
                }
                byLevel.add(level)
                if override { overrides[index] += 1 }
            case .frontDoorClosure:
                frontDoorClosures[index] += 1
            case .stepUp:
                stepUps[index] += 1
            case .stepDown:
                stepDowns[index] += 1
                stepDownsSeen.append((fact.caseId, fact.day, index))
            case .audit(let grade):
                grades.add(grade.rawValue)
                goodOrBetter[index].total += 1
                if grade == .good || grade == .outstanding { goodOrBetter[index].met += 1 }
            case .closure, .other:
                break
            }
        }
        // A step-down "followed by a re-referral": the child referred again within 12 months
        // after it, as far as the log reaches (so this looks past the period's end).
        var stepDownsReReferred = shares()
        for stepDown in stepDownsSeen {
            let limit = stepDown.day.adding(months: 12)
            stepDownsReReferred[stepDown.slot].total += 1
            if (referredAgain[stepDown.caseId] ?? []).contains(where: { $0 > stepDown.day && $0 <= limit }) {
                stepDownsReReferred[stepDown.slot].met += 1
            }
        }

        var timeliness: [String: [Share]] = [:]  // clock → per month
        var assessmentDays: [[Int]] = Array(repeating: [], count: months.count)
        try clockStops { stop in
            guard let index = slot(stop.on) else { return }
            timeliness[stop.clock, default: shares()][index].total += 1
            if stop.met { timeliness[stop.clock, default: shares()][index].met += 1 }
            if assessmentClocks.contains(stop.clock) { assessmentDays[index].append(stop.workingDays) }
        }

        var indicators: [IndicatorReport.Indicator] = []
        // Breakdown categories by name: referral sources by their census titles, levels by the
        // pathway's (the newest version's title for a level in several).
        var levelTitles: [String: String] = [:]
        for version in pathways.versions {
            for level in version.definition.levels { levelTitles[level.id] = level.title }
        }
        let sourceTitles = Dictionary(ReferralSource.allCases.map { ($0.rawValue, $0.title) }, uniquingKeysWith: { first, _ in first })
        func add(_ id: String, _ title: String, unit: String, definition: String, source: String,
                 value: Double?, monthly: (Int) -> Double?, breakdown: [String: Double]? = nil, titles: [String: String] = [:]) {
            var indicator = IndicatorReport.Indicator(id: id, title: title, value: value, unit: unit,
                                                      months: months.enumerated().map { ($0.element, monthly($0.offset)) },
                                                      breakdown: breakdown, definition: definition, source: source)
            indicator.breakdownTitles = titles
            indicators.append(indicator)
        }
        func sum(_ counts: [Int]) -> Double { Double(counts.reduce(0, +)) }
        func percent(_ part: [Int], _ whole: [Int]) -> (Double?, (Int) -> Double?) {
            let total = sum(whole)
            return (total > 0 ? 100 * sum(part) / total : nil, { month in
                whole[month] > 0 ? 100 * Double(part[month]) / Double(whole[month]) : nil
            })
        }
        func share(_ shares: [Share]?) -> (Double?, (Int) -> Double?) {
            let shares = shares ?? []
            let total = shares.reduce(Share()) { Share(total: $0.total + $1.total, met: $0.met + $1.met) }
            return (total.percent, { month in shares.indices.contains(month) ? shares[month].percent : nil })
        }

        add("referrals", "Referrals received", unit: "count", definition: "Referrals received in the period (referral-received events).",
            source: "CIN census (referrals); Annex A list 1", value: sum(referrals), monthly: { Double(referrals[$0]) })
        add("referralsBySource", "Referrals by source", unit: "count", definition: "Referrals by CIN census referral source; the value is the total.",
            source: "CIN census ReferralSource", value: sum(referrals), monthly: { Double(referrals[$0]) }, breakdown: bySource.counts, titles: sourceTitles)
        let population = targets.childPopulation
        add("referralRatePer10k", "Referrals per 10,000 children", unit: "per 10,000",
            definition: "Referrals in the period per 10,000 children aged 0-17 (population from the targets file).",
            source: "LAIT; CIN census", value: population.map { sum(referrals) / $0 * 10_000 },
            monthly: { month in population.map { Double(referrals[month]) / $0 * 10_000 } })
        /// The months' shares of every clock standing for one indicator, summed.
        func timelinessOf(_ clocks: Set<String>) -> [Share]? {
            let series = clocks.sorted().compactMap { timeliness[$0] }
            guard let first = series.first else { return nil }
            return series.dropFirst().reduce(first) { sum, next in zip(sum, next).map { Share(total: $0.total + $1.total, met: $0.met + $1.met) } }
        }
        let decided = share(timelinessOf(decisionClocks))
        add("decisionsWithinOneWorkingDayPct", "Front-door decisions within one working day", unit: "%",
            definition: "Decisions whose \(decisionClocks.isEmpty ? "front-door-decision" : decisionClocks.sorted().joined(separator: "/")) clock stopped on or before its due date (1 working day after receipt).",
            source: "Working Together 2023; LAIT front door", value: decided.0, monthly: decided.1)
        let decisionsAndClosures = zip(decisions, frontDoorClosures).map { $0 + $1 }
        let nfa = percent(frontDoorClosures, decisionsAndClosures)
        add("noFurtherActionPct", "Referrals closed with no further action at the front door", unit: "%",
            definition: "Front-door closures over front-door outcomes (decisions plus closures).", source: "CIN census ReferralNFA",
            value: nfa.0, monthly: nfa.1)
        let re = percent(reReferrals, referrals)
        add("reReferralsWithin12MonthsPct", "Re-referrals within 12 months", unit: "%",
            definition: "Referrals for a child referred in the 12 months before, the same child confirmed by NHS number or a practitioner's link (docs/identity.md).",
            source: "CIN census; Annex A", value: re.0, monthly: re.1)
        add("routedByLevel", "Front-door decisions by level", unit: "count", definition: "Front-door decisions by the level chosen; the value is the total.",
            source: "Continuum of support", value: sum(decisions), monthly: { Double(decisions[$0]) }, breakdown: byLevel.counts, titles: levelTitles)
        let override = percent(overrides, decisions)
        add("overridePct", "Decisions that differ from the recommendation", unit: "%",
            definition: "Front-door decisions whose level differs from the router's recommendation: threshold consistency.",
            source: "Improvement notice item 5 (thresholds)", value: override.0, monthly: override.1)
        add("stepUps", "Step-ups", unit: "count", definition: "Step-ups and escalations recorded.", source: "Continuum of support",
            value: sum(stepUps), monthly: { Double(stepUps[$0]) })
        add("stepDowns", "Step-downs", unit: "count", definition: "Step-downs recorded.", source: "Continuum of support",
            value: sum(stepDowns), monthly: { Double(stepDowns[$0]) })
        let downAgain = share(stepDownsReReferred)
        add("stepDownReReferredWithin12MonthsPct", "Step-downs followed by a re-referral within 12 months", unit: "%",
            definition: "Step-downs after which the same child was referred again within 12 months (as far as the log reaches).",
            source: "Working Together 2023 (step-down)", value: downAgain.0, monthly: downAgain.1)
        let assessed = share(timelinessOf(assessmentClocks))
        add("assessmentsWithin45WorkingDaysPct", "Assessments within 45 working days", unit: "%",
            definition: "Assessment clocks stopped (assessment completed) on or before 45 working days from referral.",
            source: "Working Together 2023; CIN census C2; Annex A", value: assessed.0, monthly: assessed.1)
        let allDays = assessmentDays.flatMap { $0 }
        add("medianAssessmentWorkingDays", "Median assessment length", unit: "working days",
            definition: "Median working days from the referral to the assessment completed.", source: "CIN census C2",
            value: Self.median(allDays), monthly: { Self.median(assessmentDays[$0]) })
        let icpc = share(timelinessOf(conferenceClocks))
        add("icpcWithin15WorkingDaysPct", "Initial conferences within 15 working days", unit: "%",
            definition: "Initial child protection conferences held within 15 working days of the strategy discussion.",
            source: "Working Together 2023; Annex A list 7", value: icpc.0, monthly: icpc.1)
        var open: [String: Double] = [:]
        var overdue = 0.0
        var pendingLong = 0.0
        for state in standing.values {
            if state.phase == .open, let level = state.level { open[level, default: 0] += 1 }
            overdue += Double(state.clocksDue.filter { $0 < to }.count)
            if let pending = state.pendingSince, calendar.workingDays(from: pending, to: to) > 1 { pendingLong += 1 }
        }
        add("openCasesByLevel", "Open cases by level at the end of the period", unit: "count", definition: "Cases open at each level on the last day.",
            source: "Continuum of support", value: open.values.reduce(0, +), monthly: { _ in nil }, breakdown: open, titles: levelTitles)
        add("overdueClocks", "Statutory clocks overdue at the end of the period", unit: "count",
            definition: "Running clocks past their due date on the last day.", source: "Working Together 2023", value: overdue, monthly: { _ in nil })
        add("decisionsPerPractitioner", "Front-door decisions per practitioner", unit: "count",
            definition: "Front-door decisions over the number of staff who made them.", source: "Workforce (caseloads)",
            value: deciders.isEmpty ? nil : sum(decisions) / Double(deciders.count), monthly: { _ in nil })
        add("approvalsPendingOverWorkingDay", "Approvals waiting over a working day", unit: "count",
            definition: "Changes waiting for a manager's approval for more than one working day on the last day.",
            source: "Management oversight (improvement notice)", value: pendingLong, monthly: { _ in nil })
        let audits = share(goodOrBetter)
        add("auditGrades", "Case-file audits graded good or outstanding", unit: "%",
            definition: "Managers' case-file audit grades (outstanding, good, requires improvement, inadequate); the value is the share good or better, the breakdown the count per grade.",
            source: "Improvement notice items 9a-9c (quality of practice)", value: audits.0, monthly: audits.1, breakdown: grades.counts)
        // The board pack marks the days a new pathway version replaced another within the period.
        let changes = pathways.versions.dropFirst().compactMap { version -> IndicatorReport.PathwayChange? in
            guard let date = version.definition.effectiveFrom, date > from, date <= to else { return nil }
            return IndicatorReport.PathwayChange(date: date, pathway: version.definition.reference, title: version.definition.title)
        }
        var report = IndicatorReport(from: from, to: to, indicators: indicators.map(rate))
        report.pathwayChanges = changes.isEmpty ? nil : changes
        return report
    }

    /// Target, red/amber/green and trend for an indicator with a target.
    func rate(_ indicator: IndicatorReport.Indicator) -> IndicatorReport.Indicator {
        guard let target = targets.targets[indicator.id] else { return indicator }
        var rated = indicator
        let higher = target.better != "lower"
        rated.target = target.target
        if let value = indicator.value {
            let gap = higher ? target.target - value : value - target.target
            rated.rag = gap <= 0 ? "green" : gap <= target.tolerance ? "amber" : "red"
        }
        let recent = indicator.months.compactMap(\.value).suffix(3)
        if recent.count == 3, let first = recent.first, let last = recent.last {
            let change = higher ? last - first : first - last
            rated.trend = change > 0 ? "improving" : change < 0 ? "worsening" : "flat"
        }
        return rated
    }

    static func median(_ values: [Int]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? Double(sorted[middle]) : Double(sorted[middle - 1] + sorted[middle]) / 2
    }

    static func monthKey(_ date: CalendarDate) -> String {
        "\(date.year)-\(date.month < 10 ? "0" : "")\(date.month)"
    }

    static func months(from: CalendarDate, to: CalendarDate) -> [String] {
        var keys: [String] = []
        var cursor = CalendarDate(year: from.year, month: from.month, day: 1) ?? from
        while cursor <= to {
            keys.append(monthKey(cursor))
            cursor = cursor.adding(months: 1)
        }
        return keys
    }
}
