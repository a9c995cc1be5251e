/// The router's recommendation for one referral: the level, why, and what is now due.
public struct Decision: Sendable, Hashable, Codable {
    /// The pathway that decided, as `id@version`.
    public var pathway: String
    /// The recommended level's id.
    public var level: String
    public var levelTitle: String
    public var tier: Tier
    /// The ids of the rules that fired: the rationale.
    public var rules: [String]
    /// Each fired rule with its plain-English description (and source).
    public var rationale: [RuleCitation]
    /// Whether the recommended level needs parental consent.
    public var consentRequired: Bool
    public var immediateRisk: Bool
    public var receivedAt: Timestamp
    /// Clocks started by the referral, and those that accepting the recommendation starts.
    public var deadlines: [Deadline]
}

/// A rule and its description, as cited in a decision.
public struct RuleCitation: Sendable, Hashable, Codable {
    public var rule: String
    public var description: String
}

/// A statutory clock's due date.
public struct Deadline: Sendable, Hashable, Codable {
    /// The clock's id in the pathway.
    public var clock: String
    public var title: String
    /// The London date the clock counts from.
    public var from: CalendarDate
    /// The last day on which it is met.
    public var due: CalendarDate
    /// `referral-received` (running now) or `level-entered` (starts if the level is accepted).
    public var startsOn: ClockEvent
}
