import ContinuumCore

/// How synthetic referrals are drawn in a pathway-driven scenario: which concerns (CIN census
/// assessment factors) with which impact, how many per referral, immediate risk, consent,
/// re-referral and disability frequencies. Each referral is then routed by the live `route()`.
public struct ReferralMix: Sendable, Hashable {
    public struct Factor: Sendable, Hashable {
        public var factor: AssessmentFactor
        public var weight: Double
        /// Probabilities of low, medium, high.
        public var impact: [Double]
    }

    public var factors: [Factor]
    /// Probabilities of 1, 2, 3 … concerns.
    public var concernCounts: [Double]
    public var immediateRisk: Double
    /// Probabilities of given, refused, not-sought.
    public var consent: [Double]
    public var reReferral: Double
    public var disabled: Double

    /// Draws one referral received at `receivedOn` from `source`, and whether its child is a
    /// re-referral.
    /// - Parameter named: numbers the child's name and the message id (a history, the load
    ///   test); otherwise they are the same for every referral.
    func referral(source: ReferralSource, receivedAt: Timestamp, receivedOn: CalendarDate, number: Int, random: inout RandomSource,
                  named: Bool = true) -> (Referral, Bool) {
        var concerns: [Concern] = []
        let drawn = draw(&random) { factor, impact in concerns.append(Concern(factor: factors[factor].factor, impact: impact)) }
        let born = receivedOn.adding(months: -12 * drawn.ageYears - drawn.monthsPastBirthday - 1)
        let child = Child(givenName: "Synthetic", familyName: named ? "Child\(number)" : "Child", dateOfBirth: born,
                          disabilities: drawn.disabled ? [.communication] : nil)
        let referral = Referral(messageId: named ? "SIM-\(number)" : "SIM", sentAt: receivedAt, referrer: Referrer(agency: "simulated", source: source, name: "simulated"),
                                child: child, concerns: concerns, immediateRisk: drawn.immediateRisk, consent: drawn.consent,
                                consentNotSoughtReason: drawn.consent == .notSought ? "simulated" : nil, summary: "simulated")
        return (referral, drawn.reReferral)
    }

    /// Draws what routing reads of one referral: the same draws, in the same order, as
    /// ``referral(source:receivedAt:receivedOn:number:random:named:)``, so the two give the same
    /// routing and leave the stream in the same place; without the referral's strings, dates
    /// and arrays (the simulation's own referrals are read only by the router).
    /// - Parameter concerns: ``concernSubjects``, built once.
    func subject(_ random: inout RandomSource, concerns: [RoutingSubject]) -> RoutingSubject {
        var subject = RoutingSubject(immediateRisk: false, consent: .given, ageYears: 0)
        let drawn = draw(&random) { factor, impact in subject.addConcerns(of: concerns[3 * factor + impact.rank - 1]) }
        subject.immediateRisk = drawn.immediateRisk
        subject.consent = drawn.consent
        // Born 12 × age + 1 to 11 months before receipt: exactly `ageYears` whole years old.
        subject.ageYears = drawn.ageYears
        subject.disabled = drawn.disabled
        subject.reReferral = drawn.reReferral
        return subject
    }

    /// Per factor (in ``factors``' order) and impact (low, medium, high): a subject holding
    /// just that concern, for ``subject(_:concerns:)``.
    var concernSubjects: [RoutingSubject] {
        factors.flatMap { factor in
            Impact.allCases.map { impact in
                var subject = RoutingSubject(immediateRisk: false, consent: .given, ageYears: 0)
                subject.add(factor.factor, impact: impact)
                return subject
            }
        }
    }

