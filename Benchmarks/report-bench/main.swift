import ContinuumCore
import ContinuumSimulator
import ContinuumStore
import Foundation

// `make bench`, indicators part: builds an event log of N referrals (default 1,000,000; set
// REPORT_BENCH_REFERRALS) from the Surrey pathway scenario's referral mix, each decided and
// a share stepped up, down or closed, then times `continuum report`'s computation over it and
// prints peak memory. Goal (issue 7): under 10 seconds for one million referrals.

let count = Int(ProcessInfo.processInfo.environment["REPORT_BENCH_REFERRALS"] ?? "") ?? 1_000_000
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
func read(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }
let pathway = try VerifiedPathway(PathwayLoader().load(path: root.appendingPathComponent("Pathways/surrey.json").path, read: read))
let scenario = try ScenarioLoader().load(read(root.appendingPathComponent("Simulations/surrey-pathway.json").path)) { _ in pathway }
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-report-bench-\(UUID().uuidString)")
defer { try? FileManager.default.removeItem(at: folder) }
let store = try SQLiteCaseStore(path: folder.appendingPathComponent("bench.sqlite").path, pathway: pathway)
guard var generator = ReferralGenerator(scenario: scenario, seed: 1, prefix: "RB-") else {
    FileHandle.standardError.write(Data("report-bench: Simulations/surrey-pathway.json has no referral mix\n".utf8))
    exit(1)
}

let partner = Actor(id: "T-BENCH", role: .partner)
let practitioner = Actor(id: "T-PRACT", role: .practitioner)
let start = Timestamp(rfc3339: "2025-01-01T09:00:00Z") ?? Timestamp(secondsSinceEpoch: 0)
let clock = ContinuousClock()
let building = clock.now
var made = 0
// Referrals spread over a year, submitted in concurrent batches so they share commits.
while made < count {
    let batch = min(2_000, count - made)
    var referrals: [(Referral, Timestamp)] = []
    for index in 0..<batch {
        let at = start.adding(seconds: Int64((made + index) * 31_536_000 / max(count, 1)))
        referrals.append((generator.next(receivedAt: at), at))
    }
    try await withThrowingTaskGroup(of: Void.self) { group in
        for (referral, at) in referrals {
            group.addTask {
                let answer = try await store.submit(referral, partnerId: "bench", actor: partner, receivedAt: at)
                guard !answer.joinedOpenCase else { return }
                _ = try? await store.decide(caseId: answer.caseId, level: nil, rationale: "bench", overrideReason: nil, actor: practitioner, at: at.adding(seconds: 3_600))
            }
        }
        try await group.waitForAll()
    }
    made += batch
    if made % 50_000 == 0 || made == count {
        FileHandle.standardError.write(Data("\rbuilding the log: \(made)/\(count) referrals".utf8))
    }
}
FileHandle.standardError.write(Data("\n".utf8))
let built = clock.now - building

let computing = clock.now
let report = try await store.indicators(from: CalendarDate("2025-01-01") ?? CalendarDate(daysSinceEpoch: 0),
                                        to: CalendarDate("2025-12-31") ?? CalendarDate(daysSinceEpoch: 0), targets: IndicatorTargets())
let computed = clock.now - computing
var usage = rusage()
getrusage(RUSAGE_SELF.rawValue, &usage)
let referrals = report.indicators.first { $0.id == "referrals" }?.value ?? 0
print("Indicators over \(Int(referrals)) referrals (log built in \(built)): computed in \(computed), peak memory \(usage.ru_maxrss / 1024) MiB (goal: 1,000,000 referrals in under 10 s)")
