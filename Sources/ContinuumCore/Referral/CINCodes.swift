/// Code lists from the DfE Children in Need census specification (2023-24 and 2024-25 XSDs).
///
/// Each list is a `String`-backed enum so the wire format carries the census code itself.

/// `ReferralSource`: who made the referral.
public enum ReferralSource: String, Sendable, Hashable, Codable, CaseIterable, CensusCode {
    case familyMember = "1A", acquaintance = "1B", selfReferral = "1C", individualOther = "1D"
    case schools = "2A", educationServices = "2B"
    case gp = "3A", healthVisitor = "3B", schoolNurse = "3C", otherPrimaryHealth = "3D", accidentAndEmergency = "3E", healthOther = "3F"
    case housing = "4"
    case laSocialCare = "5A", laOtherInternal = "5B", laExternal = "5C", laEarlyHelp = "5D"
    case police = "6"
    case otherLegalAgency = "7"
    case other = "8"
    case anonymous = "9"
    case unknown = "10"

    public var title: String {
        switch self {
        case .familyMember: "Individual: family member, relative or carer"
        case .acquaintance: "Individual: acquaintance"
        case .selfReferral: "Individual: self"
        case .individualOther: "Individual: other"
        case .schools: "Schools"
        case .educationServices: "Education services"
        case .gp: "Health: GP"
        case .healthVisitor: "Health: health visitor"
        case .schoolNurse: "Health: school nurse"
        case .otherPrimaryHealth: "Health: other primary health services"
        case .accidentAndEmergency: "Health: A&E"
        case .healthOther: "Health: other"
        case .housing: "Housing"
        case .laSocialCare: "LA services: social care"
        case .laOtherInternal: "LA services: other internal"
        case .laExternal: "LA services: external"
        case .laEarlyHelp: "LA services: early help"
        case .police: "Police"
        case .otherLegalAgency: "Other legal agency"
        case .other: "Other"
        case .anonymous: "Anonymous"
        case .unknown: "Unknown"
        }
    }
}

/// `FactorsIdentifiedAtAssessment`: the concern a referral raises (8A, 18A and 19A do not exist).
public enum AssessmentFactor: String, Sendable, Hashable, Codable, CaseIterable, CensusCode {
    case alcoholChild = "1A", alcoholParent = "1B", alcoholOther = "1C"
    case drugsChild = "2A", drugsParent = "2B", drugsOther = "2C"
    case domesticAbuseChild = "3A", domesticAbuseParent = "3B", domesticAbuseOther = "3C"
    case mentalHealthChild = "4A", mentalHealthParent = "4B", mentalHealthOther = "4C"
    case learningDisabilityChild = "5A", learningDisabilityParent = "5B", learningDisabilityOther = "5C"
    case physicalDisabilityChild = "6A", physicalDisabilityParent = "6B", physicalDisabilityOther = "6C"
    case youngCarer = "7A"
    case privateFosteringOverseasReturn = "8B", privateFosteringOverseasStay = "8C", privateFosteringEducation = "8D"
    case privateFosteringFamilyArrangement = "8E", privateFosteringOther = "8F"
    case unaccompaniedAsylumSeeking = "9A"
    case missing = "10A"
    case sexualExploitation = "11A"
    case trafficking = "12A"
    case gangs = "13A"
    case sociallyUnacceptableBehaviour = "14A"
    case selfHarm = "15A"
    case neglect = "16A"
    case emotionalAbuse = "17A"
    case physicalAbuseChildOnChild = "18B", physicalAbuseAdultOnChild = "18C"
    case sexualAbuseChildOnChild = "19B", sexualAbuseAdultOnChild = "19C"
    case other = "20"
    case noFactors = "21"
    case femaleGenitalMutilation = "22A"
    case faithOrBeliefAbuse = "23A"
    case criminalExploitation = "24A"
}

/// `Disabilities`.
public enum Disability: String, Sendable, Hashable, Codable, CaseIterable, CensusCode {
    case none = "NONE", mobility = "MOB", handFunction = "HAND", personalCare = "PC", incontinence = "INC"
    case communication = "COMM", learning = "LD", hearing = "HEAR", vision = "VIS", behaviour = "BEH"
    case consciousness = "CON", autism = "AUT", disabilityDiscriminationAct = "DDA"
}

/// `GenderCurrent`: 0 not recorded or unborn, 1 male, 2 female, 9 indeterminate.
public enum Gender: String, Sendable, Hashable, Codable, CaseIterable, CensusCode {
    case notRecorded = "0", male = "1", female = "2", indeterminate = "9"
}

/// `ReasonForClosure`.
public enum ClosureReason: String, Sendable, Hashable, Codable, CaseIterable, CensusCode {
    case adopted = "RC1", died = "RC2", childArrangementsOrder = "RC3", specialGuardianshipOrder = "RC4"
    case transferredToOtherAuthority = "RC5", transferredToAdultServices = "RC6", servicesCeased = "RC7"
    case noFurtherActionAfterAssessment = "RC8", referredToEarlyHelp = "RC9"
}

/// A census code list: decoding an unknown code names the valid ones.
public protocol CensusCode: RawRepresentable<String>, CaseIterable {
    /// The code for `text`; a hashed table for the long lists (a `rawValue` switch compares
    /// strings one by one).
    static func lookup(_ text: String) -> Self?
}

extension CensusCode {
    public static func lookup(_ text: String) -> Self? { Self(rawValue: text) }
}

extension AssessmentFactor {
    private static let table = Dictionary(uniqueKeysWithValues: allCases.map { ($0.rawValue, $0) })
    public static func lookup(_ text: String) -> AssessmentFactor? { table[text] }

    /// The factor's bit in a ``FactorSet``: its position in the census list (42 < 64).
    /// A table, not `allCases.firstIndex`: that builds the list and searches it on every call,
    /// and routing asks once per concern.
    var bit: UInt64 { Self.bits[self] ?? 1 << 63 }
    private static let bits = Dictionary(uniqueKeysWithValues: allCases.enumerated().map { ($1, UInt64(1) << UInt64($0)) })
}

/// A set of assessment factors as a bit mask: membership tests without hashing.
struct FactorSet: Sendable, Hashable {
    let mask: UInt64

    init(_ factors: some Sequence<AssessmentFactor>) {
        mask = factors.reduce(0) { $0 | $1.bit }
    }

    func contains(_ factor: AssessmentFactor) -> Bool { mask & factor.bit != 0 }
}

extension ReferralSource {
    private static let table = Dictionary(uniqueKeysWithValues: allCases.map { ($0.rawValue, $0) })
    public static func lookup(_ text: String) -> ReferralSource? { table[text] }
}

extension CensusCode {
    /// `"1A", "1B", …` for messages.
    public static var codeList: String { allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ") }

    /// Reads a code or explains which codes exist.
    static func parse(_ text: String, field: String) throws(ValidationProblem) -> Self {
        guard let code = lookup(text) else {
            throw ValidationProblem("\"\(text)\" is not a \(field) code; expected one of \(codeList)")
        }
        return code
    }
}
