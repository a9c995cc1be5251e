import ContinuumCore
import ContinuumStore
import Foundation
import Logging
import Synchronization

/// Opening the store a `--database` value names: an SQLite file's path (the embedded store), or
/// a `postgres://` URL (a store several routers share, with this process's replica of it).
public enum StoreLocation: Sendable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresLocation)

    /// - Throws: ``PostgresLocation/Invalid`` for a `postgres://` URL that is not a valid one.
    public init(_ text: String) throws(PostgresLocation.Invalid) {
        self = PostgresLocation.isURL(text) ? .postgres(try PostgresLocation(text)) : .sqlite(path: text)
    }

    /// The path, or the URL without its password: safe to print and log.
    public var description: String {
        switch self {
        case .sqlite(let path): path
        case .postgres(let location): location.description
        }
    }

    /// Whether this is a store several routers share.
    public var isShared: Bool {
        if case .postgres = self { return true }
        return false
    }

    /// Opens the store.
    /// - Parameters:
    ///   - replica: where a shared store's replica is kept (kept between runs, a restart
    ///     catches up from where it stopped); nil: a temporary file, removed when the process ends.
    ///   - upgrading: told of long work before it starts (a replay, a catch-up).
    public func open(pathways: PathwaySet, masterKey: MasterKey?, replica: String?, logger: Logger = Logger(label: "continuum.postgres"),
                     upgrading: (String) -> Void = { _ in }) throws -> SQLiteCaseStore {
        switch self {
        case .sqlite(let path):
            return try SQLiteCaseStore(path: path, pathways: pathways, masterKey: masterKey, upgrading: upgrading)
        case .postgres(let location):
            let log: PostgresSharedLog
            do {
                log = try PostgresSharedLog(location, logger: logger)
            } catch {
                switch error {
                case .unavailable(let reason): throw StoreError.unavailable("\(location): \(reason)")
                case .refused(let reason): throw StoreError.databaseRefused(location: location.description, reason: reason)
                default: throw StoreError.database(path: location.description, message: error.description)
                }
            }
            let path = try replica ?? TemporaryReplicas.make()
            return try SQLiteCaseStore(path: path, pathways: pathways, masterKey: masterKey, sharedLog: log, upgrading: upgrading)
        }
    }
}

/// Replica files made for one run, removed when the process exits normally.
enum TemporaryReplicas {
    /// The folders to remove, and whether the `atexit` hook is set.
    private static let folders = Mutex<(paths: [String], hooked: Bool)>(([], false))

    static func make() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-replica-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw StoreError.database(path: folder.path, message: "cannot create a folder for the replica: \(error.localizedDescription)")
        }
        let hook = folders.withLock { state in
            state.paths.append(folder.path)
            defer { state.hooked = true }
            return !state.hooked
        }
        if hook { atexit { TemporaryReplicas.removeAll() } }
        return folder.appendingPathComponent("replica.sqlite").path
    }

    /// Removes every temporary replica (at exit).
    static func removeAll() {
        for folder in folders.withLock({ $0.paths }) { try? FileManager.default.removeItem(atPath: folder) }
    }
}
