import ContinuumTesting
import Foundation
import Testing

/// Pins the simulator's outputs byte for byte for a fixed scenario and seed (issue 16: splitting
/// the engine must not move a single figure). Run with `CONTINUUM_RECORD_GOLDEN=1` to write the
/// files under `Golden/` anew after an intended change, and say why in the commit.
@Suite("continuum simulate, pinned")
struct SimulateGoldenTests {
    static let golden = GoldenFolder(beside: #filePath)

    @Test("the same scenario and seed give the same summary.json, table, series and charts")
    func pathwayScenario() throws {
        let out = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let run = try CommandRunner.run(["simulate", "Simulations/surrey-pathway.json", "--replications", "2", "--seed", "7", "--out", out.path])
        #expect(run.status == 0, "\(run.stderr)")
        try Self.golden.compare(run.stdout, with: "surrey-pathway-table.txt")
        try Self.golden.compare(try String(contentsOf: out.appendingPathComponent("summary.json"), encoding: .utf8), with: "surrey-pathway-summary.json")
        // The series and charts are large: their SHA-256 digests are pinned.
        let names = ["timeseries.csv", "occupancy.svg", "waiting-times.svg", "compliance.svg"]
        let digests = try names.map { "\(try Self.sha256(out.appendingPathComponent($0)))  \($0)" }.joined(separator: "\n") + "\n"
        try Self.golden.compare(digests, with: "surrey-pathway-files.sha256")
    }

    @Test("--compare prints the same table for the same seed")
    func comparison() throws {
        let run = try CommandRunner.run(["simulate", "--compare", "Simulations/surrey-pathway.json", "Simulations/early-help-investment.json",
                                         "--replications", "2", "--seed", "7"])
        #expect(run.status == 0, "\(run.stderr)")
        try Self.golden.compare(run.stdout, with: "compare-table.txt")
    }

    static func sha256(_ file: URL) throws -> String {
        let ran = try ChildProcess.run(executable: "/usr/bin/sha256sum", arguments: [file.path], environment: ProcessInfo.processInfo.environment)
        return String(decoding: ran.stdout, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
    }
}
