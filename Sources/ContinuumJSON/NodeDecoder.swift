import CJSONC

/// ContinuumJSON's `Decoder`: reads `Decodable` types straight from json-c's tree, with no
/// intermediate Swift copy of the document (the speed of the wire path depends on it).
/// Numbers must fit the requested type exactly; strings are copied out of json-c.
struct NodeDecoder: Decoder {
    let node: OpaquePointer?
    let codingPath: [any CodingKey]
    let context: DecodingContext

    var userInfo: [CodingUserInfoKey: Any] { context.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard let node, json_object_get_type(node) == json_type_object else {
            throw DecodingError.typeMismatch([String: Any].self, .init(codingPath: codingPath, debugDescription: "expected an object, found \(Self.kind(node))"))
        }
        if context.rejectUnknownKeys { try rejectUnknownKeys(node, Key.self) }
        return KeyedDecodingContainer(KeyedNodeContainer<Key>(node: node, codingPath: codingPath, context: context))
    }

    private func rejectUnknownKeys<Key: CodingKey>(_ node: OpaquePointer, _ type: Key.Type) throws {
        var entry = lh_table_head(json_object_get_object(node))
        while let current = entry {
            let name = String(cString: lh_entry_k(current).assumingMemoryBound(to: CChar.self))
            if Key(stringValue: name) == nil {
                var known: [String] = []
                if let iterable = Key.self as? any (CodingKey & CaseIterable).Type { known = Self.names(iterable) }
                throw DecodingError.dataCorrupted(.init(codingPath: codingPath + [JSONKey(name)],
                    debugDescription: "unknown field \"\(name)\"" + Suggestion.didYouMean(name, among: known)))
            }
            entry = lh_entry_next(current)
        }
    }

    private static func names<K: CodingKey & CaseIterable>(_ type: K.Type) -> [String] {
        K.allCases.map(\.stringValue)
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard let node, json_object_get_type(node) == json_type_array else {
            throw DecodingError.typeMismatch([Any].self, .init(codingPath: codingPath, debugDescription: "expected an array, found \(Self.kind(node))"))
        }
        return UnkeyedNodeContainer(node: node, codingPath: codingPath, context: context)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleNodeContainer(node: node, codingPath: codingPath, context: context)
    }

    // MARK: - Reading scalars, shared by the three containers

    /// "a string", "an object", ... for error messages.
    static func kind(_ node: OpaquePointer?) -> String {
        guard let node else { return "null" }
        switch json_object_get_type(node) {
        case json_type_boolean: return "a boolean"
        case json_type_int, json_type_double: return "a number"
        case json_type_string: return "a string"
        case json_type_array: return "an array"
        case json_type_object: return "an object"
        default: return "null"
        }
    }

    /// Copies a json-c string out (embedded NULs preserved).
    static func string(_ node: OpaquePointer) -> String {
        let length = Int(json_object_get_string_len(node))
        guard let pointer = json_object_get_string(node) else { return "" }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: length) { bytes in
            String(decoding: UnsafeBufferPointer(start: bytes, count: length), as: UTF8.self)
        }
    }

    static func decodeString(_ node: OpaquePointer?, _ path: @autoclosure () -> [any CodingKey]) throws -> String {
        guard let node, json_object_get_type(node) == json_type_string else {
            throw mismatch(String.self, "a string", node, path())
        }
        return string(node)
    }

    static func decodeBool(_ node: OpaquePointer?, _ path: @autoclosure () -> [any CodingKey]) throws -> Bool {
        guard let node, json_object_get_type(node) == json_type_boolean else {
            throw mismatch(Bool.self, "true or false", node, path())
        }
        return json_object_get_boolean(node) != 0
    }

    static func decodeDouble(_ node: OpaquePointer?, _ path: @autoclosure () -> [any CodingKey]) throws -> Double {
        guard let node else { throw mismatch(Double.self, "a number", node, path()) }
        switch json_object_get_type(node) {
        case json_type_int:
            return Double(json_object_get_int64(node))
        case json_type_double:
            let value = json_object_get_double(node)
            guard value.isFinite else {
                throw DecodingError.dataCorrupted(.init(codingPath: path(), debugDescription: "number out of range"))
            }
            return value
        default:
            throw mismatch(Double.self, "a number", node, path())
        }
    }

    static func decodeInteger<T: FixedWidthInteger>(_ type: T.Type, _ node: OpaquePointer?, _ path: @autoclosure () -> [any CodingKey]) throws -> T {
        guard let node else { throw mismatch(T.self, "a whole number", node, path()) }
        switch json_object_get_type(node) {
        case json_type_int:
            // The strict lexer already rejected literals beyond 64 bits, so this is exact.
            let value = json_object_get_int64(node)
            guard let exact = T(exactly: value) else {
                throw DecodingError.dataCorrupted(.init(codingPath: path(), debugDescription: "\(value) does not fit in \(T.self)"))
            }
            return exact
        case json_type_double:
            let value = json_object_get_double(node)
            guard let exact = T(exactly: value) else {
                throw DecodingError.typeMismatch(T.self, .init(codingPath: path(), debugDescription: "expected a whole number, found \(value)"))
            }
            return exact
        default:
            throw mismatch(T.self, "a whole number", node, path())
        }
    }

    static func mismatch(_ type: Any.Type, _ expected: String, _ node: OpaquePointer?, _ path: [any CodingKey]) -> DecodingError {
        if node == nil {
            return DecodingError.valueNotFound(type, .init(codingPath: path, debugDescription: "expected \(expected), found null"))
        }
        return DecodingError.typeMismatch(type, .init(codingPath: path, debugDescription: "expected \(expected), found \(kind(node))"))
    }
}

