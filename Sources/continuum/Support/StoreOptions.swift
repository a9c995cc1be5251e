import ArgumentParser
import ContinuumCore
import ContinuumPostgres
import ContinuumServer
import ContinuumStore
import Foundation

/// `--database PATH|URL`, `--replica PATH` and `--master-key FILE`, shared by every command
/// that opens the store.
struct DatabaseOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The SQLite database file (created when missing), or a PostgreSQL database as postgres://user[:password]@host[:port]/db[?sslmode=…] "
                                            + "(password from the URL or $PGPASSWORD). Default $CONTINUUM_DATABASE, else data/continuum.sqlite.",
                                            valueName: "PATH|URL"))
    var database: String = DatabaseOption.defaultPath

    @Option(name: .long, help: ArgumentHelp("On PostgreSQL: where this process keeps its replica of the projections, so a restart catches up from where it stopped "
                                            + "(default $CONTINUUM_REPLICA, else a temporary file removed at exit).", valueName: "PATH"))
    var replica: String?

    @Option(name: .customLong("master-key"),
            help: ArgumentHelp("The master key file that unlocks children's personal data (default $CONTINUUM_MASTER_KEY_FILE; `continuum keys init` makes one).",
                               valueName: "FILE"))
    var masterKey: String?

    /// `--master-key`, else `$CONTINUUM_MASTER_KEY_FILE`.
    var masterKeyPath: String? {
        masterKey ?? ProcessInfo.processInfo.environment["CONTINUUM_MASTER_KEY_FILE"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The master key, or nil when none was given and `purpose` (what needs it) is nil; exits 78
    /// (configuration error) naming the file when it is missing, unreadable or not a key, and
    /// when `purpose` needs one and none was given.
    func loadMasterKey(for purpose: String?) throws -> MasterKey? {
        guard let path = masterKeyPath else {
            guard let purpose else { return nil }
            Console.error("continuum: \(purpose) needs the master key: give --master-key FILE or set CONTINUUM_MASTER_KEY_FILE "
                          + "(the file `continuum keys init` made for this database; `make run` keeps it at data/master.key)")
            throw Exit.configuration
        }
        do {
            return try MasterKey.load(from: path)
        } catch {
            Console.error("continuum: \(error)")
            throw Exit.configuration
        }
    }

    /// `--replica`, else `$CONTINUUM_REPLICA`.
    var replicaPath: String? {
        replica ?? ProcessInfo.processInfo.environment["CONTINUUM_REPLICA"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// What `--database` names; exits 64 (usage) for a `postgres://` URL that is not valid.
    func location() throws -> StoreLocation {
        do {
            return try StoreLocation(database)
        } catch {
            Console.error("continuum: \(error)")
            throw Exit.usage
        }
    }

    /// The database as it may be printed: a path, or the URL without its password.
    var displayName: String {
        (try? StoreLocation(database).description) ?? "(an invalid postgres:// URL)"
    }

    /// `$CONTINUUM_DATABASE`, else `data/continuum.sqlite` in the current folder.
    static var defaultPath: String {
        ProcessInfo.processInfo.environment["CONTINUUM_DATABASE"] ?? "data/continuum.sqlite"
    }

    /// Opens the store, or exits 69 with the reason (78 for a master key that is not this
    /// database's). Commands use it through its protocols (``CaseStore``), as the server does.
    /// - Parameter purpose: what needs the personal data (the master key is then required);
    ///   nil opens without one when none is given (indicators, tokens, `audit verify`).
    /// - Parameter creating: whether this command sets a store up (`serve`, `token create`): it
    ///   creates a missing SQLite file and says so. Every other command refuses one (exit 66
    ///   naming the path), so a mistyped path is never a new, empty store that looks like success.
    func open(pathways: PathwaySet, keyFor purpose: String? = nil, creating: Bool = false) throws -> any CaseStore {
        let location = try self.location()
        if case .sqlite(let path) = location, !FileManager.default.fileExists(atPath: path) {
            guard creating else {
                Console.error("continuum: no database at \(path) (check --database or $CONTINUUM_DATABASE; `continuum serve` or `continuum token create` creates one)")
                throw Exit.noInput
            }
            Console.error("continuum: creating the database \(path)")
        }
        // A shared store's replica is built by replaying the log, whose personal data is sealed:
        // every command needs the key there, not only those that show personal data.
        let key = try loadMasterKey(for: purpose ?? (location.isShared ? "opening a PostgreSQL store (this process replays its log)" : nil))
        do {
            return try location.open(pathways: pathways, masterKey: key, replica: replicaPath) { Console.error("continuum: \($0)") }
        } catch {
            Console.error("continuum: cannot open the database: \(error)")
            if let path = masterKeyPath, case .wrongMasterKey? = error as? StoreError { Console.error("continuum: the key file given was \(path)") }
            throw Exit.forStore(error)
        }
    }
}

extension Clock {
    /// The wall clock the server uses, for commands that record events.
    static var nowForStore: Timestamp { SystemClock.now() }
}
