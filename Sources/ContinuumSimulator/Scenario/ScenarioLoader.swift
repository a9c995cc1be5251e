import ContinuumCore
import ContinuumJSON

/// Why a scenario cannot be run: every problem, each with its JSON path.
public struct ScenarioInvalid: Error, Sendable, CustomStringConvertible {
    public let problems: [JSONProblem]
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// Bytes → a checked ``Scenario``.
///
/// ```swift
/// let scenario = try ScenarioLoader().load(bytes)
/// ```
public struct ScenarioLoader: Sendable {
    /// The largest arrival rate a stream may have (referrals a day).
    public static let maximumPerDay = 1_000_000.0
    /// The longest service time (or mean, or spread) a distribution may have, in days.
    public static let maximumDays = 1_000_000.0

    public init() {}

    /// - Parameter pathway: loads and verifies the pathway a pathway-driven scenario names
    ///   (the command line resolves it beside the scenario file, then from the current folder).
    public func load(_ bytes: [UInt8], pathway: ((String) throws -> VerifiedPathway)? = nil) throws(ScenarioInvalid) -> Scenario {
        let file: ScenarioFile
        do {
            let document = try JSONParser(limits: JSONLimits(maxBytes: 16 << 20)).parse(bytes)
            file = try document.decode(ScenarioFile.self, rejectUnknownKeys: true)
        } catch let error as JSONSyntaxError {
            throw ScenarioInvalid(problems: [JSONProblem(path: "$", message: error.description)])
        } catch let error as DecodingError {
            throw ScenarioInvalid(problems: [JSONProblem(error)])
        } catch {
            throw ScenarioInvalid(problems: [JSONProblem(path: "$", message: String(describing: error))])
        }
        return try resolve(file, pathwayLoader: pathway)
    }

