import ContinuumJSON
import ContinuumSimulator
import Histogram

/// What a load test measured: per operation, achieved rate, latency percentiles from the
/// scheduled send time, and statuses.
public struct LoadReport: Sendable {
    public struct OperationReport: Sendable {
        public var name: String
        /// Every answer (and every request that got none).
        public var count: Int
        /// Successful (2xx) answers per second: refusals do not count towards the rate.
        public var perSecond: Double
        /// Milliseconds, over successful answers only: p50, p90, p99, p99.9, max.
        public var p50: Double, p90: Double, p99: Double, p999: Double, max: Double
        public var statuses: [Int: Int]
        /// Answers that were not 2xx, or no answer at all.
        public var errors: Int { statuses.filter { !(200..<300).contains($0.key) }.values.reduce(0, +) }
        public var succeeded: Int { count - errors }
        /// The share of requests that failed (0 to 1).
        public var errorShare: Double { count > 0 ? Double(errors) / Double(count) : 0 }
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
            let succeeded = entry.statuses.filter { (200..<300).contains($0.key) }.values.reduce(0, +)
            return OperationReport(name: name, count: entry.count, perSecond: Double(succeeded) / durationSeconds,
                                   p50: ms(50), p90: ms(90), p99: ms(99), p999: ms(99.9), max: Double(entry.histogram.max) / 1000,
                                   statuses: entry.statuses, curve: points.map { ($0, ms($0)) })
        }
    }

    public var submit: OperationReport? { operations.first { $0.name == "submit" } }

    /// Warnings a person must not miss: submissions refused by the rate limit or otherwise, with
    /// the share and what to do. Empty when every submission succeeded.
    public var warnings: [String] {
        guard let submit, submit.count > 0 else { return [] }
        var lines: [String] = []
        let limited = submit.statuses[429] ?? 0
        if limited > 0 {
            lines.append("warning: \(percent(limited, submit.count)) of submissions (\(limited) of \(submit.count)) were refused by the server's rate limit (429): "
                         + "the latency and rate above count successful submissions only. To load-test, start the server with "
                         + "`continuum serve --rate-limit 0` (no limit) or a --rate-limit above \(SVGChart.label(askedPerSecond.rounded(.up))) per second, "
                         + "and --max-concurrent-per-token 0 or above --connections")
        }
        let other = submit.errors - limited
        if other > 0 {
            let codes = submit.statuses.filter { !(200..<300).contains($0.key) && $0.key != 429 }.sorted { $0.key < $1.key }
                .map { "\($0.key == 0 ? "no answer" : String($0.key)): \($0.value)" }.joined(separator: ", ")
            lines.append("warning: \(percent(other, submit.count)) of submissions (\(other) of \(submit.count)) failed (\(codes))")
        }
        return lines
    }

    /// `part` of `whole` as a percentage for people: "70%", "2.5%".
    public func percent(_ part: Int, _ whole: Int) -> String {
        let value = 100 * Double(part) / Double(max(whole, 1))
        let rounded = value >= 10 ? value.rounded() : (value * 10).rounded() / 10
        return SVGChart.label(rounded) + "%"
    }

    public var table: String {
        var lines = ["\(scenario) → \(target): asked \(format(askedPerSecond)) referrals/s, sent \(format(sentPerSecond))/s, "
                     + "stored \(referralIds.count) (\(format(Double(referralIds.count) / max(durationSeconds, 1e-9)))/s); "
                     + "answers over \(format(durationSeconds)) s (latency from the scheduled send time, successful answers only)"]
        lines.append("operation       count    ok/s     p50 ms    p90 ms    p99 ms  p99.9 ms    max ms  refused or failed")
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
            "warnings": .array(warnings.map(JSONValue.string)),
            "durationSeconds": .double(durationSeconds),
            "operations": .array(operations.map { operation in
                .object([
                    "operation": .string(operation.name), "count": .integer(Int64(operation.count)), "perSecond": .double(operation.perSecond),
                    "succeeded": .integer(Int64(operation.succeeded)), "errors": .integer(Int64(operation.errors)),
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
