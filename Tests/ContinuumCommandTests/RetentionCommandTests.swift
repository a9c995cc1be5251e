import ContinuumJSON
import ContinuumTesting
import Foundation
import GRDB
import Testing

/// `continuum retention apply` and `continuum keys` (issue 20): the master key is required,
/// named when missing or wrong (exit 78), and a dry run reports without erasing.
@Suite("continuum retention and keys")
struct RetentionCommandTests {
    @Test("--dry-run --json prints the report's fields; a bad date is 64")
    func dryRun() throws {
        let database = try CommandRunner.temporaryFolder().appendingPathComponent("continuum.sqlite").path
        // Set up by `token create` (the commands that read a store never create one).
        #expect(try CommandRunner.run(["token", "create", "--role", "admin", "--database", database]).status == 0)
        let report = try CommandRunner.run(["retention", "apply", "--database", database, "--as-of", "2033-01-01", "--dry-run", "--json"])
        #expect(report.status == 0, "\(report.stderr)")
        let value = try JSONParser().parse(Array(report.stdout.utf8)).value()
        #expect(value["asOf"] == .string("2033-01-01") && value["children"] == .integer(0) && value["due"] == .array([]))
        #expect(value["dryRun"] == .bool(true) && value["erased"] == .integer(0) && value["events"] == .array([]))
        let badDate = try CommandRunner.run(["retention", "apply", "--database", database, "--as-of", "2033-02-30", "--dry-run"])
        #expect(badDate.status == 64 && badDate.stderr.contains("not a date"))
    }

    @Test("keys init writes a 0600 key and never overwrites one; a missing or wrong key is 78 naming the file, and nothing is written")
    func keys() throws {
        let folder = try CommandRunner.temporaryFolder()
        let database = folder.appendingPathComponent("continuum.sqlite").path
        let other = folder.appendingPathComponent("other.key").path
        let made = try CommandRunner.run(["keys", "init", "--out", other])
        #expect(made.status == 0 && made.stdout.contains(other), "\(made.stderr)")
        let mode = try FileManager.default.attributesOfItem(atPath: other)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let again = try CommandRunner.run(["keys", "init", "--out", other])
        #expect(again.status == 73 && again.stderr.contains("never overwritten"))

        // Created by `token create`, bound to the tests' key (CONTINUUM_MASTER_KEY_FILE) on first use.
        #expect(try CommandRunner.run(["token", "create", "--role", "admin", "--database", database]).status == 0)
        #expect(try CommandRunner.run(["retention", "apply", "--database", database, "--dry-run"]).status == 0)
        // What the database holds (SQLite may move a page on close: the contents are compared).
        func contents() throws -> [String] {
            var configuration = Configuration()
            configuration.readonly = true
            return try DatabaseQueue(path: database, configuration: configuration).read { db in
                try String.fetchAll(db, sql: "SELECT name || '=' || value FROM key_store UNION ALL SELECT key_id || '=' || wrapped FROM data_keys UNION ALL SELECT hash FROM events")
            }
        }
        let before = try contents()
        let missing = try CommandRunner.run(["retention", "apply", "--database", database, "--dry-run"], environment: ["CONTINUUM_MASTER_KEY_FILE": ""])
        #expect(missing.status == 78 && missing.stderr.contains("--master-key FILE") && missing.stderr.contains("CONTINUUM_MASTER_KEY_FILE"))
        let wrong = try CommandRunner.run(["retention", "apply", "--database", database, "--dry-run", "--master-key", other])
        #expect(wrong.status == 78 && wrong.stderr.contains("is not this database's") && wrong.stderr.contains(other), "\(wrong.stderr)")
        let absent = try CommandRunner.run(["serve", "--database", database, "--master-key", folder.appendingPathComponent("nowhere.key").path])
        #expect(absent.status == 78 && absent.stderr.contains("nowhere.key"))
        #expect(try contents() == before && !before.isEmpty, "a refused key writes nothing")
        // Commands that read no personal data work without the key.
        #expect(try CommandRunner.run(["audit", "verify", "--database", database], environment: ["CONTINUUM_MASTER_KEY_FILE": ""]).status == 0)
    }
}
