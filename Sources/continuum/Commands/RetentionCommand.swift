import ArgumentParser
import ContinuumCore
import ContinuumJSON
import ContinuumStore

/// `continuum retention apply`: erases the personal data of children past the retention schedule.
struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Children's records past the retention schedule the pathway sets.",
        subcommands: [Apply.self]
    )

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase the personal data of children whose records are past retention (--dry-run: list them only).",
            discussion: """
                Each level of the pathway has a retention rule ({"years": N, "after": "closure" | "birth"}); a child's \\
                record is kept for the longest rule of any level its cases reached, and while any of its cases is open. \\
                Cases of one child are those joined by confirmed identity links.

                Erasure destroys the data keys of the child's cases (crypto-shredding): their names, dates of \\
                birth, NHS numbers, addresses and free text can never be read again, from the log or the \\
                projections; ids, levels, dates and codes stay, so `audit verify` still passes and indicators \\
                for past periods are unchanged. One `personal-data-erased` event per child records the rule \\
                applied. It cannot be undone: run with --dry-run first. Needs the master key (dates of birth).

                Examples:
                  continuum retention apply --database data/continuum.sqlite --as-of \\
                    2033-04-01 --dry-run --json
                  continuum retention apply --database data/continuum.sqlite --master-key \\
                    data/master.key
                """
        )

        @OptionGroup var database: DatabaseOption
        @OptionGroup var pathway: PathwayOption
        @Option(name: .long, help: ArgumentHelp("The day to judge on (default today, London).", valueName: "YYYY-MM-DD")) var asOf: String?
        @Flag(name: .long, help: "Report who is past retention; erase nothing.") var dryRun = false
        @Flag(name: .long, help: "Print JSON: {\"asOf\", \"children\", \"open\", \"kept\", \"erased\", \"due\": [{\"caseIds\", \"keptUntil\", \"level\", \"rule\"}], \"undetermined\", \"dryRun\", \"events\"}.")
        var json = false

        func validate() throws {
            if let asOf, CalendarDate(asOf) == nil { throw ValidationError("--as-of \"\(asOf)\" is not a date, YYYY-MM-DD") }
        }

        func run() async throws {
            let store = try database.open(pathways: try pathway.loadSet(), keyFor: "retention (dates of birth)")
            let day = asOf.flatMap { CalendarDate($0) } ?? Clock.today
            let report: RetentionReport
            var events: [String] = []
            do {
                if dryRun {
                    report = try await store.retention(asOf: day)
                } else {
                    let erased = try await store.applyRetention(asOf: day, actor: Actor(id: "retention-command", role: .admin), at: Clock.nowForStore)
                    report = erased.report
                    events = erased.events
                }
            } catch let error as StoreError {
                Console.error("continuum: \(error)")
                throw Exit.forStore(error)
            }
            if json {
                guard case .object(var members) = report.json else { return }
                members["dryRun"] = .bool(dryRun)
                members["events"] = .array(events.map(JSONValue.string))
                Console.out(JSONValue.object(members).serialized())
                return
            }
            Console.out((dryRun ? "Dry run: nothing erased. " : "Erased the personal data of \(report.due.count) child(ren) (\(events.count) personal-data-erased event(s)). ")
                        + "On \(day): \(report.children) child(ren); \(report.open) with a case open, \(report.kept) within retention, "
                        + "\(report.due.count) past it, \(report.undetermined.count) undetermined, \(report.erased) erased before")
            for due in report.due {
                Console.out("  \(due.caseIds.joined(separator: ",").padded(28)) kept until \(due.keptUntil) (\(due.level): \(due.rule))")
            }
            for caseIds in report.undetermined {
                Console.out("  \(caseIds.joined(separator: ",").padded(28)) undetermined: a level without a rule, or no date of birth; kept until a person decides")
            }
        }
    }
}
