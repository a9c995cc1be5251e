import ContinuumAPI
import ContinuumCore
import ContinuumJSON
import ContinuumSimulator
import ContinuumStore
import Foundation

// `make bench`, indicators part: builds an event log of N referrals (default 1,000,000; set
// REPORT_BENCH_REFERRALS) from the Surrey pathway scenario's referral mix, with front-door
// decisions, overrides and closures, re-referrals, milestones, step-ups, step-downs and
// closures (see `work` below), then times `continuum report`'s computation over it and prints
// peak memory. Goal (issue 7): under 10 seconds for one million referrals.
// REPORT_BENCH_DATABASE=PATH keeps the log there and reuses it on the next run (building a
// million referrals takes many minutes; the report is what is measured). The report is timed
// in a fresh process, so its peak memory is its own, not the log builder's.
// REPORT_BENCH_JSON=PATH writes the report there, to compare two implementations over one log.

let count = Int(ProcessInfo.processInfo.environment["REPORT_BENCH_REFERRALS"] ?? "") ?? 1_000_000
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
func read(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }
let pathway = try VerifiedPathway(PathwayLoader().load(path: root.appendingPathComponent("Pathways/surrey.json").path, read: read))
let scenario = try ScenarioLoader().load(read(root.appendingPathComponent("Simulations/surrey-pathway.json").path)) { _ in pathway }
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-report-bench-\(UUID().uuidString)")
defer { try? FileManager.default.removeItem(at: folder) }
let kept = ProcessInfo.processInfo.environment["REPORT_BENCH_DATABASE"].flatMap { $0.isEmpty ? nil : $0 }
let databasePath = kept ?? folder.appendingPathComponent("bench.sqlite").path
let reuse = kept.map { FileManager.default.fileExists(atPath: $0) } ?? false
// The log is kept between runs: so is its master key, beside it.
let keyPath = databasePath + ".key"
let masterKey = FileManager.default.fileExists(atPath: keyPath) ? try MasterKey.load(from: keyPath) : MasterKey.generate()
if !FileManager.default.fileExists(atPath: keyPath) { try masterKey.write(to: keyPath) }
let store = try SQLiteCaseStore(path: databasePath, pathway: pathway, masterKey: masterKey)
guard var generator = ReferralGenerator(scenario: scenario, seed: 1, prefix: "RB-") else {
    FileHandle.standardError.write(Data("report-bench: Simulations/surrey-pathway.json has no referral mix\n".utf8))
    exit(1)
}

let partner = Actor(id: "T-BENCH", role: .partner)
let practitioner = Actor(id: "T-PRACT", role: .practitioner)
let manager = Actor(id: "T-MANAGER", role: .manager)
let start = Timestamp(rfc3339: "2025-01-01T09:00:00Z") ?? Timestamp(secondsSinceEpoch: 0)
let clock = ContinuousClock()
let building = clock.now
var made = reuse ? count : 0
if reuse { FileHandle.standardError.write(Data("report-bench: the log in \(databasePath)\n".utf8)) }

/// What the front door and the teams do with referral number `index`: a tenth are closed at
/// the front door with no further action, a tenth are decided by a manager at another level
/// than recommended (an override), the rest accepted; then a tenth of cases have their
/// assessment completed, a tenth step up, a tenth step down and a tenth close (where the
/// pathway allows it from their level), so the log holds every kind of change.
@Sendable func work(_ answer: Submission, index: Int, at: Timestamp) async throws {
    let decidedAt = at.adding(seconds: 3_600)
    let level: String?
    switch index % 10 {
    case 4:
        guard let reason = pathway.definition.intake.closeReasons?.first else { return }
        _ = try? await store.transition(caseId: answer.caseId, TransitionCommand(kind: .close, to: nil, reason: reason, rationale: "bench"), actor: practitioner, at: decidedAt)
        return
    case 5:
        let other = pathway.definition.intake.outcomes.first { $0 != answer.decision.level }
        level = try? await store.decide(caseId: answer.caseId, DecisionCommand(accept: other == nil, level: other, overrideReason: "bench", rationale: "bench"), actor: manager, at: decidedAt).level
    default:
        level = try? await store.decide(caseId: answer.caseId, DecisionCommand(accept: true, level: nil, overrideReason: nil, rationale: "bench"), actor: practitioner, at: decidedAt).level
    }
    guard let level else { return }
    let later = at.adding(seconds: Int64(86_400 * (3 + index % 20)))
    let transitions = pathway.definition.transitions.filter { $0.from == level }
    switch index / 10 % 10 {
    case 0:
        _ = try? await store.recordMilestone(caseId: answer.caseId, MilestoneCommand(milestone: "assessment-completed", on: UKTime.londonDate(of: later).description,
                                                                                  rationale: "bench"), actor: practitioner, at: later)
    case 1, 2:
        let kind: TransitionKind = index / 10 % 10 == 1 ? .stepUp : .stepDown
        guard let move = transitions.first(where: { $0.kind == kind }), let to = move.to else { return }
        _ = try? await store.transition(caseId: answer.caseId, TransitionCommand(kind: kind, to: to, reason: nil, rationale: "bench"), actor: manager, at: later)
    case 3:
        guard let close = transitions.first(where: { $0.kind == .close }), let reason = close.reasons?.first else { return }
        _ = try? await store.transition(caseId: answer.caseId, TransitionCommand(kind: .close, to: nil, reason: reason, rationale: "bench"), actor: manager, at: later)
    default:
        return
    }
}

