import ContinuumJSON

/// One thing wrong with a value, before its JSON path is attached.
public struct ValidationProblem: Error, Sendable, Hashable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

}

/// Every problem found in a message, each with the JSON path of the value at fault.
public struct MessageInvalid: Error, Sendable, Hashable, CustomStringConvertible {
    public var problems: [JSONProblem]

    /// Problems named one by one in an answer at most; past it, a last entry counts the rest, so
    /// the work and the size of an answer stay bounded by a small constant (issue 22).
    public static let maximumReported = 50

    /// The problems as reported: at most ``maximumReported`` of them, the last counting the rest.
    public var reported: [JSONProblem] {
        guard problems.count > Self.maximumReported else { return problems }
        return Array(problems.prefix(Self.maximumReported - 1))
            + [JSONProblem(path: "$", message: "and \(problems.count - Self.maximumReported + 1) more problems")]
    }

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
///
/// Two backends, one set of rules: with ContinuumJSON's decoder it reads json-c nodes
/// directly (``JSONNode``: no `Codable` containers, several times faster); with any other
/// `Decoder` (Foundation's `JSONDecoder`, say) it reads through keyed containers. The types
/// that use it state their rules once, in `init(fields:)`.
struct FieldReader<Key: CodingKey & CaseIterable> {
    /// The `Codable` backend's container, boxed: held inline, a generic
    /// `KeyedDecodingContainer<Key>?` made every copy and destruction of a reader look up that
    /// type's metadata at run time (about 500 instructions, seven times per referral, on the
    /// fast path that never uses it). A class reference needs no metadata to release.
    private final class Container {
        let keyed: KeyedDecodingContainer<Key>

        init(_ keyed: KeyedDecodingContainer<Key>) {
            self.keyed = keyed
        }
    }

    /// One of these two is set: the json-c node (fast path) or the Codable container.
    private let node: JSONNode?
    private let boxed: Container?
    private var container: KeyedDecodingContainer<Key>? { boxed?.keyed }
    /// Members found by the reads so far (node backend): if it matches the object's member
    /// count at `finish()`, no member is unknown and nothing more need be looked at.
    private var found = 0
    /// Where this object is in the document.
    let location: FieldLocation
    var path: [any CodingKey] { location.path }
    /// When the message was received (from the decoder's `userInfo`), if known.
    let receivedAt: Timestamp?
    /// The London date of `receivedAt`, worked out once per message.
    let receivedOn: CalendarDate?
    var problems: [JSONProblem] = []

    /// Reads the object `decoder` is positioned on.
    init(_ decoder: any Decoder, _ keys: Key.Type) throws {
        let receivedAt = ValidationContext.receivedAt.flatMap { decoder.userInfo[$0] as? Timestamp }
        if let provider = decoder as? any JSONNodeProviding {
            try self.init(node: provider.jsonNode, location: FieldLocation(parent: decoder.codingPath), receivedAt: receivedAt,
                          receivedOn: receivedAt.map(UKTime.londonDate))
            return
        }
        do {
            let container = try decoder.container(keyedBy: Key.self)
            let unknown = try decoder.container(keyedBy: JSONKey.self).allKeys.map(\.stringValue).filter { Key(stringValue: $0) == nil }
            self.init(node: nil, boxed: Container(container), location: FieldLocation(parent: decoder.codingPath),
                      receivedAt: receivedAt, receivedOn: receivedAt.map(UKTime.londonDate), unknown: unknown)
        } catch let error as DecodingError {
            throw MessageInvalid([JSONProblem(error)])
        }
    }

    private init(node: JSONNode?, boxed: Container?, location: FieldLocation, receivedAt: Timestamp?, receivedOn: CalendarDate?,
                 unknown: [String]) {
        self.node = node
        self.boxed = boxed
        self.location = location
        self.receivedAt = receivedAt
        self.receivedOn = receivedOn
        reportUnknown(unknown)
    }

    /// Reads the object `node` (the fast path).
    init(node: JSONNode, location: FieldLocation, receivedAt: Timestamp?, receivedOn: CalendarDate?) throws(MessageInvalid) {
        guard node.isObject else {
            throw MessageInvalid([JSONProblem(node.value.mismatch([String: Any].self, expected: "an object", at: location.path))])
        }
        self.init(node: node, boxed: nil, location: location, receivedAt: receivedAt, receivedOn: receivedOn, unknown: [])
    }