struct KeyedNodeContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let node: OpaquePointer
    let codingPath: [any CodingKey]
    let context: DecodingContext

    var allKeys: [Key] {
        var keys: [Key] = []
        var entry = lh_table_head(json_object_get_object(node))
        while let current = entry {
            let name = String(cString: lh_entry_k(current).assumingMemoryBound(to: CChar.self))
            if let key = Key(stringValue: name) { keys.append(key) }
            entry = lh_entry_next(current)
        }
        return keys
    }

    /// The member for `key`: `.some(nil)` for a JSON null, `nil` when absent.
    private func member(_ key: Key) -> OpaquePointer?? {
        var child: OpaquePointer?
        let found = key.stringValue.withCString { json_object_object_get_ex(node, $0, &child) }
        return found != 0 ? .some(child) : .none
    }

    private func required(_ key: Key) throws -> OpaquePointer? {
        guard let child = member(key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath + [key], debugDescription: "required field \"\(key.stringValue)\" is missing"))
        }
        return child
    }

    func contains(_ key: Key) -> Bool { member(key) != nil }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let child = member(key) else { return true }
        return child == nil
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try NodeDecoder.decodeBool(required(key), codingPath + [key]) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try NodeDecoder.decodeString(required(key), codingPath + [key]) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try NodeDecoder.decodeDouble(required(key), codingPath + [key]) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try NodeDecoder.decodeDouble(required(key), codingPath + [key])) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try NodeDecoder.decodeInteger(type, required(key), codingPath + [key]) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try NodeDecoder.decodeInteger(type, required(key), codingPath + [key]) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try NodeDecoder.decodeInteger(type, required(key), codingPath + [key]) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try NodeDecoder.decodeInteger(type, required(key), codingPath + [key]) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try NodeDecoder.decodeInteger(type, required(key), codingPath + [key]) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try NodeDecoder.decodeInteger(type, required(key), codingPath + [key]) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try NodeDecoder.decodeInteger(type, required(key), codingPath + [key]) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try NodeDecoder.decodeInteger(type, required(key), codingPath + [key]) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try NodeDecoder.decodeInteger(type, required(key), codingPath + [key]) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try NodeDecoder.decodeInteger(type, required(key), codingPath + [key]) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try T(from: NodeDecoder(node: required(key), codingPath: codingPath + [key], context: context))
    }

    // Absent and null both decode as nil for optionals (the synthesized `decodeIfPresent` path).
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        guard let child = member(key), let present = child else { return nil }
        return try NodeDecoder.decodeString(present, codingPath + [key])
    }

    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
        guard let child = member(key), let present = child else { return nil }
        return try NodeDecoder.decodeBool(present, codingPath + [key])
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let child = member(key), let present = child else { return nil }
        return try T(from: NodeDecoder(node: present, codingPath: codingPath + [key], context: context))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try NodeDecoder(node: required(key), codingPath: codingPath + [key], context: context).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try NodeDecoder(node: required(key), codingPath: codingPath + [key], context: context).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        NodeDecoder(node: node, codingPath: codingPath, context: context)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        NodeDecoder(node: member(key) ?? nil, codingPath: codingPath + [key], context: context)
    }
}

