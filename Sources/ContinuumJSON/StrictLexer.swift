/// The RFC 8259 token rules that json-c's `JSON_TOKENER_STRICT` does not enforce.
///
/// json-c 0.16 in strict mode still accepts single-quoted strings, `NaN` and `Infinity`,
/// numbers such as `-01`, `2.` and `.5`, raw control characters inside strings, and some
/// malformed UTF-8 (overlong forms), and it silently clamps integers beyond 64 bits. This pass
/// runs first over the raw bytes and rejects exactly those; json-c then checks structure.
/// It is one forward scan over a raw pointer with no allocation (about 1 ns a byte), so it
/// costs little next to the parse; `make bench` measures it.
struct StrictLexer {
    struct Failure: Error {
        let offset: Int
        let message: String
    }

    /// What a successful scan learnt: how many object keys the text has (a string followed by
    /// `:`), which the parser compares with json-c's members to find duplicate keys.
    struct Summary {
        let keys: Int
    }

    private let bytes: UnsafePointer<UInt8>
    private let count: Int
    private var index = 0
    private var keys = 0

    private init(_ bytes: UnsafePointer<UInt8>, _ count: Int) {
        self.bytes = bytes
        self.count = count
    }

    static func check(_ buffer: UnsafeRawBufferPointer) -> Result<Summary, Failure> {
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return .success(Summary(keys: 0)) }
        var lexer = StrictLexer(base.assumingMemoryBound(to: UInt8.self), buffer.count)
        if let failure = lexer.run() { return .failure(failure) }
        return .success(Summary(keys: lexer.keys))
    }

    @inline(__always) private func byte(_ at: Int) -> UInt8 { bytes[at] }
    @inline(__always) private func isDigit(_ at: Int) -> Bool { at < count && bytes[at] &- 0x30 < 10 }

    private mutating func run() -> Failure? {
        while index < count {
            let current = byte(index)
            switch current {
            case 0x20, 0x09, 0x0A, 0x0D, 0x7B, 0x7D, 0x5B, 0x5D, 0x3A, 0x2C:  // space, { } [ ] : ,
                index += 1
            case 0x22:  // "
                index += 1
                if let failure = scanString() { return failure }
                if isFollowedByColon() { keys += 1 }
            case 0x2D, 0x30...0x39:  // - 0-9
                if let failure = scanNumber() { return failure }
            case 0x74:  // t
                guard matches("true") else { return Failure(offset: index, message: "unexpected 't': did you mean true?") }
                index += 4
            case 0x66:  // f
                guard matches("false") else { return Failure(offset: index, message: "unexpected 'f': did you mean false?") }
                index += 5
            case 0x6E:  // n
                guard matches("null") else { return Failure(offset: index, message: "unexpected 'n': did you mean null?") }
                index += 4
            case 0x27:
                return Failure(offset: index, message: "strings must use double quotes, not single quotes")
            case 0xEF where matches("\u{FEFF}"):
                return Failure(offset: index, message: "a byte order mark (U+FEFF) is not allowed")
            default:
                return Failure(offset: index, message: "unexpected \(Self.describe(current))")
            }
        }
        return nil
    }

    /// Scans a string body after its opening quote, leaving `index` after the closing quote.
    /// An unterminated string is left for json-c to report as an unexpected end.
    private mutating func scanString() -> Failure? {
        // Eight bytes at a time while they are all plain printable ASCII (no ", \\, control
        // or non-ASCII byte): the usual case inside a string. Bit tricks as in "Bit Twiddling
        // Hacks" (haszero): a byte b < n sets the high bit of (b - n) & ~b. Borrows only carry
        // upwards, so the lowest flagged byte is the first special one and we can jump to it.
        #if _endian(little)
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        while index + 8 <= count {
            let word = UnsafeRawPointer(bytes + index).loadUnaligned(as: UInt64.self)
            let control = (word &- ones &* 0x20) & ~word
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5C)
            let special = (control | ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | word) & highs
            if special != 0 {
                index += special.trailingZeroBitCount / 8  // little-endian: low bits are the first bytes
                break
            }
            index += 8
        }
        #endif
        while index < count {
            let current = byte(index)
            // Fast path: printable ASCII other than " and \.
            if current >= 0x20 && current < 0x80 && current != 0x22 && current != 0x5C {
                index += 1
                continue
            }
            if current == 0x22 {
                index += 1
                return nil
            }
            if current == 0x5C {  // backslash: json-c validates the escape itself, but not surrogates
                if index + 1 < count && byte(index + 1) == 0x75, let failure = scanUnicodeEscape() { return failure }
                index += 2
                continue
            }
            if current < 0x20 {
                return Failure(offset: index, message: "control character \(Self.describe(current)) must be escaped inside a string")
            }
            let length = utf8SequenceLength()
            guard length > 0 else { return Failure(offset: index, message: "invalid UTF-8 in a string") }
            index += length
        }
        return nil
    }

    /// Whether the string just scanned is an object key: the next non-space byte is `:`.
    private func isFollowedByColon() -> Bool {
        var at = index
        while at < count {
            switch byte(at) {
            case 0x20, 0x09, 0x0A, 0x0D: at += 1
            case 0x3A: return true
            default: return false
            }
        }
        return false
    }

    /// A `\uXXXX` escape at `index`: a high surrogate must be followed by a low one and a low
    /// one must follow a high one (json-c would put U+FFFD in their place without a word).
    /// Leaves `index` on the last escape's last hex digit less one, so the caller's `+= 2`
    /// moves past it; malformed hex is left for json-c to report.
    private mutating func scanUnicodeEscape() -> Failure? {
        guard let unit = hex4(at: index + 2) else { return nil }
        switch unit {
        case 0xD800...0xDBFF:
            guard index + 7 < count, byte(index + 6) == 0x5C, byte(index + 7) == 0x75, let low = hex4(at: index + 8), (0xDC00...0xDFFF).contains(low) else {
                return Failure(offset: index, message: "\\u\(Self.hex(unit)) is a lone high surrogate: it must be followed by a low surrogate (\\uDC00 to \\uDFFF)")
            }
            index += 10
        case 0xDC00...0xDFFF:
            return Failure(offset: index, message: "\\u\(Self.hex(unit)) is a lone low surrogate: it must follow a high surrogate (\\uD800 to \\uDBFF)")
        default:
            index += 4
        }
        return nil
    }

    private func hex4(at start: Int) -> UInt32? {
        guard start + 4 <= count else { return nil }
        var value: UInt32 = 0
        for offset in 0..<4 {
            let digit = byte(start + offset)
            let nibble: UInt8
            switch digit {
            case 0x30...0x39: nibble = digit - 0x30
            case 0x41...0x46: nibble = digit - 0x41 + 10
            case 0x61...0x66: nibble = digit - 0x61 + 10
            default: return nil
            }
            value = value << 4 | UInt32(nibble)
        }
        return value
    }

    private static func hex(_ unit: UInt32) -> String { String(unit, radix: 16, uppercase: true) }

    /// Checks `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` and that integers fit in 64 bits.
    private mutating func scanNumber() -> Failure? {
        let start = index
        let negative = byte(index) == 0x2D
        if negative { index += 1 }
        guard isDigit(index) else { return Failure(offset: index, message: "a number needs a digit after '-'") }
        let integerStart = index
        if byte(index) == 0x30 {
            index += 1
            if isDigit(index) { return Failure(offset: start, message: "leading zeros are not allowed in numbers") }
        } else {
            while isDigit(index) { index += 1 }
        }
        let integerEnd = index
        var isInteger = true
        if index < count && byte(index) == 0x2E {  // .
            isInteger = false
            index += 1
            guard isDigit(index) else { return Failure(offset: index, message: "a decimal point must be followed by digits") }
            while isDigit(index) { index += 1 }
        }
        if index < count && (byte(index) == 0x65 || byte(index) == 0x45) {  // e E
            isInteger = false
            index += 1
            if index < count && (byte(index) == 0x2B || byte(index) == 0x2D) { index += 1 }
            guard isDigit(index) else { return Failure(offset: index, message: "an exponent must have digits") }
            while isDigit(index) { index += 1 }
        }
        if index < count && byte(index) == 0x2E {
            return Failure(offset: index, message: "unexpected '.' after a number")
        }
        if isInteger && !fitsInt64(integerStart, integerEnd, negative: negative) {
            return Failure(offset: start, message: "integer out of range (beyond 64 bits); send it as a string")
        }
        return nil
    }

    private func fitsInt64(_ start: Int, _ end: Int, negative: Bool) -> Bool {
        let digits = end - start
        if digits < 19 { return true }
        if digits > 19 { return false }
        let limit: StaticString = negative ? "9223372036854775808" : "9223372036854775807"
        let pattern = limit.utf8Start
        for offset in 0..<19 where byte(start + offset) != pattern[offset] {
            return byte(start + offset) < pattern[offset]
        }
        return true
    }

    /// Length of the well-formed UTF-8 sequence at `index` (Unicode Table 3-7), or 0.
    private func utf8SequenceLength() -> Int {
        let lead = byte(index)
        @inline(__always) func continuation(_ offset: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> Bool {
            index + offset < count && byte(index + offset) >= low && byte(index + offset) <= high
        }
        switch lead {
        case 0xC2...0xDF: return continuation(1) ? 2 : 0
        case 0xE0: return continuation(1, 0xA0) && continuation(2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF: return continuation(1) && continuation(2) ? 3 : 0
        case 0xED: return continuation(1, 0x80, 0x9F) && continuation(2) ? 3 : 0
        case 0xF0: return continuation(1, 0x90) && continuation(2) && continuation(3) ? 4 : 0
        case 0xF1...0xF3: return continuation(1) && continuation(2) && continuation(3) ? 4 : 0
        case 0xF4: return continuation(1, 0x80, 0x8F) && continuation(2) && continuation(3) ? 4 : 0
        default: return 0
        }
    }

    private func matches(_ word: StaticString) -> Bool {
        let length = word.utf8CodeUnitCount
        guard index + length <= count else { return false }
        let pattern = word.utf8Start
        for offset in 0..<length where byte(index + offset) != pattern[offset] {
            return false
        }
        return true
    }

    static func describe(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        let hex = String(byte, radix: 16, uppercase: true)
        return byte < 0x80 ? "character U+\(String(repeating: "0", count: 4 - hex.count))\(hex)" : "byte 0x\(hex)"
    }
}
