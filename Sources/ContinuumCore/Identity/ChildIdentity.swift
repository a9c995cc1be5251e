/// What identifies a child across referrals: the NHS number, supported by demographics
/// (names and date of birth), normalised the way real names need.
///
/// The rules follow how children's and health records link people (docs/identity.md): the NHS
/// number is the identifier and demographics confirm it; demographics alone never make a match,
/// only a *possible* match that a person decides.
///
/// ```swift
/// let verdict = ChildIdentity(child: earlier).compare(with: ChildIdentity(child: new))
/// if case .possible(let reasons) = verdict { … }   // put it in front of a practitioner
/// ```
public struct ChildIdentity: Sendable, Hashable {
    public var nhsNumber: String?
    /// The given name, folded (``NameFolding/fold(_:)``), one token per word.
    public var givenTokens: [String]
    /// The family name, folded, one token per part ("Smith-Jones" is `["smith", "jones"]`).
    public var familyTokens: [String]
    /// Earlier family names (or whole names) the child has been known by, each folded.
    public var previousNames: [[String]]
    /// The date of birth, else the expected date of birth.
    public var birthDate: CalendarDate?
    /// `birthDate` is an expected date of birth (an unborn child).
    public var expected: Bool

    public init(child: Child) {
        nhsNumber = child.nhsNumber?.digits
        givenTokens = NameFolding.tokens(child.givenName)
        familyTokens = NameFolding.tokens(child.familyName)
        previousNames = (child.previousNames ?? []).map(NameFolding.tokens).filter { !$0.isEmpty }
        birthDate = child.dateOfBirth ?? child.expectedDateOfBirth
        expected = child.dateOfBirth == nil
    }

    /// Keys under which the store indexes a referral (it hashes them): a new referral's
    /// candidates are the earlier referrals sharing any key, and ``compare(with:)`` then decides.
    /// They are deliberately broad (every name part with the birth date) so that transposed,
    /// double-barrelled and previous names are found; breadth costs recall checks, never a match.
    public var candidateKeys: [String] {
        var keys: [String] = []
        if let nhsNumber { keys.append("nhs:\(nhsNumber)") }
        if let birthDate {
            var seen: Set<String> = []
            for token in givenTokens + familyTokens + previousNames.flatMap({ $0 }) where seen.insert(token).inserted {
                keys.append("birth-name:\(birthDate)|\(token)")
            }
        }
        return keys
    }

    /// Whether two records are the same child, possibly the same child, or not.
    public func compare(with other: ChildIdentity) -> IdentityVerdict {
        if let mine = nhsNumber, let theirs = other.nhsNumber, mine != theirs {
            return .different
        }
        var reasons: [MatchReason] = []
        let dates = compareDates(other)
        let names = compareNames(other)
        if let mine = nhsNumber, mine == other.nhsNumber {
            // The identifier agrees; demographics must support it. Folding, a first name alone,
            // a double-barrelled part, a recorded previous name or transposed names all support
            // it; another date of birth or a name that agrees with nothing conflicts, and then
            // a person decides.
            if dates != .same { reasons.append(.sameNHSNumberBirthDateDiffers) }
            if names == .differ { reasons.append(.sameNHSNumberNamesDiffer) }
            return reasons.isEmpty ? .same : .possible(reasons)
        }
        // No NHS number on one side (or either): demographics can only suggest.
        guard dates != .differ, dates != .unknown else { return .different }
        switch names {
        case .differ: return .different
        case .same: break
        case .alike(let why): reasons += why
        }
        if dates == .near { reasons.append(.birthDateNear) }
        reasons.insert(.demographicsWithoutNHSNumber, at: 0)
        return .possible(reasons)
    }

    private enum DateAgreement: Equatable { case same, near, differ, unknown }

    private func compareDates(_ other: ChildIdentity) -> DateAgreement {
        guard let mine = birthDate, let theirs = other.birthDate else { return .unknown }
        if mine == theirs { return .same }
        // An expected date of birth and the real one: babies come up to six weeks either side.
        if expected != other.expected, abs(mine.daysSinceEpoch - theirs.daysSinceEpoch) <= 42 { return .near }
        return .differ
    }

    private enum NameAgreement: Equatable { case same, alike([MatchReason]), differ }

    private func compareNames(_ other: ChildIdentity) -> NameAgreement {
        if givenTokens == other.givenTokens && familyTokens == other.familyTokens { return .same }
        var reasons: [MatchReason] = []
        // Transposed: given and family names swapped on one record.
        if Self.joined(givenTokens) == Self.joined(other.familyTokens) && Self.joined(familyTokens) == Self.joined(other.givenTokens) {
            return .alike([.namesTransposed])
        }
        guard Self.givenAlike(givenTokens, other.givenTokens) else { return .differ }
        if givenTokens != other.givenTokens { reasons.append(.givenNamePartial) }
        if Self.joined(familyTokens) == Self.joined(other.familyTokens) {
            // "Smith Jones" and "Smith-Jones": the same once folded.
        } else if Self.sharesPart(familyTokens, other.familyTokens) {
            reasons.append(.familyNamePartial)
        } else if (previousNames + [familyTokens]).contains(where: { mine in (other.previousNames + [other.familyTokens]).contains { Self.joined($0) == Self.joined(mine) } }) {
            reasons.append(.previousName)
        } else {
            return .differ
        }
        return reasons.isEmpty ? .same : .alike(reasons)
    }

