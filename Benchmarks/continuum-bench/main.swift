// `make bench`: the wire path's speed, compared in one run on the same inputs.
//
// For each input referral:
// 1. json-c from C: parse + free, no Swift (the ceiling for anything built on json-c).
// 2. Continuum: parse alone (strict lexer + json-c), then + decode + validate, then + route.
// 3. Foundation JSONDecoder decoding the same `Referral` type: the same validation rules run
//    in `Referral.init(from:)`, so only the JSON engine and the read path differ.
// Each figure is the median of 9 rounds, interleaved across the paths; ratios compare within the run.
//
// Usage: continuum-bench [--pathway FILE] [REFERRAL.json ...]
// Profiling: CONTINUUM_BENCH_PROFILE=N runs only the full pipeline N times on the first input.
import CJSONCBaseline
import ContinuumCore
import ContinuumJSON
@_spi(Benchmarks) import ContinuumStore
import Foundation

func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// Median seconds per iteration for each body. Rounds are interleaved (round r times every
/// body in turn), so a change in the machine's load falls on all of them alike and the ratios
/// stay fair on a shared machine.
func measure(rounds: Int = 9, roundSeconds: Double = 0.2, _ bodies: [(Int) -> Void]) -> [Double] {
    var iterations: [Int] = []
    for body in bodies {
        body(200)  // warm-up
        var count = 1000
        while true {  // calibrate to about `roundSeconds` a round
            let start = monotonicSeconds()
            body(count)
            let elapsed = monotonicSeconds() - start
            if elapsed > 0.05 {
                count = max(1, Int(Double(count) * roundSeconds / elapsed))
                break
            }
            count *= 4
        }
        iterations.append(count)
    }
    var samples = Array(repeating: [Double](), count: bodies.count)
    for _ in 0..<rounds {
        for (index, body) in bodies.enumerated() {
            let start = monotonicSeconds()
            body(iterations[index])
            samples[index].append((monotonicSeconds() - start) / Double(iterations[index]))
        }
    }
    return samples.map { $0.sorted()[$0.count / 2] }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("continuum-bench: \(message)\n".utf8))
    exit(1)
}

func pad(_ text: String, _ width: Int) -> String { text.count >= width ? text : text + String(repeating: " ", count: width - text.count) }
func lpad(_ text: String, _ width: Int) -> String { text.count >= width ? text : String(repeating: " ", count: width - text.count) + text }

var arguments = Array(CommandLine.arguments.dropFirst())
var pathwayPath = "Pathways/surrey.json"
if let flag = arguments.firstIndex(of: "--pathway"), flag + 1 < arguments.count {
    pathwayPath = arguments[flag + 1]
    arguments.removeSubrange(flag...(flag + 1))
}
let inputs = arguments.isEmpty ? ["docs/examples/police-domestic-abuse.json", "Benchmarks/inputs/typical-referral.json"] : arguments
let receivedAt = Timestamp(rfc3339: "2026-11-26T12:00:00Z") ?? Timestamp(secondsSinceEpoch: 0)
let pathway: VerifiedPathway
do {
    pathway = try VerifiedPathway(PathwayLoader().load(path: pathwayPath) { Array(try Data(contentsOf: URL(fileURLWithPath: $0))) })
} catch {
    fail("cannot load \(pathwayPath): \(error)")
}
let reader = ReferralReader()
let parser = JSONParser()
let foundation = JSONDecoder()
foundation.userInfo = ValidationContext.userInfo(receivedAt: receivedAt)
var sink = 0

/// The compact form (what partners send over the wire) of a referral file, checked valid.
func load(_ path: String) -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else { fail("cannot read \(path)") }
    do {
        let compact = Array(try JSONParser().parse(Array(data)).value().serialized().utf8)
        _ = try reader.read(compact, receivedAt: receivedAt)
        _ = try foundation.decode(Referral.self, from: Data(compact))
        return compact
    } catch {
        fail("\(path) is not a valid referral: \(error)")
    }
}

