import ContinuumCore
import ContinuumJSON

/// The scenario file's JSON shape, decoded strictly (unknown fields are errors with a
/// suggestion), then checked and resolved into a ``Scenario`` by ``ScenarioLoader``.
struct ScenarioFile: Decodable {
    var name: String
    var horizonDays: Double
    var warmupDays: Double?
    var replications: Int?
    var seed: UInt64?
    var startDate: CalendarDate?
    var arrivals: [ArrivalFile]
    var stages: [StageFile]
    var pathway: String?
    var thresholds: JSONValue?
    var description: String?
    var referralMix: MixFile?
    var costs: [String: CostFile]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, horizonDays, warmupDays, replications, seed, startDate, arrivals, stages, pathway, thresholds, description, referralMix, costs
    }

    /// `{"perDay": 92.29, "perEpisode": 0, "source": "…"}`: pounds a day at the stage, and per
    /// case entering it.
    struct CostFile: Decodable {
        var perDay: Double?
        var perEpisode: Double?
        var source: String?

        enum CodingKeys: String, CodingKey, CaseIterable { case perDay, perEpisode, source }
    }

    struct MixFile: Decodable {
        var concerns: [ConcernFile]
        var concernCounts: [Double]?
        var immediateRisk: Double?
        var consent: [String: Double]?
        var reReferral: Double?
        var disabled: Double?

        enum CodingKeys: String, CodingKey, CaseIterable { case concerns, concernCounts, immediateRisk, consent, reReferral, disabled }
    }

    struct ConcernFile: Decodable {
        var factor: AssessmentFactor
        var weight: Double
        var impact: [String: Double]?

        enum CodingKeys: String, CodingKey, CaseIterable { case factor, weight, impact }
    }

    struct ArrivalFile: Decodable {
        var to: String?
        var perDay: Double
        var monthly: [Double]?
        var source: String?
        var priority: Int?
        var basis: ArrivalBasis?

        enum CodingKeys: String, CodingKey, CaseIterable { case to, perDay, monthly, source, priority, basis }
    }

    /// What a calibrated rate rests on: the referrals counted in each calendar month (January
    /// first) of the period fitted. With it, each replication draws its own rates (docs/forecast.md).
    struct ArrivalBasis: Decodable {
        var referrals: [Int]

        enum CodingKeys: String, CodingKey, CaseIterable { case referrals }
    }

    /// What a calibrated time rests on: the stays that ended.
    struct ServiceBasis: Decodable {
        var stays: Int

        enum CodingKeys: String, CodingKey, CaseIterable { case stays }
    }

    struct StageFile: Decodable {
        var id: String
        var servers: Servers
        var service: ServiceFile
        var routing: [RouteFile]?
        var title: String?
        var frontDoor: Bool?
        var levels: [String]?
        var stopsClocks: [String]?
        var queue: String?
        var reneging: RenegingFile?
        var basis: ServiceBasis?

        enum CodingKeys: String, CodingKey, CaseIterable { case id, servers, service, routing, title, frontDoor, levels, stopsClocks, queue, reneging, basis }
    }

    /// `{"afterDays": {"distribution": "exponential", "meanDays": 60}, "routing": [...]}`.
    struct RenegingFile: Decodable {
        var afterDays: ServiceFile
        var routing: [RouteFile]?

        enum CodingKeys: String, CodingKey, CaseIterable { case afterDays, routing }
    }

    /// `4`, or `{"workers": 10, "caseload": 20}` (200 places).
    struct Servers: Decodable {
        var count: Int
        var workers: Int?
        var caseload: Int?

        enum CodingKeys: String, CodingKey, CaseIterable { case workers, caseload }

        init(from decoder: any Decoder) throws {
            if let count = try? decoder.singleValueContainer().decode(Int.self) {
                self.count = count
                return
            }
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let workers = try container.decode(Int.self, forKey: .workers)
            let caseload = try container.decode(Int.self, forKey: .caseload)
            self.workers = workers
            self.caseload = caseload
            count = workers.multipliedReportingOverflow(by: caseload).overflow ? Int.max : workers * caseload
        }
    }

    struct ServiceFile: Decodable {
        var distribution: String
        var meanDays: Double?
        var sdDays: Double?
        var days: Double?
        var values: [Double]?
        var weights: [Double]?

        enum CodingKeys: String, CodingKey, CaseIterable { case distribution, meanDays, sdDays, days, values, weights }
    }

    struct RouteFile: Decodable {
        var to: String
        var probability: Double
        var kind: TransitionKind?

        enum CodingKeys: String, CodingKey, CaseIterable { case to, probability, kind }
    }
}
