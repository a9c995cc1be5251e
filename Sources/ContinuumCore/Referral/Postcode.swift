/// A UK postcode in one of the six standard formats (A9 9AA, A99 9AA, A9A 9AA, AA9 9AA,
/// AA99 9AA, AA9A 9AA). Stored upper-case with a single space before the inward code.
public struct Postcode: Sendable, Hashable, Codable, CustomStringConvertible, StringParsedFieldValue {
    public let value: String

    public init(validating text: String) throws(ValidationProblem) {
        guard let value = Self.normalised(text) else { throw ValidationProblem("is not a UK postcode (for example GU1 4LH)") }
        self.value = value
    }

    /// The postcode upper-cased with one space before the inward code, or nil when `text` is
    /// not one. Works on at most eight bytes on the stack: this runs for every referral, and
    /// arrays and slices here cost a fifth of a child's validation.
    static func normalised(_ text: String) -> String? {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 8) { compact -> String? in
            // Upper-cased ASCII bytes without spaces; anything longer is not a postcode.
            var n = 0
            for byte in text.utf8 where byte != 0x20 {
                guard n < 8 else { return nil }
                compact[n] = byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte
                n += 1
            }
            guard n >= 5, n <= 7 else { return nil }
            func letter(_ index: Int) -> Bool { compact[index] >= 0x41 && compact[index] <= 0x5A }
            func digit(_ index: Int) -> Bool { compact[index] >= 0x30 && compact[index] <= 0x39 }
            let outward = n - 3
            let inwardOK = digit(outward) && letter(outward + 1) && letter(outward + 2)
            let outwardOK: Bool
            switch outward {
            case 2: outwardOK = letter(0) && digit(1)
            case 3: outwardOK = letter(0) && (digit(1) && digit(2) || letter(1) && digit(2) || digit(1) && letter(2))
            case 4: outwardOK = letter(0) && letter(1) && digit(2) && (digit(3) || letter(3))
            default: outwardOK = false
            }
            guard inwardOK, outwardOK else { return nil }
            return String(unsafeUninitializedCapacity: n + 1) { result in
                for index in 0..<outward { result[index] = compact[index] }
                result[outward] = 0x20
                for index in outward..<n { result[index + 1] = compact[index] }
                return n + 1
            }
        }
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
