/// Recommends a level for a referral under a verified pathway. Pure: the same referral,
/// pathway and time always give the same decision.
///
/// ```swift
/// let decision = route(referral, pathway: surrey, receivedAt: now)
/// decision.level     // "child-protection"
/// decision.rules     // ["FD-CP-01"]
/// decision.deadlines // [referral-decision due 2026-11-27, …]
/// ```
///
/// - Parameter reReferral: the child was referred within the previous 12 months (the case
///   record knows this; the referral alone does not).
public func route(_ referral: Referral, pathway: VerifiedPathway, receivedAt: Timestamp, reReferral: Bool = false) -> Decision {
    let definition = pathway.definition
    let facts = ReferralFacts(referral: referral, receivedOn: UKTime.londonDate(of: receivedAt), reReferral: reReferral)
    let table = pathway.routing
    let values = table.inputs.map(facts.value(of:))
    let outcome = table.evaluate(values)
    // A verified routing table covers every input, so `outcome` is never nil; if it were, the
    // child goes to the highest-need outcome for a person to decide, never to "no help".
    let levelID = outcome?.output ?? definition.intake.outcomes.max { (definition.rank(of: $0) ?? 0) < (definition.rank(of: $1) ?? 0) } ?? ""
    let level = definition.level(levelID)
    let fired = outcome?.rules ?? []
    return Decision(
        pathway: definition.reference,
        level: levelID,
        levelTitle: level?.title ?? levelID,
        tier: level?.tier ?? .statutory,
        rules: fired.map(\.id),
        rationale: fired.map { RuleCitation(rule: $0.id, description: $0.description) },
        consentRequired: level?.consentRequired ?? false,
        immediateRisk: referral.immediateRisk,
        receivedAt: receivedAt,
        deadlines: ClockSchedule.deadlinesOnReceipt(pathway: definition, receivedOn: facts.receivedOn, recommended: levelID)
    )
}

/// Works out which clocks events start and when they fall due.
enum ClockSchedule {
    /// Clocks started by receipt, then those that entering `recommended` would start.
    static func deadlinesOnReceipt(pathway: Pathway, receivedOn: CalendarDate, recommended: String) -> [Deadline] {
        var deadlines: [Deadline] = []
        for clock in pathway.clocks {
            guard let interval = clock.interval(after: 0) else { continue }
            if clock.startsOn.contains(where: { $0.event == .referralReceived }) {
                deadlines.append(Deadline(clock: clock.id, title: clock.title, from: receivedOn,
                                          due: interval.due(from: receivedOn, calendar: pathway.workingDays), startsOn: .referralReceived))
            } else if clock.measuredFrom == .referralReceived,
                      clock.startsOn.contains(where: { $0.event == .levelEntered && ($0.levels?.contains(recommended) ?? true) }) {
                // Exact even before the decision: the clock counts from receipt ("45 working days
                // from the point of referral"). Clocks counted from the decision are not projected.
                deadlines.append(Deadline(clock: clock.id, title: clock.title, from: receivedOn,
                                          due: interval.due(from: receivedOn, calendar: pathway.workingDays), startsOn: .levelEntered))
            }
        }
        return deadlines
    }
}
