/// A 10-digit NHS number with a valid modulus 11 check digit (NHS Data Dictionary).
public struct NHSNumber: Sendable, Hashable, Codable, CustomStringConvertible {
    public let digits: String

    /// Validates `text`; the error says what is wrong.
    public init(validating text: String) throws(ValidationProblem) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            let hint = text.contains(" ") ? " (without spaces)" : ""
            throw ValidationProblem("an NHS number is exactly 10 digits\(hint)")
        }
        let values = bytes.map { Int($0 - 0x30) }
        let total = (0..<9).reduce(0) { $0 + values[$1] * (10 - $1) }
        let check = 11 - total % 11
        let expected = check == 11 ? 0 : check
        guard expected != 10, expected == values[9] else {
            throw ValidationProblem("\(text) is not a valid NHS number (the check digit does not match)")
        }
        digits = text
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = try ValidationProblem.at(decoder.codingPath) { () throws(ValidationProblem) in try NHSNumber(validating: text) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(digits)
    }

    public var description: String { digits }
}
