import ContinuumCore
import ContinuumJSON
import Crypto

/// One entry of the append-only event log: what happened to which case, who did it, when,
/// and a SHA-256 hash chained to the entry before it, so any edit to the log shows.
public struct EventRecord: Sendable {
    /// Position in the log (1, 2, 3 …), without gaps.
    public var sequence: Int64
    public var caseId: String
    public var actor: Actor
    public var at: Timestamp
    public var body: EventBody
    /// The hash of the entry before (64 zeros for the first).
    public var previousHash: String
    /// SHA-256 over the previous hash and this entry's canonical text (``canonicalText``).
    public var hash: String

    /// The id staff and the API use for the event: `E` and its sequence number.
    public var id: String { "E\(sequence)" }
    /// The event's name in the log (`referral-received`, `routed`, `decided`, `step-up`, …).
    public var type: String { body.type }

    /// The hash before the first entry.
    public static let genesisHash = String(repeating: "0", count: 64)

    /// The entry's fields in a fixed order, with the body as sorted-key JSON: what is hashed.
    public static func canonicalText(sequence: Int64, caseId: String, actor: Actor, at: Timestamp, body: String) -> String {
        "\(sequence)\n\(caseId)\n\(actor.id)\n\(actor.role.rawValue)\n\(at)\n\(body)"
    }

    /// The hash of an entry that follows `previousHash`.
    public static func chainHash(previousHash: String, canonicalText: String) -> String {
        var hasher = SHA256()
        hasher.update(data: Array(previousHash.utf8))
        hasher.update(data: [0x0A])
        hasher.update(data: Array(canonicalText.utf8))
        return Hex.encode(hasher.finalize())
    }
}

/// What an event records. Exactly one member is set; `type` names it in the log.
public struct EventBody: Sendable, Codable {
    /// A partner's referral, as received and validated (`referral-received`).
    public var referral: ReceivedReferral?
    /// The router's recommendation for a referral (`routed`).
    public var routed: RoutedReferral?
    /// A change made by staff or the clock watcher (`decided`, `step-up`, `closed`, …).
    public var change: CaseEvent?
    /// A token created or revoked (`token-created`, `token-revoked`): logged so that
    /// `audit verify --checkpoint` can check the tokens table against the log (issue 22).
    public var token: TokenRecord?

    public init(referral: ReceivedReferral) { self.referral = referral }
    public init(routed: RoutedReferral) { self.routed = routed }
    public init(change: CaseEvent) { self.change = change }
    public init(token: TokenRecord) { self.token = token }

    public var type: String {
        if referral != nil { return "referral-received" }
        if routed != nil { return "routed" }
        if let token { return token.revoked ? "token-revoked" : "token-created" }
        return change?.name ?? "unknown"
    }

    /// The case state machine's view of this event.
    public var caseEvent: CaseEvent? {
        if let referral { return .referralReceived(at: referral.receivedAt, consent: referral.message.consent) }
        if let routed { return .routed(routed.decision) }
        return change
    }
}

/// A token as the log keeps it: never the secret, only its SHA-256, as the tokens table does.
public struct TokenRecord: Sendable, Hashable, Codable {
    public var tokenId: String
    public var role: Role
    public var partnerId: String?
    public var secretHash: String
    public var name: String?
    /// A revocation (the other fields repeat the token's).
    public var revoked: Bool
}

/// A referral as the log keeps it: the validated message and how it was matched.
public struct ReceivedReferral: Sendable, Codable {
    public var referralId: String
    /// The partner (token's partner id) that sent it.
    public var partnerId: String
    public var receivedAt: Timestamp
    /// SHA-256 of the message's canonical JSON: the same messageId with another body is a conflict.
    public var bodyHash: String
    public var message: Referral
    /// The same child was referred within the 12 months before.
    public var reReferral: Bool
    /// The latest earlier referral for the same child, when there is one.
    public var previousReferralId: String?
    /// Hashed child keys (NHS number; names and date of birth): for matching, never the values.
    public var childKeys: [String]
    /// How the child was matched on arrival; nil in events logged before identity matching
    /// (their re-referral flag and keys stand as they were decided then).
    public var identity: IdentityOutcome?
    /// `message` already encoded (its canonical JSON was needed for `bodyHash`): written as is,
    /// so the message is encoded once per referral, not once per table it lands in.
    var messageJSON: JSONValue?

