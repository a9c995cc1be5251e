/// A 10-digit NHS number with a valid modulus 11 check digit (NHS Data Dictionary).
public struct NHSNumber: Sendable, Hashable, Codable, CustomStringConvertible, StringParsedFieldValue {
    public let digits: String

    /// Validates `text`; the error says what is wrong.
    public init(validating text: String) throws(ValidationProblem) {
        var total = 0
        var count = 0
        var last = 0
        for byte in text.utf8 {
            guard byte >= 0x30 && byte <= 0x39, count < 10 else { count = -1; break }
            let digit = Int(byte - 0x30)
            if count < 9 { total += digit * (10 - count) } else { last = digit }
            count += 1
        }
        guard count == 10 else {
            let hint = text.contains(" ") ? " (without spaces)" : ""
            throw ValidationProblem("an NHS number is exactly 10 digits\(hint)")
        }
        let check = 11 - total % 11
        let expected = check == 11 ? 0 : check
        guard expected != 10, expected == last else {
            throw ValidationProblem("is not a valid NHS number (the check digit does not match)")
        }
        digits = text
    }

    static func parse(_ text: String) throws(ValidationProblem) -> NHSNumber {
        try NHSNumber(validating: text)
    }

    public init(from decoder: any Decoder) throws {
        self = try Self.decodeString(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(digits)
    }

    public var description: String { digits }
}
