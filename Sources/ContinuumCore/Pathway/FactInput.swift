/// A fact about a referral that decision tables test, derived by a named rule.
///
/// Every fact has a finite, ordered domain of whole numbers, so the checker can reason about
/// rule overlap and coverage exactly.
public struct FactInput: Sendable, Hashable, Codable {
    public var id: String
    public var title: String
    public var fact: FactKind
    /// For `highestImpact` and `anyFactor`: which CIN census factors count (absent: all).
    public var factors: [AssessmentFactor]?
    public enum CodingKeys: String, CodingKey, CaseIterable { case id, title, fact, factors }
}

/// How a fact is derived from a referral.
public enum FactKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// `immediateRisk` as sent: false, true.
    case immediateRisk
    /// `consent`: given, refused, not-sought.
    case consent
    /// The highest `impact` among concerns with one of `factors`: none, low, medium, high.
    case highestImpact
    /// Whether any concern has one of `factors`: false, true.
    case anyFactor
    /// Age in whole years on the day of receipt: 0 to 17 (unborn children are 0).
    case ageYears
    /// Whether the child is unborn: false, true.
    case unborn
    /// Whether a disability other than NONE is recorded: false, true.
    case disabled
    /// How many concerns the referral lists: 1 to 50.
    case concernCount
    /// Whether the child was referred within the previous 12 months (from the case record): false, true.
    case reReferral

    /// The fact's values in order; whole-number facts have `labels` nil and use `range`.
    public var labels: [String]? {
        switch self {
        case .immediateRisk, .anyFactor, .unborn, .disabled, .reReferral: ["false", "true"]
        case .consent: Consent.allCases.map(\.rawValue)
        case .highestImpact: ["none"] + Impact.allCases.map(\.rawValue)
        case .ageYears, .concernCount: nil
        }
    }

    /// The domain as whole numbers: labels are numbered from 0.
    public var range: ClosedRange<Int> {
        switch self {
        case .ageYears: 0...17
        case .concernCount: 1...50
        default: 0...((labels?.count ?? 1) - 1)
        }
    }

    /// Whether `factors` applies to this kind.
    public var takesFactors: Bool { self == .highestImpact || self == .anyFactor }

    /// A value of the domain, as written in messages ("high", "true", "7").
    public func label(_ value: Int) -> String {
        guard let labels, labels.indices.contains(value) else { return String(value) }
        return labels[value]
    }
}

extension FactKind {
    /// This fact's value for a routing subject, in its whole-number domain (`factors` prepared once per table).
    func value(factors: FactorSet?, subject: RoutingSubject) -> Int {
        switch self {
        case .immediateRisk: return subject.immediateRisk ? 1 : 0
        case .consent:
            switch subject.consent {
            case .given: return 0
            case .refused: return 1
            case .notSought: return 2
            }
        case .highestImpact: return subject.highestImpact(among: factors)
        case .anyFactor: return subject.highestImpact(among: factors) > 0 ? 1 : 0
        case .ageYears: return min(17, max(0, subject.ageYears))
        case .unborn: return subject.unborn ? 1 : 0
        case .disabled: return subject.disabled ? 1 : 0
        case .concernCount: return min(50, max(1, subject.concernCount))
        case .reReferral: return subject.reReferral ? 1 : 0
        }
    }
}
