/// What a routing table can read from a referral, and nothing else: the flags, the consent,
/// which factors were raised at which impact, how many concerns, the child's age and
/// disability, and whether the child is a re-referral.
///
/// Every fact a table tests (``FactKind``) is computed from this value, so a referral and the
/// subject made from it always route the same way. Callers that route millions of drawn
/// referrals (the simulator) build a subject directly and skip the referral's strings, dates
/// and arrays.
///
/// ```swift
/// var subject = RoutingSubject(immediateRisk: false, consent: .given, ageYears: 7)
/// subject.add(.neglect, impact: .high)
/// ```
public struct RoutingSubject: Sendable, Hashable {
    public var immediateRisk: Bool
    public var consent: Consent
    /// Whole years of age on the day of receipt (0 for an unborn child).
    public var ageYears: Int
    public var unborn: Bool
    /// A disability other than `NONE` is recorded.
    public var disabled: Bool
    public var reReferral: Bool
    /// How many concerns the referral lists (each ``add(_:impact:)`` counts one).
    public private(set) var concernCount = 0
    /// Per impact (low, medium, high): the factors raised with that impact, as bits (a factor's position in the census list).
    private var low: UInt64 = 0
    private var medium: UInt64 = 0
    private var high: UInt64 = 0

    public init(immediateRisk: Bool, consent: Consent, ageYears: Int, unborn: Bool = false, disabled: Bool = false, reReferral: Bool = false) {
        self.immediateRisk = immediateRisk
        self.consent = consent
        self.ageYears = ageYears
        self.unborn = unborn
        self.disabled = disabled
        self.reReferral = reReferral
    }

    /// What `referral`, received on `receivedOn` (London's date), gives a routing table to read.
    public init(_ referral: Referral, receivedOn: CalendarDate, reReferral: Bool) {
        self.init(immediateRisk: referral.immediateRisk, consent: referral.consent, ageYears: referral.child.age(on: receivedOn),
                  unborn: referral.child.isUnborn, disabled: referral.child.isDisabled, reReferral: reReferral)
        for concern in referral.concerns { add(concern.factor, impact: concern.impact) }
    }

    /// Records one concern.
    public mutating func add(_ factor: AssessmentFactor, impact: Impact) {
        concernCount += 1
        let bit = factor.bit
        switch impact {
        case .low: low |= bit
        case .medium: medium |= bit
        case .high: high |= bit
        }
    }

    /// Records `other`'s concerns as well (its other fields are not read): a caller that adds
    /// the same few concerns millions of times builds a subject for each once and adds those.
    public mutating func addConcerns(of other: RoutingSubject) {
        concernCount += other.concernCount
        low |= other.low
        medium |= other.medium
        high |= other.high
    }

    /// The highest impact's rank (1 low to 3 high) among concerns with a factor in `factors`
    /// (nil: any factor), 0 when there is none.
    func highestImpact(among factors: FactorSet?) -> Int {
        let mask = factors?.mask ?? .max
        if high & mask != 0 { return 3 }
        if medium & mask != 0 { return 2 }
        return low & mask != 0 ? 1 : 0
    }
}
