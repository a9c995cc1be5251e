import ArgumentParser
import ContinuumStore

/// `continuum audit verify`: check the event log's hash chain.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check the tamper-evident event log.",
        subcommands: [Verify.self]
    )

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
