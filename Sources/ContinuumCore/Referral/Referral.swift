/// A partner's referral, message format v1 (`docs/referral-message.md`,
/// `docs/referral-message.schema.json`).
///
/// Decoding validates everything at once: every problem is reported with its JSON path, and
/// unknown fields are rejected with a suggestion. Set ``ValidationContext/receivedAt`` in the
/// decoder's `userInfo` to check dates against the day of receipt (``ReferralReader`` does).
public struct Referral: Sendable, Hashable, Codable, FieldObject {
    typealias Keys = CodingKeys
    /// The partner's id for this message (1-128 of `A-Z a-z 0-9 . _ : -`): the idempotency key.
    public var messageId: String
    /// When the partner sent it (RFC 3339 with offset).
    public var sentAt: Timestamp
    public var referrer: Referrer
    public var child: Child
    public var household: [HouseholdMember]?
    /// What the referrer is worried about: at least one concern.
    public var concerns: [Concern]
    /// The child is suffering, or likely to suffer, significant harm now (Children Act 1989 s47).
    public var immediateRisk: Bool
    public var consent: Consent
    /// Why consent was not sought; required exactly when `consent` is `not-sought`.
    public var consentNotSoughtReason: String?
    /// The referrer's account, 1-10,000 characters.
    public var summary: String

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case messageId, sentAt, referrer, child, household, concerns, immediateRisk, consent, consentNotSoughtReason, summary
    }

    public init(messageId: String, sentAt: Timestamp, referrer: Referrer, child: Child, household: [HouseholdMember]? = nil,
                concerns: [Concern], immediateRisk: Bool, consent: Consent, consentNotSoughtReason: String? = nil, summary: String) {
        self.messageId = messageId
        self.sentAt = sentAt
        self.referrer = referrer
        self.child = child
        self.household = household
        self.concerns = concerns
        self.immediateRisk = immediateRisk
        self.consent = consent
        self.consentNotSoughtReason = consentNotSoughtReason
        self.summary = summary
    }

    /// Clock skew tolerated between a partner's `sentAt` and our receipt.
    static let allowedClockSkewSeconds: Int64 = 300

    public init(from decoder: any Decoder) throws {
        self = try Self.decode(from: decoder)
    }

    init(fields: inout FieldReader<CodingKeys>) throws {
        let messageId = fields.text(.messageId, length: 1...128)
        if let messageId, !UTF8Scan.allSatisfy(messageId, Self.isMessageIdByte) {
            fields.problem(.messageId, "may contain only letters, digits and . _ : -")
        }
        let sentAt = fields.required(.sentAt, Timestamp.self)
        if let sentAt, let receivedAt = fields.receivedAt, sentAt.secondsSinceEpoch > receivedAt.secondsSinceEpoch + Self.allowedClockSkewSeconds {
            fields.problem(.sentAt, "\(sentAt) is in the future (received at \(receivedAt))")
        }
        let referrer = fields.required(.referrer, Referrer.self)
        let child = fields.required(.child, Child.self)
        let household = fields.list(.household, HouseholdMember.self, count: 0...30, required: false)
        let concerns = fields.list(.concerns, Concern.self, count: 1...50)
        let immediateRisk = fields.required(.immediateRisk, Bool.self)
        let consentText = fields.required(.consent, String.self)
        var consent: Consent?
        if let consentText {
            consent = Consent(rawValue: consentText)
            if consent == nil { fields.problem(.consent, "\"\(consentText)\" is not a consent value; expected \"given\", \"refused\" or \"not-sought\"") }
        }
        let reason = fields.text(.consentNotSoughtReason, length: 1...2000, required: false, freeText: true)
        if consent == .notSought && reason == nil && !fields.problems.contains(where: { $0.path.hasSuffix(".consentNotSoughtReason") }) {
            fields.problem(.consentNotSoughtReason, "required when consent is \"not-sought\": say why consent was not sought")
        } else if let consent, consent != .notSought, reason != nil {
            fields.problem(.consentNotSoughtReason, "only allowed when consent is \"not-sought\"")
        }
        let summary = fields.text(.summary, length: 1...10_000, freeText: true)
        try fields.finish()
        guard let messageId, let sentAt, let referrer, let child, let household, let concerns, let immediateRisk, let consent, let summary else {
            throw MessageInvalid([JSONProblem(path: JSONPath.render(fields.path), message: "the referral could not be read")])
        }
        self.init(messageId: messageId, sentAt: sentAt, referrer: referrer, child: child, household: household.isEmpty ? nil : household,
                  concerns: concerns, immediateRisk: immediateRisk, consent: consent, consentNotSoughtReason: reason, summary: summary)
    }

    static func isMessageIdByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2E, 0x5F, 0x3A, 0x2D: true
        default: false
        }
    }
}

/// Parental consent to the referral and to sharing information (early help is consensual).
public enum Consent: String, Sendable, Hashable, Codable, CaseIterable {
    case given
    case refused
    case notSought = "not-sought"
}

/// How much a concern affects the child, as judged by the referrer.
public enum Impact: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case low, medium, high

    /// Ordered low < medium < high.
    public var rank: Int {
        switch self {
        case .low: 1
        case .medium: 2
        case .high: 3
        }
    }

    public static func < (lhs: Impact, rhs: Impact) -> Bool { lhs.rank < rhs.rank }
}

import ContinuumJSON
