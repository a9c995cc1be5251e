import ArgumentParser
import ContinuumCore
import ContinuumPostgres
import ContinuumStore
import Foundation

/// `continuum store copy`: moving a council from the embedded SQLite file to PostgreSQL (issue 17;
/// docs/postgresql.md).
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Move the store between engines.",
        subcommands: [Copy.self]
    )

    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy an SQLite store's event log and records into an empty PostgreSQL database, and check the chain arrived intact.",
            discussion: """
                Copies the event log, tokens, data keys, key store, access log and webhooks from one snapshot of the \\
                source (a server may keep writing to it; what it writes after the copy starts is not copied), then \\
                walks the chain in PostgreSQL: it must hold the same number of events ending with the same hash. \\
                With the master key, the projections are then rebuilt from the copy (as a router does on its first \\
                start) and their chain checked again. The target must be empty: a copy never mixes with other data. \\
                Sealed personal data is copied as it is stored; nothing is decrypted.

                Example:
                  createdb -h db.council.example continuum
                  continuum store copy --from data/continuum.sqlite --to \\
                    postgres://continuum@db.council.example/continuum --master-key \\
                    data/master.key
                """
        )

        @Option(name: .long, help: ArgumentHelp("The SQLite database file to copy.", valueName: "PATH"))
        var from: String
        @Option(name: .long, help: ArgumentHelp("The empty PostgreSQL database: postgres://user[:password]@host[:port]/db[?sslmode=…] (password from the URL or $PGPASSWORD).",
                                                valueName: "URL"))
        var to: String
        @Option(name: .customLong("master-key"),
                help: ArgumentHelp("The master key file: when given, the projections are rebuilt from the copy and checked (default $CONTINUUM_MASTER_KEY_FILE).",
                                   valueName: "FILE"))
        var masterKey: String?
        @OptionGroup var pathway: PathwayOption

        func run() async throws {
            guard FileManager.default.fileExists(atPath: from) else {
                Console.error("continuum: store copy: no database at \(from)")
                throw Exit.noInput
            }
            let target: PostgresLocation
            do {
                target = try PostgresLocation(to)
            } catch {
                Console.error("continuum: store copy: --to \(error.reason)")
                throw Exit.usage
            }
            let keyPath = masterKey ?? ProcessInfo.processInfo.environment["CONTINUUM_MASTER_KEY_FILE"].flatMap { $0.isEmpty ? nil : $0 }
            let key: MasterKey?
            do {
                key = try keyPath.map { try MasterKey.load(from: $0) }
            } catch {
                Console.error("continuum: store copy: \(error)")
                throw Exit.configuration
            }
            let pathways = try pathway.loadSet()
            let source: SQLiteCaseStore
            let log: PostgresSharedLog
            do {
                source = try SQLiteCaseStore(path: from, pathways: pathways, masterKey: nil)
                log = try PostgresSharedLog(target)
            } catch {
                Console.error("continuum: store copy: \(error)")
                throw Exit.forStore(error)
            }
            defer { log.shutdown() }
            let report: StoreCopy.Report
            do {
                report = try await StoreCopy.run(from: source, to: log) { events in
                    if events % 100_000 < 2_000 { Console.error("continuum: store copy: \(events) events copied") }
                }
            } catch let failure as StoreCopy.Failure {
                Console.error("continuum: store copy: \(failure)")
                if case .targetNotEmpty = failure { throw Exit.cannotCreate }
                throw Exit.dataError
            } catch {
                Console.error("continuum: store copy: \(error); the target holds part of the copy: drop and create the database again before retrying")
                throw Exit.forStore(error)
            }
            Console.out("continuum: copied \(report.events) events and \(report.records) records to \(target); the chain arrived intact (last hash \(report.lastHash))")
            guard let key else {
                Console.error("continuum: store copy: no master key given, so the projections were not rebuilt here; each router rebuilds them on its first start")
                return
            }
            do {
                let replica = try StoreLocation.postgres(target).open(pathways: pathways, masterKey: key, replica: nil) { Console.error("continuum: \($0)") }
                let chain = try await replica.verifyChain()
                let rebuilt = try await replica.rebuild()
                Console.out("continuum: projections rebuilt from the copy: \(rebuilt.cases) cases, \(rebuilt.referrals) referrals; chain verified: \(chain.events) events")
            } catch {
                Console.error("continuum: store copy: the copy is whole, but rebuilding projections from it failed: \(error)")
                throw Exit.forStore(error)
            }
        }
    }
}
