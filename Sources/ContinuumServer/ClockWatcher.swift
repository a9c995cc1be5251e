import ContinuumCore
import ContinuumStore
import Logging
import ServiceLifecycle

/// Records a `clock-breached` event for every statutory clock that passes its due date, once a
/// minute by default and once at start-up (a breach during downtime is recorded on restart).
struct ClockWatcher: Service {
    let store: any CaseStore
    let interval: Duration
    let now: @Sendable () -> Timestamp
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await check()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    func check() async {
        do {
            let breaches = try await store.recordBreaches(at: now())
            if breaches > 0 { logger.notice("clocks breached", metadata: ["count": .stringConvertible(breaches)]) }
        } catch {
            logger.error("clock check failed", metadata: ["error": .string(String(describing: error))])
        }
    }
}
