import ContinuumAPI
import ContinuumCore
import ContinuumJSON
import Foundation
import GRDB

/// Checking a database beyond its hash chain (issue 22, docs/security.md): against a signed
/// checkpoint of the log's head, and its projections and tokens against a replay of the log.
extension SQLiteCaseStore {
    /// The log's head now, signed; verified first unless `verify` is false (the server signs
    /// its own head as it writes, without walking the whole chain each time).
    public func checkpoint(key: CheckpointKey, at: Timestamp, verify: Bool = true) async throws -> Checkpoint {
        let head = verify ? try await verifyChain() : try await self.head()
        return try key.sign(events: head.events, lastHash: head.lastHash, at: at, access: (head.accessEntries, head.accessLastHash))
    }

    /// The last event's number and hash, and the access log's, read without walking the chains.
    public func head() async throws -> ChainReport {
        try await read { db in
            let row = try Row.fetchOne(db, sql: "SELECT sequence, hash FROM events ORDER BY sequence DESC LIMIT 1")
            let access = try Row.fetchOne(db, sql: "SELECT sequence, hash FROM access_log ORDER BY sequence DESC LIMIT 1")
            return ChainReport(events: row?["sequence"] ?? 0, lastHash: row?["hash"] ?? EventRecord.genesisHash,
                               accessEntries: access?["sequence"] ?? 0, accessLastHash: access?["hash"] ?? EventRecord.genesisHash)
        }
    }

    /// What contradicts the checkpoint (empty when the log holds it): a log shorter than the
    /// signed count (events cut from its end, or the whole log deleted), or a different hash at
    /// the signed event (the log rewritten and its hashes recomputed); the same for the access
    /// log when the checkpoint signed it (v2).
    public func problems(against checkpoint: Checkpoint) async throws -> [String] {
        try await read { db in
            let count = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM events") ?? 0
            guard count >= checkpoint.events else {
                return ["the log has \(count) events but the checkpoint of \(checkpoint.at) signed \(checkpoint.events): "
                        + (count == 0 ? "the whole log was deleted" : "events were cut from its end")]
            }
            if checkpoint.events > 0 {
                let row = try Row.fetchOne(db, sql: "SELECT hash, legacy_hash FROM events WHERE sequence = ?", arguments: [checkpoint.events])
                // A checkpoint signed before the encryption upgrade (issue 20) holds the hash the
                // event had then: the upgrade verified the whole chain, kept each old hash, and
                // recorded the old and new heads (chain_anchors) before hashing the sealed texts.
                let anchored = try Int64.fetchOne(db, sql: "SELECT MAX(events) FROM chain_anchors") ?? 0
                let legacy = checkpoint.events <= anchored && (row?["legacy_hash"] as String?) == checkpoint.lastHash
                guard (row?["hash"] as String?) == checkpoint.lastHash || legacy else {
                    return ["event E\(checkpoint.events) does not have the hash the checkpoint of \(checkpoint.at) signed: the log was rewritten and its hashes recomputed"]
                }
            }
            // A v2 checkpoint signed the access log's head too: lines cut from its end show here.
            guard let signed = checkpoint.accessEntries, signed > 0 else { return [] }
            let lines = try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM access_log") ?? 0
            guard lines >= signed else {
                return ["the access log has \(lines) lines but the checkpoint of \(checkpoint.at) signed \(signed): lines were cut from its end"]
            }
            let hash = try String.fetchOne(db, sql: "SELECT hash FROM access_log WHERE sequence = ?", arguments: [signed])
            guard hash == checkpoint.accessLastHash else {
                return ["access log line A\(signed) does not have the hash the checkpoint of \(checkpoint.at) signed: the access log was rewritten"]
            }
            return []
        }
    }

    /// Projection and token rows that disagree with a replay of the log (empty when none do).
    /// The log is copied beside the database (the copy needs as much disk as the database; it is
    /// deleted after), replayed there, and each projection table compared row by row.
    public func problemsAgainstReplay() async throws -> [String] {
        let folder = (path as NSString).deletingLastPathComponent
        let copy = (folder.isEmpty ? "." : folder) + "/.continuum-verify-\(UInt64.random(in: 0...UInt64.max)).sqlite"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: copy + suffix) } }
        do {
            try await pool.writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [copy]) }
        } catch let error as DatabaseError {
            throw StoreError.database(path: path, message: "cannot copy the database to replay it: \(Self.explain(error))")
        }
        let replayed = try SQLiteCaseStore(path: copy, pathways: pathways, masterKey: projector.vault.master)
        _ = try await replayed.rebuild()
        let queue = try DatabaseQueue(path: copy)
        let live = path
        return try await queue.writeWithoutTransaction { db in
            var problems: [String] = []
            try db.execute(sql: "ATTACH DATABASE ? AS live", arguments: [live])
            for table in Schema.projectionTables {
                let missing = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (SELECT * FROM main.\(table) EXCEPT SELECT * FROM live.\(table))") ?? 0
                let extra = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (SELECT * FROM live.\(table) EXCEPT SELECT * FROM main.\(table))") ?? 0
                if missing + extra > 0 {
                    problems.append("the \(table) table disagrees with the log: \(extra) row(s) not as the log says, \(missing) row(s) of the log's missing "
                                    + "(edited outside Continuum); `continuum rebuild` recreates it from the log")
                }
            }
            problems += try Self.tokenProblems(db, schema: "live")
            try db.execute(sql: "DETACH DATABASE live")
            return problems
        }
    }

    /// Each token as its logged events leave it must be the row in the tokens table; a row
    /// without events is suspect if it was created after tokens began to be logged.
    static func tokenProblems(_ db: Database, schema: String) throws -> [String] {
        var expected: [String: TokenRecord] = [:]
        var firstLogged: String?
        let rows = try Row.fetchAll(db, sql: "SELECT at, body FROM \(schema).events WHERE type IN ('token-created', 'token-revoked') ORDER BY sequence")
        for row in rows {
            guard let token = try JSONParser().parse(row["body"] as String).decode(EventBody.self).token else { continue }
            expected[token.tokenId] = token
            firstLogged = firstLogged ?? row["at"]
        }
        var problems: [String] = []
        var seen: Set<String> = []
        for row in try Row.fetchAll(db, sql: "SELECT * FROM \(schema).tokens ORDER BY token_id") {
            let id: String = row["token_id"]
            seen.insert(id)
            guard let token = expected[id] else {
                if let firstLogged, (row["created_at"] as String) >= firstLogged {
                    problems.append("token \(id) is in the tokens table but not in the log (added outside Continuum)")
                }
                continue
            }
            let revoked = (row["revoked_at"] as String?) != nil
            if (row["role"] as String) != token.role.rawValue || (row["partner_id"] as String?) != token.partnerId
                || (row["secret_hash"] as String) != token.secretHash || revoked != token.revoked
                || (row["qualification"] as String?) != token.qualification?.rawValue {
                // A qualification edited in place would let someone hold a case role the pathway refuses them.
                problems.append("token \(id) differs from the log (role, partner, qualification, secret or revocation edited outside Continuum): the log says "
                                + "\(token.role.rawValue)\(token.partnerId.map { " of \($0)" } ?? "")\(token.qualification.map { ", \($0.rawValue)" } ?? "")"
                                + "\(token.revoked ? ", revoked" : "")")
            }
        }
        for id in expected.keys.sorted() where !seen.contains(id) {
            problems.append("token \(id) is in the log but not in the tokens table (deleted outside Continuum)")
        }
        return problems
    }
}