    private mutating func reportUnknown(_ unknown: [String]) {
        guard !unknown.isEmpty else { return }
        let names = Key.allCases.map(\.stringValue)
        // Each named with a suggestion, up to the report's limit; the rest only counted, so a
        // body of 58,395 unknown keys costs a count, not 58,395 edit distances (issue 22).
        let named = max(0, MessageInvalid.maximumReported - problems.count)
        let sorted = unknown.count <= named ? unknown.sorted() : Array(unknown.sorted().prefix(named))
        for name in sorted {
            problems.append(JSONProblem(path: JSONPath.render(path + [JSONKey(name)]),
                                        message: "unknown field \"\(name)\"" + Suggestion.didYouMean(name, among: names)))
        }
        if unknown.count > sorted.count {
            problems.append(JSONProblem(path: JSONPath.render(path), message: "and \(unknown.count - sorted.count) more unknown fields"))
        }
    }

    /// Whether the member is present (even as null).
    func has(_ key: Key) -> Bool {
        if let node { return node.hasMember(key.stringValue) }
        return container?.contains(key) ?? false
    }

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
    mutating func required<T: FieldValue>(_ key: Key, _ type: T.Type = T.self) -> T? {
        if let node {
            guard let member = node.memberValue(key.stringValue) else {
                problem(key, "required field is missing")
                return nil
            }
            found += 1
            return read(T.self, member, key)
        }
        // One lookup: a missing member comes back as keyNotFound ("required field is missing").
        guard let container else { return nil }
        return capture { try container.decode(T.self, forKey: key) }
    }

    /// An optional member: absent or null is nil.
    mutating func optional<T: FieldValue>(_ key: Key, _ type: T.Type = T.self) -> T? {
        if let node {
            guard let member = node.memberValue(key.stringValue) else { return nil }
            found += 1
            if case .null = member { return nil }
            return read(T.self, member, key)
        }
        let container = self.container
        return capture { try container?.decodeIfPresent(T.self, forKey: key) } ?? nil
    }

    private mutating func read<T: FieldValue>(_ type: T.Type, _ member: JSONMember, _ key: Key) -> T? {
        let location = self.location
        let context = FieldContext(receivedAt: receivedAt, receivedOn: receivedOn)
        return capture { try T.read(member, in: location, key: key, index: nil, context: context) }
    }

    /// Text that must not be blank and must fit `length` characters (Unicode scalars, as JSON
    /// Schema's `maxLength` counts them).
    ///
    /// Control characters (C0, DEL and C1) are refused: they can rewrite a terminal that prints
    /// the text (issue 22). Free text (`freeText`) may hold tabs and line breaks.
    mutating func text(_ key: Key, length: ClosedRange<Int>, required isRequired: Bool = true, freeText: Bool = false) -> String? {
        guard let text = isRequired ? required(key, String.self) : optional(key, String.self) else { return nil }
        if Self.isBlank(text) {
            problem(key, "must not be blank")
            return nil
        }
        if let control = ControlCharacters.first(in: text, allowingLineBreaks: freeText) {
            problem(key, "must not contain control characters (\(control) found)" + (freeText ? "; tabs and line breaks are allowed" : ""))
            return nil
        }
        // A UTF-8 length within the bounds settles it without counting scalars.
        let bytes = text.utf8.count
        if bytes >= length.lowerBound && bytes <= length.upperBound { return text }
        let count = text.unicodeScalars.count
        guard length.contains(count) else {
            problem(key, "must be \(length.lowerBound) to \(length.upperBound) characters; it is \(count)")
            return nil
        }
        return text
    }

