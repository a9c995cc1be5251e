import Histogram
import Synchronization

/// Latencies (an HDR histogram per operation, in microseconds) and statuses, shared by every
/// request task.
final class Recorder: Sendable {
    struct Operation {
        /// Latencies of successful (2xx) answers only: an instant 429 is not a fast referral.
        var histogram = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
        var statuses: [Int: Int] = [:]
        var count = 0
    }

    private let state = Mutex<(operations: [String: Operation], sent: Int, answered: Int, errors: Int)>(([:], 0, 0, 0))

    func sent() { state.withLock { $0.sent += 1 } }

    /// `status` 0 means no answer (connection refused, reset or timed out).
    func record(_ operation: String, status: Int, latency: Duration) {
        let micros = UInt64(max(0, latency.components.seconds * 1_000_000 + latency.components.attoseconds / 1_000_000_000_000))
        state.withLock { state in
            // In place: a copy of the entry would copy its histogram's counts on every answer.
            if (200..<300).contains(status) { _ = state.operations[operation, default: Operation()].histogram.record(micros) }
            state.operations[operation, default: Operation()].statuses[status, default: 0] += 1
            state.operations[operation, default: Operation()].count += 1
            if operation == "submit" { state.answered += 1 }
            if !(200..<300).contains(status) { state.errors += 1 }
        }
    }

    var progress: (sent: Int, answered: Int, errors: Int) { state.withLock { ($0.sent, $0.answered, $0.errors) } }

    var operations: [String: Operation] { state.withLock { $0.operations } }
}
