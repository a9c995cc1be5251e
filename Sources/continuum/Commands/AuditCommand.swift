import ArgumentParser
import ContinuumClient
import ContinuumCore
import ContinuumJSON
import ContinuumStore

/// `continuum audit verify`: check the event log's hash chain.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check the tamper-evident event log; sample and grade case files for audit.",
        subcommands: [Verify.self, Sample.self, Grade.self]
    )

    struct Sample: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Draw a random sample of cases for case-file audit (the same sample for the same seed).",
            discussion: "Example:\n  continuum audit sample --size 20 --seed 202611"
        )

        @Option(name: .long, help: "How many cases.") var size: Int
        @Option(name: .long, help: "Seed (record it with the audit, so the sample can be drawn again).") var seed: UInt64 = 1
        @Flag(name: .long, help: "Print JSON.") var json = false
        @OptionGroup var database: DatabaseOption
        @OptionGroup var pathway: PathwayOption

        func validate() throws { guard (1...10_000).contains(size) else { throw ValidationError("--size must be 1 to 10,000") } }

        func run() async throws {
            let store = try database.open(pathway: try pathway.loadVerified())
            let sample = try await store.auditSample(size: size, seed: seed)
            if json {
                Console.out(JSONValue.array(sample.map { .object(["caseId": .string($0.caseId), "phase": .string($0.phase), "level": $0.level.map(JSONValue.string) ?? .null]) }).serialized(pretty: true))
            } else {
                for entry in sample { Console.out("\(entry.caseId)  \(entry.phase)\(entry.level.map { " at \($0)" } ?? "")") }
            }
            Console.error("continuum: \(sample.count) case(s) sampled with seed \(seed)")
        }
    }

    struct Grade: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a manager's case-file audit grade and findings (through the service, with a manager token).",
            discussion: "Example:\n  continuum audit grade C-JB3HJTFTRE --grade requires-improvement --findings \"Plan lacks timescales\" --token $MANAGER"
        )

        @OptionGroup var connection: ConnectionOptions
        @Argument(help: ArgumentHelp("The case id.", valueName: "CASE")) var caseId: String
        @Option(name: .long, help: "outstanding, good, requires-improvement or inadequate.") var grade: String
        @Option(name: .long, help: ArgumentHelp("What the audit found (required).", valueName: "TEXT")) var findings: String

        func validate() throws {
            guard AuditGrade(rawValue: grade) != nil else {
                throw ValidationError("--grade must be one of \(AuditGrade.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if findings.allSatisfy(\.isWhitespace) { throw ValidationError("--findings must not be empty") }
        }

        func run() async throws {
            let client = try connection.client()
            let outcome = try await talk { () throws(ClientError) in try await client.grade(caseId, grade: grade, findings: findings) }
            Console.out("Recorded \(outcome["eventId"]?.stringValue ?? ""): case \(caseId) graded \(grade).")
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute every event's hash and check the chain; exit 70 at the first break.",
            discussion: "Example:\n  continuum audit verify --database data/continuum.sqlite"
        )

        @OptionGroup var database: DatabaseOption
        @OptionGroup var pathway: PathwayOption

        func run() async throws {
            let store = try database.open(pathway: try pathway.loadVerified())
            do {
                let report = try await store.verifyChain()
                Console.out("continuum: event log verified: \(report.events) events, last hash \(report.lastHash)")
            } catch let error as StoreError {
                Console.error("continuum: \(error)")
                throw Exit.software
            }
        }
    }
}

/// `continuum rebuild`: recreate the projections from the event log.
struct RebuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Rebuild cases, queue and clocks from the event log (the source of truth).",
        discussion: """
            Replays every event through the pathway's case state machine into fresh projection \
            tables, in one transaction. Safe to run while the server is stopped or running \
            (writes wait for it).

            Example:
              continuum rebuild --database data/continuum.sqlite
            """
    )

    @OptionGroup var database: DatabaseOption
    @OptionGroup var pathway: PathwayOption

    func run() async throws {
        let store = try database.open(pathway: try pathway.loadVerified())
        do {
            let report = try await store.rebuild()
            Console.out("continuum: rebuilt \(report.cases) cases and \(report.referrals) referrals from \(report.events) events")
        } catch let error as StoreError {
            Console.error("continuum: rebuild failed, projections unchanged: \(error)")
            throw Exit.software
        }
    }
}
