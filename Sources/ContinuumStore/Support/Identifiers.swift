/// Random public identifiers (`C-…` cases, `R-…` referrals, `T-…` tokens): unguessable, so an
/// id reveals nothing about how many referrals other partners sent.
enum Identifier {
    /// Crockford's base32 alphabet: no I, L, O or U to misread when an id is read aloud.
    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    static func make(prefix: String, length: Int = 12) -> String {
        var generator = SystemRandomNumberGenerator()
        var characters: [UInt8] = Array(prefix.utf8) + [0x2D]
        for _ in 0..<length { characters.append(alphabet[Int(generator.next() % 32)]) }
        return String(decoding: characters, as: UTF8.self)
    }

    static func caseId() -> String { make(prefix: "C", length: 10) }
    static func referralId() -> String { make(prefix: "R", length: 12) }
    static func tokenId() -> String { make(prefix: "T", length: 8) }

    /// A bearer token's secret: 160 random bits, prefixed so it is recognisable in a leak scan.
    static func tokenSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        var characters: [UInt8] = Array("cnt_".utf8)
        for _ in 0..<32 { characters.append(alphabet[Int(generator.next() % 32)]) }
        return String(decoding: characters, as: UTF8.self)
    }
}
