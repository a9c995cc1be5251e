import ContinuumCore

/// The return: one record per child with a CIN episode open at some time in the year, as the
/// DfE's CIN census XML holds it (`Child` / `ChildIdentifiers`, `ChildCharacteristics`, `CINdetails`).
public struct CensusReturn: Sendable {
    public var year: CensusYear
    /// The council's three-digit LA code.
    public var la: String
    public var children: [CensusChild]

    public init(year: CensusYear, la: String, children: [CensusChild]) {
        self.year = year
        self.la = la
        self.children = children
    }
}

/// One child in the return.
public struct CensusChild: Sendable, Hashable {
    public var laChildId: String
    public var record: CensusChildRecord
    /// `UPNunknown` when there is no UPN (`UN1` under six, `UN7` NFA referrals only).
    public var upnUnknown: String?
    public var episodes: [CINEpisode]

    public init(laChildId: String, record: CensusChildRecord, upnUnknown: String?, episodes: [CINEpisode]) {
        (self.laChildId, self.record, self.upnUnknown, self.episodes) = (laChildId, record, upnUnknown, episodes)
    }
}

/// A `CINdetails`: one episode of need, from the referral to children's social care to closure.
public struct CINEpisode: Sendable, Hashable {
    public var caseId: String
    public var referralDate: CalendarDate
    public var referralSource: ReferralSource
    public var primaryNeed: PrimaryNeed?
    public var closureDate: CalendarDate?
    public var closureReason: ClosureReason?
    public var referralNFA: Bool
    public var assessments: [Assessment] = []
    public var cinPlans: [DateRange] = []
    public var section47s: [Section47] = []
    public var plans: [ProtectionPlan] = []
    public var preProceedings: [PreProceedings] = []
    /// Census milestones recorded while no episode was open, or that did not fit (a conference
    /// without an enquiry): reported in the data-quality list.
    public var misplaced: [Misplaced] = []

    public init(caseId: String, referralDate: CalendarDate, referralSource: ReferralSource, primaryNeed: PrimaryNeed? = nil,
                closureDate: CalendarDate? = nil, closureReason: ClosureReason? = nil, referralNFA: Bool) {
        (self.caseId, self.referralDate, self.referralSource, self.primaryNeed) = (caseId, referralDate, referralSource, primaryNeed)
        (self.closureDate, self.closureReason, self.referralNFA) = (closureDate, closureReason, referralNFA)
    }

    /// The episode's first initial conference (each is written in its enquiry's `Section47`,
    /// never at episode level too: DfE rule 2884).
    public var dateOfInitialCPC: CalendarDate? { section47s.compactMap(\.dateOfInitialCPC).min() }

    /// A census milestone with nothing open to record against.
    public struct Misplaced: Sendable, Hashable {
        public var item: CensusItem
        public var day: CalendarDate

        public init(item: CensusItem, day: CalendarDate) {
            self.item = item
            self.day = day
        }
    }

    /// `Assessments`: started, authorised, with the factors identified.
    public struct Assessment: Sendable, Hashable {
        public var start: CalendarDate
        public var authorised: CalendarDate?
        public var factors: [AssessmentFactor]?

        public init(start: CalendarDate, authorised: CalendarDate?, factors: [AssessmentFactor]?) {
            (self.start, self.authorised, self.factors) = (start, authorised, factors)
        }
    }

    /// `CINPlanDates`: a child in need plan, open while `end` is nil.
    public struct DateRange: Sendable, Hashable {
        public var start: CalendarDate
        public var end: CalendarDate?

        public init(start: CalendarDate, end: CalendarDate?) { (self.start, self.end) = (start, end) }
    }

    /// `Section47`: an enquiry and what ended it.
    public struct Section47: Sendable, Hashable {
        public var start: CalendarDate
        /// `InitialCPCtarget`: 15 working days after the start, on the pathway's calendar.
        public var conferenceTarget: CalendarDate
        public var dateOfInitialCPC: CalendarDate?
        public var conferenceNotRequired: Bool

        public init(start: CalendarDate, conferenceTarget: CalendarDate, dateOfInitialCPC: CalendarDate?, conferenceNotRequired: Bool) {
            (self.start, self.conferenceTarget, self.dateOfInitialCPC, self.conferenceNotRequired) = (start, conferenceTarget, dateOfInitialCPC, conferenceNotRequired)
        }
    }

    /// `ChildProtectionPlans`: a plan, its categories of abuse and reviews.
    public struct ProtectionPlan: Sendable, Hashable {
        public var start: CalendarDate
        public var end: CalendarDate?
        public var initialCategory: CategoryOfAbuse?
        public var latestCategory: CategoryOfAbuse?
        public var previousPlans: Int
        public var reviews: [CalendarDate]

        public init(start: CalendarDate, end: CalendarDate?, initialCategory: CategoryOfAbuse?, latestCategory: CategoryOfAbuse?, previousPlans: Int, reviews: [CalendarDate]) {
            (self.start, self.end, self.initialCategory, self.latestCategory) = (start, end, initialCategory, latestCategory)
            (self.previousPlans, self.reviews) = (previousPlans, reviews)
        }
    }

    /// `PreProceedingsandFGDM` (2026-27): pre-proceedings under the Public Law Outline.
    public struct PreProceedings: Sendable, Hashable {
        public var start: CalendarDate
        public var letterBeforeProceedings: CalendarDate?
        public var fgdmOffered: Bool
        public var fgdmFacilitated: Bool
        public var initialMeeting: CalendarDate?
        public var reviewMeetings: Int
        public var stepDecision: CalendarDate?
        public var outcome: PreProceedingsOutcome?
        public var courtApplication: CalendarDate?

        public init(start: CalendarDate, fgdmOffered: Bool, fgdmFacilitated: Bool, reviewMeetings: Int) {
            (self.start, self.fgdmOffered, self.fgdmFacilitated, self.reviewMeetings) = (start, fgdmOffered, fgdmFacilitated, reviewMeetings)
        }
    }
}
