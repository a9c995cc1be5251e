/// Encodes `Encodable` values to ``JSONValue`` (and so to JSON text with stable key order).
///
/// ```swift
/// let text = try JSONValueEncoder().encode(decision).serialized(pretty: true)
/// ```
/// Non-finite doubles are an error, as JSON has no way to write them.
public struct JSONValueEncoder: Sendable {
    public init() {}

    public func encode(_ value: some Encodable) throws -> JSONValue {
        if let json = value as? JSONValue { return json }
        let root = EncodingNode()
        try value.encode(to: NodeEncoder(node: root, codingPath: []))
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
private final class EncodingNode {
    enum Kind { case empty, value, array, object }

    private(set) var kind = Kind.empty
    private var scalar = JSONValue.null
    private var items: [EncodingNode] = []
    private var members: [String: EncodingNode] = [:]

    var value: JSONValue {
        switch kind {
        case .empty: .object([:])
        case .value: scalar
        case .array: .array(items.map(\.value))
        case .object: .object(members.mapValues(\.value))
        }
    }

    func set(_ value: JSONValue) {
        kind = .value
        scalar = value
        items = []
        members = [:]
    }

    func child(_ key: String) -> EncodingNode {
        makeObject()
        if let node = members[key] { return node }
        let node = EncodingNode()
        members[key] = node
        return node
    }

    func appended() -> EncodingNode {
        makeArray()
        let node = EncodingNode()
        items.append(node)
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
        members = [:]
    }

    var count: Int { kind == .array ? items.count : 0 }
}

private struct NodeEncoder: Encoder {
    let node: EncodingNode
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.makeObject()
        return KeyedEncodingContainer(KeyedEncoder<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.makeArray()
        return UnkeyedEncoder(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleEncoder(node: node, codingPath: codingPath)
    }
}

private func number(_ value: Double, _ path: [any CodingKey]) throws -> JSONValue {
    guard value.isFinite else {
        throw EncodingError.invalidValue(value, .init(codingPath: path, debugDescription: "JSON cannot hold \(value)"))
    }
    return .double(value)
}

private func integer<T: BinaryInteger>(_ value: T, _ path: [any CodingKey]) throws -> JSONValue {
    guard let exact = Int64(exactly: value) else {
        throw EncodingError.invalidValue(value, .init(codingPath: path, debugDescription: "\(value) does not fit in 64 bits"))
    }
    return .integer(exact)
}

private struct KeyedEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: EncodingNode
    let codingPath: [any CodingKey]

    private func set(_ value: JSONValue, _ key: Key) { node.child(key.stringValue).set(value) }

    mutating func encodeNil(forKey key: Key) throws { set(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { set(try number(value, codingPath + [key]), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { set(try number(Double(value), codingPath + [key]), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(try integer(value, codingPath + [key]), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(.integer(value), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { set(try integer(value, codingPath + [key]), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { set(.integer(Int64(value)), key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        // An already-encoded value (a stored message, a cached decision) is copied, not re-walked.
        if let json = value as? JSONValue { return set(json, key) }
        try value.encode(to: NodeEncoder(node: node.child(key.stringValue), codingPath: codingPath + [key]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        NodeEncoder(node: node.child(key.stringValue), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        NodeEncoder(node: node.child(key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { NodeEncoder(node: node.child("super"), codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { NodeEncoder(node: node.child(key.stringValue), codingPath: codingPath + [key]) }
}

private struct UnkeyedEncoder: UnkeyedEncodingContainer {
    let node: EncodingNode
    let codingPath: [any CodingKey]
    var count: Int { node.count }

    private var path: [any CodingKey] { codingPath + [JSONKey(index: count)] }
    private func append(_ value: JSONValue) { node.appended().set(value) }

    mutating func encodeNil() throws { append(.null) }
    mutating func encode(_ value: Bool) throws { append(.bool(value)) }
    mutating func encode(_ value: String) throws { append(.string(value)) }
    mutating func encode(_ value: Double) throws { append(try number(value, path)) }
    mutating func encode(_ value: Int) throws { append(try integer(value, path)) }
    mutating func encode(_ value: Int64) throws { append(.integer(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        if let json = value as? JSONValue { return append(json) }
        let path = self.path
        try value.encode(to: NodeEncoder(node: node.appended(), codingPath: path))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let path = self.path
        return NodeEncoder(node: node.appended(), codingPath: path).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = self.path
        return NodeEncoder(node: node.appended(), codingPath: path).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        let path = self.path
        return NodeEncoder(node: node.appended(), codingPath: path)
    }
}

private struct SingleEncoder: SingleValueEncodingContainer {
    let node: EncodingNode
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { node.set(.null) }
    mutating func encode(_ value: Bool) throws { node.set(.bool(value)) }
    mutating func encode(_ value: String) throws { node.set(.string(value)) }
    mutating func encode(_ value: Double) throws { node.set(try number(value, codingPath)) }
    mutating func encode(_ value: Float) throws { node.set(try number(Double(value), codingPath)) }
    mutating func encode(_ value: Int) throws { node.set(try integer(value, codingPath)) }
    mutating func encode(_ value: Int64) throws { node.set(.integer(value)) }
    mutating func encode(_ value: UInt64) throws { node.set(try integer(value, codingPath)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        if let json = value as? JSONValue {
            node.set(json)
            return
        }
        try value.encode(to: NodeEncoder(node: node, codingPath: codingPath))
    }
}
