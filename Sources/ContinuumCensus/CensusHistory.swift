import ContinuumCore

/// What the census is built from: each case's census facts in log order, read by the store
/// (`SQLiteCaseStore.census`). Dates are London days. The children's characteristics come
/// after, for the children in the return only (``CensusBuilder/completing(_:with:)``).
public struct CensusHistory: Sendable {
    public var cases: [CensusCase]

    public init(cases: [CensusCase]) {
        self.cases = cases
    }
}

/// One case's facts and the pathway version it is judged by.
public struct CensusCase: Sendable {
    public var caseId: String
    /// The LA child id of the child the case is about (the same for every case of the child).
    public var childId: String
    public var facts: [CensusFact]

    public init(caseId: String, childId: String, facts: [CensusFact]) {
        self.caseId = caseId
        self.childId = childId
        self.facts = facts
    }
}

/// One event's meaning for the census.
public enum CensusFact: Sendable, Hashable {
    /// A referral arrived (`source`: the census referral source).
    case referral(day: CalendarDate, source: ReferralSource)
    /// The case is at `level` after a decision, a move, an approval or a migration; `withinCensus`
    /// and `tier` say what the level is on the case's pathway version.
    case level(day: CalendarDate, level: String, withinCensus: Bool, tier: Tier)
    /// The case closed; `frontDoor` when closed before any level was decided, with the
    /// referral's recommendation then (and whether that level is within the census).
    case closed(day: CalendarDate, reason: ClosureReason, frontDoor: Bool, recommendedWithinCensus: Bool)
    /// A census milestone happened on `day`.
    case milestone(day: CalendarDate, item: CensusItem, codes: MilestoneCensus?)
    /// Staff recorded the primary need of the episode the case is in (or that its referral
    /// awaiting a decision opens).
    case primaryNeed(day: CalendarDate, need: PrimaryNeed)

    public var day: CalendarDate {
        switch self {
        case .referral(let day, _), .level(let day, _, _, _), .closed(let day, _, _, _), .milestone(let day, _, _), .primaryNeed(let day, _): day
        }
    }
}

/// The child's census characteristics: from the latest referral, corrected by staff.
public struct CensusChildRecord: Sendable, Hashable {
    public var dateOfBirth: CalendarDate?
    public var expectedDateOfBirth: CalendarDate?
    public var sex: Sex?
    public var ethnicity: Ethnicity?
    public var upn: UPN?
    public var disabilities: [Disability]?
    /// The child's personal data was erased (retention): only what the log keeps in clear remains.
    public var erased: Bool

    /// Not yet born: an expected date of birth and no date of birth.
    public var isUnborn: Bool { dateOfBirth == nil && expectedDateOfBirth != nil }

    public init(dateOfBirth: CalendarDate? = nil, expectedDateOfBirth: CalendarDate? = nil, sex: Sex? = nil, ethnicity: Ethnicity? = nil,
                upn: UPN? = nil, disabilities: [Disability]? = nil, erased: Bool = false) {
        self.dateOfBirth = dateOfBirth
        self.expectedDateOfBirth = expectedDateOfBirth
        self.sex = sex
        self.ethnicity = ethnicity
        self.upn = upn
        self.disabilities = disabilities
        self.erased = erased
    }
}
