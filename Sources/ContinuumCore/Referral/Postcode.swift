/// A UK postcode in one of the six standard formats (A9 9AA, A99 9AA, A9A 9AA, AA9 9AA,
/// AA99 9AA, AA9A 9AA). Stored upper-case with a single space before the inward code.
public struct Postcode: Sendable, Hashable, Codable, CustomStringConvertible, StringParsedFieldValue {
    public let value: String

    public init(validating text: String) throws(ValidationProblem) {
        // Work on upper-cased ASCII bytes without spaces; anything else is not a postcode.
        var compact: [UInt8] = []
        compact.reserveCapacity(8)
        for byte in text.utf8 where byte != 0x20 {
            guard compact.count < 8 else { throw ValidationProblem("is not a UK postcode (for example GU1 4LH)") }
            compact.append(byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte)
        }
        func letter(_ c: UInt8) -> Bool { c >= 0x41 && c <= 0x5A }
        func digit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        let n = compact.count
        guard n >= 5, n <= 7 else { throw ValidationProblem("is not a UK postcode (for example GU1 4LH)") }
        let o = compact[0..<(n - 3)]
        let i = compact[(n - 3)...]
        let inwardOK = digit(i[n - 3]) && letter(i[n - 2]) && letter(i[n - 1])
        let outwardOK: Bool
        switch o.count {
        case 2: outwardOK = letter(o[0]) && digit(o[1])
        case 3: outwardOK = letter(o[0]) && (digit(o[1]) && digit(o[2]) || letter(o[1]) && digit(o[2]) || digit(o[1]) && letter(o[2]))
        case 4: outwardOK = letter(o[0]) && letter(o[1]) && digit(o[2]) && (digit(o[3]) || letter(o[3]))
        default: outwardOK = false
        }
        guard inwardOK, outwardOK else { throw ValidationProblem("is not a UK postcode (for example GU1 4LH)") }
        value = String(decoding: o, as: UTF8.self) + " " + String(decoding: i, as: UTF8.self)
    }

    static func parse(_ text: String) throws(ValidationProblem) -> Postcode {
        try Postcode(validating: text)
    }

    public init(from decoder: any Decoder) throws {
        self = try Self.decodeString(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    public var description: String { value }
}
