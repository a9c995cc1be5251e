/// Encodes `Encodable` values to ``JSONValue`` (and so to JSON text with stable key order).
///
/// ```swift
/// let text = try JSONValueEncoder().encode(decision).serialized(pretty: true)
/// ```
/// Non-finite doubles are an error, as JSON has no way to write them.
public struct JSONValueEncoder: Sendable {
    private let substitution: Substitution?

    public init() {
        substitution = nil
    }

    /// An encoder that writes `json` wherever it meets a value equal to `value`, instead of
    /// encoding it again: for a value already encoded on its own (a referral's message, whose
    /// text is hashed, inside the event that records it). `json` must be what encoding `value`
    /// gives; a value of the same type that differs is encoded as usual.
    public init<Value: Encodable & Equatable & Sendable>(substituting value: Value, with json: JSONValue) {
        substitution = Substitution(type: ObjectIdentifier(Value.self), json: json) { ($0 as? Value) == value }
    }

    public func encode(_ value: some Encodable) throws -> JSONValue {
        if let json = value as? JSONValue { return json }
        if let json = substitution?.json(for: value) { return json }
        let root = EncodingNode()
        try value.encode(to: NodeEncoder(node: root, path: nil, substitution: substitution))
        return root.value
    }

    /// Shorthand for `encode(value).serialized(pretty:)`.
    public func text(_ value: some Encodable, pretty: Bool = false) throws -> String {
        try encode(value).serialized(pretty: pretty)
    }
}

/// A mutable box the containers write into; turned into a `JSONValue` at the end.
///
/// Members and items live in stored properties and are changed in place. They used to sit in
/// an enum's payload, copied out, changed and put back: the enum kept the old copy alive, so
/// every member added copied the whole dictionary (every item, the whole array), quadratic in
/// an object's size, and the router service encodes several objects per referral.
///
/// A scalar member or item is stored as its value; only a nested container (or a value that
/// encodes itself) gets a node of its own: one allocation per field was most of the encoder's
/// time. Members are collected in order and hashed into a dictionary once, at the end, with
/// its final capacity: inserting as they came grew and rehashed each object's dictionary
/// several times (docs/performance.md).
private final class EncodingNode {
    enum Kind { case empty, value, array, object }

    /// A member or item: a finished value, or a node still being written.
    enum Slot {
        case value(JSONValue)
        case node(EncodingNode)

        var resolved: JSONValue {
            switch self {
            case .value(let value): value
            case .node(let node): node.value
            }
        }
    }

    private(set) var kind = Kind.empty
    private var scalar = JSONValue.null
    private var items: [Slot] = []
    /// In the order written; a key written twice keeps its last value, as a dictionary would.
    private var members: [(key: String, slot: Slot)] = []

    var value: JSONValue {
        switch kind {
        case .empty: .object([:])
        case .value: scalar
        case .array: .array(items.map(\.resolved))
        case .object: .object(Dictionary(members.lazy.map { ($0.key, $0.slot.resolved) }, uniquingKeysWith: { _, last in last }))
        }
    }

    func set(_ value: JSONValue) {
        kind = .value
        scalar = value
        items = []
        members = []
    }

    /// Sets member `key` to a finished value.
    func set(_ key: String, _ value: JSONValue) {
        makeObject()
        members.append((key, .value(value)))
    }

    /// The node of member `key`: the one written last for that key when it is a node (a type
    /// may ask for the same nested container twice), else a new one.
    func child(_ key: String) -> EncodingNode {
        makeObject()
        if let last = members.lastIndex(where: { $0.key == key }), case .node(let node) = members[last].slot { return node }
        let node = EncodingNode()
        members.append((key, .node(node)))
        return node
    }

    /// Appends a finished item.
    func append(_ value: JSONValue) {
        makeArray()
        items.append(.value(value))
    }

    /// Appends an item to be written through the node returned.
    func appended() -> EncodingNode {
        makeArray()
        let node = EncodingNode()
        items.append(.node(node))
        return node
    }

    func makeObject() {
        guard kind != .object else { return }
        kind = .object
        scalar = .null
        items = []
    }

    func makeArray() {
        guard kind != .array else { return }
        kind = .array
        scalar = .null
        members = []
    }

    var count: Int { kind == .array ? items.count : 0 }
}

/// A coding path as a chain of keys back to the root: a nested container adds one link, and
/// the array `Encoder.codingPath` asks for is built only when something reads it (an error
/// message, mostly). Building `codingPath + [key]` for every field cost an array per field.
private final class PathLink {
    let parent: PathLink?
    let key: any CodingKey

    init(_ parent: PathLink?, _ key: any CodingKey) {
        self.parent = parent
        self.key = key
    }

    static func keys(_ link: PathLink?) -> [any CodingKey] {
        var keys: [any CodingKey] = []
        var link = link
        while let current = link {
            keys.append(current.key)
            link = current.parent
        }
        return keys.reversed()
    }
}

/// A value whose encoding is known already (``JSONValueEncoder/init(substituting:with:)``).
private struct Substitution: Sendable {
    let type: ObjectIdentifier
    let json: JSONValue
    let matches: @Sendable (Any) -> Bool

    /// The metatype test first: a pointer compare, where a failed dynamic cast on every field is not.
    @inline(__always)
    func json<T>(for value: T) -> JSONValue? {
        ObjectIdentifier(T.self) == type && matches(value) ? json : nil
    }
}

