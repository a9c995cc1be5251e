import ContinuumAPI
import ContinuumCore
import ContinuumStore
import Logging
import ServiceLifecycle

/// Records a `clock-breached` event for every statutory clock that passes its due date, once a
/// minute by default and once at start-up (a breach during downtime is recorded on restart),
/// in batches that leave the writer to referrals in between.
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

    /// Breaches per write transaction: a catch-up of thousands (after downtime) then shares the
    /// writer with incoming referrals instead of blocking them until it ends.
    static let batchSize = 200

    func check() async {
        // On a shared store one router records breaches; another takes over within an
        // interval of its death (its lock goes with its connection).
        guard await store.mayPerform(.clockWatcher) else { return }
        do {
            let logger = logger
            let breaches = try await store.recordBreaches(at: now(), batchSize: Self.batchSize) { total in
                // A long catch-up says how far it has got, every 10,000 clocks.
                if total / 10_000 != (total - Self.batchSize) / 10_000 {
                    logger.notice("recording clock breaches", metadata: ["done": .stringConvertible(total)])
                }
            }
            if breaches > 0 { logger.notice("clocks breached", metadata: ["count": .stringConvertible(breaches)]) }
        } catch {
            logger.error("clock check failed", metadata: ["error": .string(String(describing: error))])
        }
    }
}