if let text = ProcessInfo.processInfo.environment["CONTINUUM_BENCH_PROFILE"], let count = Int(text) {
    load(inputs[0]).withUnsafeBytes { buffer in
        for _ in 0..<count {
            if let referral = try? reader.read(buffer, receivedAt: receivedAt) {
                sink &+= route(referral, pathway: pathway, receivedAt: receivedAt).rules.count
            }
        }
    }
    print("profiled \(count) referrals (\(sink))")
    exit(0)
}

// The sealed encoding alone, for a profiler: CONTINUUM_BENCH_PROFILE_SEAL=N.
if let text = ProcessInfo.processInfo.environment["CONTINUUM_BENCH_PROFILE_SEAL"], let count = Int(text) {
    guard let referral = try? reader.read(load(inputs[0]), receivedAt: receivedAt) else { fail("\(inputs[0]) did not read") }
    let vault = SealingBenchmark.Vault()
    do { sink &+= try SealingBenchmark.encodeReceived(referral, sealed: true, vault: vault) } catch { fail("sealing failed: \(error)") }
    for _ in 0..<count { sink &+= (try? SealingBenchmark.encodeReceived(referral, sealed: true, vault: vault)) ?? 0 }
    print("profiled \(count) sealed encodings (\(sink))")
    exit(0)
}

// The store path's encoding alone, for a profiler: CONTINUUM_BENCH_PROFILE_ENCODE=N.
if let text = ProcessInfo.processInfo.environment["CONTINUUM_BENCH_PROFILE_ENCODE"], let count = Int(text) {
    guard let referral = try? reader.read(load(inputs[0]), receivedAt: receivedAt) else { fail("\(inputs[0]) did not read") }
    let decision = route(referral, pathway: pathway, receivedAt: receivedAt)
    let encoder = JSONValueEncoder()
    for _ in 0..<count {
        sink &+= ((try? encoder.text(referral)) ?? "").utf8.count &+ ((try? encoder.text(decision)) ?? "").utf8.count
    }
    print("profiled \(count) encodings (\(sink))")
    exit(0)
}

