import ContinuumJSON
import Foundation
import Testing

/// `continuum retention apply` (issue 20, part): a dry run reports; erasure is refused until
/// encryption at rest lands, saying so.
@Suite("continuum retention")
struct RetentionCommandTests {
    @Test("--dry-run --json prints the report's fields; without --dry-run it exits 64 naming what is missing")
    func dryRunOnly() throws {
        let database = try CommandRunner.temporaryFolder().appendingPathComponent("continuum.sqlite").path
        #expect(try CommandRunner.run(["rebuild", "--database", database]).status == 0)
        let report = try CommandRunner.run(["retention", "apply", "--database", database, "--as-of", "2033-01-01", "--dry-run", "--json"])
        #expect(report.status == 0, "\(report.stderr)")
        let value = try JSONParser().parse(Array(report.stdout.utf8)).value()
        #expect(value["asOf"] == .string("2033-01-01") && value["children"] == .integer(0) && value["due"] == .array([]))
        let erase = try CommandRunner.run(["retention", "apply", "--database", database])
        #expect(erase.status == 64 && erase.stderr.contains("encryption at rest"))
        let badDate = try CommandRunner.run(["retention", "apply", "--database", database, "--as-of", "2033-02-30", "--dry-run"])
        #expect(badDate.status == 64 && badDate.stderr.contains("not a date"))
    }
}
