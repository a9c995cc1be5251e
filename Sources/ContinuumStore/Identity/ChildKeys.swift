import ContinuumAPI
import ContinuumCore

/// How a referral's child is found again: hashed keys, so matching never needs names, dates of
/// birth or NHS numbers in an index. A key only finds *candidates*; whether a candidate is the
/// same child, possibly the same child or another child is ``ChildIdentity/compare(with:)``'s
/// verdict on the two records (docs/identity.md).
enum ChildKeys {
    /// The keys indexed for a child: the identity's candidate keys (NHS number; each name part
    /// with the birth date), and the key of the first version (exact names with the date of
    /// birth), still written so that `linkedCases` of referrals logged before identity matching
    /// find what they found then.
    /// Stored keyed (``PersonalDataVault/keyed(_:)``): HMAC-SHA-256 of these hashes.
    static func keys(for child: Child, _ vault: PersonalDataVault) throws -> [String] {
        try keys(for: child).map(vault.keyed)
    }

    /// The unkeyed forms: what `referral-received` events logged before issue 20 held.
    static func keys(for child: Child) -> [String] {
        var keys = ChildIdentity(child: child).candidateKeys.map { Hex.sha256(Array($0.utf8)) }
        if let date = child.dateOfBirth ?? child.expectedDateOfBirth {
            let text = "name:\(legacyNormalise(child.givenName))|\(legacyNormalise(child.familyName))|\(date)"
            keys.append(Hex.sha256(Array(text.utf8)))
        }
        return keys
    }

    /// The first version's folding (lower-case letters only), kept for the legacy key.
    static func legacyNormalise(_ name: String) -> String {
        // ASCII names (most) without Unicode lower-casing and property lookups: the same result.
        if name.utf8.allSatisfy({ $0 < 0x80 }) {
            return String(decoding: name.utf8.compactMap { byte -> UInt8? in
                switch byte {
                case 0x41...0x5A: byte + 0x20
                case 0x61...0x7A: byte
                default: nil
                }
            }, as: UTF8.self)
        }
        return String(name.lowercased().unicodeScalars.filter { $0.properties.isAlphabetic }.map(Character.init))
    }
}
