import ContinuumJSON

/// One thing wrong with a value, before its JSON path is attached.
public struct ValidationProblem: Error, Sendable, Hashable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    /// Runs `body`, turning its problem into a located ``MessageInvalid``.
    static func at<T>(_ path: [any CodingKey], _ body: () throws(ValidationProblem) -> T) throws(MessageInvalid) -> T {
        do {
            return try body()
        } catch {
            throw MessageInvalid([JSONProblem(path: JSONPath.render(path), message: error.message)])
        }
    }
}

/// Every problem found in a message, each with the JSON path of the value at fault.
public struct MessageInvalid: Error, Sendable, Hashable, CustomStringConvertible {
    public var problems: [JSONProblem]

    public init(_ problems: [JSONProblem]) {
        self.problems = problems
    }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// What a decoder's `userInfo` tells validation.
public enum ValidationContext {
    /// The key under which the moment of receipt (a ``Timestamp``) travels.
    static let receivedAt = CodingUserInfoKey(rawValue: "continuum.receivedAt")

    /// `userInfo` for any `Decoder` (ours or Foundation's) so that dates are checked against
    /// the London date of `receivedAt` (no date of birth after it, and so on). Without it,
    /// checks relative to "now" are skipped.
    public static func userInfo(receivedAt: Timestamp) -> [CodingUserInfoKey: any Sendable] {
        guard let key = Self.receivedAt else { return [:] }
        return [key: receivedAt]
    }

}

/// Reads the members of one JSON object field by field, collecting every problem (with its
/// path) instead of stopping at the first, and flagging members the type does not define.
/// Works with any `Decoder`, so Foundation's `JSONDecoder` validates identically.
struct FieldReader<Key: CodingKey & CaseIterable> {
    let container: KeyedDecodingContainer<Key>
    let path: [any CodingKey]
    let receivedAt: Timestamp?
    var problems: [JSONProblem] = []

    init(_ decoder: any Decoder, _ keys: Key.Type) throws {
        path = decoder.codingPath
        receivedAt = ValidationContext.receivedAt.flatMap { decoder.userInfo[$0] as? Timestamp }
        do {
            container = try decoder.container(keyedBy: Key.self)
            let names = Key.allCases.map(\.stringValue)
            for key in try decoder.container(keyedBy: JSONKey.self).allKeys where Key(stringValue: key.stringValue) == nil {
                problems.append(JSONProblem(path: JSONPath.render(path + [key]),
                                            message: "unknown field \"\(key.stringValue)\"" + Suggestion.didYouMean(key.stringValue, among: names)))
            }
        } catch let error as DecodingError {
            throw MessageInvalid([JSONProblem(error)])
        }
    }

    /// The London date on which the message was received, when known.
    var receivedOn: CalendarDate? { receivedAt.map(UKTime.londonDate) }

    /// Records a problem at `key` (or at this object when `key` is nil).
    mutating func problem(_ key: Key?, _ message: String) {
        problems.append(JSONProblem(path: JSONPath.render(key.map { path + [$0] } ?? path), message: message))
    }

    mutating func capture<T>(_ body: () throws -> T) -> T? {
        do {
            return try body()
        } catch let invalid as MessageInvalid {
            problems += invalid.problems
        } catch let error as DecodingError {
            problems.append(JSONProblem(error))
        } catch {
            problems.append(JSONProblem(path: JSONPath.render(path), message: "\(error)"))
        }
        return nil
    }

    /// A required member.
    mutating func required<T: Decodable>(_ key: Key, _ type: T.Type = T.self) -> T? {
        guard container.contains(key) else {
            problem(key, "required field is missing")
            return nil
        }
        let container = self.container
        return capture { try container.decode(T.self, forKey: key) }
    }

    /// An optional member: absent or null is nil.
    mutating func optional<T: Decodable>(_ key: Key, _ type: T.Type = T.self) -> T? {
        let container = self.container
        return capture { try container.decodeIfPresent(T.self, forKey: key) } ?? nil
    }

    /// Text that must not be blank and must fit `length` characters.
    mutating func text(_ key: Key, length: ClosedRange<Int>, required isRequired: Bool = true) -> String? {
        guard let text = isRequired ? required(key, String.self) : optional(key, String.self) else { return nil }
        let count = text.count
        if text.allSatisfy(\.isWhitespace) {
            problem(key, "must not be blank")
            return nil
        }
        guard length.contains(count) else {
            problem(key, "must be \(length.lowerBound) to \(length.upperBound) characters; it is \(count)")
            return nil
        }
        return text
    }

    /// A census code, with the list of valid codes in the error.
    mutating func code<Code: CensusCode>(_ key: Key, _ type: Code.Type, field: String, required isRequired: Bool = true) -> Code? {
        guard let text = isRequired ? required(key, String.self) : optional(key, String.self) else { return nil }
        do {
            return try Code.parse(text, field: field)
        } catch {
            problem(key, error.message)
            return nil
        }
    }

    /// Each element of an array member, so that every bad element is reported.
    mutating func list<T: Decodable>(_ key: Key, _ type: T.Type, count: ClosedRange<Int>, required isRequired: Bool = true) -> [T]? {
        guard container.contains(key), (try? container.decodeNil(forKey: key)) != true else {
            if isRequired { problem(key, "required field is missing") }
            return isRequired ? nil : []
        }
        let container = self.container
        guard let items = capture({ try container.decode([Captured<T>].self, forKey: key) }) else { return nil }
        guard count.contains(items.count) else {
            problem(key, count.lowerBound == count.upperBound ? "must have \(count.lowerBound) items"
                : "must have \(count.lowerBound) to \(count.upperBound) items; it has \(items.count)")
            return nil
        }
        var values: [T] = []
        for item in items {
            if let value = capture({ try item.result.get() }) { values.append(value) }
        }
        return values.count == items.count ? values : nil
    }

    /// Throws every collected problem, if any.
    func finish() throws(MessageInvalid) {
        if !problems.isEmpty { throw MessageInvalid(problems) }
    }
}

/// Decodes an element without failing the array, so the next element is still read.
struct Captured<T: Decodable>: Decodable {
    let result: Result<T, any Error>

    init(from decoder: any Decoder) {
        do {
            result = .success(try T(from: decoder))
        } catch {
            result = .failure(error)
        }
    }
}
