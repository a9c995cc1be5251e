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

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, horizonDays, warmupDays, replications, seed, startDate, arrivals, stages, pathway, thresholds, description, referralMix
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

        enum CodingKeys: String, CodingKey, CaseIterable { case to, perDay, monthly, source, priority }
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

        enum CodingKeys: String, CodingKey, CaseIterable { case id, servers, service, routing, title, frontDoor, levels, stopsClocks, queue, reneging }
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
