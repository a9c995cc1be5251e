import ArgumentParser
import ContinuumAPI
import ContinuumCensus
import ContinuumCore
import ContinuumJSON
import ContinuumStore
import Foundation

/// `continuum census`: the children in need census return, from the event log (issue 18).
struct CensusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "census",
        abstract: "Write the children in need (CIN) census return for a collection year, with its data-quality list.",
        discussion: """
            The return holds every child with a CIN episode open on any day of the year (1 April to \
            31 March; reference date 31 March), in the DfE's CIN census XML. Which records are in it \
            follows the census guide: a referral to children's social care opens an episode; a \
            contact routed to universal or early help does not (each level's "census" attribute in \
            the pathway says which are in). docs/census.md says how each item is read from the log.

            Where data is missing the file is still written, with the census's "not known" codes \
            where the rules allow them, and the data-quality list names each child (by LA child id, \
            never by name), the rule broken and what to record to fix it. The children's dates of \
            birth and identifiers are encrypted: the master key is needed.

            Exit codes: 0 written; 65 --strict and an error remains; 64 a wrong year or LA code; \
            66 no database; 73 the output cannot be written; 78 no master key.

            Examples:
              continuum census --year 2026-27 --out cin-2026-27.xml
              continuum census --year 2026-27 --la 936 --out cin.xml --strict
              continuum census --year 2026-27 --json > quality.json
            """
    )

    @OptionGroup var database: DatabaseOption
    @OptionGroup var pathway: PathwayOption

    @Option(name: .long, help: ArgumentHelp("The collection year, e.g. 2026-27.", valueName: "YYYY-YY"))
    var year: String

    @Option(name: .long, help: ArgumentHelp("The council's three-digit LA code (default: the pathway's census.la; Surrey 936).", valueName: "CODE"))
    var la: String?

    @Option(name: .long, help: ArgumentHelp("Write the XML return here (default: only the data-quality list).", valueName: "FILE"))
    var out: String?

    @Flag(name: .long, help: "Exit 65 when any validation error remains.")
    var strict = false

    @Flag(name: .long, help: "Print the data-quality list as JSON.")
    var json = false

    func validate() throws {
        guard CensusYear(year) != nil else { throw ValidationError("--year: \"\(year)\" is not a collection year; give it as 2026-27") }
        if let la, !CensusSettings.isLACode(la) { throw ValidationError("--la: \"\(la)\" is not a three-digit LA code (Surrey is 936)") }
    }

    func run() async throws {
        guard let censusYear = CensusYear(year) else { throw Exit.usage }
        let store = try database.open(pathways: try pathway.loadSet(), keyFor: "the children in need census")
        let report: CensusReport
        do {
            report = try await store.census(year: censusYear, la: la)
        } catch let error as StoreError {
            Console.error("continuum: cannot make the census return: \(error)")
            switch error {
            case .censusLAMissing, .censusLAInvalid: throw Exit.usage
            default: throw Exit.forStore(error)
            }
        }
        if let out {
            // The return carries each child's identifiers and characteristics out of the system:
            // each case in it is recorded in the access log before the file is written, as a
            // subject access export is (issue 18).
            let caseIds = Set(report.census.children.flatMap { child in child.episodes.map(\.caseId) })
            do {
                try await store.recordAccess(caseIds.sorted().map { AccessRead(caseId: $0, view: .census) },
                                             by: Principal(tokenId: "census-command", role: .admin, partnerId: nil, name: "continuum census --out \(out)"),
                                             at: Clock.nowForStore)
            } catch {
                Console.error("continuum: cannot record the census export in the access log, so nothing was written: \(error)")
                throw Exit.forStore(error)
            }
            let xml = CensusXML.document(report.census, generatedAt: Self.localDateTime(), release: Continuum.version)
            do {
                try Data(xml.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
            } catch {
                Console.error("continuum: cannot write \(out): \(error.localizedDescription)")
                throw Exit.cannotCreate
            }
        }
        if json {
            Console.out(try JSONValueEncoder().encode(CensusQuality(report.census, issues: report.issues)).serialized(pretty: true))
        } else {
            Console.out(Self.table(report, out: out))
        }
        if strict && report.errors > 0 {
            Console.error("continuum: \(report.errors) validation error(s) remain (--strict)")
            throw Exit.dataError
        }
    }

    static func table(_ report: CensusReport, out: String?) -> String {
        let census = report.census
        let episodes = census.children.reduce(0) { $0 + $1.episodes.count }
        var lines = ["CIN census \(census.year) for LA \(census.la) (reference date \(census.year.referenceDate)): \(census.children.count) children, \(episodes) episodes"
                     + (out.map { "; written to \($0)" } ?? "")]
        if report.issues.isEmpty {
            lines.append("No validation errors or queries.")
            return lines.joined(separator: "\n")
        }
        lines.append("\(report.errors) error(s), \(report.issues.count - report.errors) quer(y/ies) to check:")
        for issue in report.issues {
            lines.append("  \(issue.severity == .error ? "ERROR" : "query") \(issue.rule)  \(issue.laChildId.isEmpty ? "the return" : "child \(issue.laChildId)")\(issue.caseId.map { " (case \($0))" } ?? ""): \(issue.message)")
            lines.append("        fix: \(issue.fix)")
        }
        return lines.joined(separator: "\n")
    }

    /// `YYYY-MM-DDTHH:MM:SS` in London, for the header.
    static func localDateTime() -> String {
        let now = Timestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970))
        return now.londonTime.replacingOccurrences(of: " ", with: "T") + ":00"
    }
}