// Referrals spread over 364 days from 1 January 2025 (so the last is still in the year),
// submitted in concurrent batches so they share commits. One in twenty is about a child
// referred about a month before (a re-referral: it joins the open case, or opens a new one
// if that case has closed).
var children: [Int: Child] = [:]
let monthOfReferrals = max(1, count / 12)
while made < count {
    let batch = min(2_000, count - made)
    var referrals: [(Int, Referral, Timestamp)] = []
    for offset in 0..<batch {
        let index = made + offset
        let at = start.adding(seconds: Int64(index * 364 * 86_400 / max(count, 1)))
        var referral = generator.next(receivedAt: at)
        // The offset varies so that re-referred children come from every kind of case.
        if index % 20 == 7, let earlier = children[index - monthOfReferrals + index / 20 % 10] { referral.child = earlier }
        children[index] = referral.child
        children[index - monthOfReferrals] = nil
        referrals.append((index, referral, at))
    }
    try await withThrowingTaskGroup(of: Void.self) { group in
        for (index, referral, at) in referrals {
            group.addTask {
                try await work(try await store.submit(referral, partnerId: "bench", actor: partner, receivedAt: at), index: index, at: at)
            }
        }
        try await group.waitForAll()
    }
    made += batch
    if made % 50_000 == 0 || made == count {
        FileHandle.standardError.write(Data("\rbuilding the log: \(made)/\(count) referrals".utf8))
    }
}
func seconds(_ duration: Duration) -> String {
    let (whole, fraction) = duration.components
    return String(format: "%.2f s", Double(whole) + Double(fraction) / 1e18)
}

if !reuse {
    FileHandle.standardError.write(Data("\n".utf8))
    // Unbuffered, so it comes before the child's output.
    FileHandle.standardOutput.write(Data("report-bench: log of \(count) referrals built in \(seconds(clock.now - building))\n".utf8))
    // Time the report in a fresh process over the log just built.
    let child = Process()
    child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    child.environment = ProcessInfo.processInfo.environment.merging(["REPORT_BENCH_DATABASE": databasePath]) { $1 }
    try child.run()
    child.waitUntilExit()
    try? FileManager.default.removeItem(at: folder)  // `exit` skips the `defer`
    exit(child.terminationStatus)
}

let computing = clock.now
let report = try await store.indicators(from: CalendarDate("2025-01-01") ?? CalendarDate(daysSinceEpoch: 0),
                                        to: CalendarDate("2025-12-31") ?? CalendarDate(daysSinceEpoch: 0), targets: IndicatorTargets())
let computed = clock.now - computing
var usage = rusage()
getrusage(RUSAGE_SELF.rawValue, &usage)
if let out = ProcessInfo.processInfo.environment["REPORT_BENCH_JSON"], !out.isEmpty {
    // The report itself, to compare two implementations over the same log.
    try Data(report.json.serialized(pretty: true).utf8).write(to: URL(fileURLWithPath: out))
}
func total(_ id: String) -> Int { Int(report.indicators.first { $0.id == id }?.value ?? 0) }
if total("referrals") != count {
    // A kept log from an interrupted build, or one built for another size.
    FileHandle.standardError.write(Data("report-bench: the log holds \(total("referrals")) referrals in 2025, not \(count); delete \(databasePath) to build it anew\n".utf8))
}
print("""
    report-bench: indicators over \(total("referrals")) referrals, \(total("routedByLevel")) decisions, \(total("stepUps") + total("stepDowns")) moves \
    computed in \(seconds(computed)), peak memory \(usage.ru_maxrss / 1024) MiB (goal: 1,000,000 referrals in under 10 s)
    """)
