import ContinuumAPI
import ContinuumCore

/// Who a bearer token speaks for.
public struct Principal: Sendable, Hashable {
    public var tokenId: String
    public var role: Role
    /// Set for partner tokens: the partner that owns the referrals it sends.
    public var partnerId: String?
    public var name: String?

    public init(tokenId: String, role: Role, partnerId: String?, name: String?) {
        self.tokenId = tokenId
        self.role = role
        self.partnerId = partnerId
        self.name = name
    }

    public var actor: Actor { Actor(id: tokenId, role: role) }
}

/// A token as `token list` shows it (never its secret).
public struct TokenInfo: Sendable, Hashable, Codable {
    public var tokenId: String
    public var role: Role
    public var partnerId: String?
    public var name: String?
    public var createdAt: Timestamp
    public var revokedAt: Timestamp?
    /// A person's qualification (case roles need one where the pathway sets a rule).
    public var qualification: Qualification?
}

/// `audit verify`'s finding.
public struct ChainReport: Sendable, Hashable {
    public var events: Int64
    public var lastHash: String
    /// Lines in the access log (who looked at which case), whose chain was checked too.
    public var accessEntries: Int64 = 0
    public var accessLastHash: String = EventRecord.genesisHash
}

/// `rebuild`'s finding.
public struct RebuildReport: Sendable, Hashable {
    public var events: Int64
    public var cases: Int
    public var referrals: Int
}