    /// Given names agree when they are equal, or one is the other's first name alone
    /// ("Oliver" and "Oliver James"); a different first name is another child (twins).
    private static func givenAlike(_ a: [String], _ b: [String]) -> Bool {
        guard let first = a.first, let otherFirst = b.first else { return false }
        return joined(a) == joined(b) || first == otherFirst
    }

    /// A double-barrelled family name and one of its parts ("Smith-Jones" and "Jones").
    private static func sharesPart(_ a: [String], _ b: [String]) -> Bool {
        let (short, long) = a.count <= b.count ? (a, b) : (b, a)
        return !short.isEmpty && long.count > short.count && short.allSatisfy(long.contains)
    }

    private static func joined(_ tokens: [String]) -> String { tokens.joined() }
}

/// The outcome of comparing two records of a child.
public enum IdentityVerdict: Sendable, Hashable {
    /// The same NHS number and the same demographics: the same child.
    case same
    /// Perhaps the same child: a person must decide (link, or mark as different children).
    case possible([MatchReason])
    /// Not the same child (different NHS numbers, or demographics that disagree).
    case different
}

/// Why two records are only a possible match. The raw value is the code stored in the event
/// log (never reworded); ``explanation`` is what a practitioner reads.
public enum MatchReason: String, Sendable, Hashable, Codable, CaseIterable {
    case demographicsWithoutNHSNumber = "no-nhs-number"
    case sameNHSNumberBirthDateDiffers = "nhs-number-birth-date-differs"
    case sameNHSNumberNamesDiffer = "nhs-number-names-differ"
    case namesTransposed = "names-transposed"
    case givenNamePartial = "given-name-partial"
    case familyNamePartial = "family-name-partial"
    case previousName = "previous-name"
    case birthDateNear = "expected-birth-date-near"
    /// Records already marked as different children both agree with the new one.
    case conflictingRecords = "conflicting-records"

    public var explanation: String {
        switch self {
        case .demographicsWithoutNHSNumber: "names and date of birth agree, but one record has no NHS number"
        case .sameNHSNumberBirthDateDiffers: "same NHS number, but the dates of birth differ"
        case .sameNHSNumberNamesDiffer: "same NHS number, but the names differ"
        case .namesTransposed: "given and family names are swapped on one record"
        case .givenNamePartial: "one given name is only the first part of the other"
        case .familyNamePartial: "one family name is part of the other (double-barrelled)"
        case .previousName: "a family name matches a name the child was known by before"
        case .birthDateNear: "an expected date of birth within six weeks of the date of birth"
        case .conflictingRecords: "the NHS number is on records already marked as different children"
        }
    }
}

/// Folding names for comparison: case, accents, hyphens, apostrophes and spacing removed, so
/// "Zoë O'Brien-Smith" and "ZOE OBRIEN SMITH" compare equal.
public enum NameFolding {
    /// The name's words, folded: lower case, Latin letters without diacritics, apostrophes
    /// dropped; hyphens, spaces and other punctuation separate words.
    public static func tokens(_ name: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        for scalar in name.unicodeScalars {
            if scalar == "'" || scalar == "\u{2019}" || scalar == "`" { continue }
            if let folded = fold(scalar) {
                current += folded
            } else if !current.isEmpty {
                tokens.append(current)
                current = ""
            }
        }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }

    /// One scalar folded to lower-case letters without diacritics; nil for a separator.
    /// Marks (combining accents) fold to nothing. Uses the Unicode name of a Latin letter
    /// ("LATIN SMALL LETTER E WITH DIAERESIS" is "e"), so no table needs keeping.
    static func fold(_ scalar: Unicode.Scalar) -> String? {
        // ASCII first, as most names are: the same answers without Unicode property lookups.
        if scalar.isASCII {
            switch scalar.value {
            case 0x41...0x5A: return String(Character(Unicode.Scalar(UInt8(scalar.value + 0x20))))
            case 0x61...0x7A, 0x30...0x39: return String(Character(scalar))
            default: return nil
            }
        }
        let properties = scalar.properties
        if properties.generalCategory == .nonspacingMark || properties.generalCategory == .spacingMark { return "" }
        guard properties.isAlphabetic || properties.numericType != nil else { return nil }
        if scalar.isASCII { return String(scalar).lowercased() }
        if let name = properties.name, name.hasPrefix("LATIN ") {
            let words = name.split(separator: " ")
            if let letter = words.firstIndex(of: "LETTER"), letter + 1 < words.count {
                let base = words[letter + 1]
                switch base {
                case "SHARP": return "ss"
                case "AE": return "ae"
                case "OE": return "oe"
                case "DOTLESS": return "i"
                case "ETH": return "d"
                case "THORN": return "th"
                default: if base.count == 1 { return base.lowercased() }
                }
            }
        }
        return properties.lowercaseMapping
    }
}
