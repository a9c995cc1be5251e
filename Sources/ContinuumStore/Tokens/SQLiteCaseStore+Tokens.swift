import ContinuumAPI
import ContinuumCore
import GRDB

extension SQLiteCaseStore {
    /// Who token events are logged as: the `token` command, run by whoever holds the database.
    static let administrator = Actor(id: "token-command", role: .admin)

    /// Creates a token and returns it with its secret, which is shown once and stored only as a hash.
    public func createToken(role: Role, partnerId: String?, name: String?, qualification: Qualification?, at: Timestamp) async throws -> (info: TokenInfo, secret: String) {
        if role == .partner, partnerId?.isEmpty ?? true {
            throw StoreError.invalidCommand(.partnerRequired)
        }
        if role != .partner, partnerId != nil {
            throw StoreError.invalidCommand(.partnerNotAllowed(role))
        }
        if qualification != nil, role != .practitioner && role != .manager {
            throw StoreError.invalidCommand(.qualificationNotAllowed(role))
        }
        let secret = Identifier.tokenSecret()
        var made = TokenInfo(tokenId: Identifier.tokenId(), role: role, partnerId: partnerId, name: name, createdAt: at, revokedAt: nil)
        made.qualification = qualification
        let info = made
        let hash = Hex.sha256(Array(secret.utf8))
        try await write { db in
            try db.execute(sql: "INSERT INTO tokens (token_id, secret_hash, role, partner_id, name, created_at, qualification) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           arguments: [info.tokenId, hash, role.rawValue, partnerId, name, at.description, qualification?.rawValue])
            _ = try EventLog.append(try EncodedBody(.token(TokenRecord(tokenId: info.tokenId, role: role, partnerId: partnerId, secretHash: hash, name: name, revoked: false,
                                                                       qualification: qualification)), sealedWith: nil, vault: self.projector.vault),
                                    caseId: info.tokenId, actor: Self.administrator, at: at, db)
        }
        return (info, secret)
    }

    public func listTokens() async throws -> [TokenInfo] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM tokens ORDER BY created_at, token_id").map { row in
                let id: String = row["token_id"]
                let roleText: String = row["role"]
                guard let role = Role(rawValue: roleText) else {
                    throw StoreError.projectionBroken(table: "tokens", sequence: 0, reason: "\(id) has role \"\(roleText)\", which is no role")
                }
                var info = TokenInfo(tokenId: id, role: role, partnerId: row["partner_id"], name: row["name"],
                                     createdAt: try StoredValues.timestamp(row, "created_at", table: "tokens", id: row["token_id"]),
                                     revokedAt: (row["revoked_at"] as String?) == nil ? nil : try StoredValues.timestamp(row, "revoked_at", table: "tokens", id: id))
                info.qualification = (row["qualification"] as String?).flatMap(Qualification.init(rawValue:))
                return info
            }
        }
    }

    /// Revokes a token at once: requests bearing it get 401 from then on.
    public func revokeToken(_ tokenId: String, at: Timestamp) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL", arguments: [at.description, tokenId])
            self.tokenCache.clear()
            if db.changesCount == 0 {
                guard try Bool.fetchOne(db, sql: "SELECT 1 FROM tokens WHERE token_id = ?", arguments: [tokenId]) != nil else {
                    throw StoreError.tokenNotFound(tokenId)
                }
            } else if let row = try Row.fetchOne(db, sql: "SELECT * FROM tokens WHERE token_id = ?", arguments: [tokenId]), let role = Role(rawValue: row["role"]) {
                _ = try EventLog.append(try EncodedBody(.token(TokenRecord(tokenId: tokenId, role: role, partnerId: row["partner_id"], secretHash: row["secret_hash"],
                                                                     name: row["name"], revoked: true,
                                                                     qualification: (row["qualification"] as String?).flatMap(Qualification.init(rawValue:)))), sealedWith: nil, vault: self.projector.vault),
                                        caseId: tokenId, actor: Self.administrator, at: at, db)
            }
        }
    }

    public func authenticate(secret: String) async throws -> Principal? {
        let hash = Hex.sha256(Array(secret.utf8))
        if let cached = tokenCache.lookup(hash) { return cached }
        let principal: Principal? = try await read { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT token_id, role, partner_id, name FROM tokens WHERE secret_hash = ? AND revoked_at IS NULL"),
                                             arguments: [hash]),
                  let role = Role(rawValue: row["role"]) else { return nil }
            return Principal(tokenId: row["token_id"], role: role, partnerId: row["partner_id"], name: row["name"])
        }
        tokenCache.store(principal, for: hash)
        return principal
    }
}
