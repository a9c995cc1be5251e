/// The RFC 8259 token rules that json-c's `JSON_TOKENER_STRICT` does not enforce.
///
/// json-c 0.16 in strict mode still accepts single-quoted strings, `NaN` and `Infinity`,
/// numbers such as `-01`, `2.` and `.5`, raw control characters inside strings, and some
/// malformed UTF-8 (overlong forms), and it silently clamps integers beyond 64 bits. This pass
/// runs first over the raw bytes and rejects exactly those; json-c then checks structure.
/// It is a single forward scan with no allocation, so it costs little next to the parse.
enum StrictLexer {
    struct Failure: Error {
        let offset: Int
        let message: String
    }

    static func check(_ bytes: UnsafeRawBufferPointer) -> Failure? {
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D, 0x7B, 0x7D, 0x5B, 0x5D, 0x3A, 0x2C:  // space, { } [ ] : ,
                index += 1
            case 0x22:  // "
                switch scanString(bytes, from: index + 1) {
                case .success(let next): index = next
                case .failure(let failure): return failure
                }
            case 0x2D, 0x30...0x39:  // - 0-9
                switch scanNumber(bytes, from: index) {
                case .success(let next): index = next
                case .failure(let failure): return failure
                }
            case 0x74:  // t
                guard matches(bytes, at: index, "true") else { return Failure(offset: index, message: "unexpected 't': did you mean true?") }
                index += 4
            case 0x66:  // f
                guard matches(bytes, at: index, "false") else { return Failure(offset: index, message: "unexpected 'f': did you mean false?") }
                index += 5
            case 0x6E:  // n
                guard matches(bytes, at: index, "null") else { return Failure(offset: index, message: "unexpected 'n': did you mean null?") }
                index += 4
            case 0x27:
                return Failure(offset: index, message: "strings must use double quotes, not single quotes")
            case 0xEF where matches(bytes, at: index, "\u{FEFF}"):
                return Failure(offset: index, message: "a byte order mark (U+FEFF) is not allowed")
            default:
                return Failure(offset: index, message: "unexpected \(describe(byte))")
            }
        }
        return nil
    }

    /// Scans a string body after its opening quote; returns the offset after the closing quote.
    /// An unterminated string is left for json-c to report as an unexpected end.
    private static func scanString(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Result<Int, Failure> {
        var index = start
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte == 0x22 { return .success(index + 1) }
            if byte == 0x5C {  // backslash: json-c validates the escape itself
                index += 2
                continue
            }
            if byte < 0x20 {
                return .failure(Failure(offset: index, message: "control character \(describe(byte)) must be escaped inside a string"))
            }
            if byte < 0x80 {
                index += 1
                continue
            }
            let length = utf8SequenceLength(bytes, at: index)
            guard length > 0 else {
                return .failure(Failure(offset: index, message: "invalid UTF-8 in a string"))
            }
            index += length
        }
        return .success(count)
    }

    /// Checks `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` and that integers fit in 64 bits.
    private static func scanNumber(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Result<Int, Failure> {
        var index = start
        let count = bytes.count
        @inline(__always) func isDigit(_ at: Int) -> Bool { at < count && bytes[at] >= 0x30 && bytes[at] <= 0x39 }
        let negative = bytes[index] == 0x2D
        if negative { index += 1 }
        guard isDigit(index) else {
            return .failure(Failure(offset: index, message: "a number needs a digit after '-'"))
        }
        let integerStart = index
        if bytes[index] == 0x30 {
            index += 1
            if isDigit(index) { return .failure(Failure(offset: start, message: "leading zeros are not allowed in numbers")) }
        } else {
            while isDigit(index) { index += 1 }
        }
        let integerEnd = index
        var isInteger = true
        if index < count && bytes[index] == 0x2E {  // .
            isInteger = false
            index += 1
            guard isDigit(index) else { return .failure(Failure(offset: index, message: "a decimal point must be followed by digits")) }
            while isDigit(index) { index += 1 }
        }
        if index < count && (bytes[index] == 0x65 || bytes[index] == 0x45) {  // e E
            isInteger = false
            index += 1
            if index < count && (bytes[index] == 0x2B || bytes[index] == 0x2D) { index += 1 }
            guard isDigit(index) else { return .failure(Failure(offset: index, message: "an exponent must have digits")) }
            while isDigit(index) { index += 1 }
        }
        if index < count && bytes[index] == 0x2E {
            return .failure(Failure(offset: index, message: "unexpected '.' after a number"))
        }
        if isInteger && !fitsInt64(bytes, integerStart..<integerEnd, negative: negative) {
            return .failure(Failure(offset: start, message: "integer out of range (beyond 64 bits); send it as a string"))
        }
        return .success(index)
    }

    private static func fitsInt64(_ bytes: UnsafeRawBufferPointer, _ digits: Range<Int>, negative: Bool) -> Bool {
        if digits.count < 19 { return true }
        if digits.count > 19 { return false }
        let limit = Array((negative ? "9223372036854775808" : "9223372036854775807").utf8)
        for (offset, index) in digits.enumerated() where bytes[index] != limit[offset] {
            return bytes[index] < limit[offset]
        }
        return true
    }

    /// Length of the well-formed UTF-8 sequence at `index` (Unicode Table 3-7), or 0.
    private static func utf8SequenceLength(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Int {
        let count = bytes.count
        let lead = bytes[index]
        @inline(__always) func continuation(_ offset: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> Bool {
            index + offset < count && bytes[index + offset] >= low && bytes[index + offset] <= high
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

    private static func matches(_ bytes: UnsafeRawBufferPointer, at index: Int, _ word: StaticString) -> Bool {
        let length = word.utf8CodeUnitCount
        guard index + length <= bytes.count else { return false }
        let pattern = UnsafeRawBufferPointer(start: word.utf8Start, count: length)
        for offset in 0..<length where bytes[index + offset] != pattern[offset] {
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
