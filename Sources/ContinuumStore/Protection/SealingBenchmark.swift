import ContinuumAPI
import ContinuumCore
import ContinuumJSON
import Crypto

/// What `make bench` times of encryption at rest (issue 20's goal: a durable referral within
/// 10% of its rate without it): the store's encoding of a `referral-received` event, in the
/// clear as before and sealed as now. Not API: for the benchmark executable only.
@_spi(Benchmarks)
public enum SealingBenchmark {
    /// Encodes `referral`'s received event as the store does and returns the stored text's
    /// length. Sealed: the child keys keyed (HMAC), a new data key made and wrapped, the personal
    /// members sealed in their envelopes (AES-GCM). In the clear: the unkeyed hashes, plain text.
    public static func encodeReceived(_ referral: Referral, sealed: Bool, vault: Vault) throws -> Int {
        guard sealed else {
            // The message encoded once, as the sealed path does (``EncodedReferral/encoder``).
            let message = try JSONValueEncoder().encode(referral)
            let text = message.serialized()
            let body = EventBody.referral(received(referral, hash: Hex.sha256(Array(text.utf8)), keys: ChildKeys.keys(for: referral.child)))
            return try JSONValueEncoder(substituting: referral, with: message).encode(body).serialized().utf8.count
        }
        let message = try EncodedReferral(referral, vault: vault.vault)
        let key = try vault.vault.newKey(for: "R-BENCH")
        _ = try vault.vault.wrap(key.key, keyId: key.keyId, master: vault.master)
        return try EncodedBody(.referral(received(referral, hash: message.hash, keys: message.keys)), sealedWith: key, vault: vault.vault,
                               encoder: message.encoder).text.utf8.count
    }

    private static func received(_ referral: Referral, hash: String, keys: [String]) -> ReceivedReferral {
        ReceivedReferral(referralId: "R-BENCH", partnerId: "bench", receivedAt: referral.sentAt, bodyHash: hash, message: referral,
                         reReferral: false, previousReferralId: nil, childKeys: keys, identity: nil)
    }

    /// A vault unlocked with a fresh master key, as a store's is.
    public struct Vault: Sendable {
        let master: MasterKey
        let vault: PersonalDataVault

        public init() {
            master = MasterKey.generate()
            vault = PersonalDataVault(master: master)
            vault.adoptMatchingKey(master.derived("matching/1"))
        }
    }
}
