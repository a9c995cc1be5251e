import ArgumentParser
import ContinuumCore

/// `continuum check [FILE...]`: static verification of pathway definitions.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Verify pathway definitions before anyone relies on them.",
        discussion: """
            Reports unknown or duplicate ids, levels unreachable from the front door, levels with \
            no path to closure, step-ups with no step-down back, rules that overlap under a \
            "unique" hit policy, input combinations no rule covers, consent-only levels \
            recommended without consent, and clocks that never stop. Each message names the \
            file, the JSON path and the rule. Exits 65 if any file has an error.

            Example:
              continuum check Pathways/surrey.json
            """
    )

    @Argument(help: ArgumentHelp("Pathway files to check (default: Pathways/surrey.json).", valueName: "FILE"))
    var files: [String] = []

    @Flag(name: .long, help: "Print only errors, not warnings or the summary.")
    var quiet = false

    func run() throws {
        var failed = false
        var missing = false
        for file in files.isEmpty ? [PathwayOption.defaultPath] : files {
            guard Files.exists(file) else {
                Console.error("\(file): no such file")
                missing = true
                continue
            }
            let pathway: Pathway
            do {
                pathway = try PathwayLoader().load(path: file, read: Files.read)
            } catch {
                Console.error(error.description.hasPrefix(file) ? "\(error)" : "\(file): \(error)")
                failed = true
                continue
            }
            let report = PathwayChecker.check(pathway, today: Clock.today)
            for problem in report.problems where !(quiet && problem.severity == .warning) {
                Console.error("\(file): \(problem)")
            }
            if report.errors.isEmpty {
                if !quiet {
                    let rules = pathway.criteria.reduce(0) { $0 + $1.rules.count }
                    Console.out("\(file): OK: \(pathway.reference), \(pathway.levels.count) levels, \(pathway.transitions.count) transitions, "
                        + "\(rules) rules, \(pathway.clocks.count) clocks, \(report.warnings.count) warning(s)")
                }
            } else {
                Console.error("\(file): \(report.errors.count) error(s)")
                failed = true
            }
        }
        if failed { throw Exit.dataError }
        if missing { throw Exit.noInput }
    }
}
