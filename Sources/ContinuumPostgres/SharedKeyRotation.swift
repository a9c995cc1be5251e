import ContinuumJSON
import ContinuumStore

/// `continuum keys rotate` on PostgreSQL (issue 17): the same rotation as on SQLite
/// (``KeyRotation``), written as changes to the records beside the shared log: every data key's
/// row re-wrapped under the new master key, in appends of `batchSize` that each commit, between a
/// `rotating_to` mark and the new `master_id`. No replica is needed (nothing is projected), and
/// no event is rewritten. Stop every router first: one still running holds the old key.
public enum SharedKeyRotation {
    /// Rotates the store behind `log` from `old` to `new`.
    /// - Parameter progress: told after each batch (keys done, keys in all).
    public static func rotate(_ log: PostgresSharedLog, from old: MasterKey, to new: MasterKey, batchSize: Int = 1000,
                              progress: (Int, Int) -> Void = { _, _ in }) async throws -> KeyRotation.Report {
        guard old.id != new.id else {
            throw StoreError.database(path: log.location, message: "the new master key is the one in use (key id \(new.id)); make a new one with `continuum keys init`")
        }
        let store = try await log.currentRecords(in: ["key_store", "data_keys"])
        func value(_ name: String) -> String? {
            store.first { $0.table == "key_store" && $0.row["name"]?.stringValue == name }?.row["value"]?.stringValue
        }
        let keys = store.filter { $0.table == "data_keys" }
        let recorded = value("master_id"), rotating = value("rotating_to")
        if recorded == new.id && rotating == nil { return KeyRotation.Report(rewrapped: 0, total: keys.count, alreadyDone: true) }
        guard let recorded else { throw StoreError.masterKeyRequired("rotating (the database has no master key yet: open it once with one)") }
        guard recorded == old.id else { throw StoreError.wrongMasterKey(expected: recorded, given: old.id) }
        if let rotating, rotating != new.id { throw StoreError.keyRotationUnfinished(from: recorded, to: rotating) }

        try await append(log, [keyStoreRow("rotating_to", new.id)])
        var done = keys.count { $0.row["master_id"]?.stringValue == new.id }
        var rewrapped = 0
        let pending = keys.filter { $0.row["master_id"]?.stringValue == old.id }
        for start in stride(from: 0, to: pending.count, by: batchSize) {
            var rows: [(table: String, key: String, row: String?)] = []
            for record in pending[start..<min(start + batchSize, pending.count)] {
                guard let keyId = record.row["key_id"]?.stringValue, let wrapped = record.row["wrapped"]?.stringValue else {
                    throw StoreError.keyDamaged(record.key)
                }
                var row = record.row
                row["wrapped"] = .string(try KeyRotation.rewrap(wrapped, keyId: keyId, from: old, to: new))
                row["master_id"] = .string(new.id)
                rows.append((record.table, record.key, JSONValue.object(row).serialized()))
            }
            try await append(log, rows)
            done += rows.count
            rewrapped += rows.count
            progress(done, keys.count)
        }
        try await append(log, [keyStoreRow("master_id", new.id), (table: "key_store", key: keyObject("rotating_to"), row: nil)])
        return KeyRotation.Report(rewrapped: rewrapped, total: keys.count, alreadyDone: false)
    }

    static func keyObject(_ name: String) -> String {
        JSONValue.object(["name": .string(name)]).serialized()
    }

    static func keyStoreRow(_ name: String, _ value: String) -> (table: String, key: String, row: String?) {
        ("key_store", keyObject(name), JSONValue.object(["name": .string(name), "value": .string(value)]).serialized())
    }

    /// Appends `rows` as changes after the log's current end, under the appenders' lock.
    static func append(_ log: PostgresSharedLog, _ rows: [(table: String, key: String, row: String?)]) async throws {
        let head = try await log.head()
        let tail = try log.lock(after: head)
        let end = ReplicaPosition(events: tail.events.last?.sequence ?? head.events, changes: tail.changes.last?.sequence ?? head.changes)
        let changes = rows.enumerated().map { index, row in RowChange(sequence: end.changes + Int64(index) + 1, table: row.table, key: row.key, row: row.row) }
        do {
            try log.append(SharedLogAppend(after: end, events: [], changes: changes, messages: []))
        } catch {
            log.unlock()
            throw error
        }
    }
}
