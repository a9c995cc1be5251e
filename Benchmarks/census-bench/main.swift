import ContinuumAPI
import ContinuumCensus
import ContinuumCore
import ContinuumSimulator
import ContinuumStore
import Foundation
import GRDB

// `make bench`, census part (issue 18): builds the event log of a large council's year (about a
// million events; CENSUS_BENCH_REFERRALS referrals, default 230,000, from the Surrey pathway
// scenario's referral mix, April 2026 to March 2027), with the children in need paths the
// census reads (front-door NFA, assessments with their codes, child in need plans, section 47
// enquiries, conferences, child protection plans and reviews, step-downs, closures), then
// times `continuum census --year 2026-27` over it in a fresh process and prints peak memory.
// Goal: a million events in under 10 s. CENSUS_BENCH_DATABASE=PATH keeps the log for the next run.

let count = Int(ProcessInfo.processInfo.environment["CENSUS_BENCH_REFERRALS"] ?? "") ?? 230_000
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
func read(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }
let pathway = try VerifiedPathway(PathwayLoader().load(path: root.appendingPathComponent("Pathways/surrey.json").path, read: read))
let scenario = try ScenarioLoader().load(read(root.appendingPathComponent("Simulations/surrey-pathway.json").path)) { _ in pathway }
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-census-bench-\(UUID().uuidString)")
defer { try? FileManager.default.removeItem(at: folder) }
let kept = ProcessInfo.processInfo.environment["CENSUS_BENCH_DATABASE"].flatMap { $0.isEmpty ? nil : $0 }
let databasePath = kept ?? folder.appendingPathComponent("bench.sqlite").path
let reuse = kept.map { FileManager.default.fileExists(atPath: $0) } ?? false
let keyPath = databasePath + ".key"
let masterKey = FileManager.default.fileExists(atPath: keyPath) ? try MasterKey.load(from: keyPath) : MasterKey.generate()
if !FileManager.default.fileExists(atPath: keyPath) {
    try FileManager.default.createDirectory(at: URL(fileURLWithPath: databasePath).deletingLastPathComponent(), withIntermediateDirectories: true)
    try masterKey.write(to: keyPath)
}
let store = try SQLiteCaseStore(path: databasePath, pathway: pathway, masterKey: masterKey)
guard var generator = ReferralGenerator(scenario: scenario, seed: 7, prefix: "CB-") else {
    FileHandle.standardError.write(Data("census-bench: Simulations/surrey-pathway.json has no referral mix\n".utf8))
    exit(1)
}
let partner = Actor(id: "T-BENCH", role: .partner)
let manager = Actor(id: "T-MANAGER", role: .manager)
let start = Timestamp(rfc3339: "2026-04-01T09:00:00Z") ?? Timestamp(secondsSinceEpoch: 0)
let clock = ContinuousClock()

func seconds(_ duration: Duration) -> String {
    let (whole, fraction) = duration.components
    return String(format: "%.2f s", Double(whole) + Double(fraction) / 1e18)
}

