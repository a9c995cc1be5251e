import ContinuumAPI
import ContinuumCore
import ContinuumJSON
import Foundation
import GRDB

/// The embedded store: one SQLite file through GRDB, in WAL mode with `synchronous=FULL`, so a
/// committed transaction survives a crash or power cut. Writes share transactions
/// (``GroupCommit``); reads run concurrently.
///
/// ```swift
/// let store = try SQLiteCaseStore(path: "data/continuum.sqlite", pathway: surrey, masterKey: try MasterKey.load(from: "data/master.key"))
/// let answer = try await store.submit(referral, partnerId: "surrey-police", actor: actor, receivedAt: now)
/// ```
public final class SQLiteCaseStore: CaseStore {
    public let path: String
    /// The pathway versions the store judges cases by (each case by its own version).
    public let pathways: PathwaySet
    let pool: DatabasePool
    let commits: GroupCommit
    /// Runs the WAL's checkpoints beside the writer, not inside its commits.
    let checkpointer = WALCheckpointer()
    let projector: Projector
    let tokenCache = TokenCache()
    /// Set when this file is a router's replica of a shared store (``SharedLog``; issue 17).
    let replica: Replica?

    /// Opens (creating when missing, with its folder) and migrates the database.
    ///
    /// - Parameter upgrading: told, before it starts, when a migration must replay the log (a
    ///   database written by an earlier version): that takes minutes on a large log.
    /// Opens the store with a single pathway version.
    public convenience init(path: String, pathway: VerifiedPathway, masterKey: MasterKey?, upgrading: (String) -> Void = { _ in }) throws(StoreError) {
        try self.init(path: path, pathways: PathwaySet(single: pathway), masterKey: masterKey, upgrading: upgrading)
    }

