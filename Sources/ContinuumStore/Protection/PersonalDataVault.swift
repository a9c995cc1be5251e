import ContinuumCore
import ContinuumJSON
import Crypto
import Foundation
import GRDB
import Synchronization

/// A data key: a referral's (its message) or a case's (staff free text), named by that id.
/// Destroying it (``SQLiteCaseStore/applyRetention(asOf:actor:at:)``) erases all it sealed at once.
// SymmetricKey is immutable once made (swift-crypto does not mark it Sendable).
struct DataKey: @unchecked Sendable {
    let keyId: String
    let key: SymmetricKey
}

/// A new data key with its stored form: wrapped under the master key (``PersonalDataVault/wrapped(_:)``).
struct WrappedDataKey: Sendable {
    let key: DataKey
    let wrapped: String
    let masterId: String
}

/// Seals and opens children's personal data (issue 20): the master key, the data keys it wraps
/// (table `data_keys`) and the matching key for keyed child hashes.
///
/// Opened without a master key the store is *locked*: what needs no personal data (the queue's
/// order, indicators, `audit verify`, tokens) works, and anything that reads or writes personal
/// data throws ``StoreError/masterKeyRequired(_:)``.
final class PersonalDataVault: Sendable {
    let master: MasterKey?
    /// HMAC for child-matching hashes, keyed and ready (its key's pads hashed once, not once per
    /// hash: three or more hashes a referral); nil while locked.
    private let matching: Mutex<HMAC<SHA256>?>
    /// Unwrapped data keys, by key id: only keys read back from the table (never one made in a
    /// transaction that may still roll back). Bounded, as a million cases would fill memory.
    private let cache = Mutex<[String: DataKey]>([:])
    private static let cacheLimit = 200_000

    init(master: MasterKey?) {
        self.master = master
        matching = Mutex(nil)
    }

    static let matchingKeyId = "matching"

    /// The master key, or the error saying where to give it.
    func requireMaster(_ purpose: String) throws -> MasterKey {
        guard let master else { throw StoreError.masterKeyRequired(purpose) }
        return master
    }

    // MARK: Binding the store to its master key

    /// Checks `master` is the one this database's keys are wrapped under (binding a database
    /// that has none yet), and unwraps the matching key. Called once when the store opens.
    func unlock(_ db: Database) throws {
        guard let master else { return }
        let recorded = try String.fetchOne(db, sql: "SELECT value FROM key_store WHERE name = 'master_id'")
        if let rotating = try String.fetchOne(db, sql: "SELECT value FROM key_store WHERE name = 'rotating_to'") {
            throw StoreError.keyRotationUnfinished(from: recorded ?? "?", to: rotating)
        }
        if let recorded {
            guard recorded == master.id else { throw StoreError.wrongMasterKey(expected: recorded, given: master.id) }
        } else {
            try db.execute(sql: "INSERT INTO key_store (name, value) VALUES ('master_id', ?)", arguments: [master.id])
        }
        if let row = try Row.fetchOne(db, sql: "SELECT wrapped, master_id FROM data_keys WHERE key_id = ?", arguments: [Self.matchingKeyId]) {
            let key = DataKey(keyId: Self.matchingKeyId, key: try unwrap(row["wrapped"], keyId: Self.matchingKeyId, masterId: row["master_id"], master: master))
            matching.withLock { $0 = HMAC(key: key.key) }
        } else {
            // Derived from the master key it was first bound to, then kept wrapped like a data
            // key, so that rotating the master key leaves every stored hash valid.
            let key = DataKey(keyId: Self.matchingKeyId, key: master.derived("matching/1"))
            try insert(key, master: master, db)
            matching.withLock { $0 = HMAC(key: key.key) }
        }
    }