/// What children's services do with referral number `index`: a tenth closed at the front door
/// (no further action), four tenths accepted as recommended (mostly early help), half placed
/// at child in need and assessed with the census codes; of those, a fifth each: closed RC8,
/// a CIN plan then a step-down, a section 47 enquiry with a conference and a CP plan reviewed,
/// still open, stepped down to early help (RC9).
@Sendable func work(_ answer: Submission, index: Int, at: Timestamp) async throws {
    func day(_ offset: Int) -> Timestamp { at.adding(seconds: Int64(86_400 * offset)) }
    func milestone(_ id: String, _ offset: Int, factors: [String]? = nil, need: String? = nil, category: String? = nil) async throws {
        let when = day(offset)
        let command = try MilestoneCommand(milestone: id, on: UKTime.londonDate(of: when).description, rationale: "bench", factors: factors, primaryNeed: need, category: category)
        _ = try? await store.recordMilestone(caseId: answer.caseId, command, actor: manager, at: when)
    }
    func move(_ kind: TransitionKind, _ to: String, _ offset: Int) async throws {
        // A step-down to early help needs the family's consent: where it was not given, the move is refused and the case stays.
        _ = try? await store.transition(caseId: answer.caseId, TransitionCommand(kind: kind, to: to, reason: nil, rationale: "bench"), actor: manager, at: day(offset))
    }
    func close(_ reason: ClosureReason, _ offset: Int) async throws {
        _ = try? await store.transition(caseId: answer.caseId, TransitionCommand(kind: .close, to: nil, reason: reason, rationale: "bench"), actor: manager, at: day(offset))
    }
    switch index % 10 {
    case 0:
        try await close(.noFurtherActionAfterAssessment, 0)
        return
    case 1, 2, 3, 4:
        _ = try? await store.decide(caseId: answer.caseId, DecisionCommand(accept: true, level: nil, overrideReason: nil, rationale: "bench"), actor: manager, at: day(1))
        return
    default:
        guard (try? await store.decide(caseId: answer.caseId, DecisionCommand(accept: false, level: "child-in-need", overrideReason: "bench", rationale: "bench"),
                                       actor: manager, at: day(1))) != nil else { return }
    }
    try await milestone("assessment-completed", 20, factors: ["3B", "4B"], need: "N1")
    switch index / 10 % 5 {
    case 0: try await close(.noFurtherActionAfterAssessment, 21)
    case 1:
        try await milestone("cin-plan-started", 22)
        try await move(.stepDown, "intensive-support", 120)
    case 2:
        try await move(.escalate, "child-protection", 21)
        try await milestone("strategy-discussion", 22)
        try await milestone("initial-conference-held", 34)
        try await milestone("cp-plan-started", 34, category: "NEG")
        try await milestone("cp-review-held", 120, category: "MUL")
    case 3: break
    default: try await move(.stepDown, "targeted-support", 22)
    }
}

if !reuse {
    let building = clock.now
    var made = 0
    while made < count {
        let batch = min(2_000, count - made)
        var referrals: [(Int, Referral, Timestamp)] = []
        for offset in 0..<batch {
            let index = made + offset
            // Spread over the year, so the last referrals' work still falls before 31 March 2027.
            let at = start.adding(seconds: Int64(index * 200 * 86_400 / max(count, 1)))
            referrals.append((index, generator.next(receivedAt: at), at))
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, referral, at) in referrals {
                group.addTask { try await work(try await store.submit(referral, partnerId: "bench", actor: partner, receivedAt: at), index: index, at: at) }
            }
            try await group.waitForAll()
        }
        made += batch
        if made % 20_000 == 0 || made == count {
            FileHandle.standardError.write(Data("\rbuilding the log: \(made)/\(count) referrals".utf8))
        }
    }
    FileHandle.standardError.write(Data("\n".utf8))
    FileHandle.standardOutput.write(Data("census-bench: log of \(count) referrals built in \(seconds(clock.now - building))\n".utf8))
    let child = Process()
    child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    child.environment = ProcessInfo.processInfo.environment.merging(["CENSUS_BENCH_DATABASE": databasePath]) { $1 }
    try child.run()
    child.waitUntilExit()
    try? FileManager.default.removeItem(at: folder)
    exit(child.terminationStatus)
}

var readOnly = Configuration()
readOnly.readonly = true
let events = try DatabaseQueue(path: databasePath, configuration: readOnly).read { db in try Int.fetchOne(db, sql: "SELECT MAX(sequence) FROM events") ?? 0 }
let computing = clock.now
let report = try await store.census(year: CensusYear(startYear: 2026), la: nil)
let xml = CensusXML.document(report.census, generatedAt: "2027-04-01T09:00:00", release: "bench")
let computed = clock.now - computing
var usage = rusage()
getrusage(RUSAGE_SELF.rawValue, &usage)
let episodes = report.census.children.reduce(0) { $0 + $1.episodes.count }
print("""
    census-bench: CIN census 2026-27 over \(events) events: \(report.census.children.count) children, \(episodes) episodes, \(report.issues.count) data-quality items, \
    \(xml.utf8.count / 1_048_576) MiB of XML, computed in \(seconds(computed)), peak memory \(usage.ru_maxrss / 1024) MiB (goal: 1,000,000 events in under 10 s)
    """)
