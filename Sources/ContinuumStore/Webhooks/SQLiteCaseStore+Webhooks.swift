import ContinuumAPI
import ContinuumCore
import ContinuumJSON
import Crypto
import GRDB

// Outcome push (issue 24): partners' endpoints, and an outbox of deliveries written in the same
// transaction as the event that caused them, so a committed change is always delivered (at
// least once) and an uncommitted one never is.

enum WebhookTables {
    static func create(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS webhooks (
                webhook_id TEXT PRIMARY KEY,
                partner_id TEXT NOT NULL,
                url TEXT NOT NULL,
                secret TEXT NOT NULL,
                key_id TEXT NOT NULL,
                allow_http INTEGER NOT NULL,
                created_at TEXT NOT NULL,
                removed_at TEXT
            );
            CREATE INDEX IF NOT EXISTS webhooks_partner ON webhooks(partner_id, removed_at);
            CREATE TABLE IF NOT EXISTS webhook_deliveries (
                delivery_id TEXT PRIMARY KEY,
                webhook_id TEXT NOT NULL,
                partner_id TEXT NOT NULL,
                event TEXT NOT NULL,
                referral_id TEXT NOT NULL,
                body TEXT NOT NULL,
                event_sequence INTEGER NOT NULL,
                created_at TEXT NOT NULL,
                status TEXT NOT NULL,
                attempts INTEGER NOT NULL,
                next_attempt_at TEXT,
                last_error TEXT,
                delivered_at TEXT
            );
            CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
            """)
    }
}

extension SQLiteCaseStore {
    /// Registers a partner's endpoint; the secret signs every delivery (32 random bytes when
    /// none is given). Refuses a URL that is not `https://` (unless `allowHTTP`, for loopback
    /// tests) or that names a link-local or cloud-metadata address.
    public func addWebhook(partnerId: String, url: String, secret: [UInt8]?, allowHTTP: Bool, at: Timestamp) async throws -> (info: WebhookInfo, secret: [UInt8]) {
        try WebhookTarget.check(url, allowHTTP: allowHTTP)
        let key = secret ?? (0..<32).map { _ in UInt8.random(in: 0...255) }
        guard key.count >= 16 else { throw StoreError.invalidCommand(.unknownCode(.secret, "a webhook secret needs at least 16 bytes")) }
        let info = WebhookInfo(webhookId: Identifier.make(prefix: "W", length: 8), partnerId: partnerId, url: url,
                               keyId: "K-" + String(Hex.sha256(key).prefix(12)), allowHTTP: allowHTTP, createdAt: at, removedAt: nil)
        try await write { db in
            try db.execute(sql: """
                INSERT INTO webhooks (webhook_id, partner_id, url, secret, key_id, allow_http, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [info.webhookId, partnerId, url, Hex.encode(key), info.keyId, allowHTTP, at.description])
        }
        return (info, key)
    }

    /// The endpoints registered (removed ones too, with when), optionally of one partner.
    public func webhooks(partnerId: String?) async throws -> [WebhookInfo] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM webhooks WHERE (? IS NULL OR partner_id = ?) ORDER BY created_at, webhook_id",
                             arguments: [partnerId, partnerId]).map(Self.webhook)
        }
    }

    /// Stops deliveries to an endpoint: its pending ones are parked as failed ("removed").
    public func removeWebhook(_ webhookId: String, at: Timestamp) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE webhooks SET removed_at = ? WHERE webhook_id = ? AND removed_at IS NULL", arguments: [at.description, webhookId])
            guard db.changesCount == 1 else { throw StoreError.webhookNotFound(webhookId) }
            try db.execute(sql: "UPDATE webhook_deliveries SET status = 'failed', last_error = 'endpoint removed', next_attempt_at = NULL WHERE webhook_id = ? AND status = 'pending'",
                           arguments: [webhookId])
        }
    }

    /// Deliveries due at `now` (pending, their next attempt reached), oldest first.
    public func dueDeliveries(now: Timestamp, limit: Int) async throws -> [DueDelivery] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT d.delivery_id, d.webhook_id, d.event, d.body, d.attempts, d.created_at, w.url, w.allow_http, w.key_id, w.secret
                FROM webhook_deliveries d JOIN webhooks w ON w.webhook_id = d.webhook_id
                WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND w.removed_at IS NULL
                ORDER BY d.next_attempt_at, d.rowid LIMIT ?
                """, arguments: [now.description, limit]).compactMap { row in
                guard let event = WebhookEvent(rawValue: row["event"]), let secret = HexText.decode(row["secret"]) else { return nil }
                return DueDelivery(deliveryId: row["delivery_id"], webhookId: row["webhook_id"], url: row["url"], allowHTTP: row["allow_http"],
                                   keyId: row["key_id"], secret: secret, event: event, body: row["body"], attempts: row["attempts"],
                                   createdAt: try StoredValues.timestamp(row, "created_at", table: "webhook_deliveries", id: row["delivery_id"]))
            }
        }
    }

    /// Records an attempt: delivered, or failed with the next attempt's time (nil: given up,
    /// onto the dead-letter list).
    public func recordAttempt(_ deliveryId: String, delivered: Bool, error: String?, nextAttempt: Timestamp?, at: Timestamp) async throws {
        try await write { db in
            if delivered {
                try db.execute(sql: """
                    UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, delivered_at = ?, next_attempt_at = NULL, last_error = NULL
                    WHERE delivery_id = ?
                    """, arguments: [at.description, deliveryId])
            } else {
                try db.execute(sql: """
                    UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE delivery_id = ?
                    """, arguments: [nextAttempt == nil ? "failed" : "pending", nextAttempt?.description, error, deliveryId])
            }
        }
    }

    /// Deliveries, newest first, optionally only one status.
    public func deliveries(status: DeliveryInfo.Status?, limit: Int) async throws -> [DeliveryInfo] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM webhook_deliveries WHERE (? IS NULL OR status = ?) ORDER BY created_at DESC, rowid DESC LIMIT ?
                """, arguments: [status?.rawValue, status?.rawValue, limit]).map { row in
                DeliveryInfo(deliveryId: row["delivery_id"], webhookId: row["webhook_id"], partnerId: row["partner_id"],
                             event: WebhookEvent(rawValue: row["event"]) ?? .referralDecided, referralId: row["referral_id"],
                             status: DeliveryInfo.Status(rawValue: row["status"]) ?? .pending, attempts: row["attempts"],
                             createdAt: try StoredValues.timestamp(row, "created_at", table: "webhook_deliveries", id: row["delivery_id"]),
                             nextAttemptAt: (row["next_attempt_at"] as String?).flatMap { Timestamp(rfc3339: $0) }, lastError: row["last_error"],
                             deliveredAt: (row["delivered_at"] as String?).flatMap { Timestamp(rfc3339: $0) })
            }
        }
    }

    /// Sends a failed delivery again (same idempotency id), from now, with a fresh 24 hours.
    public func retryDelivery(_ deliveryId: String, at: Timestamp) async throws {
        try await write { db in
            try db.execute(sql: """
                UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?, created_at = ?, last_error = NULL
                WHERE delivery_id = ? AND status = 'failed'
                  AND webhook_id IN (SELECT webhook_id FROM webhooks WHERE removed_at IS NULL)
                """, arguments: [Self.asSoonAsPossible, at.description, deliveryId])
            guard db.changesCount == 1 else { throw StoreError.deliveryNotRetryable(deliveryId) }
        }
    }

    /// A next attempt due at once, whatever the server's clock says (a retry from the CLI).
    static let asSoonAsPossible = "1970-01-01T00:00:00Z"

    /// Whether any endpoint is registered: without one, a change writes no outbox rows.
    static func webhooksActive(_ db: Database) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM webhooks WHERE removed_at IS NULL)")) ?? false
    }

    /// The deliveries one logged change causes, in its transaction: for each referral on the
    /// case whose partner has an endpoint, the events the change means for that referral.
    func enqueueWebhooks(_ event: EventRecord, before: CaseState?, after: CaseState, _ db: Database) throws {
        let rows = try Row.fetchAll(db, sql: """
            SELECT r.referral_id, r.case_id, r.message_id, r.received_at, r.decision, w.webhook_id, w.partner_id
            FROM referrals r JOIN webhooks w ON w.partner_id = r.partner_id AND w.removed_at IS NULL
            WHERE r.case_id = ?
            """, arguments: [event.caseId])
        guard !rows.isEmpty else { return }
        let definition = pathways.definition(of: after)
        func tier(_ level: String?) -> Tier? { level.flatMap { definition.level($0)?.tier } }
        let steppedDown = before?.phase == .open && after.phase == .open && tier(before?.level) == .statutory && tier(after.level) == .earlyHelp
        var views: [String: (view: PartnerReferral, history: ReferralHistory)] = [:]
        for row in rows {
            let referralId: String = row["referral_id"]
            let (view, history) = try views[referralId] ?? partnerViewAndHistory(row, db)
            views[referralId] = (view, history)
            var events: [WebhookEvent] = []
            if history.decidedSequence == event.sequence {
                events.append(.referralDecided)
                if history.joined { events.append(.referralJoinedCase) }
            }
            if history.closedSequence == event.sequence { events.append(.caseClosed) }
            if steppedDown, let decided = history.decidedSequence, decided < event.sequence { events.append(.caseSteppedDownToEarlyHelp) }
            for kind in events {
                let deliveryId = Identifier.deliveryId()
                let body = try JSONValueEncoder().encode(WebhookBody(event: kind, deliveryId: deliveryId, occurredAt: event.at, referral: view)).serialized()
                try db.execute(sql: """
                    INSERT INTO webhook_deliveries (delivery_id, webhook_id, partner_id, event, referral_id, body, event_sequence, created_at, status, attempts, next_attempt_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?)
                    """, arguments: [deliveryId, row["webhook_id"], row["partner_id"], kind.rawValue, referralId, body, event.sequence,
                                     event.at.description, event.at.description])
            }
        }
    }

    static func webhook(_ row: Row) throws -> WebhookInfo {
        WebhookInfo(webhookId: row["webhook_id"], partnerId: row["partner_id"], url: row["url"], keyId: row["key_id"], allowHTTP: row["allow_http"],
                    createdAt: try StoredValues.timestamp(row, "created_at", table: "webhooks", id: row["webhook_id"]),
                    removedAt: (row["removed_at"] as String?).flatMap { Timestamp(rfc3339: $0) })
    }
}
