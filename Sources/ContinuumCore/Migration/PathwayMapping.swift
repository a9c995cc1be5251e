/// How the open cases of one pathway version are carried to the next
/// (`continuum-pathway-mapping/1`, documented in `docs/families-first.md`): each old level's
/// cases by ordered rules on the case (first match wins, the last rule has no conditions), and
/// each old clock to a new clock or stopped with a reason.
///
/// Load with ``load(_:path:)``, prove it total with ``MappingChecker`` (which yields a
/// ``VerifiedMapping``), then plan each case with ``VerifiedMapping/plan(_:)``.
public struct PathwayMapping: Sendable, Hashable, Codable {
    public static let format = "continuum-pathway-mapping/1"

    public var format: String
    /// The old version, `id@version`.
    public var from: String
    /// The new version, `id@version`.
    public var to: String
    public var title: String
    /// Who agreed the mapping and where it is recorded.
    public var source: String?
    /// The old version's clock whose running shows a child protection plan is in force (the
    /// review-conference clock), for rules with `childProtectionPlan`.
    public var childProtectionPlanClock: String?
    public var levels: [LevelMapping]
    public var clocks: [ClockMapping]
    public enum CodingKeys: String, CodingKey, CaseIterable { case format, from, to, title, source, childProtectionPlanClock, levels, clocks }

    /// Decodes a mapping file, naming the JSON path of anything wrong.
    public static func load(_ bytes: [UInt8], path: String) throws(PathwayLoadError) -> PathwayMapping {
        try PathwayLoader().decode(PathwayMapping.self, bytes, path: path)
    }
}

/// The rules for the cases at one old level.
public struct LevelMapping: Sendable, Hashable, Codable {
    public var from: String
    public var rules: [MappingRule]
    public enum CodingKeys: String, CodingKey, CaseIterable { case from, rules }
}

/// Where a case goes: a new level (`to`) or the review list (`review`, the reason a person
/// must decide), when its conditions hold.
public struct MappingRule: Sendable, Hashable, Codable {
    public var id: String
    public var when: MappingCondition?
    public var to: String?
    public var review: String?
    /// Why: the source or agreement behind the rule.
    public var description: String
    public enum CodingKeys: String, CodingKey, CaseIterable { case id, when, to, review, description }

    public init(id: String, when: MappingCondition?, to: String?, review: String?, description: String) {
        self.id = id
        self.when = when
        self.to = to
        self.review = review
        self.description = description
    }
}

/// Conditions on a case; all that are given must hold.
public struct MappingCondition: Sendable, Hashable, Codable {
    public var consent: ConsentCondition?
    /// Whether the assessment clock (the old version's clock for the assessment indicator) is running.
    public var assessmentRunning: Bool?
    /// Whether a child protection plan is in force (the mapping's `childProtectionPlanClock` is running).
    public var childProtectionPlan: Bool?
    public enum CodingKeys: String, CodingKey, CaseIterable { case consent, assessmentRunning, childProtectionPlan }

    public var isEmpty: Bool { consent == nil && assessmentRunning == nil && childProtectionPlan == nil }
}

/// Consent as a mapping condition: given, or anything else (refused, not sought, not recorded).
public enum ConsentCondition: String, Sendable, Hashable, Codable, CaseIterable {
    case given
    case notGiven = "not-given"
}

/// One old clock: carried to a new clock (`to`) or stopped (`stopped`, the reason).
public struct ClockMapping: Sendable, Hashable, Codable {
    public var from: String
    public var to: String?
    public var stopped: String?
    public enum CodingKeys: String, CodingKey, CaseIterable { case from, to, stopped }
}
