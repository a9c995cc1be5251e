/// Criteria as a decision table: rules over ``FactInput``s, each naming an output level.
///
/// The hit policy says what happens when several rules match (DMN's vocabulary):
/// - `first`: the first matching rule in table order decides;
/// - `unique`: at most one rule may match any referral (the checker proves it);
/// - `priority`: every matching rule fires; the output of highest need (the latest level)
///   wins, and the rules that named it are the rationale.
public struct DecisionTable: Sendable, Hashable, Codable {
    public var id: String
    public var title: String
    public var hitPolicy: HitPolicy
    /// The ids of the inputs this table tests.
    public var inputs: [String]
    public var rules: [Rule]
    public enum CodingKeys: String, CodingKey, CaseIterable { case id, title, hitPolicy, inputs, rules }
}

public enum HitPolicy: String, Sendable, Hashable, Codable, CaseIterable {
    case first, unique, priority
}

/// One row: conditions on inputs (absent = any value) and the level it recommends.
public struct Rule: Sendable, Hashable, Codable {
    public var id: String
    /// Plain English, citing the source of the criterion.
    public var description: String
    public var when: [String: Condition]
    public var then: String
    public enum CodingKeys: String, CodingKey, CaseIterable { case id, description, when, then }
}

/// A test on one input.
///
/// Written as: `true` / `false`; a value `"high"`; a list `["medium", "high"]`; a number `3`;
/// or an object `{"atLeast": "medium"}`, `{"atMost": 4}`, `{"not": "given"}`,
/// `{"min": 2, "max": 5}`.
public enum Condition: Sendable, Hashable, Codable {
    case equals(ConditionValue)
    case oneOf([ConditionValue])
    case not([ConditionValue])
    case atLeast(ConditionValue)
    case atMost(ConditionValue)
    case between(min: Int?, max: Int?)

    private enum Keys: String, CodingKey, CaseIterable { case atLeast, atMost, not, min, max }

    public init(from decoder: any Decoder) throws {
        if let keyed = try? decoder.container(keyedBy: Keys.self) {
            let present = keyed.allKeys
            if present.contains(.min) || present.contains(.max) {
                self = .between(min: try keyed.decodeIfPresent(Int.self, forKey: .min), max: try keyed.decodeIfPresent(Int.self, forKey: .max))
            } else if present.contains(.atLeast) {
                self = .atLeast(try keyed.decode(ConditionValue.self, forKey: .atLeast))
            } else if present.contains(.atMost) {
                self = .atMost(try keyed.decode(ConditionValue.self, forKey: .atMost))
            } else if present.contains(.not) {
                if let list = try? keyed.decode([ConditionValue].self, forKey: .not) {
                    self = .not(list)
                } else {
                    self = .not([try keyed.decode(ConditionValue.self, forKey: .not)])
                }
            } else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                    debugDescription: "a condition object needs one of atLeast, atMost, not, min, max"))
            }
        } else if let list = try? [ConditionValue](from: decoder) {
            self = .oneOf(list)
        } else {
            self = .equals(try ConditionValue(from: decoder))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .equals(let value): try value.encode(to: encoder)
        case .oneOf(let values): try values.encode(to: encoder)
        case .not(let values):
            var keyed = encoder.container(keyedBy: Keys.self)
            try keyed.encode(values, forKey: .not)
        case .atLeast(let value):
            var keyed = encoder.container(keyedBy: Keys.self)
            try keyed.encode(value, forKey: .atLeast)
        case .atMost(let value):
            var keyed = encoder.container(keyedBy: Keys.self)
            try keyed.encode(value, forKey: .atMost)
        case .between(let min, let max):
            var keyed = encoder.container(keyedBy: Keys.self)
            try keyed.encodeIfPresent(min, forKey: .min)
            try keyed.encodeIfPresent(max, forKey: .max)
        }
    }
}

/// A literal in a condition: a boolean, a label or a whole number.
public enum ConditionValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case bool(Bool)
    case label(String)
    case number(Int)

    public init(from decoder: any Decoder) throws {
        let single = try decoder.singleValueContainer()
        if let flag = try? single.decode(Bool.self) {
            self = .bool(flag)
        } else if let number = try? single.decode(Int.self) {
            self = .number(number)
        } else if let label = try? single.decode(String.self) {
            self = .label(label)
        } else {
            throw DecodingError.typeMismatch(ConditionValue.self, .init(codingPath: decoder.codingPath,
                debugDescription: "expected true, false, a value such as \"high\", or a whole number"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var single = encoder.singleValueContainer()
        switch self {
        case .bool(let flag): try single.encode(flag)
        case .label(let label): try single.encode(label)
        case .number(let number): try single.encode(number)
        }
    }

    public var description: String {
        switch self {
        case .bool(let flag): "\(flag)"
        case .label(let label): "\"\(label)\""
        case .number(let number): "\(number)"
        }
    }
}
