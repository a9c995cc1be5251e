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
            recommended without consent, and clocks that never stop. Several files are checked as \
            versions of one pathway too: no two may share id@version or effectiveFrom. Each message \
            names the file, the JSON path and the rule. Exits 65 if any file has an error.

            With --mapping, checks a migration mapping between two versions (OLD NEW) before it \
            runs: every old level and running clock accounted for, every target real, and no case \
            put on a consent level without consent.

            Examples:
              continuum check Pathways/surrey.json Pathways/families-first.json
              continuum check --mapping \\
                Pathways/migrations/surrey-2026-11-to-families-first-2027-04.json \\
                Pathways/surrey.json Pathways/families-first.json
            """
    )

    @Argument(help: ArgumentHelp("Pathway files to check (default: Pathways/surrey.json).", valueName: "FILE"))
    var files: [String] = []

    @Flag(name: .long, help: "Print only errors, not warnings or the summary.")
    var quiet = false

    @Option(name: .long, help: ArgumentHelp("A migration mapping to check between the two files given (OLD NEW).", valueName: "FILE"))
    var mapping: String?

    func validate() throws {
        if mapping != nil, files.count != 2 { throw ValidationError("--mapping needs exactly two pathway files: the OLD version, then the NEW") }
    }

    func run() throws {
        var failed = false
        var missing = false
        var loaded: [(file: String, pathway: Pathway, verified: VerifiedPathway?)] = []
        for file in files.isEmpty ? PathwayOption.defaultPaths : files {
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
            loaded.append((file, pathway, report.verified))
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
        if loaded.count > 1 {
            for problem in PathwaySet.problems(loaded.map(\.pathway)) {
                Console.error("\(problem.indices.map { loaded[$0].file }.joined(separator: ", ")): error: \(problem)")
                failed = true
            }
        }
        if let mapping, !failed, !missing, loaded.count == 2, let old = loaded[0].verified, let new = loaded[1].verified {
            failed = !checkMapping(mapping, old: old, new: new) || failed
            if !Files.exists(mapping) { missing = true }
        }
        if failed { throw Exit.dataError }
        if missing { throw Exit.noInput }
    }

    /// Checks the mapping file; prints its problems or a summary; true when it can run.
    private func checkMapping(_ file: String, old: VerifiedPathway, new: VerifiedPathway) -> Bool {
        guard Files.exists(file) else {
            Console.error("\(file): no such file")
            return true
        }
        let mapping: PathwayMapping
        do {
            mapping = try PathwayMapping.load(try Files.read(file), path: file)
        } catch let error as PathwayLoadError {
            Console.error(error.description.hasPrefix(file) ? "\(error)" : "\(file): \(error)")
            return false
        } catch {
            Console.error("\(file): cannot read: \(error)")
            return false
        }
        let report = MappingChecker.check(mapping, from: old, to: new)
        for problem in report.problems { Console.error("\(file): \(problem)") }
        guard report.errors.isEmpty else {
            Console.error("\(file): \(report.errors.count) error(s)")
            return false
        }
        if !quiet {
            let rules = mapping.levels.reduce(0) { $0 + $1.rules.count }
            Console.out("\(file): OK: \(mapping.from) → \(mapping.to), \(mapping.levels.count) levels by \(rules) rules, \(mapping.clocks.count) clocks")
        }
        return true
    }
}
