/// Something ``PathwayChecker`` found wrong (or doubtful) in a pathway definition.
public struct PathwayProblem: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable, Codable {
        /// The pathway must not be used until this is fixed.
        case error
        /// Worth a look; the pathway can still be used.
        case warning
    }

    public var severity: Severity
    /// JSONPath of the offending part: `$.criteria[0].rules[3]`.
    public var path: String
    /// The decision-table rule, transition or clock concerned, when there is one.
    public var rule: String?
    public var message: String

    public init(_ severity: Severity, _ path: String, rule: String? = nil, _ message: String) {
        self.severity = severity
        self.path = path
        self.rule = rule
        self.message = message
    }

    /// `$.criteria[0].rules[3] (rule FD-04): error: …`
    public var description: String {
        "\(path)\(rule.map { " (\($0))" } ?? ""): \(severity.rawValue): \(message)"
    }
}
