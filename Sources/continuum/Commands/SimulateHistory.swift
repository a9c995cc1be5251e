import ArgumentParser
import ContinuumCore
import ContinuumForecast
import ContinuumSimulator
import ContinuumStore
import Foundation

/// `continuum simulate SCENARIO --write-log DB`: one replication of a pathway-driven scenario
/// written as a real event log (issue 19), for tests, demos and `calibrate`.
extension SimulateCommand {
    /// The key file a new log is sealed with: `--master-key`, else `$CONTINUUM_MASTER_KEY_FILE`,
    /// else `DB.key` beside the log.
    func historyKeyPath(_ database: String) -> String {
        masterKey ?? ProcessInfo.processInfo.environment["CONTINUUM_MASTER_KEY_FILE"].flatMap { $0.isEmpty ? nil : $0 } ?? database + ".key"
    }

    func writeHistory(_ path: String, to database: String) async throws {
        let scenario = try load(path)
        let writer: HistoryWriter
        do {
            writer = try HistoryWriter(scenario: scenario)
        } catch {
            Console.error("continuum: \(path): \(error)")
            throw Exit.usage
        }
        guard let pathway = scenario.pathwayModel?.pathway else { throw Exit.usage }
        // Never into a log that exists: a real council's log must not gain synthetic children.
        guard !Files.exists(database) else {
            Console.error("continuum: \(database) exists: --write-log writes a new log; remove it or name another file")
            throw Exit.cannotCreate
        }
        let keyPath = historyKeyPath(database)
        let key: MasterKey
        do {
            if Files.exists(keyPath) {
                key = try MasterKey.load(from: keyPath)
            } else {
                key = MasterKey.generate()
                try FileManager.default.createDirectory(at: URL(fileURLWithPath: keyPath).deletingLastPathComponent(), withIntermediateDirectories: true)
                try key.write(to: keyPath)
                Console.error("continuum: wrote a new master key for the log to \(keyPath) (give it as --master-key to read the log)")
            }
        } catch {
            Console.error("continuum: \(keyPath): \(error)")
            throw Exit.configuration
        }

        let started = ContinuousClock.now
        Console.error("continuum: \(scenario.name): simulating \(SVGChart.label(scenario.horizonDays)) days from \(scenario.startDate) (one replication, seed \(scenario.seed))")
        let traced = await Self.traced(scenario)
        let store: SQLiteCaseStore
        do {
            store = try SQLiteCaseStore(path: database, pathway: pathway, masterKey: key)
        } catch {
            Console.error("continuum: cannot create \(database): \(error)")
            throw Exit.forStore(error)
        }
        let progress = Progress(total: 0, label: "writing \(database)")
        let report: HistoryReport
        do {
            report = try await writer.write(traced.trace, to: store) { done, total in progress.update(done, of: total, unit: "days") }
            progress.finish()
        } catch {
            progress.finish()
            // A partial synthetic log is no use to anyone: it goes.
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) }
            Console.error("continuum: writing \(database) failed, so it was removed: \(error)")
            throw Exit.forStore(error)
        }
        let elapsed = ContinuousClock.now - started
        Console.out(Self.historyTable(report, scenario: scenario, database: database, seconds: Double(elapsed.components.seconds)))
    }

    /// Runs replication 0 with its trace on a worker thread (it computes without suspending).
    static func traced(_ scenario: Scenario) async -> (result: ReplicationResult, trace: CaseTrace) {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: Replication(scenario: scenario, stream: 0).runTraced())
            }
        }
    }

    static func historyTable(_ report: HistoryReport, scenario: Scenario, database: String, seconds: Double) -> String {
        let end = CalendarDate(daysSinceEpoch: scenario.startDate.daysSinceEpoch + max(0, Int(scenario.horizonDays.rounded(.up)) - 1))
        var lines = [
            "\(database): the history of \(scenario.name) from \(scenario.startDate) to \(end), written in \(Int(seconds)) s",
            "  referrals \(report.referrals) (re-referrals of an earlier child \(report.reReferralsMatched); drawn as re-referrals with no earlier child to name \(report.reReferralsUnmatched))",
            "  decisions \(report.decisions)  moves \(report.moves)  milestones \(report.milestones)  closures \(report.closures)  open at the end \(report.open)",
        ]
        if report.chained > 0 { lines.append("  moves written as a chain of pathway transitions (no single one joins the levels): \(report.chained)") }
        if !report.refused.isEmpty {
            lines.append("  refused by the pathway, so the case was closed there (the simulation's move is not in the log):")
            for (reason, count) in report.refused.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }) { lines.append("    \(count)  \(reason)") }
        }
        return lines.joined(separator: "\n")
    }
}
