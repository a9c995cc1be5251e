/// Random public identifiers (`C-…` cases, `R-…` referrals, `T-…` tokens): unguessable, so an
/// id reveals nothing about how many referrals other partners sent.
enum Identifier {
    /// Crockford's base32 alphabet: no I, L, O or U to misread when an id is read aloud.
    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    static func make(prefix: String, length: Int = 12) -> String {
        var characters: [UInt8] = Array(prefix.utf8) + [0x2D]
        appendRandom(length, to: &characters)
        return String(decoding: characters, as: UTF8.self)
    }

    /// Appends `count` random characters of ``alphabet``: five bits of the system's generator
    /// each, twelve from one 64-bit draw (one `getrandom` call where there were twelve, which
    /// showed in a durable referral's profile).
    private static func appendRandom(_ count: Int, to characters: inout [UInt8]) {
        var generator = SystemRandomNumberGenerator()
        var bits: UInt64 = 0, left = 0
        for _ in 0..<count {
            if left < 5 { bits = generator.next(); left = 64 }
            characters.append(alphabet[Int(bits & 31)])
            bits >>= 5
            left -= 5
        }
    }

    static func caseId() -> String { make(prefix: "C", length: 10) }
    static func referralId() -> String { make(prefix: "R", length: 12) }
    static func tokenId() -> String { make(prefix: "T", length: 8) }

    /// A bearer token's secret: 160 random bits, prefixed so it is recognisable in a leak scan.
    static func tokenSecret() -> String {
        var characters: [UInt8] = Array("cnt_".utf8)
        appendRandom(32, to: &characters)
        return String(decoding: characters, as: UTF8.self)
    }
}
