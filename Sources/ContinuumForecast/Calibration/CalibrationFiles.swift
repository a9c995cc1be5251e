#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ContinuumCore
import ContinuumJSON

extension Calibration {
    /// `calibration.json` (docs/forecast.md): the period, arrivals, levels with their fitted
    /// time and exits, and the warnings; with the referral mix, the front door and every
    /// family tried, for a planner who wants to see why one was chosen.
    public var json: JSONValue {
        func fitJSON(_ fit: DurationFit) -> JSONValue {
            .object(["distribution": .string(fit.family.rawValue), "meanDays": Self.rounded(fit.mean), "sdDays": Self.rounded(fit.sd),
                     "logLikelihood": Self.rounded(fit.logLikelihood), "ks": Self.rounded(fit.ks)])
        }
        let levels: [JSONValue] = levels.map { level in
            var members: [String: JSONValue] = [
                "level": .string(level.level), "entries": .integer(Int64(level.entries)), "open": .integer(Int64(level.open)),
                "peakOpen": .integer(Int64(level.peakOpen)), "fits": .array(level.fits.map(fitJSON)),
                "exits": .array(level.exits.map { exit in
                    var exitMembers: [String: JSONValue] = ["to": .string(exit.to ?? "close"), "kind": .string(exit.kind.rawValue),
                                                            "probability": Self.rounded(exit.probability), "n": .integer(Int64(exit.n))]
                    if let reason = exit.reason {
                        // A closure: `kind` is its census reason, as the shape has it.
                        exitMembers["kind"] = .string(reason.rawValue)
                    }
                    return .object(exitMembers)
                }),
            ]
            if let best = level.best {
                members["meanDays"] = Self.rounded(best.mean)
                members["sdDays"] = Self.rounded(best.sd)
                members["distribution"] = .string(best.family.rawValue)
                members["ks"] = Self.rounded(best.ks)
            } else {
                members["meanDays"] = .null
                members["sdDays"] = .null
                members["distribution"] = .null
                members["ks"] = .null
            }
            return .object(members)
        }
        let mix: JSONValue = .object([
            "referrals": .integer(Int64(self.mix.referrals)),
            "concerns": .array(self.mix.factors.map { factor in
                .object(["factor": .string(factor.factor.rawValue), "weight": Self.rounded(factor.weight),
                         "impact": .object(["low": Self.rounded(factor.impact[0]), "medium": Self.rounded(factor.impact[1]), "high": Self.rounded(factor.impact[2])])])
            }),
            "concernCounts": .array(self.mix.concernCounts.map(Self.rounded)),
            "immediateRisk": Self.rounded(self.mix.immediateRisk),
            "consent": .object(["given": Self.rounded(self.mix.consent[0]), "refused": Self.rounded(self.mix.consent[1]), "not-sought": Self.rounded(self.mix.consent[2])]),
            "reReferral": Self.rounded(self.mix.reReferral),
            "disabled": Self.rounded(self.mix.disabled),
        ])
        return .object([
            "period": .object(["from": .string(from.description), "to": .string(to.description)]),
            "arrivals": .array(arrivals.map { arrival in
                .object(["source": .string(arrival.source.rawValue), "perDay": Self.rounded(arrival.perDay), "n": .integer(Int64(arrival.n)),
                         "monthly": .array(arrival.monthly.map(Self.rounded))])
            }),
            "referralMix": mix,
            "frontDoor": .object(["fits": .array(frontDoor.map(fitJSON)), "peakOpen": .integer(Int64(frontDoorPeakOpen))]),
            "levels": .array(levels),
            "warnings": .array(warnings.map(JSONValue.string)),
        ])
    }