    func resolve(_ file: ScenarioFile, pathwayLoader: ((String) throws -> VerifiedPathway)?) throws(ScenarioInvalid) -> Scenario {
        var problems: [JSONProblem] = []
        func problem(_ path: String, _ message: String) { problems.append(JSONProblem(path: path, message: message)) }

        var verified: VerifiedPathway?
        if let name = file.pathway {
            if let pathwayLoader {
                do { verified = try pathwayLoader(name) } catch { problem("$.pathway", "\(name): \(error)") }
            } else {
                problem("$.pathway", "a pathway-driven scenario needs its pathway file loaded (run it with `continuum simulate`)")
            }
            if file.referralMix == nil { problem("$.referralMix", "a pathway-driven scenario needs a referralMix") }
        } else if file.referralMix != nil {
            problem("$.referralMix", "a referral mix is used only with a pathway; add \"pathway\" or remove it")
        }
        let warmup = file.warmupDays ?? 0
        if !(file.horizonDays > 0 && file.horizonDays <= 36_500) { problem("$.horizonDays", "must be more than 0 and at most 36,500 days") }
        if !(warmup >= 0 && warmup < file.horizonDays) { problem("$.warmupDays", "must be 0 or more and less than horizonDays") }
        let replications = file.replications ?? 10
        if !(1...10_000).contains(replications) { problem("$.replications", "must be 1 to 10,000") }
        if file.stages.isEmpty { problem("$.stages", "needs at least one stage") }
        if file.arrivals.isEmpty { problem("$.arrivals", "needs at least one arrival stream") }

        var ids: [String: Int] = [:]
        for (index, stage) in file.stages.enumerated() {
            if ids[stage.id] != nil { problem("$.stages[\(index)].id", "\"\(stage.id)\" is used by another stage") }
            ids[stage.id] = index
        }
        func stageIndex(_ id: String, _ path: String) -> Int {
            if let index = ids[id] { return index }
            let suggestion = Suggestion.didYouMean(id, among: ids.keys.sorted())
            problem(path, "no stage \"\(id)\"\(suggestion)")
            return 0
        }

        var arrivals: [Scenario.Arrival] = []
        for (index, arrival) in file.arrivals.enumerated() {
            let path = "$.arrivals[\(index)]"
            let frontDoor = file.stages.firstIndex { $0.frontDoor ?? false }
            let to: Int
            if let target = arrival.to {
                to = stageIndex(target, "\(path).to")
            } else if file.pathway != nil, let frontDoor {
                to = frontDoor
            } else {
                problem("\(path).to", "name the stage these referrals arrive at")
                to = 0
            }
            // An upper bound catches a typo (1e9 for 1e3) that would otherwise run for days: all
            // of England refers about 1,800 children a day.
            if !(arrival.perDay >= 0 && arrival.perDay <= Self.maximumPerDay) {
                problem("\(path).perDay", "must be 0 to 1,000,000 referrals a day")
            }
            if let monthly = arrival.monthly, monthly.count != 12 || monthly.contains(where: { !($0 >= 0 && $0 <= 100) }) {
                problem("\(path).monthly", "must be 12 multipliers (January to December), each 0 to 100")
            }
            if let priority = arrival.priority, !(0...9).contains(priority) { problem("\(path).priority", "must be 0 (served first) to 9") }
            if let basis = arrival.basis, basis.referrals.count != 12 || basis.referrals.contains(where: { $0 < 0 }) {
                problem("\(path).basis.referrals", "needs twelve counts of referrals (January first), each 0 or more")
            }
            arrivals.append(Scenario.Arrival(to: to, perDay: arrival.perDay, monthly: arrival.monthly, priority: min(9, max(0, arrival.priority ?? 0)),
                                             basis: arrival.basis?.referrals))
        }

        var stages: [Scenario.Stage] = []
        for (index, stage) in file.stages.enumerated() {
            let path = "$.stages[\(index)]"
            if !(1...10_000_000).contains(stage.servers.count) { problem("\(path).servers", "must be 1 to 10,000,000 places (workers × caseload)") }
            let service = distribution(stage.service, "\(path).service", problem)
            /// Routes with their targets resolved; the probabilities add up to at most 1.
            func routes(_ list: [ScenarioFile.RouteFile]?, _ listPath: String) -> [Scenario.Route] {
                var routes: [Scenario.Route] = []
                var total = 0.0
                for (routeIndex, route) in (list ?? []).enumerated() {
                    let routePath = "\(listPath)[\(routeIndex)]"
                    let to = stageIndex(route.to, "\(routePath).to")
                    if !(0...1).contains(route.probability) { problem("\(routePath).probability", "must be 0 to 1") }
                    total += route.probability
                    routes.append(Scenario.Route(to: to, probability: route.probability, kind: route.kind))
                }
                if total > 1 + 1e-9 { problem(listPath, "probabilities add up to \(total); at most 1 (what is left over leaves the system)") }
                return routes
            }
            let routing = routes(stage.routing, "\(path).routing")
            var reneging: Scenario.Reneging?
            if let file = stage.reneging {
                let afterDays = distribution(file.afterDays, "\(path).reneging.afterDays", problem)
                reneging = Scenario.Reneging(afterDays: afterDays ?? .fixed(1), routing: routes(file.routing, "\(path).reneging.routing"))
            }
            if let queue = stage.queue, queue != "fifo", queue != "priority" {
                problem("\(path).queue", "\"\(queue)\" is not a queue discipline; use fifo or priority")
            }
            if let basis = stage.basis, basis.stays < 1 { problem("\(path).basis.stays", "must be at least 1") }
            stages.append(Scenario.Stage(id: stage.id, servers: stage.servers.count, service: service ?? .fixed(1), routing: routing,
                                         priorityQueue: stage.queue == "priority", reneging: reneging, basis: stage.basis?.stays))
        }
        var model: PathwayModel?
        if let verified, let mix = file.referralMix {
            model = pathwayModel(file, verified: verified, mix: mix, problem)
        }
        var costs: [String: Scenario.UnitCost] = [:]
        for (id, cost) in (file.costs ?? [:]).sorted(by: { $0.key < $1.key }) {
            let path = "$.costs.\(id)"
            if ids[id] == nil { problem(path, "no stage \"\(id)\": costs are given by stage id" + Suggestion.didYouMean(id, among: ids.keys.sorted())) }
            for (field, value) in [("perDay", cost.perDay), ("perEpisode", cost.perEpisode)] {
                if let value, !(value >= 0 && value <= 1e9) { problem("\(path).\(field)", "must be 0 to 1,000,000,000 pounds") }
            }
            if cost.perDay == nil && cost.perEpisode == nil { problem(path, "give perDay, perEpisode or both") }
            costs[id] = Scenario.UnitCost(perDay: cost.perDay ?? 0, perEpisode: cost.perEpisode ?? 0, source: cost.source)
        }
        if !problems.isEmpty { throw ScenarioInvalid(problems: problems) }
        var scenario = Scenario(name: file.name, horizonDays: file.horizonDays, warmupDays: warmup, replications: replications, seed: file.seed ?? 1,
                                startDate: file.startDate ?? CalendarDate(year: 2026, month: 1, day: 1) ?? CalendarDate(daysSinceEpoch: 20_454),
                                arrivals: arrivals, stages: stages, pathwayModel: model)
        scenario.costs = costs
        return scenario
    }

