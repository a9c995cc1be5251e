import ContinuumCore
import ContinuumJSON
import Foundation
import GRDB
import Synchronization

/// A router's local copy of a shared store (``SharedLog``): the SQLite file holds the log's
/// events and the records beside it as the shared database has them, and the projections the
/// projector made of them. It is a cache: delete it and the next start replays the shared log.
///
/// Inside each write transaction, ``begin(_:)`` catches up with what other routers appended and
/// ``end(_:)`` sends what this transaction appended; the transaction commits only after the
/// shared log did, so the replica never holds an event the shared log lacks.
final class Replica: Sendable {
    let log: any SharedLog
    let projector: Projector
    let tokenCache: TokenCache
    /// The position as of the last commit this process saw (a hint for ``isBehind(_:)``; the
    /// table `replica_state` is the truth, read in each transaction).
    private let known = Mutex(ReplicaPosition.start)
    /// How the next transaction starts: whether the shared log may have moved on since this
    /// replica read it, and until when another router's appends count as recent.
    private let outlook = Mutex<(behind: Bool, contendedUntil: ContinuousClock.Instant)>((true, .now))
    /// How long after a conflict transactions take the lock first instead of appending
    /// optimistically: two routers both writing would otherwise keep running batches twice.
    static let contentionWindow: Duration = .seconds(1)

    init(log: any SharedLog, projector: Projector, tokenCache: TokenCache) {
        self.log = log
        self.projector = projector
        self.tokenCache = tokenCache
    }