    /// Four significant figures: enough for a planner, and files that diff cleanly.
    static func rounded(_ value: Double) -> JSONValue {
        guard value.isFinite else { return .null }
        guard value != 0 else { return .integer(0) }
        let digits = max(0, 3 - Int(log10(abs(value)).rounded(.down)))
        let scale = pow10(digits)
        let rounded = (value * scale).rounded() / scale
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return .integer(Int64(rounded)) }
        return .double(rounded)
    }

    private static func pow10(_ digits: Int) -> Double {
        var result = 1.0
        for _ in 0..<min(digits, 15) { result *= 10 }
        return result
    }

    /// The smallest mean time (days) a level needs to get a stage of its own: levels whose
    /// stays end at once (a decision of universal help and its closure together) have none, and
    /// children routed there leave the model, as scenarios treat universal help.
    public static let shortestStage = 0.01

    /// `scenario.json`: a pathway-driven scenario in today's format that `simulate` runs as it
    /// is. Its measured days are the period fitted (a year's warm-up before them fills the
    /// levels); each level with stays is a stage of its own; places are three times the most
    /// cases ever open there at once, so they never bind (the log does not say how many places
    /// the council has: set them to see queues).
    /// - Parameter pathway: the pathway file as the scenario names it (relative to the scenario).
    public func scenario(name: String, pathway: String) -> JSONValue {
        func places(_ peak: Int) -> JSONValue { .integer(Int64(max(10, 3 * peak))) }
        func service(_ fit: DurationFit) -> JSONValue {
            fit.family == .exponential
                ? .object(["distribution": .string("exponential"), "meanDays": Self.rounded(fit.mean)])
                : .object(["distribution": .string(fit.family.rawValue), "meanDays": Self.rounded(fit.mean), "sdDays": Self.rounded(fit.sd)])
        }
        let staged = Set(levels.filter { ($0.best?.mean ?? 0) >= Self.shortestStage }.map(\.level))
        var stages: [JSONValue] = [.object([
            "id": .string("front-door"), "title": .string("Front door (calibrated)"), "frontDoor": .bool(true), "queue": .string("priority"),
            "servers": places(frontDoorPeakOpen),
            "service": frontDoor.first.map(service) ?? .object(["distribution": .string("exponential"), "meanDays": .double(0.5)]),
        ])]
        for level in levels where staged.contains(level.level) {
            guard let best = level.best else { continue }
            let routes: [JSONValue] = level.exits.compactMap { exit in
                guard let to = exit.to, staged.contains(to) else { return nil }
                return .object(["to": .string(to), "probability": Self.rounded(exit.probability), "kind": .string(exit.kind.rawValue)])
            }
            stages.append(.object([
                "id": .string(level.level), "levels": .array([.string(level.level)]), "servers": places(level.peakOpen),
                "service": service(best), "routing": .array(routes), "basis": .object(["stays": .integer(Int64(max(1, best.ended)))]),
            ]))
        }
        var costs: [String: JSONValue] = [:]
        for level in levels where staged.contains(level.level) {
            guard let cost = DefaultUnitCosts.byLevel[level.level] else { continue }
            costs[level.level] = .object(["perDay": Self.rounded(cost.perDay), "source": .string(cost.source)])
        }
        let start = CalendarDate(daysSinceEpoch: from.daysSinceEpoch - 365)
        let mixJSON = json["referralMix"] ?? .null
        var referralMix: [String: JSONValue] = [:]
        if case .object(let members) = mixJSON {
            referralMix = members
            referralMix["referrals"] = nil
        }
        let description = "Calibrated by `continuum calibrate` from the log's history of \(from) to \(to) (\(mix.referrals) referrals): arrivals by source "
            + "with monthly factors, the referral mix, and for each level the time there and where children go next. The measured days "
            + "are the period fitted, after a year's warm-up. Places are set so they never bind: the log does not hold the council's capacity. Each \"basis\" says "
            + "what an estimate rests on: with it every replication draws its own rates and times, so intervals carry the calibration's uncertainty."
        return .object([
            "name": .string(name),
            "description": .string(description),
            "pathway": .string(pathway),
            "startDate": .string(start.description),
            "horizonDays": .integer(Int64(days + 365)),
            "warmupDays": .integer(365),
            "replications": .integer(10),
            "seed": .integer(1),
            "arrivals": .array(arrivals.map { arrival in
                .object(["source": .string(arrival.source.rawValue), "perDay": Self.rounded(arrival.perDay), "monthly": .array(arrival.monthly.map(Self.rounded)),
                         "basis": .object(["referrals": .array(arrival.counts.map { .integer(Int64($0)) })])])
            }),
            "referralMix": .object(referralMix),
            "stages": .array(stages),
            "costs": .object(costs),
        ])
    }
}