    /// Sets the matching key without a database (the sealing benchmark).
    func adoptMatchingKey(_ key: SymmetricKey) {
        // Made from a copy of the key's bytes inside the lock: the caller's key stays the caller's.
        let bytes = key.withUnsafeBytes { Array($0) }
        matching.withLock { $0 = HMAC(key: SymmetricKey(data: bytes)) }
    }

    // MARK: Keyed hashes

    /// A child key as stored: HMAC-SHA-256 of its unkeyed form under the matching key, so a
    /// stolen database cannot be searched for a guessed NHS number or name and birth date.
    func keyed(_ unkeyed: String) throws -> String {
        guard var hmac = matching.withLock({ $0 }) else { throw StoreError.masterKeyRequired("matching a child") }
        hmac.update(data: Array(unkeyed.utf8))
        return Hex.encode(hmac.finalize())
    }

    // MARK: Data keys

    /// A fresh key for a new referral (its id) or case (stored by ``insert(_:_:)`` in the
    /// transaction that uses it).
    func newKey(for keyId: String) throws -> DataKey {
        _ = try requireMaster("storing a referral")
        return DataKey(keyId: keyId, key: SymmetricKey(size: .bits256))
    }

    /// Stores a new key, wrapped under the master key.
    func insert(_ key: DataKey, _ db: Database) throws {
        try insert(key, master: try requireMaster("storing a referral"), db)
    }

    /// A new key wrapped under the master key, ready to store: wrapped where the referral is
    /// planned, on the request's task, so that the single writer only inserts it.
    func wrapped(_ key: DataKey) throws -> WrappedDataKey {
        try wrapped(key, master: try requireMaster("storing a referral"))
    }

    private func wrapped(_ key: DataKey, master: MasterKey) throws -> WrappedDataKey {
        WrappedDataKey(key: key, wrapped: try wrap(key.key, keyId: key.keyId, master: master), masterId: master.id)
    }

    /// Stores a key wrapped by ``wrapped(_:)``, and keeps it unwrapped for the reads after.
    func insert(_ key: WrappedDataKey, _ db: Database) throws {
        try db.cachedStatement(sql: "INSERT INTO data_keys (key_id, wrapped, master_id) VALUES (?, ?, ?)")
            .execute(arguments: [key.key.keyId, key.wrapped, key.masterId])
        remember(key.key)
    }

    /// The child's census characteristics (issue 18), as a small message of their own for the
    /// census facts: sex and disabilities in the clear as in the referral, the dates of birth,
    /// UPN and ethnicity sealed under the referral's key (so an erasure erases them too).
    func sealCensusChild(_ child: Child, key: DataKey) throws -> String {
        var members: [String: JSONValue] = [:]
        if let born = child.dateOfBirth { members["dateOfBirth"] = .string(born.description) }
        if let expected = child.expectedDateOfBirth { members["expectedDateOfBirth"] = .string(expected.description) }
        if let sex = child.censusSex { members["sex"] = .string(sex.rawValue) }
        if let upn = child.upn { members["upn"] = .string(upn.value) }
        if let ethnicity = child.ethnicity { members["ethnicity"] = .string(ethnicity.rawValue) }
        if let disabilities = child.disabilities { members["disabilities"] = .array(disabilities.map { .string($0.rawValue) }) }
        let sealed = try seal(.object(["referral": .object(["message": .object(["child": .object(members)])])]), with: key)
        return (sealed["referral"]?["message"] ?? .null).serialized()
    }

    private func insert(_ key: DataKey, master: MasterKey, _ db: Database) throws {
        try insert(try wrapped(key, master: master), db)
    }

