import ContinuumCore
import ContinuumForecast
import ContinuumSimulator
import ContinuumStore
import ContinuumTesting
import Foundation
import Testing

/// A scenario of the repository, with its pathway (Pathways/surrey.json).
func scenario(_ relative: String, horizonDays: Double? = nil) throws -> Scenario {
    let pathway = try TestFixtures.surrey()
    var scenario = try ScenarioLoader().load(TestFixtures.read(TestFixtures.path(relative))) { _ in pathway }
    if let horizonDays {
        scenario.horizonDays = horizonDays
        scenario.warmupDays = 0
    }
    return scenario
}

/// A new store in a temporary folder, and the folder (removed by the caller).
func newStore() throws -> (SQLiteCaseStore, URL) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-forecast-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let store = try SQLiteCaseStore(path: folder.appendingPathComponent("history.sqlite").path, pathway: TestFixtures.surrey(), masterKey: TestFixtures.masterKey)
    return (store, folder)
}

/// The two-year history of Simulations/validation/surrey-known-history.json, written once per
/// test run and shared by the tests that read it.
actor KnownHistory {
    static let shared = KnownHistory()
    struct Written: Sendable {
        let scenario: Scenario
        let store: SQLiteCaseStore
        let report: HistoryReport
        let history: [PathwayHistoryEvent]
    }

    private var written: Task<Written, any Error>?

    func get() async throws -> Written {
        if let written { return try await written.value }
        let task = Task {
            let known = try scenario("Simulations/validation/surrey-known-history.json")
            let (store, _) = try newStore()
            let trace = Replication(scenario: known, stream: 0).runTraced().trace
            let report = try await HistoryWriter(scenario: known).write(trace, to: store)
            return Written(scenario: known, store: store, report: report, history: try await store.pathwayHistory(through: nil, clocks: true))
        }
        written = task
        return try await task.value
    }
}

@Suite("A simulated history written as a real event log")
struct HistoryTests {
    @Test("three months of the Surrey pathway scenario: a log that verifies, with its referrals, decisions, moves and closures, that the indicators read")
    func writesARealLog() async throws {
        let surrey = try scenario("Simulations/surrey-pathway.json", horizonDays: 90)
        let (store, folder) = try newStore()
        defer { try? FileManager.default.removeItem(at: folder) }
        let trace = Replication(scenario: surrey, stream: 0).runTraced()
        let referred = trace.trace.events.count { if case .referred = $0.kind { true } else { false } }
        let report = try await HistoryWriter(scenario: surrey).write(trace.trace, to: store)
        #expect(report.referrals == referred && referred > 2_500)
        #expect(report.decisions > 2_400 && report.moves > 100 && report.closures > 500 && report.milestones > 100)
        #expect(report.reReferralsMatched > 300, "re-referrals name earlier children")
        let chain = try await store.verifyChain()
        #expect(chain.events > Int64(3 * referred))
        let from = surrey.startDate, to = CalendarDate(daysSinceEpoch: surrey.startDate.daysSinceEpoch + 90)
        let indicators = try await store.indicators(from: from, to: to, targets: IndicatorTargets())
        let received = indicators.indicators.first { $0.id == "referrals" }?.value
        #expect(received == Double(referred))
        // Every referral and change of level reads back as history, in time order per case.
        let history = try await store.pathwayHistory(through: nil, clocks: true)
        #expect(history.count { if case .referral = $0.kind { true } else { false } } == referred)
        #expect(history.count { if case .closed = $0.kind { true } else { false } } == report.closures)
    }

    @Test("the same scenario and seed write the same history")
    func reproducible() async throws {
        let surrey = try scenario("Simulations/surrey-pathway.json", horizonDays: 20)
        var reports: [HistoryReport] = []
        for _ in 0..<2 {
            let (store, folder) = try newStore()
            defer { try? FileManager.default.removeItem(at: folder) }
            reports.append(try await HistoryWriter(scenario: surrey).write(Replication(scenario: surrey, stream: 0).runTraced().trace, to: store))
        }
        #expect(reports[0].referrals == reports[1].referrals && reports[0].moves == reports[1].moves && reports[0].closures == reports[1].closures)
    }

    @Test("a scenario without a pathway cannot be written as a log")
    func needsAPathway() throws {
        let plain = try ScenarioLoader().load(TestFixtures.read(TestFixtures.path("Simulations/validation/mm1.json")))
        #expect(throws: HistoryWriterError.self) { try HistoryWriter(scenario: plain) }
    }
}