    /// The replica's own tables, and triggers that note every change to a replicated record.
    /// - Throws: ``StoreError/replicaOfAnotherStore(path:)`` for a replica of another shared database.
    func prepare(_ db: Database, path: String) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS replica_state (store_id TEXT NOT NULL, events INTEGER NOT NULL, changes INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS replica_outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, tbl TEXT NOT NULL, key TEXT NOT NULL);
            """)
        for (table, key) in ReplicatedTables.all {
            func keyObject(_ row: String) -> String {
                "json_object(" + key.map { "'\($0)', \(row).\($0)" }.joined(separator: ", ") + ")"
            }
            for (operation, row) in [("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")] {
                try db.execute(sql: """
                    CREATE TRIGGER IF NOT EXISTS replica_\(table)_\(operation.lowercased()) AFTER \(operation) ON \(table)
                    BEGIN INSERT INTO replica_outbox (tbl, key) VALUES ('\(table)', \(keyObject(row))); END
                    """)
            }
        }
        if let stored = try String.fetchOne(db, sql: "SELECT store_id FROM replica_state") {
            guard stored == log.storeId else { throw StoreError.replicaOfAnotherStore(path: path) }
        } else {
            let events = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM events") ?? 0
            guard events == 0 else { throw StoreError.replicaOfAnotherStore(path: path) }
            try db.execute(sql: "INSERT INTO replica_state (store_id, events, changes) VALUES (?, 0, 0)", arguments: [log.storeId])
        }
        known.withLock { $0 = (try? Self.position(db)) ?? .start }
    }

    static func position(_ db: Database) throws -> ReplicaPosition {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT events, changes FROM replica_state")) else { return .start }
        return ReplicaPosition(events: row["events"], changes: row["changes"])
    }

    /// Whether the shared log has moved past what this process last saw; when it has, the next
    /// transaction reads the tail first.
    func isBehind(_ head: ReplicaPosition) -> Bool {
        let behind = known.withLock { $0 } != head
        if behind { outlook.withLock { $0.behind = true } }
        return behind
    }

    // MARK: In the write transaction

    /// Applies what other routers appended since this replica's position (blocking). A router
    /// that alone writes reads nothing here: its append finds out, by a conflict, if another
    /// wrote meanwhile. After a conflict it reads the tail; while others write too, it takes the
    /// appenders' lock first, so the batch runs once.
    /// - Parameter announce: told how many events the catch-up replays, before it replays them.
    func begin(_ db: Database, announce: (Int) -> Void = { _ in }) throws {
        let position = try Self.position(db)
        let (behind, contended) = outlook.withLock { ($0.behind, ContinuousClock.now < $0.contendedUntil) }
        let tail: SharedLogTail
        if contended {
            tail = try mapped { () throws(SharedLogError) in try log.lock(after: position) }
        } else if behind {
            tail = try mapped { () throws(SharedLogError) in try log.tail(after: position) }
        } else {
            tail = SharedLogTail(events: [], changes: [])
        }
        if !tail.isEmpty {
            announce(tail.events.count)
            try apply(tail, from: position, db)
        }
        outlook.withLock { $0.behind = false }
        // What applying the tail changed is the shared log's already: nothing of it goes back.
        try db.cachedStatement(sql: "DELETE FROM replica_outbox").execute()
        known.withLock { $0 = ReplicaPosition(events: tail.events.last?.sequence ?? position.events, changes: tail.changes.last?.sequence ?? position.changes) }
    }

    /// Sends what this transaction appended to the shared log; durable there when it returns
    /// (blocking). Throws ``SharedLogError/conflict(expected:found:)`` when another router appended first.
    func end(_ db: Database) throws {
        let position = try Self.position(db)
        // Cached statements, columns by position: this runs in every write transaction.
        var events: [SharedEvent] = []
        let appended = try Row.fetchCursor(db.cachedStatement(sql: """
            SELECT sequence, case_id, type, actor_id, actor_role, at, body, previous_hash, hash, legacy_hash
            FROM events WHERE sequence > ? ORDER BY sequence
            """), arguments: [position.events])
        while let row = try appended.next() {
            events.append(SharedEvent(sequence: row[0], caseId: row[1], type: row[2], actorId: row[3], actorRole: row[4], at: row[5], body: row[6],
                                      previousHash: row[7], hash: row[8], legacyHash: row[9]))
        }
        var changes: [RowChange] = []
        let outbox = try Row.fetchCursor(db.cachedStatement(sql: "SELECT tbl, key, MIN(seq) AS first FROM replica_outbox GROUP BY tbl, key ORDER BY first"))
        while let row = try outbox.next() {
            let table: String = row[0]
            let key: String = row[1]
            changes.append(RowChange(sequence: position.changes + Int64(changes.count) + 1, table: table, key: key, row: try Self.current(table, key: key, db)))
        }
        var messages: [MessageClaim] = []
        let claims = try Row.fetchCursor(db.cachedStatement(sql: "SELECT partner_id, message_id, referral_id FROM referrals WHERE received_sequence > ?"),
                                         arguments: [position.events])
        while let row = try claims.next() { messages.append(MessageClaim(partnerId: row[0], messageId: row[1], referralId: row[2])) }
        let append = SharedLogAppend(after: position, events: events, changes: changes, messages: messages)
        guard !append.isEmpty else {
            log.unlock()
            return
        }
        do {
            try mapped { () throws(SharedLogError) in try log.append(append) }
        } catch let error as SharedLogError {
            outlook.withLock { $0 = (true, ContinuousClock.now + Self.contentionWindow) }
            throw error
        }
        try db.cachedStatement(sql: "DELETE FROM replica_outbox").execute()
        try db.cachedStatement(sql: "UPDATE replica_state SET events = ?, changes = ?").execute(arguments: [append.end.events, append.end.changes])
        known.withLock { $0 = append.end }
    }

    /// The transaction failed or rolled back: the lock, if taken, is given back, and what it
    /// had caught up is gone with it, so the next read or write reads the tail again (its append
    /// may even have reached the shared log before the answer was lost).
    func abandon() {
        log.unlock()
        outlook.withLock { $0.behind = true }
        known.withLock { $0 = .start }
    }

    private func mapped<T>(_ work: () throws(SharedLogError) -> T) throws -> T {
        do {
            return try work()
        } catch {
            switch error {
            case .conflict: throw error
            // A right taken away while serving: the router answers 503 until it is given back.
            case .unavailable(let reason), .refused(let reason): throw StoreError.unavailable(reason)
            case .damaged(let reason): throw StoreError.chainBroken(sequence: 0, reason: reason)
            }
        }
    }

    // MARK: Applying the shared log

    private func apply(_ tail: SharedLogTail, from position: ReplicaPosition, _ db: Database) throws {
        var forgotten: [String] = []
        var tokensChanged = false
        var expected = position.changes + 1
        for change in tail.changes {
            guard change.sequence == expected else {
                throw StoreError.chainBroken(sequence: 0, reason: "change C\(expected) is missing from the shared log (next is C\(change.sequence))")
            }
            try Self.applyChange(change, db)
            if change.table == "tokens" { tokensChanged = true }
            if change.table == "data_keys", change.row == nil, let id = try Self.object(change.key)["key_id"]?.stringValue { forgotten.append(id) }
            expected += 1
        }
        if !forgotten.isEmpty { projector.vault.forget(forgotten) }
        if tokensChanged { tokenCache.clear() }
        // Events sealed under the master key come after the change that bound it: the matching
        // key is needed to index their children, before the store's own unlock runs.
        if projector.vault.master != nil, !tail.events.isEmpty,
           try String.fetchOne(db, sql: "SELECT value FROM key_store WHERE name = 'master_id'") != nil {
            try projector.vault.unlock(db)
        }

        let last = try Row.fetchOne(db, sql: "SELECT sequence, hash FROM events ORDER BY sequence DESC LIMIT 1")
        var sequence: Int64 = last?["sequence"] ?? 0
        var previous: String = last?["hash"] ?? EventRecord.genesisHash
        let insert = try db.cachedStatement(sql: """
            INSERT INTO events (sequence, case_id, type, actor_id, actor_role, at, body, previous_hash, hash, legacy_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for event in tail.events {
            // Each router checks the chain as it reads it: an event edited in the shared
            // database stops every replica at it, rather than being projected.
            guard event.sequence == sequence + 1 else {
                throw StoreError.chainBroken(sequence: sequence + 1, reason: "event missing from the shared log (next is E\(event.sequence))")
            }
            guard event.previousHash == previous else {
                throw StoreError.chainBroken(sequence: event.sequence, reason: "its previous hash does not match the hash of E\(sequence)")
            }
            guard let role = Role(rawValue: event.actorRole), let at = Timestamp(rfc3339: event.at) else {
                throw StoreError.chainBroken(sequence: event.sequence, reason: "actor role or time is malformed")
            }
            let text = EventRecord.canonicalText(sequence: event.sequence, caseId: event.caseId, actor: Actor(id: event.actorId, role: role), at: at, body: event.body)
            guard EventRecord.chainHash(previousHash: previous, canonicalText: text) == event.hash else {
                throw StoreError.chainBroken(sequence: event.sequence, reason: "its content does not match its hash (edited in the shared database)")
            }
            try insert.execute(arguments: [event.sequence, event.caseId, event.type, event.actorId, event.actorRole, event.at, event.body,
                                           event.previousHash, event.hash, event.legacyHash])
            // The row as stored, for the log's one decoder (no read back per replayed event).
            let row = Row(["sequence": event.sequence, "case_id": event.caseId, "type": event.type, "actor_id": event.actorId, "actor_role": event.actorRole,
                           "at": event.at, "body": event.body, "previous_hash": event.previousHash, "hash": event.hash, "legacy_hash": event.legacyHash])
            let (record, body) = try EventLog.decodeWithBody(row, projector.vault, db)
            try projector.replay(record, body, db)
            (sequence, previous) = (event.sequence, event.hash)
        }
        try db.execute(sql: "UPDATE replica_state SET events = ?, changes = ?",
                       arguments: [tail.events.last?.sequence ?? position.events, tail.changes.last?.sequence ?? position.changes])
    }