    /// One referral's draws, in their order: the number of concerns, each concern's factor
    /// (by index into ``factors``, handed to `concern`) and impact, consent, age, months past
    /// the birthday, disability, immediate risk, re-referral.
    @inline(__always)
    private func draw(_ random: inout RandomSource, concern: (Int, Impact) -> Void)
        -> (consent: Consent, ageYears: Int, monthsPastBirthday: Int, disabled: Bool, immediateRisk: Bool, reReferral: Bool) {
        let count = Self.pick(concernCounts, &random) + 1
        var totalWeight = 0.0
        for index in factors.indices { totalWeight += factors[index].weight }
        for _ in 0..<count {
            var u = random.uniform() * totalWeight
            var chosen = factors.count - 1
            // By index: iterating `factors` copies each one (a retain of its impact array).
            for index in factors.indices {
                u -= factors[index].weight
                if u <= 0 { chosen = index; break }
            }
            let impact: Impact
            switch Self.pick(factors[chosen].impact, &random) {
            case 0: impact = .low
            case 1: impact = .medium
            default: impact = .high
            }
            concern(chosen, impact)
        }
        let consent: Consent
        switch Self.pick(self.consent, &random) {
        case 0: consent = .given
        case 1: consent = .refused
        default: consent = .notSought
        }
        let age = Int(random.uniform() * 18)
        let months = Int(random.uniform() * 11)
        let disabled = random.uniform() < self.disabled
        let immediateRisk = random.uniform() < self.immediateRisk
        return (consent, age, months, disabled, immediateRisk, random.uniform() < reReferral)
    }

    static func pick(_ probabilities: [Double], _ random: inout RandomSource) -> Int {
        var u = random.uniform() * probabilities.reduce(0, +)
        for (index, probability) in probabilities.enumerated() {
            u -= probability
            if u <= 0 { return index }
        }
        return probabilities.count - 1
    }
}

/// A pathway-driven scenario's link to the pathway: the front door, the stage holding each
/// level, and the clocks each stage stops when a case completes service there.
public struct PathwayModel: Sendable {
    public var pathway: VerifiedPathway
    public var mix: ReferralMix
    /// The stage every referral enters (the front door / MASH).
    public var frontDoor: Int
    /// Level id → stage index; a level without a stage (universal help) leaves the system.
    public var stageForLevel: [String: Int]
    /// Per stage: the clock ids it stops (e.g. `assessment` at the assessment team).
    public var stopsClocks: [[String]]
    /// Per arrival stream: its CIN census referral source.
    public var sources: [ReferralSource]
}

/// Synthetic referrals for the load test: the scenario's referral mix, with each referral's
/// source drawn in proportion to the arrival streams' rates.
public struct ReferralGenerator: Sendable {
    let model: PathwayModel
    let weights: [Double]
    var random: RandomSource
    var number = 0
    let prefix: String

    /// - Parameter prefix: starts every messageId, so runs do not collide (`LT-<run>-`).
    public init?(scenario: Scenario, seed: UInt64, prefix: String) {
        guard let model = scenario.pathwayModel else { return nil }
        self.model = model
        weights = scenario.arrivals.map(\.perDay)
        random = RandomSource(seed: seed, stream: 0xC0FFEE)
        self.prefix = prefix
    }

    /// The next referral, received at `receivedAt`.
    public mutating func next(receivedAt: Timestamp) -> Referral {
        number += 1
        let stream = ReferralMix.pick(weights, &random)
        var (referral, _) = model.mix.referral(source: model.sources[stream], receivedAt: receivedAt,
                                              receivedOn: UKTime.londonDate(of: receivedAt), number: number, random: &random)
        referral.messageId = "\(prefix)\(number)"
        // Distinct children, so referrals open cases of their own rather than joining one: the
        // matcher compares children sharing a birth date and any name part (letters only), so
        // both names are unique to this referral and this run. A given name shared by every
        // synthetic child made each referral a possible match of the others born that day.
        let unique = Self.letters(number) + runLetters
        referral.child.givenName = "Load" + unique
        referral.child.familyName = "Test" + unique
        return referral
    }

    /// Seven letters from the prefix (FNV-1a): one run's children differ from another's.
    private var runLetters: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in prefix.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        var letters = ""
        for _ in 0..<7 {
            letters.append(Character(UnicodeScalar(UInt8(97 + hash % 26))))
            hash /= 26
        }
        return letters
    }

    /// `number` in letters, a to z then ba, bb … (names that tell synthetic children apart:
    /// the matcher compares names by their letters).
    public static func letters(_ number: Int) -> String {
        var number = number
        var text = ""
        repeat {
            text = String(UnicodeScalar(UInt8(97 + number % 26))) + text
            number /= 26
        } while number > 0
        return text
    }

    /// The pathway and the routing shares of the stage holding `level` (for the staff player).
    public var pathway: VerifiedPathway { model.pathway }
}
