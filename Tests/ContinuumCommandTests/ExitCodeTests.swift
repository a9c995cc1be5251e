import ContinuumTesting
import Foundation
import Testing

/// docs/cli.md's exit-code table is a contract scripts rely on (issue 25): each code it lists is
/// produced by a real command here, and every code this table produces is listed there.
@Suite("Exit codes")
struct ExitCodeTests {
    /// The codes in docs/cli.md's "Exit codes" table.
    static func documented() throws -> Set<Int32> {
        let text = try String(contentsOf: CommandRunner.root.appendingPathComponent("docs/cli.md"), encoding: .utf8)
        guard let section = text.components(separatedBy: "## Exit codes").dropFirst().first else { return [] }
        var codes: Set<Int32> = []
        for line in section.split(separator: "\n") {
            if line.hasPrefix("## ") { break }
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            if let first = cells.first, let code = Int32(first) { codes.insert(code) }
        }
        return codes
    }

    @Test("every documented exit code comes from the command the table says, and no other code is undocumented")
    func table() async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // A database with one event, then one with that event edited (the chain breaks).
        let database = folder.appendingPathComponent("codes.sqlite").path
        let partner = try CommandRunner.run(["token", "create", "--role", "partner", "--partner", "codes", "--database", database])
        try #require(partner.status == 0, "\(partner.stderr)")
        let broken = folder.appendingPathComponent("broken.sqlite").path
        _ = try CommandRunner.run(["token", "create", "--role", "admin", "--database", broken])
        let edit = try ChildProcess.run(executable: "/usr/bin/sqlite3", arguments: [broken, "UPDATE events SET actor_id = 'mallory'"],
                                        environment: ProcessInfo.processInfo.environment)
        try #require(edit.status == 0, "sqlite3 is needed for this test (make test installs it)")
        let aFile = folder.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: aFile)
        let server = try ServerProcess(arguments: ["--database", database], stderrFile: folder.appendingPathComponent("server.log"))
        defer { server.stop() }
        let url = "http://127.0.0.1:\(server.port)"

        let cases: [(code: Int32, what: String, arguments: [String])] = [
            (0, "a valid pathway", ["check", "--quiet", "Pathways/surrey.json"]),
            (64, "an unknown option", ["check", "--no-such-option"]),
            (64, "a bad --received-at", ["route", "--received-at", "yesterday", "docs/examples/police-domestic-abuse.json"]),
            (65, "an invalid referral", ["route", "docs/examples/invalid-referral.json"]),
            (66, "a referral file that does not exist", ["route", "docs/examples/no-such.json"]),
            (66, "a database a command reads that does not exist", ["report", "--database", folder.appendingPathComponent("typo.sqlite").path]),
            (69, "a server that cannot be reached", ["triage", "queue", "--server", "http://127.0.0.1:9", "--token", "cnt_none"]),
            (70, "an event log edited after it was written", ["audit", "verify", "--database", broken]),
            (73, "an output folder that cannot be written", ["simulate", "Simulations/validation/mm1.json", "--replications", "1", "--out", aFile.appendingPathComponent("out").path]),
            (73, "a database that cannot be created there", ["token", "create", "--role", "admin", "--database", aFile.appendingPathComponent("db.sqlite").path]),
            (77, "a token the server refuses", ["triage", "queue", "--server", url, "--token", "cnt_unknown"]),
            (78, "a master key file that does not exist", ["sar", "--database", database, "--case", "C-NONE", "--out", folder.appendingPathComponent("sar").path,
                                                         "--by", "test", "--master-key", folder.appendingPathComponent("missing.key").path]),
            // The server keeps its default rate limit (50 a second, bursts of 100): of 400 in a second, most are refused.
            (1, "a load test whose submissions the rate limit refuses", ["loadtest", "Simulations/surrey-pathway.json", "--server", url,
                                                                         "--token", partner.stdout.trimmingCharacters(in: .whitespacesAndNewlines),
                                                                         "--rate", "400", "--duration", "1"]),
        ]
        for entry in cases {
            let outcome = try await ServerProcess.runAsync(entry.arguments)
            #expect(outcome.status == entry.code, "\(entry.what): exit \(outcome.status), expected \(entry.code)\n\(outcome.stderr)")
            if entry.code != 0 { #expect(!outcome.stderr.isEmpty, "\(entry.what): no message on stderr") }
        }
        let documented = try Self.documented()
        #expect(documented == Set(cases.map(\.code)), "docs/cli.md lists \(documented.sorted()); this table produces \(Set(cases.map(\.code)).sorted())")
    }
}
