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

    /// Draws one referral received at `receivedOn` from `source`.
    /// - Parameter named: numbers the child's name and the message id (a history, the load
    ///   test); the simulation's own referrals, read only by the router, skip building them.
    func referral(source: ReferralSource, receivedAt: Timestamp, receivedOn: CalendarDate, number: Int, random: inout RandomSource,
                  named: Bool = true) -> (Referral, Bool) {
        let count = Self.pick(concernCounts, &random) + 1
        let totalWeight = factors.reduce(0) { $0 + $1.weight }
        var concerns: [Concern] = []
        for _ in 0..<count {
            var u = random.uniform() * totalWeight
            var chosen = factors[factors.count - 1]
            for factor in factors {
                u -= factor.weight
                if u <= 0 { chosen = factor; break }
            }
            let impact: Impact = [.low, .medium, .high][Self.pick(chosen.impact, &random)]
            concerns.append(Concern(factor: chosen.factor, impact: impact))
        }
        let consent: Consent = [.given, .refused, .notSought][Self.pick(self.consent, &random)]
        let age = Int(random.uniform() * 18)
        let born = receivedOn.adding(months: -12 * age - Int(random.uniform() * 11) - 1)
        let child = Child(givenName: "Synthetic", familyName: named ? "Child\(number)" : "Child", dateOfBirth: born,
                          disabilities: random.uniform() < disabled ? [.communication] : nil)
        let referral = Referral(messageId: named ? "SIM-\(number)" : "SIM", sentAt: receivedAt, referrer: Referrer(agency: "simulated", source: source, name: "simulated"),
                                child: child, concerns: concerns, immediateRisk: random.uniform() < immediateRisk, consent: consent,
                                consentNotSoughtReason: consent == .notSought ? "simulated" : nil, summary: "simulated")
        return (referral, random.uniform() < reReferral)
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