/// An already-encoded value (a stored message, a cached decision) is copied, not re-walked;
/// so is the substitution's value.
@inline(__always)
private func alreadyEncoded<T>(_ value: T, _ substitution: Substitution?) -> JSONValue? {
    T.self == JSONValue.self ? value as? JSONValue : substitution?.json(for: value)
}

private struct NodeEncoder: Encoder {
    let node: EncodingNode
    let path: PathLink?
    let substitution: Substitution?
    var codingPath: [any CodingKey] { PathLink.keys(path) }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.makeObject()
        return KeyedEncodingContainer(KeyedEncoder<Key>(node: node, path: path, substitution: substitution))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.makeArray()
        return UnkeyedEncoder(node: node, path: path, substitution: substitution)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleEncoder(node: node, path: path, substitution: substitution)
    }
}

/// `path` is only evaluated to explain an error.
private func number(_ value: Double, _ path: @autoclosure () -> [any CodingKey]) throws -> JSONValue {
    guard value.isFinite else {
        throw EncodingError.invalidValue(value, .init(codingPath: path(), debugDescription: "JSON cannot hold \(value)"))
    }
    return .double(value)
}

private func integer<T: BinaryInteger>(_ value: T, _ path: @autoclosure () -> [any CodingKey]) throws -> JSONValue {
    guard let exact = Int64(exactly: value) else {
        throw EncodingError.invalidValue(value, .init(codingPath: path(), debugDescription: "\(value) does not fit in 64 bits"))
    }
    return .integer(exact)
}

private struct KeyedEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: EncodingNode
    let path: PathLink?
    let substitution: Substitution?
    var codingPath: [any CodingKey] { PathLink.keys(path) }

    private func set(_ value: JSONValue, _ key: Key) { node.set(key.stringValue, value) }
    private func keys(_ key: Key) -> [any CodingKey] { codingPath + [key] }

    mutating func encodeNil(forKey key: Key) throws { set(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { set(try number(value, keys(key)), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { set(try number(Double(value), keys(key)), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(try integer(value, keys(key)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(.integer(value), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { set(try integer(value, keys(key)), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { set(.integer(Int64(value)), key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        if let json = alreadyEncoded(value, substitution) { return set(json, key) }
        try value.encode(to: NodeEncoder(node: node.child(key.stringValue), path: PathLink(path, key), substitution: substitution))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        NodeEncoder(node: node.child(key.stringValue), path: PathLink(path, key), substitution: substitution).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        NodeEncoder(node: node.child(key.stringValue), path: PathLink(path, key), substitution: substitution).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { NodeEncoder(node: node.child("super"), path: path, substitution: substitution) }
    mutating func superEncoder(forKey key: Key) -> any Encoder {
        NodeEncoder(node: node.child(key.stringValue), path: PathLink(path, key), substitution: substitution)
    }
}

private struct UnkeyedEncoder: UnkeyedEncodingContainer {
    let node: EncodingNode
    let path: PathLink?
    let substitution: Substitution?
    var codingPath: [any CodingKey] { PathLink.keys(path) }
    var count: Int { node.count }

    /// The path of the next item.
    private var itemPath: [any CodingKey] { codingPath + [JSONKey(index: count)] }
    private var itemLink: PathLink { PathLink(path, JSONKey(index: count)) }
    private func append(_ value: JSONValue) { node.append(value) }

    mutating func encodeNil() throws { append(.null) }
    mutating func encode(_ value: Bool) throws { append(.bool(value)) }
    mutating func encode(_ value: String) throws { append(.string(value)) }
    mutating func encode(_ value: Double) throws { append(try number(value, itemPath)) }
    mutating func encode(_ value: Int) throws { append(try integer(value, itemPath)) }
    mutating func encode(_ value: Int64) throws { append(.integer(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        if let json = alreadyEncoded(value, substitution) { return append(json) }
        let link = itemLink
        try value.encode(to: NodeEncoder(node: node.appended(), path: link, substitution: substitution))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let link = itemLink
        return NodeEncoder(node: node.appended(), path: link, substitution: substitution).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let link = itemLink
        return NodeEncoder(node: node.appended(), path: link, substitution: substitution).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        let link = itemLink
        return NodeEncoder(node: node.appended(), path: link, substitution: substitution)
    }
}

private struct SingleEncoder: SingleValueEncodingContainer {
    let node: EncodingNode
    let path: PathLink?
    let substitution: Substitution?
    var codingPath: [any CodingKey] { PathLink.keys(path) }

    mutating func encodeNil() throws { node.set(.null) }
    mutating func encode(_ value: Bool) throws { node.set(.bool(value)) }
    mutating func encode(_ value: String) throws { node.set(.string(value)) }
    mutating func encode(_ value: Double) throws { node.set(try number(value, codingPath)) }
    mutating func encode(_ value: Float) throws { node.set(try number(Double(value), codingPath)) }
    mutating func encode(_ value: Int) throws { node.set(try integer(value, codingPath)) }
    mutating func encode(_ value: Int64) throws { node.set(.integer(value)) }
    mutating func encode(_ value: UInt64) throws { node.set(try integer(value, codingPath)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        if let json = alreadyEncoded(value, substitution) {
            node.set(json)
            return
        }
        try value.encode(to: NodeEncoder(node: node, path: path, substitution: substitution))
    }
}
