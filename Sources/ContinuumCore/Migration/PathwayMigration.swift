/// What a migration did to one case, as the `pathway-migrated` event records it: the versions,
/// the level and recommendation before and after, and what became of each clock.
public struct PathwayMigration: Sendable, Hashable, Codable {
    /// The version the case was on, `id@version`.
    public var from: String
    /// The version it moves to.
    public var to: String
    /// The case's level, old and new (nil while the case awaits its first decision). A referral
    /// awaiting its decision is not mapped: the store routes it again by the new version's rules
    /// (a `routed` event after this one), so its recommendation and rules are the new version's.
    public var level: LevelChange?
    /// The mapping for every clock of the old version (only running ones change anything).
    public var clocks: [ClockChange]
    /// The mapping rule that placed the case, or nil when a person chose the level.
    public var rule: String?

    public init(from: String, to: String, level: LevelChange?, clocks: [ClockChange], rule: String?) {
        self.from = from
        self.to = to
        self.level = level
        self.clocks = clocks
        self.rule = rule
    }
}

/// A level of the old version and the level of the new one it became.
public struct LevelChange: Sendable, Hashable, Codable {
    public var from: String
    public var to: String

    public init(from: String, to: String) {
        self.from = from
        self.to = to
    }
}

/// One clock of the old version: carried to a clock of the new one (same start, due date
/// counted again by the new clock's rules), or stopped, with the reason.
public struct ClockChange: Sendable, Hashable, Codable {
    public var clock: String
    public var to: String?
    public var stopped: String?

    public init(clock: String, to: String?, stopped: String?) {
        self.clock = clock
        self.to = to
        self.stopped = stopped
    }
}

/// A case the mapping would not place on its own (no consent for a consent level, a change
/// waiting for approval, or a rule that says a person decides): it stays on its version, on the
/// review list, until a practitioner or manager chooses its level in the new version.
public struct MigrationReview: Sendable, Hashable, Codable {
    /// The version it is to move to.
    public var to: String
    /// Why a person must decide, from the mapping.
    public var reason: String
    /// The clock mapping to apply when it moves.
    public var clocks: [ClockChange]

    public init(to: String, reason: String, clocks: [ClockChange]) {
        self.to = to
        self.reason = reason
        self.clocks = clocks
    }
}
