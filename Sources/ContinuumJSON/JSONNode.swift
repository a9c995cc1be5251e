import CJSONC

/// A read-only view of one value inside a ``JSONDocument``, for code that reads a known shape
/// field by field faster than `Codable` allows (no container boxes, no generic dispatch).
///
/// A node keeps its document alive, so it is always safe to use; like the document it is not
/// `Sendable`. Getters return nil when the value has another type.
public struct JSONNode {
    let pointer: OpaquePointer?
    let document: JSONDocument

    init(_ pointer: OpaquePointer?, in document: JSONDocument) {
        self.pointer = pointer
        self.document = document
    }

    public var isNull: Bool { pointer == nil }

    /// "a string", "an object", "null", …, for error messages.
    public var kindDescription: String { NodeDecoder.kind(pointer) }

    public var string: String? {
        guard let pointer, json_object_get_type(pointer) == json_type_string else { return nil }
        return NodeDecoder.string(pointer)
    }

    public var bool: Bool? {
        guard let pointer, json_object_get_type(pointer) == json_type_boolean else { return nil }
        return json_object_get_boolean(pointer) != 0
    }

    /// Whether this is an object / an array.
    public var isObject: Bool { pointer.map { json_object_get_type($0) == json_type_object } ?? false }
    public var isArray: Bool { pointer.map { json_object_get_type($0) == json_type_array } ?? false }

    /// The member `name` of an object: nil when absent (a JSON null is a node whose `isNull` is true).
    public func member(_ name: String) -> JSONNode? {
        guard let pointer, json_object_get_type(pointer) == json_type_object else { return nil }
        var child: OpaquePointer?
        let found = name.withCString { json_object_object_get_ex(pointer, $0, &child) }
        return found != 0 ? JSONNode(child, in: document) : nil
    }

    /// Element `index` of an array (a null node when out of range or not an array).
    public func element(_ index: Int) -> JSONNode {
        guard let pointer, json_object_get_type(pointer) == json_type_array, index >= 0,
              index < json_object_array_length(pointer) else { return JSONNode(nil, in: document) }
        return JSONNode(json_object_array_get_idx(pointer, index), in: document)
    }

    /// The elements of an array (empty for anything else).
    public var elements: [JSONNode] {
        guard let pointer, json_object_get_type(pointer) == json_type_array else { return [] }
        let count = json_object_array_length(pointer)
        var result: [JSONNode] = []
        result.reserveCapacity(count)
        for index in 0..<count { result.append(JSONNode(json_object_array_get_idx(pointer, index), in: document)) }
        return result
    }

    /// The number of members of an object or elements of an array (0 for anything else).
    public var memberCount: Int {
        guard let pointer else { return 0 }
        switch json_object_get_type(pointer) {
        case json_type_object: return Int(json_object_object_length(pointer))
        case json_type_array: return json_object_array_length(pointer)
        default: return 0
        }
    }

    /// Member names of this object that `Key` does not define.
    public func unknownMembers<Key: CodingKey>(_ type: Key.Type) -> [String] {
        guard let pointer, json_object_get_type(pointer) == json_type_object else { return [] }
        var unknown: [String] = []
        var entry = lh_table_head(json_object_get_object(pointer))
        while let current = entry {
            let name = String(cString: lh_entry_k(current).assumingMemoryBound(to: CChar.self))
            if Key(stringValue: name) == nil { unknown.append(name) }
            entry = lh_entry_next(current)
        }
        return unknown
    }

    /// Decodes this value with ContinuumJSON's `Decoder` (for types without a faster reader).
    public func decode<T: Decodable>(_ type: T.Type, codingPath: [any CodingKey], userInfo: [CodingUserInfoKey: any Sendable] = [:]) throws -> T {
        try T(from: NodeDecoder(node: pointer, codingPath: codingPath, context: DecodingContext(document: document, userInfo: userInfo)))
    }

    /// The error to throw when this value is not what was expected ("expected a string, found
    /// null"), in the same words ContinuumJSON's `Decoder` uses.
    public func mismatch(_ type: Any.Type, expected: String, at codingPath: [any CodingKey]) -> DecodingError {
        NodeDecoder.mismatch(type, expected, pointer, codingPath)
    }
}

/// A `Decoder` positioned on a JSON value that can hand over a ``JSONNode`` for fast reading.
public protocol JSONNodeProviding {
    /// The value the decoder is positioned on.
    var jsonNode: JSONNode { get }
}

extension NodeDecoder: JSONNodeProviding {
    var jsonNode: JSONNode { JSONNode(node, in: context.document) }
}

extension JSONDocument {
    /// The document's top-level value.
    public var rootNode: JSONNode { JSONNode(root, in: self) }
}
