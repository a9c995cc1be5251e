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
    public init() {}

    public func load(_ bytes: [UInt8]) throws(ScenarioInvalid) -> Scenario {
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
        return try resolve(file)
    }

    func resolve(_ file: ScenarioFile) throws(ScenarioInvalid) -> Scenario {
        var problems: [JSONProblem] = []
        func problem(_ path: String, _ message: String) { problems.append(JSONProblem(path: path, message: message)) }

        if file.pathway != nil {
            problem("$.pathway", "pathway-driven scenarios (synthetic referrals routed by the live router) are not implemented yet; give explicit stages and routing")
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
            let to = stageIndex(arrival.to, "\(path).to")
            if !(arrival.perDay >= 0 && arrival.perDay.isFinite) { problem("\(path).perDay", "must be 0 or more") }
            if let monthly = arrival.monthly, monthly.count != 12 || monthly.contains(where: { !($0 >= 0 && $0.isFinite) }) {
                problem("\(path).monthly", "must be 12 multipliers (January to December), each 0 or more")
            }
            arrivals.append(Scenario.Arrival(to: to, perDay: arrival.perDay, monthly: arrival.monthly))
        }

        var stages: [Scenario.Stage] = []
        for (index, stage) in file.stages.enumerated() {
            let path = "$.stages[\(index)]"
            if !(1...10_000_000).contains(stage.servers.count) { problem("\(path).servers", "must be 1 to 10,000,000 places (workers × caseload)") }
            let service = distribution(stage.service, "\(path).service", problem)
            var routes: [Scenario.Route] = []
            var total = 0.0
            for (routeIndex, route) in (stage.routing ?? []).enumerated() {
                let routePath = "\(path).routing[\(routeIndex)]"
                let to = stageIndex(route.to, "\(routePath).to")
                if !(0...1).contains(route.probability) { problem("\(routePath).probability", "must be 0 to 1") }
                total += route.probability
                routes.append(Scenario.Route(to: to, probability: route.probability, kind: route.kind))
            }
            if total > 1 + 1e-9 { problem("\(path).routing", "probabilities add up to \(total); at most 1 (what is left over leaves the system)") }
            stages.append(Scenario.Stage(id: stage.id, servers: stage.servers.count, service: service ?? .fixed(1), routing: routes))
        }
        if !problems.isEmpty { throw ScenarioInvalid(problems: problems) }
        return Scenario(name: file.name, horizonDays: file.horizonDays, warmupDays: warmup, replications: replications, seed: file.seed ?? 1,
                        startDate: file.startDate ?? CalendarDate(year: 2026, month: 1, day: 1) ?? CalendarDate(daysSinceEpoch: 20_454),
                        arrivals: arrivals, stages: stages)
    }

    private func distribution(_ service: ScenarioFile.ServiceFile, _ path: String, _ problem: (String, String) -> Void) -> Distribution? {
        func positive(_ value: Double?, _ field: String) -> Double? {
            guard let value else { problem("\(path).\(field)", "is required for a \(service.distribution) distribution"); return nil }
            guard value > 0, value.isFinite else { problem("\(path).\(field)", "must be more than 0"); return nil }
            return value
        }
        switch service.distribution {
        case "exponential":
            return positive(service.meanDays, "meanDays").map { .exponential(mean: $0) }
        case "lognormal", "gamma":
            guard let mean = positive(service.meanDays, "meanDays"), let sd = positive(service.sdDays, "sdDays") else { return nil }
            return service.distribution == "gamma" ? .gamma(mean: mean, sd: sd) : .lognormal(mean: mean, sd: sd)
        case "fixed":
            return positive(service.days ?? service.meanDays, "days").map { .fixed($0) }
        case "empirical":
            guard let values = service.values, !values.isEmpty, values.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
                problem("\(path).values", "an empirical distribution needs a non-empty list of service times in days, each 0 or more")
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