    static func sharedEvent(_ row: Row) -> SharedEvent {
        SharedEvent(sequence: row["sequence"], caseId: row["case_id"], type: row["type"], actorId: row["actor_id"], actorRole: row["actor_role"],
                    at: row["at"], body: row["body"], previousHash: row["previous_hash"], hash: row["hash"], legacyHash: row["legacy_hash"])
    }

    // MARK: Rows as JSON

    static func object(_ text: String) throws -> [String: JSONValue] {
        guard case .object(let members)? = try? JSONParser().parse(text).value() else {
            throw StoreError.chainBroken(sequence: 0, reason: "a change in the shared log is not a JSON object: \(text.prefix(80))")
        }
        return members
    }

    /// The row a change names, as it is now (nil: deleted).
    static func current(_ table: String, key: String, _ db: Database) throws -> String? {
        guard let columns = ReplicatedTables.key(of: table) else { return nil }
        let members = try object(key)
        let condition = columns.map { "\($0) = ?" }.joined(separator: " AND ")
        let arguments = StatementArguments(try columns.map { try databaseValue(members[$0] ?? .null, table: table) })
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM \(table) WHERE \(condition)"), arguments: arguments) else { return nil }
        return try json(row, table: table)
    }

    /// A row as a JSON object of its columns.
    static func json(_ row: Row, table: String) throws -> String {
        var object: [String: JSONValue] = [:]
        for (column, value) in row {
            switch value.storage {
            case .null: object[column] = .null
            case .int64(let number): object[column] = .integer(number)
            case .double(let number): object[column] = .double(number)
            case .string(let text): object[column] = .string(text)
            case .blob: throw StoreError.projectionBroken(table: table, sequence: 0, reason: "column \(column) holds bytes, which the shared log does not carry")
            }
        }
        return JSONValue.object(object).serialized()
    }

    /// Writes (or deletes) the row a change carries.
    static func applyChange(_ change: RowChange, _ db: Database) throws {
        guard let columns = ReplicatedTables.key(of: change.table) else {
            throw StoreError.chainBroken(sequence: 0, reason: "change C\(change.sequence) is to \"\(change.table)\", which is no replicated table")
        }
        if let row = change.row {
            let members = try object(row).sorted { $0.key < $1.key }
            guard members.allSatisfy({ name, _ in name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } }) else {
                throw StoreError.chainBroken(sequence: 0, reason: "change C\(change.sequence) names a column that is no column")
            }
            let names = members.map(\.key).joined(separator: ", ")
            let marks = Array(repeating: "?", count: members.count).joined(separator: ", ")
            try db.execute(sql: "INSERT OR REPLACE INTO \(change.table) (\(names)) VALUES (\(marks))",
                           arguments: StatementArguments(try members.map { try databaseValue($0.value, table: change.table) }))
        } else {
            let members = try object(change.key)
            let condition = columns.map { "\($0) = ?" }.joined(separator: " AND ")
            try db.execute(sql: "DELETE FROM \(change.table) WHERE \(condition)",
                           arguments: StatementArguments(try columns.map { try databaseValue(members[$0] ?? .null, table: change.table) }))
        }
    }

    static func databaseValue(_ value: JSONValue, table: String) throws -> DatabaseValue {
        switch value {
        case .null: .null
        case .bool(let flag): (flag ? 1 : 0).databaseValue
        case .integer(let number): number.databaseValue
        case .double(let number): number.databaseValue
        case .string(let text): text.databaseValue
        case .array, .object: throw StoreError.chainBroken(sequence: 0, reason: "a change to \(table) holds a nested value")
        }
    }
}
