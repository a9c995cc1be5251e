/// The versions of a council's pathway, each in force from its `effectiveFrom` date.
///
/// A referral that opens a case is routed by the version in force on the London day it was
/// received (the latest `effectiveFrom` not after it), and the case stays on that version until
/// it is migrated (`continuum pathway migrate`). The earliest version also governs anything
/// received before its `effectiveFrom`: there is nothing earlier to route it by.
///
/// ```swift
/// let versions = try PathwaySet([surrey, familiesFirst])
/// let pathway = versions.inForce(on: CalendarDate(2027, 4, 1))   // surrey-families-first@2027-04
/// ```
public struct PathwaySet: Sendable {
    /// Ascending by `effectiveFrom` (a version without one comes first).
    public let versions: [VerifiedPathway]

    /// - Throws: ``PathwaySetError`` when the versions cannot be told apart (see ``problems(_:)``).
    public init(_ versions: [VerifiedPathway]) throws(PathwaySetError) {
        let problems = Self.problems(versions.map(\.definition))
        if let first = problems.first { throw first }
        self.versions = versions.sorted { ($0.definition.effectiveFrom?.daysSinceEpoch ?? .min) < ($1.definition.effectiveFrom?.daysSinceEpoch ?? .min) }
    }

    /// A single version (in force on every date).
    public init(single pathway: VerifiedPathway) {
        versions = [pathway]
    }

    /// What stops `definitions` being used together: none at all, two sharing `id@version` or an
    /// `effectiveFrom`, or (among several) one without an `effectiveFrom`. Indices are positions
    /// in `definitions`, so a caller can name the files.
    public static func problems(_ definitions: [Pathway]) -> [PathwaySetError] {
        guard !definitions.isEmpty else { return [.empty] }
        var problems: [PathwaySetError] = []
        var references: [String: Int] = [:]
        var dates: [CalendarDate: Int] = [:]
        for (index, pathway) in definitions.enumerated() {
            if let earlier = references[pathway.reference] {
                problems.append(.sameReference(pathway.reference, first: earlier, second: index))
            } else {
                references[pathway.reference] = index
            }
            if let date = pathway.effectiveFrom {
                if let earlier = dates[date] {
                    problems.append(.sameEffectiveFrom(date, first: earlier, second: index))
                } else {
                    dates[date] = index
                }
            } else if definitions.count > 1 {
                problems.append(.effectiveFromMissing(pathway.reference, index: index))
            }
        }
        return problems
    }

    /// The version in force on `date`.
    public func inForce(on date: CalendarDate) -> VerifiedPathway {
        var chosen = versions[0]
        for version in versions.dropFirst() {
            guard let from = version.definition.effectiveFrom, from <= date else { break }
            chosen = version
        }
        return chosen
    }

    /// The version cited as `id@version`.
    public func version(_ reference: String) -> VerifiedPathway? {
        versions.first { $0.definition.reference == reference }
    }

    /// The newest version (the one in force last).
    public var latest: VerifiedPathway { versions[versions.count - 1] }

    /// `id@version` of each, oldest first.
    public var references: [String] { versions.map(\.definition.reference) }
}

/// Why a set of pathway files cannot be used together.
public enum PathwaySetError: Error, Sendable, Hashable, CustomStringConvertible {
    case empty
    /// Two files are the same `id@version`: decisions citing it would be ambiguous.
    case sameReference(String, first: Int, second: Int)
    /// Two files come into force on the same day: which one routes that day's referrals is unclear.
    case sameEffectiveFrom(CalendarDate, first: Int, second: Int)
    /// With several versions, each must say when it comes into force.
    case effectiveFromMissing(String, index: Int)

    /// The positions (in the list checked) of the files concerned.
    public var indices: [Int] {
        switch self {
        case .empty: []
        case .sameReference(_, let first, let second), .sameEffectiveFrom(_, let first, let second): [first, second]
        case .effectiveFromMissing(_, let index): [index]
        }
    }

    public var description: String {
        switch self {
        case .empty: "no pathway given"
        case .sameReference(let reference, _, _): "two files are both \(reference); give each version its own version label"
        case .sameEffectiveFrom(let date, _, _): "two versions come into force on \(date); give each its own effectiveFrom"
        case .effectiveFromMissing(let reference, _):
            "\(reference) has no effectiveFrom; with more than one version, each needs the date it comes into force"
        }
    }
}