    /// The key a case's records (or, in the upgrade, a referral's) are sealed under: stored, or
    /// made and stored now (a case gets one on its first staff event). Live writes and the
    /// upgrade only: a replay must never make one (``stored(_:_:)``).
    /// - Throws: ``StoreError/personalDataErased(_:)`` for a case whose key was destroyed.
    func key(for caseId: String, _ db: Database) throws -> DataKey {
        if let key = try stored(caseId, db) { return DataKey(keyId: caseId, key: key) }
        if try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM erasures WHERE case_id = ?)"), arguments: [caseId]) == true {
            throw StoreError.personalDataErased(caseId)
        }
        let key = try newKey(for: caseId)
        try insert(key, db)
        return key
    }

    /// A stored key, unwrapped; nil when there is none (erased, or never made).
    func stored(_ keyId: String, _ db: Database) throws -> SymmetricKey? {
        if let key = cache.withLock({ $0[keyId] }) { return key.key }
        let master = try requireMaster("reading personal data")
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT wrapped, master_id FROM data_keys WHERE key_id = ?"), arguments: [keyId]) else {
            return nil
        }
        let key = try unwrap(row["wrapped"], keyId: keyId, masterId: row["master_id"], master: master)
        remember(DataKey(keyId: keyId, key: key))
        return key
    }

    /// Keeps an unwrapped key for the next read (at most ``cacheLimit``).
    private func remember(_ key: DataKey) {
        cache.withLock { cache in
            if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
            cache[key.keyId] = key
        }
    }

    /// Forgets keys destroyed by an erasure.
    func forget(_ keyIds: [String]) {
        cache.withLock { cache in for id in keyIds { cache[id] = nil } }
    }

    func wrap(_ key: SymmetricKey, keyId: String, master: MasterKey) throws -> String {
        let sealed = try AES.GCM.seal(key.withUnsafeBytes { Data($0) }, using: master.wrapping, authenticating: Array("data-key:\(keyId)".utf8))
        guard let combined = sealed.combined else { throw StoreError.keyDamaged(keyId) }
        return combined.base64EncodedString()
    }

    func unwrap(_ wrapped: String, keyId: String, masterId: String, master: MasterKey) throws -> SymmetricKey {
        guard masterId == master.id else { throw StoreError.wrongMasterKey(expected: masterId, given: master.id) }
        guard let data = Data(base64Encoded: wrapped),
              let box = try? AES.GCM.SealedBox(combined: data),
              let bytes = try? AES.GCM.open(box, using: master.wrapping, authenticating: Array("data-key:\(keyId)".utf8)) else {
            throw StoreError.keyDamaged(keyId)
        }
        return SymmetricKey(data: bytes)
    }

    // MARK: Sealing and opening

    /// A stored event body or case state with its personal members sealed under `key`, one
    /// envelope per region (``PersonalFields``).
    /// - Throws: ``StoreError/masterKeyRequired(_:)`` when it holds personal data and `key` is nil.
    func seal(_ value: JSONValue, with key: DataKey?) throws -> JSONValue {
        let regions = PersonalFields.regions(of: value)
        guard !regions.isEmpty else { return value }
        guard let key else { throw StoreError.masterKeyRequired("storing personal data") }
        var result = value
        for region in regions {
            var plain: [String: JSONValue] = [:]
            for member in region.members { plain[member.path.joined(separator: ".")] = member.value }
            let text = Array(JSONValue.object(plain).serialized().utf8)
            // The nonce is derived from the key and the text (a synthetic IV): the same text
            // under the same key seals the same, so a replay of the log rebuilds projections
            // byte for byte (`audit verify --checkpoint` compares them). All it shows is that two
            // regions of one record are equal; different texts never share a nonce.
            let tag = HMAC<SHA256>.authenticationCode(for: Array("nonce|\(key.keyId)|".utf8) + text, using: key.key)
            let box = try AES.GCM.seal(text, using: key.key, nonce: try AES.GCM.Nonce(data: Array(tag).prefix(12)), authenticating: Array(key.keyId.utf8))
            guard let combined = box.combined else { throw StoreError.keyDamaged(key.keyId) }
            let envelope = JSONValue.object([
                "key": .string(key.keyId), "paths": .array(plain.keys.sorted().map(JSONValue.string)), "data": .string(combined.base64EncodedString()),
            ])
            result = PersonalFields.updating(result, at: region.at[...]) { current in
                guard let current else { return nil }
                var cleared = PersonalFields.removing(region.members.map { $0.path[...] }, from: current)
                if case .object(var members) = cleared {
                    members[PersonalFields.marker] = envelope
                    cleared = .object(members)
                }
                return cleared
            }
        }
        return result
    }

    /// How ``open(_:_:as:)`` fills what it cannot decrypt.
    enum Reading {
        /// For people: an erased member shows as `null`; a locked store throws.
        case display
        /// For the projector and `audit verify`: type-valid stand-ins (``PersonalFields/standIn(for:)``),
        /// never shown, so the record's shape decodes without the key.
        case shape
    }

    /// The value with its envelopes opened. `erased` is set when a key was gone.
    func open(_ value: JSONValue, _ db: Database, as reading: Reading) throws -> (value: JSONValue, erased: Bool) {
        var erased = false
        func walk(_ value: JSONValue) throws -> JSONValue {
            switch value {
            case .object(var members):
                let envelope = members.removeValue(forKey: PersonalFields.marker)
                var result = JSONValue.object(try members.mapValues(walk))
                if let envelope {
                    let opened = try self.openEnvelope(envelope, db, as: reading)
                    erased = erased || opened.erased
                    result = PersonalFields.setting(opened.members.map { (path: $0.0.split(separator: ".").map(String.init)[...], value: $0.1) }, in: result)
                }
                return result
            case .array(let items):
                return .array(try items.map(walk))
            default:
                return value
            }
        }
        return (try walk(value), erased)
    }

    /// An envelope's members by path: decrypted, or (key gone) `null` or stand-ins.
    private func openEnvelope(_ envelope: JSONValue, _ db: Database, as reading: Reading) throws -> (members: [(String, JSONValue?)], erased: Bool) {
        guard let keyId = envelope["key"]?.stringValue, let paths = envelope["paths"]?.arrayValue?.compactMap(\.stringValue),
              let data = envelope["data"]?.stringValue else {
            throw StoreError.keyDamaged("an envelope without key, paths and data")
        }
        let key: SymmetricKey?
        if master == nil {
            guard reading == .shape else { throw StoreError.masterKeyRequired("reading personal data") }
            key = nil
        } else {
            key = try stored(keyId, db)
        }
        guard let key else {
            return (paths.map { path in
                (path, reading == .shape ? PersonalFields.standIn(for: path.split(separator: ".").last.map(String.init)) : .null)
            }, master != nil)
        }
        guard let bytes = Data(base64Encoded: data), let box = try? AES.GCM.SealedBox(combined: bytes),
              let plain = try? AES.GCM.open(box, using: key, authenticating: Array(keyId.utf8)),
              case .object(let members) = try JSONParser(limits: JSONLimits(maxBytes: 16 << 20)).parse(Array(plain)).value() else {
            throw StoreError.keyDamaged(keyId)
        }
        return (paths.map { ($0, members[$0]) }, false)
    }

    /// A stored text, parsed and opened.
    func open(text: String, _ db: Database, as reading: Reading) throws -> (value: JSONValue, erased: Bool) {
        let value = try JSONParser(limits: JSONLimits(maxBytes: 16 << 20)).parse(text).value()
        guard PersonalFields.mayHoldSealed(text) else { return (value, false) }
        return try open(value, db, as: reading)
    }

    /// Decodes a stored text as `T`, its sealed parts opened first.
    func decode<T: Decodable>(_ type: T.Type, text: String, _ db: Database, as reading: Reading = .display) throws -> T {
        let parser = JSONParser(limits: JSONLimits(maxBytes: 16 << 20))
        guard PersonalFields.mayHoldSealed(text) else { return try parser.parse(text).decode(type) }
        return try parser.parse(open(text: text, db, as: reading).value.serialized()).decode(type)
    }
}
