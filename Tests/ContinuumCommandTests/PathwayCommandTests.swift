import ContinuumJSON
import Foundation
import Testing

/// Pathway versions at the command line (issue 15): `check` of a set and of a mapping,
/// `pathway migrate` with `--dry-run` and `--json`.
@Suite("continuum pathway and versions")
struct PathwayCommandTests {
    static let mapping = "Pathways/migrations/surrey-2026-11-to-families-first-2027-04.json"

    @Test("check takes the versions as a set and a mapping between two; a duplicate version or an unmapped level exits 65 naming it")
    func checkSetsAndMappings() throws {
        let both = try CommandRunner.run(["check", "Pathways/surrey.json", "Pathways/families-first.json"])
        #expect(both.status == 0, "\(both.stderr)")
        let twice = try CommandRunner.run(["check", "Pathways/surrey.json", "Pathways/surrey.json"])
        #expect(twice.status == 65 && twice.stderr.contains("Pathways/surrey.json, Pathways/surrey.json: error: two files are both surrey@2026-11"))

        let ok = try CommandRunner.run(["check", "--mapping", Self.mapping, "Pathways/surrey.json", "Pathways/families-first.json"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("OK: surrey@2026-11 → surrey-families-first@2027-04"))

        let folder = try CommandRunner.temporaryFolder()
        let original = try JSONParser().parse(Array(Data(contentsOf: CommandRunner.root.appendingPathComponent(Self.mapping)))).value()
        guard case .object(var root) = original, case .array(let levels)? = root["levels"] else { Issue.record("mapping shape"); return }
        root["levels"] = .array(levels.filter { $0["from"] != .string("intensive-support") })
        let broken = folder.appendingPathComponent("broken-mapping.json")
        try Data(JSONValue.object(root).serialized(pretty: true).utf8).write(to: broken)
        let gap = try CommandRunner.run(["check", "--mapping", broken.path, "Pathways/surrey.json", "Pathways/families-first.json"])
        #expect(gap.status == 65)
        #expect(gap.stderr.contains("$.levels (intensive-support): error: level \"intensive-support\" of surrey@2026-11 is not mapped"))
        let usage = try CommandRunner.run(["check", "--mapping", broken.path, "Pathways/surrey.json"])
        #expect(usage.status == 64)
    }

    @Test("pathway migrate --json prints the contract's fields; a mapping for other versions changes nothing and exits 65 (moves: see PathwayMigrationTests)")
    func migrate() throws {
        let folder = try CommandRunner.temporaryFolder()
        let database = folder.appendingPathComponent("continuum.sqlite").path
        // `token create` sets the database up (commands that read one never create it).
        let created = try CommandRunner.run(["token", "create", "--role", "admin", "--database", database])
        #expect(created.status == 0, "\(created.stderr)")
        let arguments = ["pathway", "migrate", "--database", database, "--to", "Pathways/families-first.json", "--mapping", Self.mapping, "--json"]
        let dry = try CommandRunner.run(arguments + ["--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        let report = try JSONParser().parse(Array(dry.stdout.utf8)).value()
        #expect(report["cases"] == .integer(0) && report["moved"] == .integer(0) && report["review"] == .array([]) && report["byLevel"] == .array([]))
        #expect(report["dryRun"] == .bool(true))
        let badMapping = try CommandRunner.run(["pathway", "migrate", "--database", database, "--to", "Pathways/surrey.json", "--mapping", Self.mapping])
        #expect(badMapping.status == 65 && badMapping.stderr.contains("nothing was changed"))
    }
}
