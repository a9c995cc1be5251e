import ContinuumCore
import ContinuumForecast
import ContinuumStore
import ContinuumTesting
import Testing

@Suite("Calibrating from a history")
struct CalibratorTests {
    func at(_ day: Int, hours: Int = 10) -> Timestamp {
        Timestamp(secondsSinceEpoch: Int64((CalendarDate(year: 2026, month: 1, day: 1)?.daysSinceEpoch ?? 0) + day) * 86_400 + Int64(hours) * 3_600)
    }

    func referral(_ caseId: String, _ day: Int, source: ReferralSource = .police, consent: Consent = .given, reReferral: Bool = false) -> PathwayHistoryEvent {
        PathwayHistoryEvent(caseId: caseId, at: at(day), kind: .referral(ReferralFacts(
            source: source, concerns: [Concern(factor: .domesticAbuseChild, impact: .medium)], consent: consent, immediateRisk: false, disabled: false, reReferral: reReferral)))
    }

    @Test("stays, exits and closures are read per level; a stay open at the end is censored; the front door's time ends at the decision")
    func staysAndExits() throws {
        let pathway = try TestFixtures.surrey().definition
        var events: [PathwayHistoryEvent] = []
        // A: decided to child in need on day 1, escalated on day 11, closed RC5 on day 31.
        events += [referral("A", 0), .init(caseId: "A", at: at(0, hours: 20), kind: .decided(level: "child-in-need"))]
        events += [.init(caseId: "A", at: at(10, hours: 20), kind: .moved(kind: .escalate, to: "child-protection"))]
        events += [.init(caseId: "A", at: at(30, hours: 20), kind: .closed(.transferredToOtherAuthority))]
        // B: child in need from day 2, still open at the end of day 59.
        events += [referral("B", 2, source: .schools), .init(caseId: "B", at: at(2, hours: 20), kind: .decided(level: "child-in-need"))]
        // C: child in need from day 3, closed RC8 on day 23.
        events += [referral("C", 3), .init(caseId: "C", at: at(3, hours: 20), kind: .decided(level: "child-in-need"))]
        events += [.init(caseId: "C", at: at(23, hours: 20), kind: .closed(.noFurtherActionAfterAssessment))]
        let from = try #require(CalendarDate(year: 2026, month: 1, day: 1)), to = try #require(CalendarDate(year: 2026, month: 3, day: 1))
        let calibration = try Calibrator(pathway: pathway).calibrate(events, from: from, to: to)

        let cin = try #require(calibration.levels.first { $0.level == "child-in-need" })
        #expect(cin.entries == 3 && cin.open == 1)
        #expect(cin.exits.map(\.n).reduce(0, +) == 2)
        #expect(cin.exits.contains { $0.to == "child-protection" && $0.kind == .escalate && $0.probability == 0.5 })
        #expect(cin.exits.contains { $0.to == nil && $0.reason == .noFurtherActionAfterAssessment && $0.probability == 0.5 })
        // Exponential: exposure (10 + 20 + B's 57 days and 4 hours to the end) over 2 ended stays.
        let exponential = try #require(cin.fits.first { $0.family == .exponential })
        #expect(abs(exponential.mean - (10 + 20 + (60 - 2 - 20.0 / 24)) / 2) < 1e-6)
        let protection = try #require(calibration.levels.first { $0.level == "child-protection" })
        #expect(protection.exits.first?.reason == .transferredToOtherAuthority && protection.exits.first?.probability == 1)
        // The front door: ten hours from receipt to decision, every time.
        #expect(abs((calibration.frontDoor.first { $0.family == .exponential }?.mean ?? 0) - 10.0 / 24) < 1e-9)
        // Arrivals: three referrals over 60 days, two police and one school.
        #expect(calibration.arrivals.first { $0.source == .police }?.n == 2)
        #expect(abs((calibration.arrivals.first { $0.source == .schools }?.perDay ?? 0) - 1.0 / 60) < 1e-12)
        // Too few of everything: every estimate is named.
        #expect(calibration.warnings.contains { $0.contains("time at child-in-need rests on 2 completed stays") })
        #expect(calibration.warnings.contains { $0.contains("the referral mix rests on 3 referrals") })
        #expect(calibration.warnings.contains { $0.contains("arrivals from source 6 rest on 2 referrals") })
    }

    @Test("monthly factors average 1 over the period, and follow the months' rates")
    func monthlyFactors() throws {
        let pathway = try TestFixtures.surrey().definition
        // January 2026: 2 referrals a day; February: 1 a day.
        var events: [PathwayHistoryEvent] = []
        for day in 0..<59 {
            for n in 0..<(day < 31 ? 2 : 1) { events.append(referral("C\(day)-\(n)", day)) }
        }
        let from = try #require(CalendarDate(year: 2026, month: 1, day: 1)), to = try #require(CalendarDate(year: 2026, month: 2, day: 28))
        let police = try #require(try Calibrator(pathway: pathway).calibrate(events, from: from, to: to).arrivals.first)
        #expect(abs(police.perDay - 90.0 / 59) < 1e-12)
        #expect(abs(police.monthly[0] - 2 / police.perDay) < 1e-12 && abs(police.monthly[1] - 1 / police.perDay) < 1e-12)
        #expect(abs((police.monthly[0] * 31 + police.monthly[1] * 28) / 59 - 1) < 1e-12)
        #expect(police.monthly[5] == 1, "a month outside the period keeps 1")
    }

    @Test("no referrals in the period is an error that names the period")
    func empty() throws {
        let pathway = try TestFixtures.surrey().definition
        let from = try #require(CalendarDate(year: 2030, month: 1, day: 1)), to = try #require(CalendarDate(year: 2030, month: 2, day: 1))
        #expect(throws: CalibrationError.self) { try Calibrator(pathway: pathway).calibrate([referral("A", 0)], from: from, to: to) }
        do {
            _ = try Calibrator(pathway: pathway).calibrate([referral("A", 0)], from: from, to: to)
        } catch {
            #expect(error.description.contains("2030-01-01") && error.description.contains("2030-02-01"))
        }
    }
}
