#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Public identifiers (`C-…` cases, `R-…` referrals, `T-…` tokens): unguessable, so an id
/// reveals nothing about how many referrals other partners sent.
///
/// Case, referral and delivery ids begin with the time they were made, so that each new row's
/// entry in the indexes keyed by them (the tables' own keys, a case's events, clocks,
/// referrals and data key) lands beside the last one: with wholly random ids every referral
/// dirtied a page of its own in six of those indexes, and every page written is a frame in the
/// WAL and a copy in the checkpoint (docs/performance.md). The random part that follows is as
/// long as the whole id was before, so guessing an id is as hard as it was.
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

    /// `prefix`, a hyphen, the time now (``timeCharacters``) and `length` random characters:
    /// ids made later sort after earlier ones (byte order), to the millisecond.
    static func ordered(prefix: String, length: Int) -> String {
        var characters: [UInt8] = Array(prefix.utf8) + [0x2D]
        appendTime(millisecondsNow(), to: &characters)
        appendRandom(length, to: &characters)
        return String(decoding: characters, as: UTF8.self)
    }

    /// Characters of time at the start of an ordered id: 45 bits of milliseconds since
    /// 1970 (until the year 3084), fixed width, most significant first.
    private static let timeCharacters = 9

    /// Appends `milliseconds` as ``timeCharacters`` characters of ``alphabet``, whose order is
    /// the characters' byte order, so the texts sort as the numbers do.
    private static func appendTime(_ milliseconds: UInt64, to characters: inout [UInt8]) {
        for index in (0..<timeCharacters).reversed() {
            characters.append(alphabet[Int((milliseconds >> UInt64(5 * index)) & 31)])
        }
    }

    /// The wall clock in milliseconds since 1970. A clock stepped back costs only locality:
    /// uniqueness is the random part's.
    private static func millisecondsNow() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(max(0, now.tv_sec)) * 1000 + UInt64(max(0, now.tv_nsec)) / 1_000_000
    }

    static func caseId() -> String { ordered(prefix: "C", length: 10) }
    static func referralId() -> String { ordered(prefix: "R", length: 12) }
    static func deliveryId() -> String { ordered(prefix: "D", length: 12) }
    static func tokenId() -> String { make(prefix: "T", length: 8) }

    /// A bearer token's secret: 160 random bits, prefixed so it is recognisable in a leak scan.
    static func tokenSecret() -> String {
        var characters: [UInt8] = Array("cnt_".utf8)
        appendRandom(32, to: &characters)
        return String(decoding: characters, as: UTF8.self)
    }
}