    /// Whether `text` has nothing but white space and invisible characters (zero-width spaces
    /// and joiners, the byte order mark, other default-ignorable and format characters): a name
    /// of one zero-width space is blank. An ASCII first letter settles it at once.
    static func isBlank(_ text: String) -> Bool {
        if let first = text.utf8.first, first > 0x20 && first < 0x7F { return false }
        return text.unicodeScalars.allSatisfy { scalar in
            let properties = scalar.properties
            return properties.isWhitespace || properties.isDefaultIgnorableCodePoint
                || properties.generalCategory == .format || properties.generalCategory == .control
        }
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
    mutating func list<T: FieldValue>(_ key: Key, _ type: T.Type, count: ClosedRange<Int>, required isRequired: Bool = true) -> [T]? {
        var values: [T] = []
        var failed = false
        if let node {
            guard let member = node.memberValue(key.stringValue) else { return missingList(key, isRequired) }
            found += 1
            if case .null = member { return missingList(key, isRequired) }
            guard case .array(let array) = member else {
                problems.append(JSONProblem(member.mismatch([Any].self, expected: "an array", at: path + [key])))
                return nil
            }
            let length = array.memberCount
            guard checkCount(key, length, count) else { return nil }
            let location = self.location
            let context = FieldContext(receivedAt: receivedAt, receivedOn: receivedOn)
            values.reserveCapacity(length)
            for index in 0..<length {
                let element = array.elementValue(index)
                if let value = capture({ try T.read(element, in: location, key: key, index: index, context: context) }) {
                    values.append(value)
                } else {
                    failed = true
                }
            }
        } else if let container {
            var absent = false
            let decoded = capture { () -> [Captured<T>]? in
                let items = try container.decodeIfPresent([Captured<T>].self, forKey: key)
                absent = items == nil
                return items
            }
            if absent { return missingList(key, isRequired) }
            guard let items = decoded ?? nil, checkCount(key, items.count, count) else { return nil }
            for item in items {
                if let value = capture({ try item.result.get() }) { values.append(value) } else { failed = true }
            }
        }
        return failed ? nil : values
    }

    private mutating func checkCount(_ key: Key, _ actual: Int, _ count: ClosedRange<Int>) -> Bool {
        guard !count.contains(actual) else { return true }
        problem(key, count.lowerBound == count.upperBound ? "must have \(count.lowerBound) items"
            : "must have \(count.lowerBound) to \(count.upperBound) items; it has \(actual)")
        return false
    }

    private mutating func missingList<T>(_ key: Key, _ isRequired: Bool) -> [T]? {
        if isRequired { problem(key, "required field is missing") }
        return isRequired ? nil : []
    }

    /// Throws every collected problem, if any (including members the type does not define).
    mutating func finish() throws(MessageInvalid) {
        if let node, found != node.memberCount {
            reportUnknown(node.unknownMembers(Key.self))
        }
        if !problems.isEmpty { throw MessageInvalid(problems) }
    }
}

/// What nested readers inherit: the moment of receipt and its London date.
struct FieldContext {
    let receivedAt: Timestamp?
    let receivedOn: CalendarDate?
}

/// A value a ``FieldReader`` can read straight from a ``JSONNode`` (the fast path), with the
/// same errors as its `Decodable` conformance.
protocol FieldValue: Decodable {
    static func read(_ member: JSONMember, at path: @autoclosure () -> [any CodingKey], context: FieldContext) throws -> Self
    /// The same, for member `key` (element `index` of it, for an array's element) of the
    /// object at `location`: objects read this way keep their path lazy too.
    static func read<Key: CodingKey>(_ member: JSONMember, in location: FieldLocation, key: Key, index: Int?, context: FieldContext) throws -> Self
}

extension FieldValue {
    static func read<Key: CodingKey>(_ member: JSONMember, in location: FieldLocation, key: Key, index: Int?, context: FieldContext) throws -> Self {
        try read(member, at: location.member(key.stringValue, index: index).path, context: context)
    }
}

/// Where a ``FieldReader``'s object sits: its parent's path and its own key (and index, for an
/// element of an array), joined into one array only when a problem needs the path. Joining
/// them up front cost an array per nested object (eight per referral) on the fast path.
struct FieldLocation {
    let parent: [any CodingKey]
    let key: String?
    let index: Int?

    init(parent: [any CodingKey], key: String? = nil, index: Int? = nil) {
        self.parent = parent
        self.key = key
        self.index = index
    }

