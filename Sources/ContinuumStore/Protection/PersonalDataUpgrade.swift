import ContinuumAPI
import ContinuumCore
import ContinuumJSON
import Foundation
import GRDB

/// Encrypts a database written before issue 20, once, the first time it is opened with a
/// master key: the chain is verified as it stands, every event's personal values are sealed and
/// its child keys keyed, the chain is hashed anew over the sealed texts (the old hash of each
/// event is kept in `events.legacy_hash`, and `chain_anchors` records both heads, so checkpoints
/// signed before still verify), the projections are rebuilt, and the file is vacuumed so that no
/// page keeps the old plain text.
enum PersonalDataUpgrade {
    static func isPending(_ db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM key_store WHERE name = 'encrypt_pending')") ?? false
    }

    /// Measured on this machine (docs/performance.md: 30,000 referrals in 33 s, release build).
    static let minutesPerMillionReferrals = 20

    static func run(_ pool: DatabasePool, projector: Projector, upgrading: (String) -> Void) throws {
        let events = try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events") ?? 0 }
        upgrading("encrypting the personal data of this database's \(events) events under the master key (once; about "
                  + "\(minutesPerMillionReferrals) minutes per million referrals)")
        let vault = projector.vault
        try pool.write { db in
            // A log that does not verify is not re-hashed: that would hide what broke it.
            let legacy = try EventLog.verify(db)
            var previous = EventRecord.genesisHash
            var next: Int64 = 1
            let update = try db.makeStatement(sql: "UPDATE events SET body = ?, previous_hash = ?, hash = ?, legacy_hash = ? WHERE sequence = ?")
            while true {
                let rows = try Row.fetchAll(db, sql: "SELECT sequence, case_id, type, actor_id, actor_role, at, body, hash FROM events WHERE sequence >= ? ORDER BY sequence LIMIT 2000",
                                            arguments: [next])
                guard let last = rows.last else { break }
                for row in rows {
                    let sequence: Int64 = row["sequence"]
                    let caseId: String = row["case_id"]
                    let type: String = row["type"]
                    var value = try JSONParser(limits: JSONLimits(maxBytes: 16 << 20)).parse(row["body"] as String).value()
                    var key: DataKey?
                    if let referralId = value["referral"]?["referralId"]?.stringValue {
                        // A referral's message under its own key, as new ones are (SubmissionPlan).
                        value = try keyingChildKeys(value, vault)
                        key = try vault.key(for: referralId, db)
                    } else if type != "token-created" && type != "token-revoked" {
                        key = try vault.key(for: caseId, db)
                    }
                    let text = try vault.seal(value, with: key).serialized()
                    guard let role = Role(rawValue: row["actor_role"]), let at = Timestamp(rfc3339: row["at"] as String) else {
                        throw StoreError.chainBroken(sequence: sequence, reason: "actor role or time is malformed")
                    }
                    let hash = EventRecord.chainHash(previousHash: previous, canonicalText: EventRecord.canonicalText(
                        sequence: sequence, caseId: caseId, actor: Actor(id: row["actor_id"], role: role), at: at, body: text))
                    try update.execute(arguments: [text, previous, hash, row["hash"] as String, sequence])
                    previous = hash
                }
                next = (last["sequence"] as Int64) + 1
            }
            try db.execute(sql: "INSERT INTO chain_anchors (at, events, legacy_head, head) VALUES (?, ?, ?, ?)",
                           arguments: [Timestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)).description, legacy.events, legacy.lastHash, previous])
            _ = try projector.rebuild(db)
            // The projections are this version's now: no second replay for an older projector.
            try Schema.markProjectionsCurrent(db)
            try db.execute(sql: "DELETE FROM key_store WHERE name = 'encrypt_pending'")
        }
        // The old texts sit in free pages and the WAL until these rewrite them.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "VACUUM")
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
        }
    }

    /// A `referral-received` body's child keys, keyed (HMAC of the unkeyed hash, as
    /// ``ChildKeys/keys(for:_:)`` stores them now), so matching finds what it found before.
    static func keyingChildKeys(_ value: JSONValue, _ vault: PersonalDataVault) throws -> JSONValue {
        guard case .object(var members) = value, case .object(var referral)? = members["referral"],
              case .array(let keys)? = referral["childKeys"] else { return value }
        referral["childKeys"] = .array(try keys.map { key in
            guard case .string(let text) = key else { return key }
            return .string(try vault.keyed(text))
        })
        members["referral"] = .object(referral)
        return .object(members)
    }
}
