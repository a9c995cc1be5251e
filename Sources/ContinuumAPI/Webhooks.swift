import ContinuumCore

/// What a partner can be told about its referrals (issue 24), as `event` in a webhook body.
public enum WebhookEvent: String, Sendable, Hashable, Codable, CaseIterable {
    /// The front door decided the partner's referral (its `outcome` says what and when).
    case referralDecided = "referral.decided"
    /// The decision added the referral to work already open with the family.
    case referralJoinedCase = "referral.joined-case"
    /// The child's case closed (the outcome's closure reason and its meaning).
    case caseClosed = "case.closed"
    /// The child's case stepped down from statutory social care to early help.
    case caseSteppedDownToEarlyHelp = "case.stepped-down-to-early-help"
}

/// A partner's registered endpoint (never its secret).
public struct WebhookInfo: Sendable, Hashable, Codable {
    public var webhookId: String
    public var partnerId: String
    public var url: String
    /// Names the secret a delivery is signed with (`Continuum-Key-Id`).
    public var keyId: String
    public var allowHTTP: Bool
    public var createdAt: Timestamp
    public var removedAt: Timestamp?

    public init(webhookId: String, partnerId: String, url: String, keyId: String, allowHTTP: Bool, createdAt: Timestamp, removedAt: Timestamp?) {
        self.webhookId = webhookId
        self.partnerId = partnerId
        self.url = url
        self.keyId = keyId
        self.allowHTTP = allowHTTP
        self.createdAt = createdAt
        self.removedAt = removedAt
    }
}

/// One delivery of one event to one endpoint: its idempotency id is `deliveryId`, the same on
/// every attempt.
public struct DeliveryInfo: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        case pending
        case delivered
        /// Given up on (the dead-letter list): `continuum partner deliveries retry` sends it again.
        case failed
    }

    public var deliveryId: String
    public var webhookId: String
    public var partnerId: String
    public var event: WebhookEvent
    public var referralId: String
    public var status: Status
    public var attempts: Int
    public var createdAt: Timestamp
    public var nextAttemptAt: Timestamp?
    public var lastError: String?
    public var deliveredAt: Timestamp?

    public init(deliveryId: String, webhookId: String, partnerId: String, event: WebhookEvent, referralId: String, status: Status, attempts: Int,
                createdAt: Timestamp, nextAttemptAt: Timestamp?, lastError: String?, deliveredAt: Timestamp?) {
        self.deliveryId = deliveryId
        self.webhookId = webhookId
        self.partnerId = partnerId
        self.event = event
        self.referralId = referralId
        self.status = status
        self.attempts = attempts
        self.createdAt = createdAt
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.deliveredAt = deliveredAt
    }
}

/// A delivery due now, with what sending it needs.
public struct DueDelivery: Sendable, Hashable {
    public var deliveryId: String
    public var webhookId: String
    public var url: String
    public var allowHTTP: Bool
    public var keyId: String
    public var secret: [UInt8]
    public var event: WebhookEvent
    /// The JSON body, exactly as signed.
    public var body: String
    public var attempts: Int
    public var createdAt: Timestamp

    public init(deliveryId: String, webhookId: String, url: String, allowHTTP: Bool, keyId: String, secret: [UInt8], event: WebhookEvent, body: String,
                attempts: Int, createdAt: Timestamp) {
        self.deliveryId = deliveryId
        self.webhookId = webhookId
        self.url = url
        self.allowHTTP = allowHTTP
        self.keyId = keyId
        self.secret = secret
        self.event = event
        self.body = body
        self.attempts = attempts
        self.createdAt = createdAt
    }
}

/// A webhook's body: the event, its idempotency id, when it happened, and the partner's
/// referral as `GET /v1/referrals/{id}` shows it (ids and the outcome; no child's details).
public struct WebhookBody: Sendable, Hashable, Codable {
    public var event: WebhookEvent
    /// The same on every attempt: a receiver that saw it already ignores it.
    public var deliveryId: String
    public var occurredAt: Timestamp
    public var referral: PartnerReferral

    public init(event: WebhookEvent, deliveryId: String, occurredAt: Timestamp, referral: PartnerReferral) {
        self.event = event
        self.deliveryId = deliveryId
        self.occurredAt = occurredAt
        self.referral = referral
    }
}

/// `POST /v1/admin/webhooks`: `{"partnerId": …, "url": …, "secret": HEX?, "allowHttp": false}`.
public struct WebhookRequest: Sendable, Hashable, Codable {
    public var partnerId: String
    public var url: String
    /// The signing secret as hex (16 bytes or more); made by the service when absent.
    public var secret: String?
    public var allowHttp: Bool?

    public init(partnerId: String, url: String, secret: String? = nil, allowHttp: Bool? = nil) {
        self.partnerId = partnerId
        self.url = url
        self.secret = secret
        self.allowHttp = allowHttp
    }
}

/// The answer to a registration: the endpoint, and the secret (hex) when the service made it,
/// shown this once.
public struct WebhookCreated: Sendable, Hashable, Codable {
    public var webhook: WebhookInfo
    public var secret: String?

    public init(webhook: WebhookInfo, secret: String?) {
        self.webhook = webhook
        self.secret = secret
    }
}

/// Hex text for webhook secrets (how they are shown once and given back).
public enum HexText {
    public static func encode(_ bytes: [UInt8]) -> String { bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() }

    /// The bytes of hex text (either case); nil if it is not hex.
    public static func decode(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index...index + 1], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}
