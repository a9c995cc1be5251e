/// Census code lists for the child and the events the CIN census records (issue 18): sex,
/// ethnicity, the unique pupil number, primary need, category of abuse, pre-proceedings outcome.

/// `Sex` (from the 2024-25 census, replacing `GenderCurrent`): `M`, `F` or `U` (unknown,
/// including an unborn child).
public enum Sex: String, Sendable, Hashable, Codable, CaseIterable, CensusCode {
    case male = "M", female = "F", unknown = "U"

    /// The sex a v1 `gender` code means: `1` M, `2` F, `0` (not recorded, unborn) and `9`
    /// (indeterminate) U.
    public init(gender: Gender) {
        switch gender {
        case .male: self = .male
        case .female: self = .female
        case .notRecorded, .indeterminate: self = .unknown
        }
    }
}

/// `Ethnicity`: the DfE's main and extended categories as the CIN census codes them.
public enum Ethnicity: String, Sendable, Hashable, Codable, CaseIterable, CensusCode {
    case whiteBritish = "WBRI", whiteIrish = "WIRI", travellerOfIrishHeritage = "WIRT", anyOtherWhite = "WOTH", gypsyRoma = "WROM"
    case whiteAndBlackCaribbean = "MWBC", whiteAndBlackAfrican = "MWBA", whiteAndAsian = "MWAS", anyOtherMixed = "MOTH"
    case indian = "AIND", pakistani = "APKN", bangladeshi = "ABAN", anyOtherAsian = "AOTH"
    case caribbean = "BCRB", african = "BAFR", anyOtherBlack = "BOTH"
    case chinese = "CHNE", anyOtherEthnicGroup = "OOTH"
    /// Refused by the child or parent.
    case refused = "REFU"
    /// Information not yet obtained.
    case notObtained = "NOBT"

    /// Whether the code says the ethnicity is not known (refused or not yet obtained).
    public var isNotKnown: Bool { self == .refused || self == .notObtained }
}

/// `PrimaryNeedCode`: the main reason the child is in need, recorded with the assessment.
public enum PrimaryNeed: String, Sendable, Hashable, Codable, CaseIterable, CensusCode {
    case abuseOrNeglect = "N1", disability = "N2", parentalIllnessOrDisability = "N3", familyInAcuteStress = "N4"
    case familyDysfunction = "N5", sociallyUnacceptableBehaviour = "N6", lowIncome = "N7", absentParenting = "N8"
    case notInNeed = "N9"

    public var title: String {
        switch self {
        case .abuseOrNeglect: "Abuse or neglect"
        case .disability: "Child's disability or illness"
        case .parentalIllnessOrDisability: "Parental illness or disability"
        case .familyInAcuteStress: "Family in acute stress"
        case .familyDysfunction: "Family dysfunction"
        case .sociallyUnacceptableBehaviour: "Socially unacceptable behaviour"
        case .lowIncome: "Low income"
        case .absentParenting: "Absent parenting"
        case .notInNeed: "Cases other than children in need"
        }
    }
}

/// `InitialCategoryOfAbuse` / `LatestCategoryOfAbuse` of a child protection plan.
public enum CategoryOfAbuse: String, Sendable, Hashable, Codable, CaseIterable, CensusCode {
    case neglect = "NEG", physical = "PHY", sexual = "SAB", emotional = "EMO", multiple = "MUL"

    public var title: String {
        switch self {
        case .neglect: "Neglect"
        case .physical: "Physical abuse"
        case .sexual: "Sexual abuse"
        case .emotional: "Emotional abuse"
        case .multiple: "Multiple categories"
        }
    }
}

/// `PPOutcome`, the outcome of pre-proceedings at its step decision (2026-27 module). The DfE's
/// draft specification lists three codes; their wording here is Continuum's reading of it
/// (docs/census.md says where it is uncertain).
public enum PreProceedingsOutcome: String, Sendable, Hashable, Codable, CaseIterable, CensusCode {
    /// Concerns reduced: pre-proceedings ended without an application.
    case endedConcernsReduced = "A"
    /// Pre-proceedings ended and a care or supervision application was made.
    case applicationMade = "B"
    /// Other outcome (the child became looked after by agreement, moved away, …).
    case other = "C"

    public var title: String {
        switch self {
        case .endedConcernsReduced: "Ended without an application: concerns reduced"
        case .applicationMade: "Application for a care or supervision order"
        case .other: "Other outcome"
        }
    }
}

/// A unique pupil number: 13 characters, a check letter then 12 digits (the last may be a
/// letter in a temporary UPN, which the census refuses and this type therefore refuses too).
/// Characters 2-4 are the issuing authority's LA code.
public struct UPN: Sendable, Hashable, Codable, CustomStringConvertible {
    public let value: String

    /// The check letters by remainder (DfE "Unique Pupil Numbers" guidance: 23 letters, no I, O or S).
    static let checkLetters = Array("ABCDEFGHJKLMNPQRTUVWXYZ")

    /// Nil with the reason when `text` is not a valid UPN.
    public static func validate(_ text: String) -> String? {
        let characters = Array(text)
        guard characters.count == 13 else { return "must be 13 characters (a check letter and 12 digits), not \(characters.count)" }
        let digits = characters.dropFirst().compactMap(\.wholeNumberValue)
        guard digits.count == 12, characters.dropFirst().allSatisfy(\.isASCII) else {
            return "characters 2 to 13 must be digits (a temporary UPN, ending in a letter, is not accepted by the census)"
        }
        guard let expected = checkLetter(digits) else { return "could not be checked" }
        guard characters[0] == expected else { return "has the wrong check letter: \(characters[0]) where the digits give \(expected)" }
        return nil
    }

    /// The check letter for the 12 digits after it: digit n (n = 2…13) weighted by n, the sum modulo 23.
    static func checkLetter(_ digits: [Int]) -> Character? {
        guard digits.count == 12 else { return nil }
        let sum = digits.enumerated().reduce(0) { $0 + $1.element * ($1.offset + 2) }
        return checkLetters[sum % 23]
    }

    /// Nil when `text` is not a valid UPN (``validate(_:)`` says why).
    public init?(_ text: String) {
        guard Self.validate(text) == nil else { return nil }
        value = text
    }

    /// The authority that issued it (characters 2-4).
    public var issuingAuthority: String { String(value.dropFirst().prefix(3)) }

    public var description: String { value }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let upn = UPN(text) else {
            throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: decoder.codingPath,
                                                                    debugDescription: "\"\(text)\" is not a unique pupil number: \(Self.validate(text) ?? "")"))
        }
        self = upn
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