    /// - Parameter masterKey: unlocks the personal data (issue 20). Without it the store opens
    ///   *locked*: what needs no personal data works (indicators, `audit verify`, tokens), the
    ///   rest throws ``StoreError/masterKeyRequired(_:)``; a database still holding personal
    ///   data in the clear stays so until it is opened with a key.
    /// - Throws: ``StoreError/pathwayVersionMissing(_:loaded:)`` when a case is on a version
    ///   `pathways` lacks (a migrated database opened without the new version's file);
    ///   ``StoreError/wrongMasterKey(expected:given:)`` for another database's key.
    /// - Parameter sharedLog: makes this file a replica of a store several routers share
    ///   (PostgreSQL): writes are appended there before they commit here, and other routers'
    ///   writes are replayed here before each write and read. Opening catches up with it.
    public init(path: String, pathways: PathwaySet, masterKey: MasterKey?, sharedLog: (any SharedLog)? = nil,
                upgrading: (String) -> Void = { _ in }) throws(StoreError) {
        self.path = path
        self.pathways = pathways
        let vault = PersonalDataVault(master: masterKey)
        let projector = Projector(versions: pathways, vault: vault)
        self.projector = projector
        let replica: Replica? = if let sharedLog { Replica(log: sharedLog, projector: projector, tokenCache: tokenCache) } else { nil }
        self.replica = replica
        let folder = (path as NSString).deletingLastPathComponent
        do {
            // Children's personal data: the folder we create is the owner's alone (0700), and the
            // database file is created 0600 before SQLite opens it, so its WAL and shared-memory
            // files (which SQLite gives the database file's permissions) are 0600 too. An
            // existing database is tightened to 0600 on open (issue 22).
            var isFolder: ObjCBool = false
            if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) {
                do {
                    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                } catch {
                    throw StoreError.cannotCreate(path: path, reason: "the folder \(folder) cannot be created (is part of the path a file, or not writable?)")
                }
            } else if !folder.isEmpty, !isFolder.boolValue {
                throw StoreError.cannotCreate(path: path, reason: "\(folder) is a file, not a folder")
            }
            if replica != nil { try Self.discardStaleReplica(path, upgrading: upgrading) }
            if !FileManager.default.fileExists(atPath: path) {
                guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                    throw StoreError.cannotCreate(path: path, reason: "the folder \(folder.isEmpty ? "." : folder) cannot be written")
                }
            }
            for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
                try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
            }
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            // A replica's commits need no fsync of their own: what it holds is durable in the
            // shared database before it commits, and a tail lost with a crash is read again
            // (its position is in the same transactions). NORMAL in WAL mode cannot corrupt.
            let synchronous = replica == nil ? "FULL" : "NORMAL"
            configuration.prepareDatabase { db in
                // FULL: a commit returns only after the WAL is fsynced (durability before any 2xx).
                // secure_delete: a deleted row's bytes are zeroed, so a destroyed data key (an
                // erasure) leaves nothing in the file's free pages; temp_store: sorts stay in memory.
                try db.execute(sql: "PRAGMA synchronous = \(synchronous); PRAGMA secure_delete = ON; PRAGMA temp_store = MEMORY")
            }
            // The pool's connections hand their WAL checkpoints to the checkpointer's own.
            let checkpointer = self.checkpointer
            var pooled = configuration
            pooled.prepareDatabase { db in checkpointer.install(on: db) }
            pool = try DatabasePool(path: path, configuration: pooled)
            try checkpointer.attach(path: path, configuration: configuration)
            try Schema.migrator().migrate(pool)
            if let replica {
                // A replica is new or current here (``discardStaleReplica``): its projections
                // are made current before the log is replayed into them.
                if try pool.read(Schema.projectionsStale) {
                    try pool.write { db in
                        _ = try projector.rebuild(db)
                        try Schema.markProjectionsCurrent(db)
                    }
                }
                // Catch up with the shared log (every event replayed into the projections on a
                // new replica), then bind the master key there as a write of its own.
                try pool.write { db in try replica.prepare(db, path: path) }
                try Self.writeReplicated(pool, replica, announce: { events in
                    if events > 1_000 {
                        upgrading("catching up with \(replica.log.location): replaying \(events) events into this router's replica (once; about 10 minutes per million referrals)")
                    }
                }, { db in try vault.unlock(db) })
            } else {
                try pool.write { db in try vault.unlock(db) }
            }
            if masterKey != nil, replica == nil, try pool.read(PersonalDataUpgrade.isPending) {
                try PersonalDataUpgrade.run(pool, projector: projector, upgrading: upgrading)
            }
            let stale = try pool.read { db -> (stale: Bool, events: Int) in
                guard try Schema.projectionsStale(db) else { return (false, 0) }
                return (true, try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events") ?? 0)
            }
            if stale.stale {
                if stale.events > 0 {
                    upgrading("the database was written by an earlier version: replaying its \(stale.events) events into new projections "
                              + "(once; about 10 minutes per million referrals)")
                }
                try pool.write { db in
                    _ = try projector.rebuild(db)
                    try Schema.markProjectionsCurrent(db)
                }
            }
            // Every version a case is on must be loaded (an index read, not a scan of the cases).
            let used = try pool.read { db in try String.fetchAll(db, sql: "SELECT DISTINCT pathway FROM cases WHERE pathway IS NOT NULL") }
            if let missing = used.first(where: { pathways.version($0) == nil }) {
                throw StoreError.pathwayVersionMissing(missing, loaded: pathways.references)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw .database(path: path, message: Self.explain(error))
        }
        commits = GroupCommit(writer: pool, replica: replica)
    }

    /// A replica written by an earlier version (projections of another shape) is deleted, not
    /// upgraded: it is a cache, and replaying the shared log into a new one is the upgrade.
    private static func discardStaleReplica(_ path: String, upgrading: (String) -> Void) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        let queue = try DatabaseQueue(path: path)
        try Schema.migrator().migrate(queue)
        let stale = try queue.read { db -> Bool in
            try Schema.projectionsStale(db) && (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events") ?? 0) > 0
        }
        guard stale else { return }
        upgrading("the replica \(path) was made by an earlier version: replacing it with a new one, replayed from the shared log")
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            try FileManager.default.removeItem(atPath: file)
        }
    }

    /// One write bracketed by the replica, retried on conflicts, outside the group commit (opening).
    /// - Parameter announce: told how many events the catch-up replays, before it replays them.
    private static func writeReplicated(_ pool: DatabasePool, _ replica: Replica, announce: (Int) -> Void, _ work: (Database) throws -> Void) throws {
        for attempt in 0... {
            do {
                try pool.write { db in
                    do {
                        try replica.begin(db, announce: announce)
                        try work(db)
                        try replica.end(db)
                    } catch {
                        replica.abandon()
                        throw error
                    }
                }
                return
            } catch let error as SharedLogError {
                guard case .conflict = error, attempt < GroupCommit.maximumConflicts else { throw StoreError.unavailable(error.description) }
            }
        }
    }

    /// On a replica: catches up when the shared log has moved on, so a read here sees what was
    /// written through any router (a partner's read after its submission through another).
    public func catchUp() async throws {
        guard let replica else { return }
        let head: ReplicaPosition
        do {
            head = try await replica.log.head()
        } catch {
            throw StoreError.unavailable(error.description)
        }
        if replica.isBehind(head) {
            _ = try await write { _ in true }
        }
    }

    static func explain(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? error.description }
        return String(describing: error)
    }

    /// Runs `work` in the next shared write transaction, mapping database failures to ``StoreError``.
    func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await commits.write(work)
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw StoreError.database(path: path, message: Self.explain(error))
        }
    }

    func read<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await catchUp()
        do {
            return try await pool.read(work)
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw StoreError.database(path: path, message: Self.explain(error))
        }
    }

    /// Appends an event and applies it to the projections, in the caller's transaction.
    @discardableResult
    func record(_ body: EventBody, caseId: String, actor: Actor, at: Timestamp, _ db: Database) throws -> (EventRecord, CaseTransition) {
        // A token or an erasure holds no personal data; a case's event is sealed under its key.
        let key: DataKey? = body.caseEvent == nil ? nil : try projector.vault.key(for: caseId, db)
        let encoded = try EncodedBody(body, sealedWith: key, vault: projector.vault)
        // Partners' endpoints hear of decisions and closures through an outbox written in this
        // transaction (issue 24); without an endpoint nothing more is read.
        let notify = try body.caseEvent != nil && Self.webhooksActive(db)
        let before = notify ? try? projector.state(of: caseId, db) : nil
        let event = try EventLog.append(encoded, caseId: caseId, actor: actor, at: at, db)
        let transition = try projector.apply(event, encoded, db)
        if notify { try enqueueWebhooks(event, before: before, after: transition.state, db) }
        return (event, transition)
    }

    /// Appends planned events (consecutive, of one case) and writes their planned projection,
    /// in the caller's transaction.
    func record(_ planned: [PlannedEvent], actor: Actor, at: Timestamp, _ db: Database) throws {
        var run: [(event: EventRecord, body: EncodedBody, step: ProjectionStep)] = []
        run.reserveCapacity(planned.count)
        for item in planned {
            let event = try EventLog.append(item.body, caseId: item.caseId, actor: actor, at: at, after: run.last?.event, db)
            run.append((event, item.body, item.step))
        }
        try projector.project(run, db)
    }

    // MARK: Audit

    /// Checks the whole hash chain of the event log, and the access log's (`continuum audit verify`).
    public func verifyChain() async throws -> ChainReport {
        let report = try await verifyLocalChain()
        if let replica {
            // The shared database's own chain, walked there: the replica holds what it read, and
            // a row edited in the database after this router read it shows only there.
            let remote: (events: Int64, lastHash: String)
            do {
                remote = try await replica.log.verifyChain()
            } catch {
                switch error {
                case .damaged(let reason): throw StoreError.chainBroken(sequence: 0, reason: "in \(replica.log.location): \(reason)")
                default: throw StoreError.unavailable(error.description)
                }
            }
            guard remote.events >= report.events else {
                throw StoreError.chainBroken(sequence: remote.events + 1, reason: "\(replica.log.location) holds \(remote.events) events; this router's replica read \(report.events)")
            }
            if remote.events == report.events, remote.lastHash != report.lastHash {
                throw StoreError.chainBroken(sequence: remote.events, reason: "\(replica.log.location) ends with another hash than this router's replica read")
            }
        }
        return report
    }

    private func verifyLocalChain() async throws -> ChainReport {
        try await read { db in
            var report = try EventLog.verify(db)
            (report.accessEntries, report.accessLastHash) = try AccessLog.verify(db)
            // The encryption upgrade's record: the old chain's head it verified, and where the
            // new chain stood when it finished, must both still be in the log.
            for anchor in try Row.fetchAll(db, sql: "SELECT events, legacy_head, head FROM chain_anchors") {
                let sequence: Int64 = anchor["events"]
                guard sequence > 0 else { continue }
                let row = try Row.fetchOne(db, sql: "SELECT hash, legacy_hash FROM events WHERE sequence = ?", arguments: [sequence])
                guard row?["hash"] == anchor["head"] as String, row?["legacy_hash"] == anchor["legacy_head"] as String else {
                    throw StoreError.chainBroken(sequence: sequence, reason: "it does not match the record the encryption upgrade kept of the chain (chain_anchors)")
                }
            }
            return report
        }
    }

    /// Drops the projections and replays every event into them (`continuum rebuild`), in one
    /// transaction: readers see the old projections until the new ones are complete.
    public func rebuild() async throws -> RebuildReport {
        let projector = self.projector
        return try await write { db in
            let count = try projector.rebuild(db)
            let cases = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM cases") ?? 0
            let referrals = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM referrals") ?? 0
            return RebuildReport(events: count, cases: cases, referrals: referrals)
        }
    }
}

extension SQLiteCaseStore {
    public func mayPerform(_ duty: RouterDuty) async -> Bool {
        guard let replica else { return true }
        return await replica.log.lead(duty)
    }

    public func health() async -> StoreHealth {
        guard let replica else { return StoreHealth(kind: "sqlite", problem: nil) }
        do {
            _ = try await replica.log.head()
            return StoreHealth(kind: replica.log.kind, problem: nil)
        } catch {
            return StoreHealth(kind: replica.log.kind, problem: error.description)
        }
    }
}
