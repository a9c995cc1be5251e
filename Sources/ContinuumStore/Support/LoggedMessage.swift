import ContinuumCore
import ContinuumJSON
import GRDB

/// Where a referral's message is kept: once, in the `referral-received` event that logged it
/// (`events.body` at `referrals.received_sequence`), sealed as personal data is there. A copy
/// beside it in `referrals` would double what each referral writes and fsyncs (migration
/// `v13-message-in-log` dropped the one earlier versions kept).
enum LoggedMessage {
    /// Selects the logging event's body as `body`, for a query over `referrals r`.
    static let body = "(SELECT e.body FROM events e WHERE e.sequence = r.received_sequence) AS body"

    /// The message member of `row`'s `body` (``body``), as stored (sealed).
    static func value(_ row: Row, referralId: String) throws -> JSONValue {
        guard let text = row["body"] as String?,
              let message = try JSONParser(limits: JSONLimits(maxBytes: 16 << 20)).parse(text).value()["referral"]?["message"] else {
            throw StoreError.projectionBroken(table: "referrals", sequence: 0,
                                              reason: "referral \(referralId) has no logged message at its received_sequence")
        }
        return message
    }

    /// The message of `row`'s `body`, its sealed parts opened (``PersonalDataVault/open(_:_:as:)``).
    static func opened(_ row: Row, referralId: String, _ vault: PersonalDataVault, _ db: Database,
                       as reading: PersonalDataVault.Reading) throws -> (value: JSONValue, erased: Bool) {
        try vault.open(value(row, referralId: referralId), db, as: reading)
    }

    /// The referral `row`'s `body` logged, decoded, its sealed parts opened.
    static func referral(_ row: Row, referralId: String, _ vault: PersonalDataVault, _ db: Database,
                         as reading: PersonalDataVault.Reading = .display) throws -> Referral {
        try JSONParser(limits: JSONLimits(maxBytes: 16 << 20)).parse(opened(row, referralId: referralId, vault, db, as: reading).value.serialized())
            .decode(Referral.self)
    }
}
