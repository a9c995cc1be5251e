import ContinuumJSON
import ContinuumSimulator
import Histogram

/// What a load test measured: per operation, achieved rate, latency percentiles from the
/// scheduled send time, and statuses.
public struct LoadReport: Sendable {
    public struct OperationReport: Sendable {
        public var name: String
        public var count: Int
        public var perSecond: Double
        /// Milliseconds: p50, p90, p99, p99.9, max.
        public var p50: Double, p90: Double, p99: Double, p999: Double, max: Double
        public var statuses: [Int: Int]
        public var errors: Int { statuses.filter { !(200..<300).contains($0.key) }.values.reduce(0, +) }
        /// Latency (ms) at percentiles 0 to 99.99, for the chart.
        public var curve: [(percentile: Double, ms: Double)]
    }

    public var scenario: String
    public var target: String
    public var askedPerSecond: Double
    /// Referrals sent per second of the sending window: the offered rate the test reached.
    public var sentPerSecond: Double
    public var durationSeconds: Double
    public var operations: [OperationReport]
    /// referralId of every 201/200 answer, for checking that the server kept them.
    public var referralIds: [String]

    init(scenario: String, target: String, askedPerSecond: Double, sentPerSecond: Double, durationSeconds: Double,
         recorded: [String: Recorder.Operation], referralIds: [String]) {
        self.scenario = scenario
        self.target = target
        self.askedPerSecond = askedPerSecond
        self.sentPerSecond = sentPerSecond
        self.durationSeconds = durationSeconds
        self.referralIds = referralIds
        let order = ["submit", "queue", "decide", "transition"]
        operations = recorded.sorted { (order.firstIndex(of: $0.key) ?? 9, $0.key) < (order.firstIndex(of: $1.key) ?? 9, $1.key) }.map { name, entry in
            func ms(_ percentile: Double) -> Double { Double(entry.histogram.valueAtPercentile(percentile)) / 1000 }
            let points = [0.0, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99]
            return OperationReport(name: name, count: entry.count, perSecond: Double(entry.count) / durationSeconds,
                                   p50: ms(50), p90: ms(90), p99: ms(99), p999: ms(99.9), max: Double(entry.histogram.max) / 1000,
                                   statuses: entry.statuses, curve: points.map { ($0, ms($0)) })
        }
    }

    public var submit: OperationReport? { operations.first { $0.name == "submit" } }

    public var table: String {
        var lines = ["\(scenario) → \(target): asked \(format(askedPerSecond)) referrals/s, sent \(format(sentPerSecond))/s; "
                     + "answers over \(format(durationSeconds)) s (latency from the scheduled send time)"]
        lines.append("operation       count    per s     p50 ms    p90 ms    p99 ms  p99.9 ms    max ms  errors")
        for operation in operations {
            let errors = operation.statuses.filter { !(200..<300).contains($0.key) }.sorted { $0.key < $1.key }
                .map { "\($0.key == 0 ? "no answer" : String($0.key)):\($0.value)" }.joined(separator: " ")
            let cells = [operation.name.padding(12), String(operation.count).leftPadding(8), format(operation.perSecond).leftPadding(8),
                         format(operation.p50).leftPadding(10), format(operation.p90).leftPadding(9), format(operation.p99).leftPadding(9),
                         format(operation.p999).leftPadding(9), format(operation.max).leftPadding(9), "  " + (errors.isEmpty ? "0" : errors)]
            lines.append(cells.joined())
        }
        return lines.joined(separator: "\n")
    }

    public var json: JSONValue {
        .object([
            "scenario": .string(scenario), "target": .string(target), "askedPerSecond": .double(askedPerSecond),
            "sentPerSecond": .double(sentPerSecond), "acknowledged": .integer(Int64(referralIds.count)),
            "durationSeconds": .double(durationSeconds),
            "operations": .array(operations.map { operation in
                .object([
                    "operation": .string(operation.name), "count": .integer(Int64(operation.count)), "perSecond": .double(operation.perSecond),
                    "p50Ms": .double(operation.p50), "p90Ms": .double(operation.p90), "p99Ms": .double(operation.p99),
                    "p999Ms": .double(operation.p999), "maxMs": .double(operation.max),
                    "statuses": .object(Dictionary(uniqueKeysWithValues: operation.statuses.map { (String($0.key), JSONValue.integer(Int64($0.value))) })),
                ])
            }),
        ])
    }

    /// Latency by percentile, the x axis in "nines" (1 = 90%, 2 = 99%, 3 = 99.9%).
    public var chart: SVGChart {
        // Ticks at the percentiles people quote, placed on the "nines" scale.
        let quoted: [(Double, String)] = [(50, "p50"), (90, "p90"), (99, "p99"), (99.9, "p99.9"), (99.99, "p99.99")]
        return SVGChart(title: "\(scenario): latency by percentile", xLabel: "percentile (successful submissions)", yLabel: "ms",
                        series: operations.map { operation in
                            SVGChart.Series(name: operation.name, points: operation.curve.map { (-log10(max(1e-6, 1 - $0.percentile / 100)), $0.ms) })
                        },
                        xScale: .labelled(quoted.map { SVGChart.Tick(-log10(1 - $0.0 / 100), $0.1) }))
    }

    func format(_ value: Double) -> String {
        value >= 100 ? String(Int(value.rounded())) : String((value * 100).rounded() / 100)
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
    func leftPadding(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