    /// Checks a pathway-driven scenario's links to the pathway and builds the model.
    private func pathwayModel(_ file: ScenarioFile, verified: VerifiedPathway, mix: ScenarioFile.MixFile,
                              _ problem: (String, String) -> Void) -> PathwayModel? {
        let definition = verified.definition
        let frontDoors = file.stages.indices.filter { file.stages[$0].frontDoor ?? false }
        guard frontDoors.count == 1, let frontDoor = frontDoors.first else {
            problem("$.stages", "a pathway-driven scenario needs exactly one stage with \"frontDoor\": true")
            return nil
        }
        var stageForLevel: [String: Int] = [:]
        var stopsClocks: [[String]] = []
        let clockIds = definition.clocks.map(\.id)
        for (index, stage) in file.stages.enumerated() {
            for (levelIndex, level) in (stage.levels ?? []).enumerated() {
                if definition.level(level) == nil {
                    problem("$.stages[\(index)].levels[\(levelIndex)]", "no level \"\(level)\" in \(definition.reference)" + Suggestion.didYouMean(level, among: definition.levels.map(\.id)))
                } else if let other = stageForLevel[level] {
                    problem("$.stages[\(index)].levels[\(levelIndex)]", "\"\(level)\" is already held by stage \"\(file.stages[other].id)\"")
                }
                stageForLevel[level] = index
            }
            var stops = stage.stopsClocks ?? []
            if index == frontDoor, stage.stopsClocks == nil {
                // By default the front door stops the clocks the decision stops (referral-decision).
                stops = definition.clocks.filter { $0.stopsOn.contains { $0.event == .decided } }.map(\.id)
            }
            for (clockIndex, clock) in stops.enumerated() where !clockIds.contains(clock) {
                problem("$.stages[\(index)].stopsClocks[\(clockIndex)]", "no clock \"\(clock)\" in \(definition.reference)" + Suggestion.didYouMean(clock, among: clockIds))
            }
            stopsClocks.append(stops)
        }
        var sources: [ReferralSource] = []
        for (index, arrival) in file.arrivals.enumerated() {
            guard let text = arrival.source, let source = ReferralSource(rawValue: text) else {
                problem("$.arrivals[\(index)].source", "a pathway-driven stream needs its CIN census referral source (e.g. \"6\" for the police)")
                continue
            }
            sources.append(source)
        }
        if mix.concerns.isEmpty || mix.concerns.contains(where: { !($0.weight > 0) }) {
            problem("$.referralMix.concerns", "needs at least one concern, each with a weight above 0")
        }
        func probabilities(_ values: [String: Double]?, _ keys: [String], _ path: String, default fallback: [Double]) -> [Double] {
            guard let values else { return fallback }
            for key in values.keys where !keys.contains(key) { problem("\(path).\(key)", "unknown; use \(keys.joined(separator: ", "))") }
            let list = keys.map { values[$0] ?? 0 }
            if list.contains(where: { $0 < 0 }) || list.reduce(0, +) <= 0 { problem(path, "needs shares of 0 or more, not all 0") }
            return list
        }
        let factors = mix.concerns.enumerated().map { index, concern in
            ReferralMix.Factor(factor: concern.factor, weight: concern.weight,
                               impact: probabilities(concern.impact, ["low", "medium", "high"], "$.referralMix.concerns[\(index)].impact", default: [1, 1, 1]))
        }
        for (field, value) in [("immediateRisk", mix.immediateRisk), ("reReferral", mix.reReferral), ("disabled", mix.disabled)] {
            if let value, !(0...1).contains(value) { problem("$.referralMix.\(field)", "must be a share from 0 to 1") }
        }
        let counts = mix.concernCounts ?? [1]
        if counts.isEmpty || counts.contains(where: { $0 < 0 }) || counts.reduce(0, +) <= 0 {
            problem("$.referralMix.concernCounts", "shares of referrals with 1, 2, 3 … concerns: 0 or more, not all 0")
        }
        let referralMix = ReferralMix(factors: factors, concernCounts: counts, immediateRisk: mix.immediateRisk ?? 0,
                                      consent: probabilities(mix.consent, ["given", "refused", "not-sought"], "$.referralMix.consent", default: [1, 0, 0]),
                                      reReferral: mix.reReferral ?? 0, disabled: mix.disabled ?? 0)
        return PathwayModel(pathway: verified, mix: referralMix, frontDoor: frontDoor, stageForLevel: stageForLevel, stopsClocks: stopsClocks, sources: sources)
    }

