import ContinuumAPI
import ContinuumCore
import ContinuumJSON
import GRDB

/// Appending to, reading and checking the hash-chained `events` table.
enum EventLog {
    /// Appends one event after the current last one and returns it (not yet committed).
    /// - Parameter previous: the last event, when the caller appended it in this transaction
    ///   (the log's head is then not read again).
    static func append(_ body: EncodedBody, caseId: String, actor: Actor, at: Timestamp, after previous: EventRecord? = nil, _ db: Database) throws -> EventRecord {
        let sequence: Int64
        let previousHash: String
        if let previous {
            (sequence, previousHash) = (previous.sequence + 1, previous.hash)
        } else {
            let last = try Row.fetchOne(db.cachedStatement(sql: "SELECT sequence, hash FROM events ORDER BY sequence DESC LIMIT 1"))
            sequence = (last?["sequence"] ?? 0) + 1
            previousHash = last?["hash"] ?? EventRecord.genesisHash
        }
        let text = EventRecord.canonicalText(sequence: sequence, caseId: caseId, actor: actor, at: at, body: body.text)
        let hash = EventRecord.chainHash(previousHash: previousHash, canonicalText: text)
        try db.cachedStatement(sql: """
            INSERT INTO events (sequence, case_id, type, actor_id, actor_role, at, body, previous_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [sequence, caseId, body.body.type, actor.id, actor.role.rawValue, at.description, body.text, previousHash, hash])
        return EventRecord(sequence: sequence, caseId: caseId, actor: actor, at: at, body: body.body, previousHash: previousHash, hash: hash)
    }

    /// A case's events, oldest first.
    static func events(of caseId: String, _ vault: PersonalDataVault, _ db: Database, as reading: PersonalDataVault.Reading = .shape) throws -> [EventRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM events WHERE case_id = ? ORDER BY sequence", arguments: [caseId]).map { try decode($0, vault, db, as: reading) }
    }

    /// Reads a stored row back into an event; a row that does not parse is a broken log.
    static func decode(_ row: Row, _ vault: PersonalDataVault, _ db: Database, as reading: PersonalDataVault.Reading = .shape) throws -> EventRecord {
        try decodeWithBody(row, vault, db, as: reading).event
    }

    /// The event and its body as stored (text and parsed value), for the projector: personal
    /// values opened, or stand-ins where their key is gone (``PersonalDataVault/Reading``).
    static func decodeWithBody(_ row: Row, _ vault: PersonalDataVault, _ db: Database,
                               as reading: PersonalDataVault.Reading = .shape) throws -> (event: EventRecord, body: EncodedBody) {
        let sequence: Int64 = row["sequence"]
        let roleText: String = row["actor_role"]
        let atText: String = row["at"]
        let bodyText: String = row["body"]
        guard let role = Role(rawValue: roleText) else {
            throw StoreError.chainBroken(sequence: sequence, reason: "unknown actor role \"\(roleText)\"")
        }
        guard let at = Timestamp(rfc3339: atText) else {
            throw StoreError.chainBroken(sequence: sequence, reason: "time \"\(atText)\" is not RFC 3339")
        }
        let body: EventBody
        let value: JSONValue
        var missing = false
        do {
            let parser = JSONParser(limits: JSONLimits(maxBytes: 16 << 20))
            let document = try parser.parse(bodyText)
            value = try document.value()
            if PersonalFields.mayHoldSealed(bodyText) {
                let opened = try vault.open(value, db, as: reading)
                missing = opened.erased || vault.master == nil
                body = try parser.parse(opened.value.serialized()).decode(EventBody.self)
            } else {
                body = try document.decode(EventBody.self)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.chainBroken(sequence: sequence, reason: "body does not decode: \(error)")
        }
        let event = EventRecord(sequence: sequence, caseId: row["case_id"], actor: Actor(id: row["actor_id"], role: role), at: at,
                                body: body, previousHash: row["previous_hash"], hash: row["hash"])
        return (event, EncodedBody(stored: body, value: value, text: bodyText, personalDataMissing: missing))
    }

    /// The type a stored body says it is. A referral's is its member's name (read without
    /// opening or decoding the message: most of a log's bytes, and sealed); a change is decoded
    /// (with stand-ins for its sealed free text) to name it.
    static func type(of text: String, _ locked: PersonalDataVault, _ db: Database) -> String? {
        // A staff event's envelope sits beside its one member.
        guard let value = try? JSONParser(limits: JSONLimits(maxBytes: 16 << 20)).parse(text).value(), case .object(var members) = value else { return nil }
        members[PersonalFields.marker] = nil
        guard members.count == 1, let (name, member) = members.first else { return nil }
        switch name {
        case "referral":
            guard member["referralId"]?.stringValue != nil, member["message"] != nil else { return nil }
            return "referral-received"
        case "routed":
            guard member["referralId"]?.stringValue != nil, member["decision"] != nil else { return nil }
            return "routed"
        default:
            return (try? locked.decode(EventBody.self, text: text, db, as: .shape))?.type
        }
    }

    /// Walks the whole log: sequence numbers without gaps, each entry's previous hash equal to
    /// the hash before it, and each hash recomputed from the stored text.
    /// Needs no key: sealed values are checked as stored, and read as stand-ins for the type check.
    static func verify(_ db: Database) throws -> ChainReport {
        let locked = PersonalDataVault(master: nil)
        var expected: Int64 = 1
        var previous = EventRecord.genesisHash
        let rows = try Row.fetchCursor(db, sql: "SELECT sequence, case_id, type, actor_id, actor_role, at, body, previous_hash, hash FROM events ORDER BY sequence")
        while let row = try rows.next() {
            let sequence: Int64 = row["sequence"]
            guard sequence == expected else {
                throw StoreError.chainBroken(sequence: expected, reason: "event missing (next stored is E\(sequence))")
            }
            let storedPrevious: String = row["previous_hash"]
            guard storedPrevious == previous else {
                throw StoreError.chainBroken(sequence: sequence, reason: "its previous hash does not match the hash of E\(sequence - 1)")
            }
            guard let role = Role(rawValue: row["actor_role"]), let at = Timestamp(rfc3339: row["at"] as String) else {
                throw StoreError.chainBroken(sequence: sequence, reason: "actor role or time is malformed")
            }
            let text = EventRecord.canonicalText(sequence: sequence, caseId: row["case_id"], actor: Actor(id: row["actor_id"], role: role),
                                              at: at, body: row["body"])
            let hash = EventRecord.chainHash(previousHash: previous, canonicalText: text)
            guard hash == row["hash"] as String else {
                throw StoreError.chainBroken(sequence: sequence, reason: "its content does not match its hash (edited after it was written)")
            }
            // The one stored column the hash does not cover is the body's name, repeated for
            // queries: it must say what the hashed body says (issue 22).
            guard let type = Self.type(of: row["body"], locked, db) else {
                throw StoreError.chainBroken(sequence: sequence, reason: "its body does not decode as an event")
            }
            guard type == row["type"] as String else {
                throw StoreError.chainBroken(sequence: sequence, reason: "its type column says \"\(row["type"] as String)\" but its hashed body is a \(type) event")
            }
            previous = hash
            expected += 1
        }
        return ChainReport(events: expected - 1, lastHash: previous)
    }
}
