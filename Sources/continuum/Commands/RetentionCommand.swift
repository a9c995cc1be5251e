import ArgumentParser
import ContinuumCore
import ContinuumJSON
import ContinuumStore

/// `continuum retention apply`: who is past the retention schedule.
struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Children's records past the retention schedule the pathway sets.",
        subcommands: [Apply.self]
    )

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List (with --dry-run) the children whose records are past retention.",
            discussion: """
                Each level of the pathway has a retention rule ({"years": N, "after": "closure" | "birth"}); a child's \\
                record is kept for the longest rule of any level its cases reached, and while any of its cases is open. \\
                Cases of one child are those joined by confirmed identity links.

                Only --dry-run is available: erasure destroys each child's data key, and encryption at rest under \\
                per-child keys is not built yet (issue 20). Until then nothing is erased.

                Example:
                  continuum retention apply --database data/continuum.sqlite --as-of 2033-04-01 --dry-run --json
                """
        )

        @OptionGroup var database: DatabaseOption
        @OptionGroup var pathway: PathwayOption
        @Option(name: .long, help: ArgumentHelp("The day to judge on (default today, London).", valueName: "YYYY-MM-DD")) var asOf: String?
        @Flag(name: .long, help: "Report who is past retention; change nothing.") var dryRun = false
        @Flag(name: .long, help: "Print JSON: {\"asOf\", \"children\", \"open\", \"kept\", \"due\": [{\"caseIds\", \"keptUntil\", \"level\", \"rule\"}], \"undetermined\"}.")
        var json = false

        func validate() throws {
            if let asOf, CalendarDate(asOf) == nil { throw ValidationError("--as-of \"\(asOf)\" is not a date, YYYY-MM-DD") }
            if !dryRun {
                throw ValidationError("erasure needs encryption at rest under per-child keys, which is not built yet (issue 20); run with --dry-run to see who is past retention")
            }
        }

        func run() async throws {
            let store = try database.open(pathways: try pathway.loadSet())
            let day = asOf.flatMap { CalendarDate($0) } ?? Clock.today
            let report = try await store.retention(asOf: day)
            if json {
                Console.out(report.json.serialized())
                return
            }
            Console.out("Dry run: nothing erased. On \(day): \(report.children) child(ren); \(report.open) with a case open, \(report.kept) within retention, "
                        + "\(report.due.count) past it, \(report.undetermined.count) undetermined")
            for due in report.due {
                Console.out("  \(due.caseIds.joined(separator: ",").padded(28)) kept until \(due.keptUntil) (\(due.level): \(due.rule))")
            }
            for caseIds in report.undetermined {
                Console.out("  \(caseIds.joined(separator: ",").padded(28)) undetermined: a level without a rule, or no date of birth; kept until a person decides")
            }
        }
    }
}