    var path: [any CodingKey] {
        guard key != nil || index != nil else { return parent }
        var path = parent
        if let key { path.append(JSONKey(key)) }
        if let index { path.append(JSONKey(index: index)) }
        return path
    }

    /// Member `key` (element `index` of it) of the object here. Only objects nested three
    /// deep or more pay for joining their parent's path.
    func member(_ key: String, index: Int?) -> FieldLocation {
        if self.key == nil && self.index == nil { return FieldLocation(parent: parent, key: key, index: index) }
        return FieldLocation(parent: path, key: key, index: index)
    }
}

extension String: FieldValue {
    static func read(_ member: JSONMember, at path: @autoclosure () -> [any CodingKey], context: FieldContext) throws -> String {
        guard case .string(let text) = member else { throw member.mismatch(String.self, expected: "a string", at: path()) }
        return text
    }
}

extension Bool: FieldValue {
    static func read(_ member: JSONMember, at path: @autoclosure () -> [any CodingKey], context: FieldContext) throws -> Bool {
        guard case .bool(let flag) = member else { throw member.mismatch(Bool.self, expected: "true or false", at: path()) }
        return flag
    }
}

extension Array: FieldValue where Element: FieldValue {
    static func read(_ member: JSONMember, at path: @autoclosure () -> [any CodingKey], context: FieldContext) throws -> [Element] {
        guard case .array(let array) = member else { throw member.mismatch([Any].self, expected: "an array", at: path()) }
        return try (0..<array.memberCount).map { index in
            try Element.read(array.elementValue(index), at: path() + [JSONKey(index: index)], context: context)
        }
    }
}

/// Object types read with their own ``FieldReader``.
protocol FieldObject: FieldValue {
    associatedtype Keys: CodingKey & CaseIterable
    init(fields: inout FieldReader<Keys>) throws
}

extension FieldObject {
    static func read(_ member: JSONMember, at path: @autoclosure () -> [any CodingKey], context: FieldContext) throws -> Self {
        guard case .object(let node) = member else {
            throw MessageInvalid([JSONProblem(member.mismatch([String: Any].self, expected: "an object", at: path()))])
        }
        var fields = try FieldReader<Keys>(node: node, location: FieldLocation(parent: path()), receivedAt: context.receivedAt,
                                           receivedOn: context.receivedOn)
        return try Self(fields: &fields)
    }

    static func read<Key: CodingKey>(_ member: JSONMember, in location: FieldLocation, key: Key, index: Int?, context: FieldContext) throws -> Self {
        let here = location.member(key.stringValue, index: index)
        guard case .object(let node) = member else {
            throw MessageInvalid([JSONProblem(member.mismatch([String: Any].self, expected: "an object", at: here.path))])
        }
        var fields = try FieldReader<Keys>(node: node, location: here, receivedAt: context.receivedAt, receivedOn: context.receivedOn)
        return try Self(fields: &fields)
    }

    /// The `Decodable` entry point: the same rules through any decoder.
    static func decode(from decoder: any Decoder) throws -> Self {
        var fields = try FieldReader(decoder, Keys.self)
        return try Self(fields: &fields)
    }
}

/// Values written as a string and parsed (dates, codes): one parser for both paths.
protocol StringParsedFieldValue: FieldValue {
    /// Parses `text`; the problem's message is what the user sees.
    static func parse(_ text: String) throws(ValidationProblem) -> Self
}

extension StringParsedFieldValue {
    static func read(_ member: JSONMember, at path: @autoclosure () -> [any CodingKey], context: FieldContext) throws -> Self {
        guard case .string(let text) = member else { throw member.mismatch(String.self, expected: "a string", at: path()) }
        return try parseLocated(text, path())
    }

    /// The path is an autoclosure: building it costs an array, and only an error needs it.
    static func parseLocated(_ text: String, _ path: @autoclosure () -> [any CodingKey]) throws -> Self {
        do {
            return try parse(text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: path(), debugDescription: error.message))
        }
    }

    /// For `init(from:)`: decode a string, then parse it.
    static func decodeString(from decoder: any Decoder) throws -> Self {
        try parseLocated(decoder.singleValueContainer().decode(String.self), decoder.codingPath)
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
