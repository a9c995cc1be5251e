import ContinuumCore
import ContinuumTesting
import Testing

/// Routing in parts (what the simulator uses to route millions of referrals): a routing subject's
/// facts, the rank they lead to, the clocks it starts, and the classes of fact values no rule
/// tells apart, each checked against `route()` on the Surrey pathway.
@Suite("Routing in parts agrees with route()")
struct RoutingInPartsTests {
    let pathway: VerifiedPathway

    init() throws {
        pathway = try Fixtures.verifiedSurrey()
    }

    /// A deterministic stream (SplitMix64), so a failure names a referral that can be rebuilt.
    struct Stream {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
    }

    /// A referral with 1 to 4 random concerns, random flags, consent, age (or unborn) and disability.
    func referral(_ stream: inout Stream, receivedAt: Timestamp) -> Referral {
        let factors = AssessmentFactor.allCases
        let concerns = (0...stream.next(4)).map { _ in
            Concern(factor: factors[stream.next(factors.count)], impact: Impact.allCases[stream.next(3)])
        }
        let consent = Consent.allCases[stream.next(Consent.allCases.count)]
        let received = UKTime.londonDate(of: receivedAt)
        let born = stream.next(10) == 0 ? nil : received.adding(days: -stream.next(18 * 365))
        let child = Child(givenName: "Test", familyName: "Child", dateOfBirth: born,
                          disabilities: stream.next(4) == 0 ? [.communication] : nil)
        return Referral(messageId: "T", sentAt: receivedAt, referrer: Referrer(agency: "test", source: .police, name: "test"),
                        child: child, concerns: concerns, immediateRisk: stream.next(5) == 0, consent: consent,
                        consentNotSoughtReason: consent == .notSought ? "test" : nil, summary: "test")
    }

    @Test func aSubjectsRankAndClocksAreRoutesDecision() {
        var stream = Stream(state: 19)
        let receivedAt = Fixtures.at("2026-11-26T12:00:00Z")
        let levels = pathway.definition.levels.map(\.id)
        var facts: [Int] = []
        var reached = Set<String>()
        for _ in 0..<2_000 {
            let referral = referral(&stream, receivedAt: receivedAt)
            let reReferral = stream.next(3) == 0
            let decision = route(referral, pathway: pathway, receivedAt: receivedAt, reReferral: reReferral)
            pathway.routingFacts(RoutingSubject(referral, receivedOn: UKTime.londonDate(of: receivedAt), reReferral: reReferral), into: &facts)
            let rank = pathway.recommendedRank(facts: facts)
            #expect(levels[rank] == decision.level, "\(referral.concerns) \(referral.consent) \(facts)")
            #expect(pathway.clockStarts(rank: rank).map(\.clock) == decision.deadlines.map(\.clock))
            reached.insert(decision.level)
        }
        // The referrals drawn reach most of the continuum, so the agreement is not about one level.
        #expect(reached.count >= 5, "\(reached)")
    }

    @Test func addingConcernsOneByOneOrFromAnotherSubjectGivesTheSameFacts() {
        var one = RoutingSubject(immediateRisk: false, consent: .given, ageYears: 9)
        one.add(.neglect, impact: .high)
        one.add(.domesticAbuseParent, impact: .low)
        var merged = RoutingSubject(immediateRisk: false, consent: .given, ageYears: 9)
        var neglect = RoutingSubject(immediateRisk: true, consent: .refused, ageYears: 0)
        neglect.add(.neglect, impact: .high)
        var abuse = RoutingSubject(immediateRisk: true, consent: .refused, ageYears: 0)
        abuse.add(.domesticAbuseParent, impact: .low)
        merged.addConcerns(of: neglect)
        merged.addConcerns(of: abuse)
        var first: [Int] = [], second: [Int] = []
        pathway.routingFacts(one, into: &first)
        pathway.routingFacts(merged, into: &second)
        #expect(first == second)
        #expect(merged.concernCount == 2)
        // Only the concerns were taken from the others: their flags did not change the facts.
        #expect(pathway.recommendedRank(facts: first) == pathway.recommendedRank(facts: second))
    }

    @Test func valuesOfOneClassGetTheSameRecommendation() {
        let domains = pathway.routingFactDomains
        let classes = pathway.routingFactClasses
        #expect(classes.count == domains.count)
        for (domain, values) in zip(domains, classes) {
            #expect(values.count == domain.count)
            #expect(values.first == 0)
            // Classes are numbered in order without gaps.
            #expect(zip(values, values.dropFirst()).allSatisfy { $1 == $0 || $1 == $0 + 1 })
        }
        // Surrey's facts have 614,400 combinations (a concern count of 1 to 50 among them); its
        // rules tell far fewer apart, few enough for the simulator's flat table (2^16).
        let combinations = domains.reduce(1) { $0 * $1.count }
        let classCombinations = classes.reduce(1) { $0 * (($1.last ?? 0) + 1) }
        #expect(combinations >= 100_000)
        #expect(classCombinations <= 1 << 16, "\(classCombinations)")
        var stream = Stream(state: 7)
        for _ in 0..<5_000 {
            let facts = domains.map { $0.lowerBound + stream.next($0.count) }
            // Another value of the same class, for each input.
            let twin = facts.indices.map { index -> Int in
                let lower = domains[index].lowerBound
                let same = classes[index].indices.filter { classes[index][$0] == classes[index][facts[index] - lower] }
                return lower + same[stream.next(same.count)]
            }
            #expect(pathway.recommendedRank(facts: facts) == pathway.recommendedRank(facts: twin), "\(facts) \(twin)")
        }
    }
}
