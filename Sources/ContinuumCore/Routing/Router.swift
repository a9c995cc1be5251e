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
    let plan = pathway.plan
    let receivedOn = UKTime.londonDate(of: receivedAt)
    let table = pathway.routing
    let outcome = table.firing(table.values(for: referral, receivedOn: receivedOn, reReferral: reReferral))
    // A verified routing table covers every input, so `outcome` is never nil; if it were, the
    // child goes to the highest-need outcome for a person to decide, never to "no help".
    let levelID = outcome.map { table.rules[$0.winner].output } ?? plan.highestOutcome
    let rank = outcome.map { table.rules[$0.winner].outputRank } ?? plan.levels.firstIndex { $0.id == levelID } ?? 0
    let known = plan.levels.indices.contains(rank)
    // Read the three fields in place: copying the whole `Level` costs a retain per string in it.
    let title = known ? plan.levels[rank].title : levelID
    let tier = known ? plan.levels[rank].tier : .statutory
    let consentRequired = known ? plan.levels[rank].consentRequired : false
    let fired = outcome?.fired ?? []
    var rules: [String] = []
    var rationale: [RuleCitation] = []
    rules.reserveCapacity(fired.count)
    rationale.reserveCapacity(fired.count)
    for index in fired {
        rules.append(table.rules[index].id)
        rationale.append(RuleCitation(rule: table.rules[index].id, description: table.rules[index].description))
    }
    let calendar = pathway.calendar
    let starts = plan.clocks.indices.contains(rank) ? plan.clocks[rank] : []
    var deadlines: [Deadline] = []
    deadlines.reserveCapacity(starts.count)
    for start in starts {
        deadlines.append(Deadline(clock: start.clock, title: start.title, from: receivedOn,
                                  due: start.interval.due(from: receivedOn, calendar: calendar), startsOn: start.startsOn))
    }
    return Decision(
        pathway: plan.reference,
        level: levelID,
        levelTitle: title,
        tier: tier,
        rules: rules,
        rationale: rationale,
        consentRequired: consentRequired,
        immediateRisk: referral.immediateRisk,
        receivedAt: receivedAt,
        deadlines: deadlines
    )
}

/// Routing in parts, for callers that route millions of referrals (the simulator): the facts
/// the routing table reads, as small numbers; the rank of the level those facts lead to; and the
/// clocks a recommendation to that level starts. `route()` is these composed, so a caller that
/// remembers ranks by facts recommends exactly what `route()` would.
extension VerifiedPathway {
    /// The routing table's inputs for `subject`, in the table's order (each a small number),
    /// in place of `facts`' contents (a caller routing many keeps one buffer). Equal facts
    /// always give the same recommendation.
    public func routingFacts(_ subject: RoutingSubject, into facts: inout [Int]) {
        routing.values(for: subject, into: &facts)
    }

    /// The routing table's inputs' domains, in the table's order: every fact
    /// ``routingFacts(_:into:)`` gives lies in its input's range.
    public var routingFactDomains: [ClosedRange<Int>] { routing.inputs.map(\.fact.range) }

    /// Per routing input, in the table's order: the class of each value of its domain (indexed
    /// by value − the domain's lower bound, see ``routingFactDomains``), numbered from 0. No
    /// rule tells values of one class apart, so facts that differ only within classes get the
    /// same recommendation: a caller can remember recommendations by classes, far fewer than
    /// facts (a concern count of 1 to 50 is often two classes, "under 3" and "3 or more").
    public var routingFactClasses: [[Int]] { routing.valueClasses }

    /// The rank (the index in ``Pathway/levels``) of the level these facts are recommended.
    public func recommendedRank(facts: [Int]) -> Int {
        guard let outcome = routing.firing(facts) else { return plan.levels.firstIndex { $0.id == plan.highestOutcome } ?? 0 }
        return routing.rules[outcome.winner].outputRank
    }

    /// The clocks a referral recommended to the level of `rank` starts, each by id with its
    /// interval (its due date is `interval.due(from: receivedOn, calendar: calendar)`).
    public func clockStarts(rank: Int) -> [(clock: String, interval: ClockInterval)] {
        plan.clocks.indices.contains(rank) ? plan.clocks[rank].map { ($0.clock, $0.interval) } : []
    }
}
