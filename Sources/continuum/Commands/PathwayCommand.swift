import ArgumentParser
import ContinuumCore
import ContinuumJSON
import ContinuumStore
import Foundation

/// `continuum pathway migrate`: carries the open cases of one pathway version to the next.
struct PathwayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pathway",
        abstract: "Work with pathway versions in the database.",
        subcommands: [Migrate.self]
    )

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move every open case of the mapping's old version to the new one.",
            discussion: """
                The mapping (continuum-pathway-mapping/1) is checked first, as `continuum check --mapping` \\
                does; a mapping with a gap changes nothing. Each case moved is one pathway-migrated \\
                event in the log (audit verify and rebuild hold); a case the mapping will not place \\
                (a consent level without consent, a change waiting for approval, a rule that says a \\
                person decides) goes on the review list, stays on its version, and is shown by \\
                `continuum triage review`. Running it again moves nothing more.

                --pathway names the versions the database's cases are on (default Pathways/surrey.json); \\
                --to the new version. Serve with every version afterwards:
                  continuum serve --pathway Pathways/surrey.json --pathway Pathways/families-first.json

                Example:
                  continuum pathway migrate --database data/continuum.sqlite \\
                    --to Pathways/families-first.json --dry-run --mapping \\
                    Pathways/migrations/surrey-2026-11-to-families-first-2027-04.json
                """
        )

        @OptionGroup var database: DatabaseOption
        @OptionGroup var pathway: PathwayOption

        @Option(name: .long, help: ArgumentHelp("The new pathway version.", valueName: "FILE"))
        var to: String

        @Option(name: .long, help: ArgumentHelp("The mapping from the old version to the new.", valueName: "FILE"))
        var mapping: String

        @Flag(name: .long, help: "Report what would move, and change nothing.")
        var dryRun = false

        @Flag(name: .long, help: "Print the report as JSON: {\"cases\", \"moved\", \"review\", \"byLevel\", …}.")
        var json = false

        func run() async throws {
            let target = try PathwayOption.loadVerified(to)
            var versions = try pathway.paths.map(PathwayOption.loadVerified)
            if !versions.contains(where: { $0.definition.reference == target.definition.reference }) { versions.append(target) }
            let set: PathwaySet
            do {
                set = try PathwaySet(versions)
            } catch {
                Console.error("continuum: \(error)")
                throw Exit.dataError
            }
            guard Files.exists(mapping) else {
                Console.error("\(mapping): no such file")
                throw Exit.noInput
            }
            let loaded: PathwayMapping
            do {
                loaded = try PathwayMapping.load(try Files.read(mapping), path: mapping)
            } catch {
                Console.error("\(error)")
                throw Exit.dataError
            }
            guard let old = set.version(loaded.from) else {
                Console.error("\(mapping): $.from: the mapping is from \(loaded.from), which is not among the versions given (\(set.references.joined(separator: ", "))); pass its file with --pathway")
                throw Exit.dataError
            }
            let report = MappingChecker.check(loaded, from: old, to: target)
            guard let verified = report.verified else {
                for problem in report.problems { Console.error("\(mapping): \(problem)") }
                Console.error("continuum: the mapping has \(report.errors.count) error(s); nothing was changed")
                throw Exit.dataError
            }
            let store = try database.open(pathways: set, keyFor: "pathway migrate (outstanding referrals are routed again)")
            // About half a millisecond a case in a release build: a large council's run takes a while.
            let result = try await store.migrate(verified, dryRun: dryRun, actor: Actor(id: "pathway-migrate", role: .admin), at: Clock.nowForStore) { done, total in
                FileHandle.standardError.write(Data("\rcontinuum: \(dryRun ? "planned" : "migrated") \(done) of \(total) cases".utf8))
            }
            if result.cases > 1000 { FileHandle.standardError.write(Data("\n".utf8)) }
            if json {
                Console.out(result.json.serialized())
                return
            }
            Console.out("\(dryRun ? "Dry run: nothing changed. " : "")\(result.from) → \(result.to): \(result.cases) open case(s) on \(result.from); "
                + "\(result.moved) \(dryRun ? "would move" : "moved"), \(result.review.count) on the review list")
            for row in result.byLevel { Console.out("  \(row.from.padded(22)) → \(row.to.padded(22)) \(row.count)") }
            for stop in result.clocksStopped { Console.out("  clock \(stop.clock) stopped on \(stop.count) case(s): \(stop.reason)") }
            if !result.review.isEmpty {
                Console.out("Review list (a person chooses each case's level: `continuum triage review`):")
                for caseId in result.review { Console.out("  \(caseId)") }
            }
        }
    }
}
