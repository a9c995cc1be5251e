import ContinuumCore
import ContinuumJSON
import Crypto

/// One entry of the append-only event log: what happened to which case, who did it, when,
/// and a SHA-256 hash chained to the entry before it, so any edit to the log shows.
public struct EventRecord: Sendable, Hashable {
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
public struct EventBody: Sendable, Hashable, Codable {
    /// A partner's referral, as received and validated (`referral-received`).
    public var referral: ReceivedReferral?
    /// The router's recommendation for a referral (`routed`).
    public var routed: RoutedReferral?
    /// A change made by staff or the clock watcher (`decided`, `step-up`, `closed`, …).
    public var change: CaseEvent?

    public init(referral: ReceivedReferral) { self.referral = referral }
    public init(routed: RoutedReferral) { self.routed = routed }
    public init(change: CaseEvent) { self.change = change }

    public var type: String {
        if referral != nil { return "referral-received" }
        if routed != nil { return "routed" }
        return change?.name ?? "unknown"
    }

    /// The case state machine's view of this event.
    public var caseEvent: CaseEvent? {
        if let referral { return .referralReceived(at: referral.receivedAt, consent: referral.message.consent) }
        if let routed { return .routed(routed.decision) }
        return change
    }
}

/// A referral as the log keeps it: the validated message and how it was matched.
public struct ReceivedReferral: Sendable, Hashable, Codable {
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
}

/// The router's recommendation for one referral.
public struct RoutedReferral: Sendable, Hashable, Codable {
    public var referralId: String
    public var decision: Decision
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