    enum CodingKeys: String, CodingKey {
        case referralId, partnerId, receivedAt, bodyHash, message, reReferral, previousReferralId, childKeys, identity
    }

    init(referralId: String, partnerId: String, receivedAt: Timestamp, bodyHash: String, message: Referral, messageJSON: JSONValue?,
         reReferral: Bool, previousReferralId: String?, childKeys: [String], identity: IdentityOutcome?) {
        self.referralId = referralId
        self.partnerId = partnerId
        self.receivedAt = receivedAt
        self.bodyHash = bodyHash
        self.message = message
        self.messageJSON = messageJSON
        self.reReferral = reReferral
        self.previousReferralId = previousReferralId
        self.childKeys = childKeys
        self.identity = identity
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(referralId, forKey: .referralId)
        try container.encode(partnerId, forKey: .partnerId)
        try container.encode(receivedAt, forKey: .receivedAt)
        try container.encode(bodyHash, forKey: .bodyHash)
        if let messageJSON { try container.encode(messageJSON, forKey: .message) } else { try container.encode(message, forKey: .message) }
        try container.encode(reReferral, forKey: .reReferral)
        try container.encodeIfPresent(previousReferralId, forKey: .previousReferralId)
        try container.encode(childKeys, forKey: .childKeys)
        try container.encodeIfPresent(identity, forKey: .identity)
    }

    /// The message as canonical JSON.
    func messageValue() throws -> JSONValue {
        try messageJSON ?? JSONValueEncoder().encode(message)
    }
}

/// How a referral's child was matched when it arrived (docs/identity.md).
public struct IdentityOutcome: Sendable, Hashable, Codable {
    /// Earlier referrals of the same child: the same NHS number with consistent demographics,
    /// and the referrals staff had linked to those.
    public var sameAs: [String]
    /// Earlier records that may be the same child: each waits for a practitioner to decide.
    public var possible: [PossibleCandidate]

    public init(sameAs: [String], possible: [PossibleCandidate]) {
        self.sameAs = sameAs
        self.possible = possible
    }
}

/// An earlier referral that may be the same child, and why it is not certain.
public struct PossibleCandidate: Sendable, Hashable, Codable {
    public var referralId: String
    public var reasons: [MatchReason]

    public init(referralId: String, reasons: [MatchReason]) {
        self.referralId = referralId
        self.reasons = reasons
    }
}

/// The router's recommendation for one referral.
public struct RoutedReferral: Sendable, Codable {
    public var referralId: String
    public var decision: Decision
    /// `decision` already encoded, written as is (see ``ReceivedReferral/messageJSON``).
    var decisionJSON: JSONValue?

    enum CodingKeys: String, CodingKey { case referralId, decision }

    init(referralId: String, decision: Decision, decisionJSON: JSONValue?) {
        self.referralId = referralId
        self.decision = decision
        self.decisionJSON = decisionJSON
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(referralId, forKey: .referralId)
        if let decisionJSON { try container.encode(decisionJSON, forKey: .decision) } else { try container.encode(decision, forKey: .decision) }
    }

    func decisionValue() throws -> JSONValue {
        try decisionJSON ?? JSONValueEncoder().encode(decision)
    }
}

/// Lower-case hexadecimal, for hashes.
enum Hex {
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var output: [UInt8] = []
        for byte in bytes {
            output.append(digits[Int(byte >> 4)])
            output.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    static func sha256(_ bytes: some Sequence<UInt8>) -> String {
        encode(SHA256.hash(data: Array(bytes)))
    }
}
