import ContinuumCore
import ContinuumJSON

/// What `continuum pathway migrate` did (or, in a dry run, would do).
public struct MigrationReport: Sendable, Hashable {
    /// Moves from one old level to one new level, and how many cases made each.
    public struct LevelCount: Sendable, Hashable {
        /// The old level, or `awaiting-decision` for a case the front door has not placed.
        public var from: String
        public var to: String
        public var count: Int

        public init(from: String, to: String, count: Int) {
            self.from = from
            self.to = to
            self.count = count
        }
    }

    /// A clock the migration stopped, the mapping's reason, and on how many cases.
    public struct ClockStopCount: Sendable, Hashable {
        public var clock: String
        public var reason: String
        public var count: Int
    }

    public var from: String
    public var to: String
    public var dryRun: Bool
    /// Open cases on the old version when it ran.
    public var cases: Int
    /// Cases moved to the new version.
    public var moved: Int
    /// Cases on the review list after it ran (added now or already there), oldest case id first.
    public var review: [String]
    public var byLevel: [LevelCount]
    public var clocksStopped: [ClockStopCount]

    /// `{"cases": N, "moved": N, "review": [caseId…], "byLevel": [{"from", "to", "count"}], …}`.
    public var json: JSONValue {
        .object([
            "from": .string(from), "to": .string(to), "dryRun": .bool(dryRun),
            "cases": .integer(Int64(cases)), "moved": .integer(Int64(moved)),
            "review": .array(review.map(JSONValue.string)),
            "byLevel": .array(byLevel.map { .object(["from": .string($0.from), "to": .string($0.to), "count": .integer(Int64($0.count))]) }),
            "clocksStopped": .array(clocksStopped.map { .object(["clock": .string($0.clock), "reason": .string($0.reason), "count": .integer(Int64($0.count))]) }),
        ])
    }
}
