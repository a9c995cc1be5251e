import ContinuumCore
import ContinuumJSON
import ContinuumTesting
import Testing

@Suite("Routing referrals through the Surrey pathway")
struct RouterTests {
    let pathway: VerifiedPathway
    let receivedAt = Fixtures.at("2026-11-26T12:00:00Z")

    init() throws {
        pathway = try Fixtures.verifiedSurrey()
    }

    func decide(_ value: JSONValue, at: Timestamp? = nil, reReferral: Bool = false) throws -> Decision {
        let time = at ?? receivedAt
        return route(try ReferralReader().read(Fixtures.bytes(value), receivedAt: time), pathway: pathway, receivedAt: time, reReferral: reReferral)
    }

    @Test("the examples land where the criteria say", arguments: [
        ("police-domestic-abuse", "targeted-support", Tier.earlyHelp, ["FD-TGT-01"]),
        ("school-neglect-immediate-risk", "child-protection", .statutory, ["FD-CP-01", "FD-CP-02"]),
        ("health-visitor-unborn", "child-in-need", .statutory, ["FD-CIN-02"]),
        ("gp-consent-refused", "thriving", .universal, ["FD-UNI-01"]),
        ("school-emerging-needs", "emerging-needs", .earlyHelp, ["FD-EMG-01"]),
        ("police-unaccompanied-child", "looked-after", .statutory, ["FD-LAC-01"]),
    ])
    func examples(name: String, level: String, tier: Tier, rules: [String]) throws {
        let decision = try decide(Fixtures.example(name).jsonValue())
        #expect(decision.level == level)
        #expect(decision.tier == tier)
        #expect(decision.rules == rules)
        #expect(decision.rationale.map(\.rule) == rules)
        #expect(decision.rationale.allSatisfy { $0.description.contains("Source:") })
        #expect(decision.pathway == "surrey@2026-11")
    }

    @Test func deadlinesRunOnWorkingDays() throws {
        let decision = try decide(Fixtures.example("school-neglect-immediate-risk").jsonValue(), at: Fixtures.at("2026-12-24T16:30:00Z"))
        let due = Dictionary(uniqueKeysWithValues: decision.deadlines.map { ($0.clock, $0.due) })
        #expect(due["referral-decision"] == Fixtures.date("2026-12-29"))
        #expect(due["assessment"] == Fixtures.date("2027-03-02"))  // checked by an independent Python count
        #expect(decision.deadlines.first { $0.clock == "assessment" }?.startsOn == .levelEntered)
    }

    @Test func earlyHelpNeedsConsentSoRefusalRoutesToUniversal() throws {
        let base = try Fixtures.example("police-domestic-abuse").jsonValue()
        #expect(try decide(base).level == "targeted-support")
        let refused = try decide(base.setting("consent", .string("refused")))
        #expect(refused.level == "thriving")
        #expect(refused.rules == ["FD-UNI-01"])
        #expect(!refused.consentRequired)
    }

    @Test func statutoryRoutesDoNotNeedConsent() throws {
        let base = try Fixtures.example("police-domestic-abuse").jsonValue()
            .setting("concerns.0.impact", .string("high")).setting("consent", .string("refused"))
        let decision = try decide(base)
        #expect(decision.level == "child-in-need")
        #expect(decision.rules == ["FD-CIN-02"])
    }

    @Test func priorityPolicyPicksHighestNeedAndCitesEveryRuleForIt() throws {
        let base = try Fixtures.example("police-domestic-abuse").jsonValue()
            .appending("concerns", .object(["factor": .string("15A"), "impact": .string("high")]))
        let decision = try decide(base)
        #expect(decision.level == "intensive-support")
        #expect(decision.rules == ["FD-INT-01", "FD-INT-02"])  // three concerns, medium parental: both intensive rules fire
        let three = base.setting("concerns.2.impact", .string("low"))
        #expect(try decide(three).rules == ["FD-INT-02"])
    }

    @Test func sameInputSameDecision() throws {
        let value = try Fixtures.example("health-visitor-unborn").jsonValue()
        #expect(try decide(value) == decide(value))
    }

    @Test func decisionsEncodeWithTheContractFields() throws {
        let decision = try decide(Fixtures.example("school-emerging-needs").jsonValue())
        guard case .object(let fields) = try JSONValueEncoder().encode(decision) else {
            Issue.record("a decision encodes as an object")
            return
        }
        for key in ["level", "tier", "rules", "deadlines"] { #expect(fields[key] != nil, "\(key)") }
        guard case .array(let deadlines)? = fields["deadlines"], case .object(let first)? = deadlines.first else {
            Issue.record("deadlines is an array of objects")
            return
        }
        #expect(first["clock"] == .string("referral-decision"))
        #expect(first["due"] == .string("2026-11-27"))
    }
}
