import ArgumentParser
import ContinuumCore
import ContinuumServer
import ContinuumStore
import Foundation

/// `--database PATH`, shared by `serve`, `token`, `audit` and `rebuild`.
struct DatabaseOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The SQLite database file (created when missing).", valueName: "PATH"))
    var database: String = DatabaseOption.defaultPath

    /// `$CONTINUUM_DATABASE`, else `data/continuum.sqlite` in the current folder.
    static var defaultPath: String {
        ProcessInfo.processInfo.environment["CONTINUUM_DATABASE"] ?? "data/continuum.sqlite"
    }

    /// Opens the store, or exits 69 with the reason. Commands use it through its protocols
    /// (``CaseStore``), as the server does.
    func open(pathways: PathwaySet) throws -> any CaseStore {
        do {
            return try SQLiteCaseStore(path: database, pathways: pathways) { Console.error("continuum: \($0)") }
        } catch {
            Console.error("continuum: cannot open the database: \(error)")
            throw Exit.unavailable
        }
    }
}

extension Clock {
    /// The wall clock the server uses, for commands that record events.
    static var nowForStore: Timestamp { SystemClock.now() }
}
