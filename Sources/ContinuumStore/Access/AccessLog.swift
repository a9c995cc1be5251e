import ContinuumCore
import GRDB

/// The record of who looked at which case (issue 20): an append-only table with a hash chain of
/// its own, beside the event log rather than in it, so a read never waits behind the case
/// writes' projections and the event log holds only what happened to cases. `audit verify`
/// walks it as it walks the events, so an edited or deleted line shows.
enum AccessLog {
    /// The fields in a fixed order: what is hashed.
    static func canonicalText(sequence: Int64, at: Timestamp, tokenId: String, tokenName: String?, role: Role, caseId: String, view: String) -> String {
        "\(sequence)\n\(at)\n\(tokenId)\n\(tokenName ?? "")\n\(role.rawValue)\n\(caseId)\n\(view)"
    }

    /// Appends one line per read, in the caller's transaction.
    static func append(_ reads: [AccessRead], tokenId: String, tokenName: String?, role: Role, at: Timestamp, _ db: Database) throws {
        guard !reads.isEmpty else { return }
        let last = try Row.fetchOne(db.cachedStatement(sql: "SELECT sequence, hash FROM access_log ORDER BY sequence DESC LIMIT 1"))
        var sequence: Int64 = last?["sequence"] ?? 0
        var previous: String = last?["hash"] ?? EventRecord.genesisHash
        let insert = try db.cachedStatement(sql: """
            INSERT INTO access_log (sequence, at, token_id, token_name, role, case_id, view, previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for read in reads {
            sequence += 1
            let text = canonicalText(sequence: sequence, at: at, tokenId: tokenId, tokenName: tokenName, role: role, caseId: read.caseId, view: read.view.rawValue)
            let hash = EventRecord.chainHash(previousHash: previous, canonicalText: text)
            try insert.execute(arguments: [sequence, at.description, tokenId, tokenName, role.rawValue, read.caseId, read.view.rawValue, previous, hash])
            previous = hash
        }
    }

    /// A case's lines, oldest first.
    static func entries(caseId: String, _ db: Database) throws -> [AccessEntry] {
        try Row.fetchAll(db, sql: "SELECT * FROM access_log WHERE case_id = ? ORDER BY sequence", arguments: [caseId]).map { row in
            let sequence: Int64 = row["sequence"]
            guard let role = Role(rawValue: row["role"]), let at = Timestamp(rfc3339: row["at"] as String), let view = AccessView(rawValue: row["view"]) else {
                throw StoreError.accessLogBroken(sequence: sequence, reason: "its role, time or view is malformed")
            }
            return AccessEntry(sequence: sequence, at: at, tokenId: row["token_id"], tokenName: row["token_name"], role: role, caseId: row["case_id"], view: view,
                               hash: row["hash"])
        }
    }

    /// Walks the whole log as ``EventLog/verify(_:)`` walks the events.
    static func verify(_ db: Database) throws -> (entries: Int64, lastHash: String) {
        var expected: Int64 = 1
        var previous = EventRecord.genesisHash
        let rows = try Row.fetchCursor(db, sql: "SELECT * FROM access_log ORDER BY sequence")
        while let row = try rows.next() {
            let sequence: Int64 = row["sequence"]
            guard sequence == expected else { throw StoreError.accessLogBroken(sequence: expected, reason: "line missing (next stored is A\(sequence))") }
            guard row["previous_hash"] as String == previous else {
                throw StoreError.accessLogBroken(sequence: sequence, reason: "its previous hash does not match the hash of A\(sequence - 1)")
            }
            guard let role = Role(rawValue: row["role"]), let at = Timestamp(rfc3339: row["at"] as String) else {
                throw StoreError.accessLogBroken(sequence: sequence, reason: "its role or time is malformed")
            }
            let text = canonicalText(sequence: sequence, at: at, tokenId: row["token_id"], tokenName: row["token_name"], role: role,
                                     caseId: row["case_id"], view: row["view"])
            let hash = EventRecord.chainHash(previousHash: previous, canonicalText: text)
            guard hash == row["hash"] as String else {
                throw StoreError.accessLogBroken(sequence: sequence, reason: "its content does not match its hash (edited after it was written)")
            }
            previous = hash
            expected += 1
        }
        return (expected - 1, previous)
    }
}

extension SQLiteCaseStore {
    public func recordAccess(_ reads: [AccessRead], by principal: Principal, at: Timestamp) async throws {
        guard !reads.isEmpty else { return }
        // Durable before the data is answered: a read that cannot be recorded is not answered.
        try await write { db in
            try AccessLog.append(reads, tokenId: principal.tokenId, tokenName: principal.name, role: principal.role, at: at, db)
        }
    }

    public func accessLog(caseId: String) async throws -> [AccessEntry] {
        try await read { db in try AccessLog.entries(caseId: caseId, db) }
    }
}
