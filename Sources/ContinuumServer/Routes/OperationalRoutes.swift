import ContinuumAPI
import ContinuumCore
import ContinuumJSON
import ContinuumStore
import Foundation
import Hummingbird
import NIOCore
import Prometheus

/// `GET /healthz` and `GET /metrics` (Prometheus text format). They carry counts only, never
/// case data; `/metrics` needs the metrics token when one is configured. A scrape is answered
/// from memory: the two gauges that need the store are read at most once per
/// `gaugeRefreshInterval`, however often it is scraped (issue 22).
struct OperationalRoutes: Sendable {
    let store: any CaseStore
    let metrics: ServerMetrics
    let configuration: ServerConfiguration
    let pathways: PathwaySet

    func register(on router: Router<ContinuumRequestContext>) {
        router.get("/healthz") { _, _ in
            // `pathway`: the version in force today, routing new referrals; `pathways`: every version loaded.
            let today = UKTime.londonDate(of: configuration.now())
            // `store`: its kind, and whether its database answers; a database that does not
            // makes the router unhealthy (503), so a load balancer sends requests elsewhere.
            let health = await store.health()
            var store: [String: JSONValue] = ["kind": .string(health.kind), "status": .string(health.problem == nil ? "ok" : "unavailable")]
            if let problem = health.problem { store["problem"] = .string(problem) }
            let body = JSONValue.object(["status": .string(health.problem == nil ? "ok" : "unavailable"),
                                         "pathway": .string(pathways.inForce(on: today).definition.reference),
                                         "pathways": .array(pathways.references.map(JSONValue.string)), "store": .object(store)])
            guard health.problem == nil else {
                var response = HTTPBodies.json(body)
                response.status = .serviceUnavailable
                response.headers[.retryAfter] = "2"
                return response
            }
            return HTTPBodies.json(body)
        }
        router.get("/metrics") { request, _ in
            if let secret = configuration.metricsToken {
                guard let header = request.headers[.authorization], Self.constantTimeEqual(header, "Bearer " + secret) else {
                    throw APIProblem.unauthorized("/metrics needs the metrics token: Authorization: Bearer TOKEN")
                }
            }
            if metrics.gaugesDue(every: configuration.gaugeRefreshInterval) {
                let gauges = try await store.gauges(today: UKTime.londonDate(of: configuration.now()))
                metrics.queueLength.set(Double(gauges.queueLength))
                metrics.overdueClocks.set(Double(gauges.overdueClocks))
            }
            if let resident = Self.residentBytes() { metrics.residentMemory.set(Double(resident)) }
            var output: [UInt8] = []
            metrics.registry.emit(into: &output)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: output)))
        }
    }

    /// The process's resident memory, from `/proc/self/statm` (Linux): resident pages times the
    /// page size. Read at each scrape; nil where there is no such file.
    static func residentBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Compares secrets in time that does not depend on where they first differ.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for index in 0..<max(x.count, y.count) {
            difference |= (index < x.count ? x[index] : 0) ^ (index < y.count ? y[index] : 0)
        }
        return difference == 0
    }
}
