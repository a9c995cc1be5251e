import Dispatch

/// Runs a scenario's replications, spread over `jobs` tasks; results are merged in replication
/// order, so the summary does not depend on `jobs`.
public struct Simulator: Sendable {
    public let scenario: Scenario

    public init(scenario: Scenario) { self.scenario = scenario }

    /// - Parameter progress: called after each replication with (done, total).
    public func run(jobs: Int, progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) async -> SimulationSummary {
        let total = scenario.replications
        let scenario = self.scenario
        let results = await withTaskGroup(of: (Int, ReplicationResult).self) { group in
            var next = 0
            var results = [ReplicationResult?](repeating: nil, count: total)
            var done = 0
            // At most `jobs` replications at once.
            while next < min(max(jobs, 1), total) {
                let index = next
                group.addTask { (index, await Self.replicate(scenario, stream: index)) }
                next += 1
            }
            for await (index, result) in group {
                results[index] = result
                done += 1
                progress(done, total)
                if next < total {
                    let index = next
                    group.addTask { (index, await Self.replicate(scenario, stream: index)) }
                    next += 1
                }
            }
            return results.compactMap { $0 }
        }
        return SimulationSummary(scenario: scenario, results: results)
    }

    /// One replication, on a Dispatch worker thread rather than Swift's cooperative pool: a
    /// replication computes for seconds without suspending, and holding a cooperative thread
    /// that long starves every other task in the process (on two cores, the whole pool). The
    /// task waits, suspended, for the result.
    private static func replicate(_ scenario: Scenario, stream: Int) async -> ReplicationResult {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: Replication(scenario: scenario, stream: UInt64(stream)).run())
            }
        }
    }
}
