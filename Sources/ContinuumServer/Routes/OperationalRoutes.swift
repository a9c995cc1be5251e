import ContinuumCore
import ContinuumJSON
import ContinuumStore
import Hummingbird
import NIOCore
import Prometheus

/// `GET /healthz` and `GET /metrics` (Prometheus text format). Neither needs a token: they
/// carry counts only, never case data.
struct OperationalRoutes: Sendable {
    let store: any CaseStore
    let metrics: ServerMetrics
    let configuration: ServerConfiguration
    let pathway: String

    func register(on router: Router<BasicRequestContext>) {
        router.get("/healthz") { _, _ in
            HTTPBodies.json(.object(["status": .string("ok"), "pathway": .string(pathway)]))
        }
        router.get("/metrics") { _, _ in
            let gauges = try await store.gauges(today: UKTime.londonDate(of: configuration.now()))
            metrics.queueLength.set(Double(gauges.queueLength))
            metrics.overdueClocks.set(Double(gauges.overdueClocks))
            var output: [UInt8] = []
            metrics.registry.emit(into: &output)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: output)))
        }
    }
}