struct UnkeyedNodeContainer: UnkeyedDecodingContainer {
    let node: OpaquePointer
    let codingPath: [any CodingKey]
    let context: DecodingContext
    let count: Int?
    private(set) var currentIndex = 0

    init(node: OpaquePointer, codingPath: [any CodingKey], context: DecodingContext) {
        self.node = node
        self.codingPath = codingPath
        self.context = context
        self.count = json_object_array_length(node)
    }

    var isAtEnd: Bool { currentIndex >= (count ?? 0) }

    private var path: [any CodingKey] { codingPath + [JSONKey(index: currentIndex)] }

    private mutating func next(_ type: Any.Type) throws -> OpaquePointer? {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(type, .init(codingPath: path, debugDescription: "the array has no more elements"))
        }
        let child = json_object_array_get_idx(node, currentIndex)
        currentIndex += 1
        return child
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { return false }
        if json_object_array_get_idx(node, currentIndex) == nil {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { let i = currentIndex; return try NodeDecoder.decodeBool(next(type), at(i)) }
    mutating func decode(_ type: String.Type) throws -> String { let i = currentIndex; return try NodeDecoder.decodeString(next(type), at(i)) }
    mutating func decode(_ type: Double.Type) throws -> Double { let i = currentIndex; return try NodeDecoder.decodeDouble(next(type), at(i)) }
    mutating func decode(_ type: Int.Type) throws -> Int { let i = currentIndex; return try NodeDecoder.decodeInteger(type, next(type), at(i)) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { let i = currentIndex; return try NodeDecoder.decodeInteger(type, next(type), at(i)) }

    private func at(_ index: Int) -> [any CodingKey] { codingPath + [JSONKey(index: index)] }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let p = path
        return try T(from: NodeDecoder(node: next(type), codingPath: p, context: context))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let p = path
        return try NodeDecoder(node: next([String: Any].self), codingPath: p, context: context).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let p = path
        return try NodeDecoder(node: next([Any].self), codingPath: p, context: context).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let p = path
        return NodeDecoder(node: try next(Any.self), codingPath: p, context: context)
    }
}

struct SingleNodeContainer: SingleValueDecodingContainer {
    let node: OpaquePointer?
    let codingPath: [any CodingKey]
    let context: DecodingContext

    func decodeNil() -> Bool { node == nil }
    func decode(_ type: Bool.Type) throws -> Bool { try NodeDecoder.decodeBool(node, codingPath) }
    func decode(_ type: String.Type) throws -> String { try NodeDecoder.decodeString(node, codingPath) }
    func decode(_ type: Double.Type) throws -> Double { try NodeDecoder.decodeDouble(node, codingPath) }
    func decode(_ type: Float.Type) throws -> Float { Float(try NodeDecoder.decodeDouble(node, codingPath)) }
    func decode(_ type: Int.Type) throws -> Int { try NodeDecoder.decodeInteger(type, node, codingPath) }
    func decode(_ type: Int8.Type) throws -> Int8 { try NodeDecoder.decodeInteger(type, node, codingPath) }
    func decode(_ type: Int16.Type) throws -> Int16 { try NodeDecoder.decodeInteger(type, node, codingPath) }
    func decode(_ type: Int32.Type) throws -> Int32 { try NodeDecoder.decodeInteger(type, node, codingPath) }
    func decode(_ type: Int64.Type) throws -> Int64 { try NodeDecoder.decodeInteger(type, node, codingPath) }
    func decode(_ type: UInt.Type) throws -> UInt { try NodeDecoder.decodeInteger(type, node, codingPath) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try NodeDecoder.decodeInteger(type, node, codingPath) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try NodeDecoder.decodeInteger(type, node, codingPath) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try NodeDecoder.decodeInteger(type, node, codingPath) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try NodeDecoder.decodeInteger(type, node, codingPath) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try T(from: NodeDecoder(node: node, codingPath: codingPath, context: context))
    }
}
