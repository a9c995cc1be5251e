import ContinuumCore

/// Computes the indicators by replaying the event log through the case state machine: every
/// value comes from recorded facts (referrals, decisions, moves, clock stops), none is typed in.
public struct IndicatorCalculator: Sendable {
    public let pathway: VerifiedPathway
    public let targets: IndicatorTargets

    public init(pathway: VerifiedPathway, targets: IndicatorTargets) {
        self.pathway = pathway
        self.targets = targets
    }

    /// A share in one month: how many, and how many met the measure.
    struct Share {
        var total = 0
        var met = 0
        var percent: Double? { total > 0 ? 100 * Double(met) / Double(total) : nil }
    }

    public func report(events: [EventRecord], from: CalendarDate, to: CalendarDate) throws -> IndicatorReport {
        var keys: [(key: String, caseId: String, received: CalendarDate)] = []
        for event in events {
            guard let referral = event.body.referral else { continue }
            for key in referral.childKeys { keys.append((key, event.caseId, UKTime.londonDate(of: referral.receivedAt))) }
        }
        return try report(childKeys: keys, from: from, to: to) { visit in
            for event in events { try visit(event) }
        }
    }

    /// The same, streaming: `childKeys` lists every referral's hashed child keys with its case
    /// and London receipt date (the `child_keys` projection); `replay` calls its argument with
    /// every event in log order, so the log never has to be in memory at once.
    public func report(childKeys: [(key: String, caseId: String, received: CalendarDate)], from: CalendarDate, to: CalendarDate,
                       replay: ((EventRecord) throws -> Void) throws -> Void) throws -> IndicatorReport {
        let machine = CaseStateMachine(pathway: pathway)
        let definition = pathway.definition
        let calendar = pathway.calendar
        let decisionClock = definition.clocks.first { $0.stopsOn.contains { $0.event == .decided } }?.id ?? "referral-decision"
        let months = Self.months(from: from, to: to)
        func month(_ date: CalendarDate) -> String? {
            guard date >= from, date <= to else { return nil }
            return Self.monthKey(date)
        }

        // Referral dates by hashed child key, for "re-referred within 12 months" after a step-down.
        var referralsByKey: [String: [CalendarDate]] = [:]
        var keysByCase: [String: Set<String>] = [:]
        for entry in childKeys {
            referralsByKey[entry.key, default: []].append(entry.received)
            keysByCase[entry.caseId, default: []].insert(entry.key)
        }

        var states: [String: CaseState] = [:]
        var endStates: [String: CaseState]?
        var referrals: [String: Int] = [:], reReferrals: [String: Int] = [:]
        var bySource: [String: Double] = [:], byLevel: [String: Double] = [:]
        var decisions: [String: Int] = [:], overrides: [String: Int] = [:], frontDoorClosures: [String: Int] = [:]
        var stepUps: [String: Int] = [:], stepDowns: [String: Int] = [:]
        var stepDownsReReferred: [String: Share] = [:]
        var timeliness: [String: [String: Share]] = [:]  // clock → month → share
        var assessmentDays: [String: [Int]] = [:]
        var deciders: Set<String> = []
        var grades: [String: Double] = [:]
        var goodOrBetter: [String: Share] = [:]

        try replay { event in
            let day = UKTime.londonDate(of: event.at)
            if day > to, endStates == nil { endStates = states }
            guard let caseEvent = event.body.caseEvent else { return }
            let before = states[event.caseId] ?? CaseState()
            let transition = try machine.apply(caseEvent, to: before)
            states[event.caseId] = transition.state
            for effect in transition.effects {
                guard case .clockStopped(let clock, let on, let met) = effect, let key = month(on) else { continue }
                timeliness[clock, default: [:]][key, default: Share()].total += 1
                if met { timeliness[clock, default: [:]][key, default: Share()].met += 1 }
                if clock == "assessment", let running = before.clock(clock) {
                    assessmentDays[key, default: []].append(calendar.workingDays(from: running.from, to: on))
                }
            }
            guard let key = month(day) else { return }
            if let referral = event.body.referral {
                referrals[key, default: 0] += 1
                if referral.reReferral { reReferrals[key, default: 0] += 1 }
                bySource[referral.message.referrer.source.rawValue, default: 0] += 1
            }
            switch caseEvent {
            case .decided(let level, let actor, _, _, _):
                decisions[key, default: 0] += 1
                deciders.insert(actor.id)
                byLevel[level, default: 0] += 1
                if let recommended = before.recommendation, recommended != level { overrides[key, default: 0] += 1 }
            case .closed:
                if before.phase == .awaitingDecision { frontDoorClosures[key, default: 0] += 1 }
            case .moved(let kind, _, _, _, _):
                if kind == .stepUp || kind == .escalate { stepUps[key, default: 0] += 1 }
                if kind == .stepDown {
                    stepDowns[key, default: 0] += 1
                    let limit = day.adding(months: 12)
                    let again = (keysByCase[event.caseId] ?? []).contains { childKey in
                        (referralsByKey[childKey] ?? []).contains { $0 > day && $0 <= limit }
                    }
                    stepDownsReReferred[key, default: Share()].total += 1
                    if again { stepDownsReReferred[key, default: Share()].met += 1 }
                }
            case .audited(let grade, _, _, _):
                grades[grade.rawValue, default: 0] += 1
                goodOrBetter[key, default: Share()].total += 1
                if grade == .good || grade == .outstanding { goodOrBetter[key, default: Share()].met += 1 }
            default:
                break
            }
        }
        let atEnd = endStates ?? states

        var indicators: [IndicatorReport.Indicator] = []
        func add(_ id: String, _ title: String, unit: String, definition: String, source: String,
                 value: Double?, monthly: (String) -> Double?, breakdown: [String: Double]? = nil) {
            indicators.append(IndicatorReport.Indicator(id: id, title: title, value: value, unit: unit, months: months.map { ($0, monthly($0)) },
                                                        breakdown: breakdown, definition: definition, source: source))
        }
        func sum(_ counts: [String: Int]) -> Double { Double(counts.values.reduce(0, +)) }
        func percent(_ part: [String: Int], _ whole: [String: Int]) -> (Double?, (String) -> Double?) {
            let total = sum(whole)
            return (total > 0 ? 100 * sum(part) / total : nil, { month in
                let w = Double(whole[month] ?? 0)
                return w > 0 ? 100 * Double(part[month] ?? 0) / w : nil
            })
        }
        func share(_ shares: [String: Share]) -> (Double?, (String) -> Double?) {
            let total = shares.values.reduce(Share()) { Share(total: $0.total + $1.total, met: $0.met + $1.met) }
            return (total.percent, { shares[$0]?.percent })
        }

        add("referrals", "Referrals received", unit: "count", definition: "Referrals received in the period (referral-received events).",
            source: "CIN census (referrals); Annex A list 1", value: sum(referrals), monthly: { Double(referrals[$0] ?? 0) })
        add("referralsBySource", "Referrals by source", unit: "count", definition: "Referrals by CIN census referral source; the value is the total.",
            source: "CIN census ReferralSource", value: sum(referrals), monthly: { Double(referrals[$0] ?? 0) }, breakdown: bySource)
        let population = targets.childPopulation
        add("referralRatePer10k", "Referrals per 10,000 children", unit: "per 10,000",
            definition: "Referrals in the period per 10,000 children aged 0-17 (population from the targets file).",
            source: "LAIT; CIN census", value: population.map { sum(referrals) / $0 * 10_000 },
            monthly: { month in population.map { Double(referrals[month] ?? 0) / $0 * 10_000 } })
        let decided = share(timeliness[decisionClock] ?? [:])
        add("decisionsWithinOneWorkingDayPct", "Front-door decisions within one working day", unit: "%",
            definition: "Decisions whose \(decisionClock) clock stopped on or before its due date (1 working day after receipt).",
            source: "Working Together 2023; LAIT front door", value: decided.0, monthly: decided.1)
        var decisionsAndClosures = decisions
        for (key, count) in frontDoorClosures { decisionsAndClosures[key, default: 0] += count }
        let nfa = percent(frontDoorClosures, decisionsAndClosures)
        add("noFurtherActionPct", "Referrals closed with no further action at the front door", unit: "%",
            definition: "Front-door closures over front-door outcomes (decisions plus closures).", source: "CIN census ReferralNFA",
            value: nfa.0, monthly: nfa.1)
        let re = percent(reReferrals, referrals)
        add("reReferralsWithin12MonthsPct", "Re-referrals within 12 months", unit: "%",
            definition: "Referrals for a child referred in the 12 months before (NHS number, else names and date of birth).",
            source: "CIN census; Annex A", value: re.0, monthly: re.1)
        add("routedByLevel", "Front-door decisions by level", unit: "count", definition: "Front-door decisions by the level chosen; the value is the total.",
            source: "Continuum of support", value: sum(decisions), monthly: { Double(decisions[$0] ?? 0) }, breakdown: byLevel)
        let override = percent(overrides, decisions)
        add("overridePct", "Decisions that differ from the recommendation", unit: "%",
            definition: "Front-door decisions whose level differs from the router's recommendation: threshold consistency.",
            source: "Improvement notice item 5 (thresholds)", value: override.0, monthly: override.1)
        add("stepUps", "Step-ups", unit: "count", definition: "Step-ups and escalations recorded.", source: "Continuum of support",
            value: sum(stepUps), monthly: { Double(stepUps[$0] ?? 0) })
        add("stepDowns", "Step-downs", unit: "count", definition: "Step-downs recorded.", source: "Continuum of support",
            value: sum(stepDowns), monthly: { Double(stepDowns[$0] ?? 0) })
        let downAgain = share(stepDownsReReferred)
        add("stepDownReReferredWithin12MonthsPct", "Step-downs followed by a re-referral within 12 months", unit: "%",
            definition: "Step-downs after which the same child was referred again within 12 months (as far as the log reaches).",
            source: "Working Together 2023 (step-down)", value: downAgain.0, monthly: downAgain.1)
        let assessed = share(timeliness["assessment"] ?? [:])
        add("assessmentsWithin45WorkingDaysPct", "Assessments within 45 working days", unit: "%",
            definition: "Assessment clocks stopped (assessment completed) on or before 45 working days from referral.",
            source: "Working Together 2023; CIN census C2; Annex A", value: assessed.0, monthly: assessed.1)
        let allDays = assessmentDays.values.flatMap { $0 }
        add("medianAssessmentWorkingDays", "Median assessment length", unit: "working days",
            definition: "Median working days from the referral to the assessment completed.", source: "CIN census C2",
            value: Self.median(allDays), monthly: { Self.median(assessmentDays[$0] ?? []) })
        let icpc = share(timeliness["initial-child-protection-conference"] ?? [:])
        add("icpcWithin15WorkingDaysPct", "Initial conferences within 15 working days", unit: "%",
            definition: "Initial child protection conferences held within 15 working days of the strategy discussion.",
            source: "Working Together 2023; Annex A list 7", value: icpc.0, monthly: icpc.1)
        var open: [String: Double] = [:]
        var overdue = 0.0
        var pendingLong = 0.0
        for state in atEnd.values {
            if state.phase == .open, let level = state.level { open[level, default: 0] += 1 }
            overdue += Double(state.clocks.filter { $0.due < to }.count)
            if let pending = state.pending, calendar.workingDays(from: UKTime.londonDate(of: pending.requestedAt), to: to) > 1 { pendingLong += 1 }
        }
        add("openCasesByLevel", "Open cases by level at the end of the period", unit: "count", definition: "Cases open at each level on the last day.",
            source: "Continuum of support", value: open.values.reduce(0, +), monthly: { _ in nil }, breakdown: open)
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
            source: "Improvement notice items 9a-9c (quality of practice)", value: audits.0, monthly: audits.1, breakdown: grades)
        return IndicatorReport(from: from, to: to, indicators: indicators.map(rate))
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
