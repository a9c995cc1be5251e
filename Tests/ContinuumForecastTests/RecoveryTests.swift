import ContinuumCore
import ContinuumForecast
import ContinuumJSON
import ContinuumSimulator
import ContinuumStore
import ContinuumTesting
import Foundation
import Testing

/// Issue 19's check: a history written from a known scenario (two years of a Surrey-sized
/// council, fixed seeds) gives back the scenario's rates, shares and times.
@Suite("Calibration recovers a known scenario", .releaseOnly)
struct RecoveryTests {
    @Test("arrivals within 5% overall and 10% per source; shares within 0.05; mean time at each level within 15%")
    func recovers() async throws {
        let known = try await KnownHistory.shared.get()
        let scenario = known.scenario
        let from = scenario.startDate, to = CalendarDate(daysSinceEpoch: from.daysSinceEpoch + Int(scenario.horizonDays) - 1)
        let calibration = try Calibrator(pathway: TestFixtures.surrey().definition).calibrate(known.history, from: from, to: to)

        // Arrivals: the scenario's mean rate over the period (its monthly multipliers weighted by days).
        let days = (from.daysSinceEpoch...to.daysSinceEpoch).map { CalendarDate(daysSinceEpoch: $0).month - 1 }
        let sources = try #require(scenario.pathwayModel?.sources)
        var trueTotal = 0.0
        for (index, arrival) in scenario.arrivals.enumerated() {
            let multiplier = arrival.monthly.map { monthly in days.reduce(0) { $0 + monthly[$1] } / Double(days.count) } ?? 1
            let rate = arrival.perDay * multiplier
            trueTotal += rate
            let fitted = try #require(calibration.arrivals.first { $0.source == sources[index] })
            #expect(abs(fitted.perDay - rate) / rate < 0.10, "source \(sources[index].rawValue): \(fitted.perDay) against \(rate)")
        }
        let fittedTotal = calibration.arrivals.reduce(0) { $0 + $1.perDay }
        #expect(abs(fittedTotal - trueTotal) / trueTotal < 0.05, "\(fittedTotal) against \(trueTotal)")

        // The referral mix's shares.
        let mix = try #require(scenario.pathwayModel?.mix)
        #expect(abs(calibration.mix.immediateRisk - mix.immediateRisk) < 0.05)
        for (index, share) in mix.consent.enumerated() { #expect(abs(calibration.mix.consent[index] - share / mix.consent.reduce(0, +)) < 0.05) }
        #expect(abs(calibration.mix.reReferral - mix.reReferral) < 0.05, "re-referrals \(calibration.mix.reReferral)")
        #expect(abs(calibration.mix.disabled - mix.disabled) < 0.05)
        let weights = mix.factors.reduce(0) { $0 + $1.weight }
        for factor in mix.factors {
            let fitted = try #require(calibration.mix.factors.first { $0.factor == factor.factor })
            #expect(abs(fitted.weight - factor.weight / weights) < 0.05)
            let impacts = factor.impact.reduce(0, +)
            for level in 0..<3 { #expect(abs(fitted.impact[level] - factor.impact[level] / impacts) < 0.05, "\(factor.factor) impact \(level)") }
        }
        for (count, share) in mix.concernCounts.enumerated() { #expect(abs((calibration.mix.concernCounts.count > count ? calibration.mix.concernCounts[count] : 0) - share) < 0.05) }

        // Each level: the stage holding it, its mean time and its routing shares.
        for stage in scenario.stages.dropFirst() {
            let level = try #require(calibration.levels.first { $0.level == stage.id }, "\(stage.id)")
            let best = try #require(level.best)
            let ended = level.fits.first?.ended ?? 0
            guard ended >= Calibration.fewObservations else {
                #expect(calibration.warnings.contains { $0.contains("time at \(stage.id)") })
                continue
            }
            #expect(abs(best.mean - stage.service.mean) / stage.service.mean < 0.15, "\(stage.id): \(best.mean) days against \(stage.service.mean)")
            let exits = level.exits.reduce(0) { $0 + $1.n }
            guard exits >= 100 else { continue }
            for route in stage.routing {
                let target = scenario.stages[route.to].id
                let share = level.exits.filter { $0.to == target }.reduce(0) { $0 + $1.probability }
                #expect(abs(share - route.probability) < 0.05, "\(stage.id) to \(target): \(share) against \(route.probability)")
            }
            let closing = 1 - stage.routing.reduce(0) { $0 + $1.probability }
            let closed = level.exits.filter { $0.to == nil }.reduce(0) { $0 + $1.probability }
            #expect(abs(closed - closing) < 0.05, "\(stage.id) closures: \(closed) against \(closing)")
        }
        // The calibrated scenario loads as `simulate` reads it.
        let pathway = try TestFixtures.surrey()
        let written = calibration.scenario(name: "calibrated", pathway: "surrey.json").serialized()
        let loaded = try ScenarioLoader().load(Array(written.utf8)) { _ in pathway }
        #expect(loaded.stages.count == scenario.stages.count)
    }
}