    private func distribution(_ service: ScenarioFile.ServiceFile, _ path: String, _ problem: (String, String) -> Void) -> Distribution? {
        func positive(_ value: Double?, _ field: String) -> Double? {
            guard let value else { problem("\(path).\(field)", "is required for a \(service.distribution) distribution"); return nil }
            guard value > 0, value <= Self.maximumDays else { problem("\(path).\(field)", "must be more than 0 and at most 1,000,000 days"); return nil }
            return value
        }
        switch service.distribution {
        case "exponential":
            return positive(service.meanDays, "meanDays").map { .exponential(mean: $0) }
        case "lognormal", "gamma":
            guard let mean = positive(service.meanDays, "meanDays"), let sd = positive(service.sdDays, "sdDays") else { return nil }
            let distribution: Distribution = service.distribution == "gamma" ? .gamma(mean: mean, sd: sd) : .lognormal(mean: mean, sd: sd)
            // A tiny mean with a large spread overflows the distribution's own parameters.
            guard Sampler(distribution, table: -1).isUsable else {
                problem("\(path).sdDays", "sdDays \(sd) is too large for meanDays \(mean): this \(service.distribution) distribution cannot be sampled")
                return nil
            }
            return distribution
        case "fixed":
            return positive(service.days ?? service.meanDays, "days").map { .fixed($0) }
        case "empirical":
            guard let values = service.values, !values.isEmpty, values.allSatisfy({ $0 >= 0 && $0 <= Self.maximumDays }) else {
                problem("\(path).values", "an empirical distribution needs a non-empty list of times in days, each 0 to 1,000,000")
                return nil
            }
            let weights = service.weights ?? Array(repeating: 1, count: values.count)
            guard weights.count == values.count, weights.allSatisfy({ $0 >= 0 && $0.isFinite }), weights.reduce(0, +) > 0 else {
                problem("\(path).weights", "needs one weight (0 or more) per value, not all 0")
                return nil
            }
            let total = weights.reduce(0, +)
            var running = 0.0
            let cumulative = weights.map { weight -> Double in running += weight / total; return running }
            return .empirical(values: values, cumulative: cumulative.dropLast() + [1])
        default:
            problem("\(path).distribution", "\"\(service.distribution)\" is not a distribution; use exponential, lognormal, gamma, fixed or empirical")
            return nil
        }
    }
}
