import ContinuumAPI
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

/// What an event records; its case names the event in the log (``type``).
///
/// Stored as an object with one member named after the case (`{"referral": …}`,
/// `{"routed": …}`, `{"change": …}`, `{"token": …}`), the shape every log since the first holds.
public enum EventBody: Sendable {
    /// A partner's referral, as received and validated (`referral-received`).
    case referral(ReceivedReferral)
    /// The router's recommendation for a referral (`routed`).
    case routed(RoutedReferral)
    /// A change made by staff or the clock watcher (`decided`, `step-up`, `closed`, …).
    case change(CaseEvent)
    /// A token created or revoked (`token-created`, `token-revoked`): logged so that
    /// `audit verify --checkpoint` can check the tokens table against the log (issue 22).
    case token(TokenRecord)
    /// A child's personal data erased under the retention schedule (`personal-data-erased`,
    /// issue 20): the data keys of the child's cases were destroyed.
    case erasure(ErasureRecord)

    /// The event's name in the log (and in the `type` column).
    public var type: String {
        switch self {
        case .referral: "referral-received"
        case .routed: "routed"
        case .change(let change): change.name
        case .token(let token): token.revoked ? "token-revoked" : "token-created"
        case .erasure: "personal-data-erased"
        }
    }

    public var referral: ReceivedReferral? { if case .referral(let value) = self { value } else { nil } }
    public var routed: RoutedReferral? { if case .routed(let value) = self { value } else { nil } }
    public var change: CaseEvent? { if case .change(let value) = self { value } else { nil } }
    public var token: TokenRecord? { if case .token(let value) = self { value } else { nil } }

    /// The case state machine's view of this event; nil for a token event, which belongs to no case.
    public var caseEvent: CaseEvent? {
        switch self {
        case .referral(let referral): .referralReceived(at: referral.receivedAt, consent: referral.message.consent)
        case .routed(let routed): .routed(routed.decision)
        case .change(let change): change
        case .token, .erasure: nil
        }
    }
}

extension EventBody: Codable {
    private enum CodingKeys: String, CodingKey, CaseIterable { case referral, routed, change, token, erasure }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let present = CodingKeys.allCases.filter(container.contains)
        guard present.count == 1, let key = present.first else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "an event body has exactly one of referral, routed, change, token, erasure; found \(present.count)"))
        }
        switch key {
        case .referral: self = .referral(try container.decode(ReceivedReferral.self, forKey: key))
        case .routed: self = .routed(try container.decode(RoutedReferral.self, forKey: key))
        case .change: self = .change(try container.decode(CaseEvent.self, forKey: key))
        case .token: self = .token(try container.decode(TokenRecord.self, forKey: key))
        case .erasure: self = .erasure(try container.decode(ErasureRecord.self, forKey: key))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .referral(let value): try container.encode(value, forKey: .referral)
        case .routed(let value): try container.encode(value, forKey: .routed)
        case .change(let value): try container.encode(value, forKey: .change)
        case .token(let value): try container.encode(value, forKey: .token)
        case .erasure(let value): try container.encode(value, forKey: .erasure)
        }
    }
}

/// An erasure as the log keeps it: whose cases, and the rule that ended their keeping.
public struct ErasureRecord: Sendable, Hashable, Codable {
    /// The child's cases (one child may have several, joined by confirmed identity links).
    public var caseIds: [String]
    /// The level whose rule applied, and the rule (`6 years after closure`).
    public var level: String
    public var rule: String
    /// The last day the record was to be kept, and the day the schedule was applied.
    public var keptUntil: CalendarDate
    public var asOf: CalendarDate

    public init(caseIds: [String], level: String, rule: String, keptUntil: CalendarDate, asOf: CalendarDate) {
        self.caseIds = caseIds
        self.level = level
        self.rule = rule
        self.keptUntil = keptUntil
        self.asOf = asOf
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
    /// A person's qualification; absent in tokens logged before case roles.
    public var qualification: Qualification?
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

    public init(referralId: String, partnerId: String, receivedAt: Timestamp, bodyHash: String, message: Referral,
                reReferral: Bool, previousReferralId: String?, childKeys: [String], identity: IdentityOutcome?) {
        self.referralId = referralId
        self.partnerId = partnerId
        self.receivedAt = receivedAt
        self.bodyHash = bodyHash
        self.message = message
        self.reReferral = reReferral
        self.previousReferralId = previousReferralId
        self.childKeys = childKeys
        self.identity = identity
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

    public init(referralId: String, decision: Decision) {
        self.referralId = referralId
        self.decision = decision
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
