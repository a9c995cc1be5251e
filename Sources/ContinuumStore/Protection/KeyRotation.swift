import Foundation
import GRDB

/// `continuum keys rotate`: every data key (and the matching key) unwrapped under the old master
/// key and wrapped under the new one, in batches that each commit, so a rotation stopped
/// part-way (a crash, Ctrl-C) is finished by running it again with the same two keys. No event
/// is rewritten: the events are sealed under the data keys, which do not change.
public enum KeyRotation {
    /// What a rotation did.
    public struct Report: Sendable, Hashable {
        /// Keys re-wrapped by this run (those a stopped run had done are not counted again).
        public var rewrapped: Int
        /// Keys in the database.
        public var total: Int
        /// The database was under the new key already: nothing to do.
        public var alreadyDone: Bool

        public init(rewrapped: Int, total: Int, alreadyDone: Bool) {
            (self.rewrapped, self.total, self.alreadyDone) = (rewrapped, total, alreadyDone)
        }
    }

    /// One data key's wrapping under `new` instead of `old` (the key itself is unchanged, so
    /// nothing it sealed is touched). For a store whose records are not in one SQLite file.
    /// - Throws: ``StoreError/keyDamaged(_:)`` when the wrapping does not open under `old`.
    public static func rewrap(_ wrapped: String, keyId: String, from old: MasterKey, to new: MasterKey) throws -> String {
        let unwrapping = PersonalDataVault(master: old), wrapping = PersonalDataVault(master: new)
        let key = try unwrapping.unwrap(wrapped, keyId: keyId, masterId: old.id, master: old)
        return try wrapping.wrap(key, keyId: keyId, master: new)
    }

    /// Rotates the database at `path` from `old` to `new`.
    /// - Parameter progress: told after each batch (keys done, keys in all); throwing from it
    ///   stops the rotation there, as an interruption would.
    public static func rotate(database path: String, from old: MasterKey, to new: MasterKey, batchSize: Int = 1000,
                              progress: (Int, Int) throws -> Void = { _, _ in }) throws -> Report {
        guard old.id != new.id else {
            throw StoreError.database(path: path, message: "the new master key is the one in use (key id \(new.id)); make a new one with `continuum keys init`")
        }
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError.database(path: path, message: "no database file here") }
        let pool: DatabasePool
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            // As the store does: a replaced wrapping's bytes are zeroed, not left in a free page.
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL; PRAGMA secure_delete = ON") }
            pool = try DatabasePool(path: path, configuration: configuration)
            try Schema.migrator().migrate(pool)
        } catch {
            throw StoreError.database(path: path, message: SQLiteCaseStore.explain(error))
        }
        let (recorded, rotating, total) = try pool.read { db in
            (try String.fetchOne(db, sql: "SELECT value FROM key_store WHERE name = 'master_id'"),
             try String.fetchOne(db, sql: "SELECT value FROM key_store WHERE name = 'rotating_to'"),
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM data_keys") ?? 0)
        }
        if recorded == new.id && rotating == nil { return Report(rewrapped: 0, total: total, alreadyDone: true) }
        guard let recorded else { throw StoreError.masterKeyRequired("rotating (the database has no master key yet: open it once with one)") }
        guard recorded == old.id else { throw StoreError.wrongMasterKey(expected: recorded, given: old.id) }
        if let rotating, rotating != new.id { throw StoreError.keyRotationUnfinished(from: recorded, to: rotating) }
        try pool.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO key_store (name, value) VALUES ('rotating_to', ?)", arguments: [new.id])
        }
        let unwrapping = PersonalDataVault(master: old), wrapping = PersonalDataVault(master: new)
        var done = try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM data_keys WHERE master_id = ?", arguments: [new.id]) ?? 0 }
        var rewrapped = 0
        // In rowid order, a batch at a time: no index on master_id (one less B-tree for every
        // referral to update), and a restarted rotation passes over the keys done quickly.
        var after: Int64 = 0
        while true {
            let (count, last) = try pool.write { db -> (Int, Int64?) in
                let rows = try Row.fetchAll(db, sql: "SELECT rowid, key_id, wrapped, master_id FROM data_keys WHERE rowid > ? ORDER BY rowid LIMIT ?",
                                            arguments: [after, batchSize])
                var count = 0
                for row in rows where (row["master_id"] as String) == old.id {
                    let keyId: String = row["key_id"]
                    let key = try unwrapping.unwrap(row["wrapped"], keyId: keyId, masterId: old.id, master: old)
                    try db.execute(sql: "UPDATE data_keys SET wrapped = ?, master_id = ? WHERE rowid = ?",
                                   arguments: [try wrapping.wrap(key, keyId: keyId, master: new), new.id, row["rowid"] as Int64])
                    count += 1
                }
                return (count, rows.last?["rowid"])
            }
            guard let last else { break }
            after = last
            done += count
            rewrapped += count
            if count > 0 { try progress(done, total) }
        }
        try pool.write { db in
            try db.execute(sql: "UPDATE key_store SET value = ? WHERE name = 'master_id'", arguments: [new.id])
            try db.execute(sql: "DELETE FROM key_store WHERE name = 'rotating_to'")
        }
        // The old wrappings sit in the WAL until it is checkpointed.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        return Report(rewrapped: rewrapped, total: total, alreadyDone: false)
    }
}
