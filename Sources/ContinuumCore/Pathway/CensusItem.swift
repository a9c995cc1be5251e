/// What a pathway milestone records in the children in need census (issue 18,
/// `docs/census.md`). A milestone names its item in the pathway file (`"census": "cp-plan-started"`);
/// `continuum census` reads the dates and codes from the log by these items, so a council's own
/// milestone ids produce the same return.
public enum CensusItem: String, Sendable, Hashable, Codable, CaseIterable {
    /// `AssessmentActualStartDate` of a further assessment (the first starts with the episode).
    case assessmentStarted = "assessment-started"
    /// `AssessmentAuthorisationDate`, with `FactorsIdentifiedAtAssessment` and the `PrimaryNeedCode`.
    case assessmentAuthorised = "assessment-authorised"
    /// `CINPlanStartDate`.
    case cinPlanStarted = "cin-plan-started"
    /// `CINPlanEndDate` (a plan also ends when a child protection plan starts or the episode closes).
    case cinPlanEnded = "cin-plan-ended"
    /// `S47ActualStartDate` (the strategy discussion that initiates the enquiry).
    case s47Started = "s47-started"
    /// `DateOfInitialCPC` of the open section 47 enquiry.
    case initialConference = "initial-conference"
    /// `ICPCnotRequired`: the enquiry ended without a conference.
    case conferenceNotRequired = "conference-not-required"
    /// `CPPstartDate`, with the `InitialCategoryOfAbuse`.
    case cpPlanStarted = "cp-plan-started"
    /// `CPPreviewDate`; may change the `LatestCategoryOfAbuse`.
    case cpReview = "cp-review"
    /// `CPPendDate` (a plan also ends when the case leaves the plan's level or the episode closes).
    case cpPlanEnded = "cp-plan-ended"
    /// `PPStartDate`: the decision to start pre-proceedings.
    case preProceedingsStarted = "pre-proceedings-started"
    /// `LBPSentDate`.
    case letterBeforeProceedings = "letter-before-proceedings"
    /// `FGDMMeetingOffer`.
    case fgdmOffered = "fgdm-offered"
    /// `FGDMMeetingFac`.
    case fgdmFacilitated = "fgdm-facilitated"
    /// `InitialPPMeetingDate`.
    case preProceedingsMeeting = "pre-proceedings-meeting"
    /// Counted in `ReviewMeetingsCount`.
    case preProceedingsReview = "pre-proceedings-review"
    /// `StepDecisionDate`, with the `PPOutcome`.
    case preProceedingsDecision = "pre-proceedings-decision"
    /// `CourtAppDate`.
    case courtApplication = "court-application"

    /// The codes recording this item takes: what a milestone of it accepts.
    public var takes: [CensusDetail] {
        switch self {
        case .assessmentAuthorised: [.factors, .primaryNeed]
        case .cpPlanStarted, .cpReview: [.category]
        case .preProceedingsDecision: [.outcome]
        default: []
        }
    }
}

/// A code a census milestone takes when it is recorded.
public enum CensusDetail: String, Sendable, Hashable, Codable, CaseIterable {
    case factors, primaryNeed, category, outcome
}

/// The council's census settings in a pathway file.
public struct CensusSettings: Sendable, Hashable, Codable {
    /// The three-digit LA code the DfE gives the council (Surrey 936): the return's `LEA`.
    public var la: String
    public enum CodingKeys: String, CodingKey, CaseIterable { case la }

    public init(la: String) { self.la = la }

    /// Whether `text` is a three-digit LA code.
    public static func isLACode(_ text: String) -> Bool { text.utf8.count == 3 && text.allSatisfy { $0.isASCII && $0.isNumber } }
}

/// The codes recorded with a census milestone (all optional: what is missing shows in the
/// census's data-quality list, never as a refused milestone).
public struct MilestoneCensus: Sendable, Hashable, Codable {
    public var factors: [AssessmentFactor]?
    public var primaryNeed: PrimaryNeed?
    public var category: CategoryOfAbuse?
    public var outcome: PreProceedingsOutcome?
    public enum CodingKeys: String, CodingKey, CaseIterable { case factors, primaryNeed, category, outcome }

    public init(factors: [AssessmentFactor]? = nil, primaryNeed: PrimaryNeed? = nil, category: CategoryOfAbuse? = nil, outcome: PreProceedingsOutcome? = nil) {
        self.factors = factors
        self.primaryNeed = primaryNeed
        self.category = category
        self.outcome = outcome
    }

    /// The details given, by name.
    public var given: [CensusDetail] {
        var given: [CensusDetail] = []
        if factors != nil { given.append(.factors) }
        if primaryNeed != nil { given.append(.primaryNeed) }
        if category != nil { given.append(.category) }
        if outcome != nil { given.append(.outcome) }
        return given
    }

    public var isEmpty: Bool { given.isEmpty }
}

/// A correction or addition to the census details on a case, made by staff: the child's (UPN,
/// ethnicity, sex) and the primary need of the CIN episode the case is in.
public struct ChildDetails: Sendable, Hashable, Codable {
    public var upn: UPN?
    public var ethnicity: Ethnicity?
    public var sex: Sex?
    /// `PrimaryNeedCode` of the episode open on the case, or of the episode the referral
    /// awaiting its decision opens: recorded at the front door, before any assessment has
    /// completed (DfE rule 8610 asks for one on every episode that led to further action). The
    /// latest recorded, here or with an assessment's completion, is the episode's. Absent on
    /// events recorded before it could be given.
    public var primaryNeed: PrimaryNeed?
    public enum CodingKeys: String, CodingKey, CaseIterable { case upn, ethnicity, sex, primaryNeed }

    public init(upn: UPN? = nil, ethnicity: Ethnicity? = nil, sex: Sex? = nil, primaryNeed: PrimaryNeed? = nil) {
        self.upn = upn
        self.ethnicity = ethnicity
        self.sex = sex
        self.primaryNeed = primaryNeed
    }

    public var isEmpty: Bool { upn == nil && ethnicity == nil && sex == nil && primaryNeed == nil }
}