print("Continuum wire-path benchmark: pathway \(pathway.definition.reference), \(ProcessInfo.processInfo.activeProcessorCount) cores, medians of 9 interleaved rounds")
var verdicts: [String] = []
for path in inputs {
    let compact = load(path)
    let data = Data(compact)
    let bytes = compact.withUnsafeBufferPointer { Array($0) }
    let times = bytes.withUnsafeBufferPointer { typed in
        typed.withMemoryRebound(to: CChar.self) { chars in
            compact.withUnsafeBytes { buffer in
                measure([
                    { iterations in
                        if continuum_jsonc_parse_loop(chars.baseAddress, chars.count, iterations) < 0 { fail("json-c rejected \(path)") }
                    },
                    { iterations in
                        for _ in 0..<iterations { if let document = try? parser.parse(buffer), case .object = document.rootValue { sink &+= 1 } }
                    },
                    { iterations in
                        for _ in 0..<iterations { if let referral = try? reader.read(buffer, receivedAt: receivedAt) { sink &+= referral.concerns.count } }
                    },
                    { iterations in
                        for _ in 0..<iterations {
                            if let referral = try? reader.read(buffer, receivedAt: receivedAt) {
                                sink &+= route(referral, pathway: pathway, receivedAt: receivedAt).rules.count
                            }
                        }
                    },
                    { iterations in
                        for _ in 0..<iterations { if let referral = try? foundation.decode(Referral.self, from: data) { sink &+= referral.concerns.count } }
                    },
                ])
            }
        }
    }
    let (raw, parseOnly, validate, full, viaFoundation) = (times[0], times[1], times[2], times[3], times[4])
    print("")
    print("input: \(path) (\(compact.count) bytes compact)")
    print(pad("path", 46) + lpad("referrals/s", 13) + lpad("MB/s", 9) + lpad("µs each", 10))
    for (name, seconds) in [("json-c parse + free, from C (ceiling)", raw), ("Continuum parse only (strict lexer + json-c)", parseOnly),
                            ("Continuum parse + decode + validate", validate), ("Continuum parse + decode + validate + route", full),
                            ("Foundation JSONDecoder decode + validate", viaFoundation)] {
        print(pad(name, 46) + lpad(String(format: "%.0f", 1 / seconds), 13)
            + lpad(String(format: "%.1f", Double(compact.count) / seconds / 1_000_000), 9) + lpad(String(format: "%.2f", seconds * 1e6), 10))
    }
    // For information (issue 3's write path): the router service stores each referral and its
    // decision as JSON text, encoded through `Codable` by JSONValueEncoder.
    guard let encoded = try? reader.read(compact, receivedAt: receivedAt) else { fail("\(path) did not read twice") }
    let decision = route(encoded, pathway: pathway, receivedAt: receivedAt)
    let encoder = JSONValueEncoder()
    let encoding = measure([{ iterations in
        for _ in 0..<iterations {
            sink &+= ((try? encoder.text(encoded)) ?? "").utf8.count &+ ((try? encoder.text(decision)) ?? "").utf8.count
        }
    }])[0]
    print(pad("encode referral + decision to JSON text", 46) + lpad(String(format: "%.0f", 1 / encoding), 13) + lpad("", 9)
        + lpad(String(format: "%.2f", encoding * 1e6), 10) + "  (the service's store path, for information)")
    let ofCeiling = raw / full
    let overFoundation = viaFoundation / full
    print(String(format: "ratio: Continuum full pipeline / json-c ceiling      = %.2f  (goal >= 0.40: %@)", ofCeiling, ofCeiling >= 0.40 ? "met" : "NOT met"))
    print(String(format: "ratio: Continuum full pipeline / Foundation JSONDecoder = %.2f  (goal > 1: %@)", overFoundation, overFoundation > 1 ? "met" : "NOT met"))
    verdicts.append(String(format: "%@: %.2f of json-c, %.2fx JSONDecoder", (path as NSString).lastPathComponent, ofCeiling, overFoundation))
}
// Encryption at rest (issue 20): the store's encoding of a referral's arrival in the clear (as
// before) and sealed (keyed child hashes, a new data key wrapped, each personal value under
// AES-GCM). The difference is what encryption adds to a durable referral's CPU; the HTTP bench
// (next) sets it against the server's whole CPU per durable referral, measured there.
guard let sealable = try? reader.read(load(inputs[0]), receivedAt: receivedAt) else { fail("\(inputs[0]) did not read") }
let vault = SealingBenchmark.Vault()
let sealing = measure([
    { iterations in for _ in 0..<iterations { sink &+= (try? SealingBenchmark.encodeReceived(sealable, sealed: false, vault: vault)) ?? 0 } },
    { iterations in for _ in 0..<iterations { sink &+= (try? SealingBenchmark.encodeReceived(sealable, sealed: true, vault: vault)) ?? 0 } },
])
let added = (sealing[1] - sealing[0]) * 1e6
print("")
print("encryption at rest, \((inputs[0] as NSString).lastPathComponent): encode the arrival in the clear "
      + String(format: "%.2f µs, sealed %.2f µs: encryption adds %.2f µs per referral", sealing[0] * 1e6, sealing[1] * 1e6, added))
if let file = ProcessInfo.processInfo.environment["CONTINUUM_BENCH_SEALING_FILE"] {
    _ = FileManager.default.createFile(atPath: file, contents: Data(String(format: "%.2f\n", added).utf8))
}
print("")
print("summary: " + verdicts.joined(separator: "; "))
if sink == 42 { print("") }  // keeps the optimiser honest
