/// A UK postcode in one of the six standard formats (A9 9AA, A99 9AA, A9A 9AA, AA9 9AA,
/// AA99 9AA, AA9A 9AA). Stored upper-case with a single space before the inward code.
public struct Postcode: Sendable, Hashable, Codable, CustomStringConvertible {
    public let value: String

    public init(validating text: String) throws(ValidationProblem) {
        let compact = text.uppercased().filter { $0 != " " }
        let chars = Array(compact.unicodeScalars)
        guard chars.count >= 5, chars.count <= 7 else {
            throw ValidationProblem("\"\(text)\" is not a UK postcode (e.g. GU1 4LH)")
        }
        let outward = Array(chars[..<(chars.count - 3)])
        let inward = Array(chars[(chars.count - 3)...])
        func letter(_ c: Unicode.Scalar) -> Bool { c.value >= 65 && c.value <= 90 }
        func digit(_ c: Unicode.Scalar) -> Bool { c.value >= 48 && c.value <= 57 }
        let inwardOK = digit(inward[0]) && letter(inward[1]) && letter(inward[2])
        let outwardOK: Bool
        switch outward.count {
        case 2: outwardOK = letter(outward[0]) && digit(outward[1])
        case 3: outwardOK = letter(outward[0]) && (digit(outward[1]) && digit(outward[2])
            || letter(outward[1]) && digit(outward[2]) || digit(outward[1]) && letter(outward[2]))
        case 4: outwardOK = letter(outward[0]) && letter(outward[1]) && digit(outward[2]) && (digit(outward[3]) || letter(outward[3]))
        default: outwardOK = false
        }
        guard inwardOK, outwardOK else {
            throw ValidationProblem("\"\(text)\" is not a UK postcode (e.g. GU1 4LH)")
        }
        value = String(String.UnicodeScalarView(outward)) + " " + String(String.UnicodeScalarView(inward))
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = try ValidationProblem.at(decoder.codingPath) { () throws(ValidationProblem) in try Postcode(validating: text) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    public var description: String { value }
}
