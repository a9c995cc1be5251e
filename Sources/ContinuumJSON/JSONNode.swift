import CJSONC

/// A read-only view of one object or array inside a ``JSONDocument``, for code that reads a
/// known shape field by field faster than `Codable` allows (no container boxes, no generic
/// dispatch). Read members with ``memberValue(_:)`` and elements with ``elementValue(_:)``:
/// leaves come back as Swift values (``JSONMember``), nested objects and arrays as nodes.
///
/// A node keeps its document alive, so it is always safe to use; like the document it is not
/// `Sendable`.
public struct JSONNode {
    let pointer: OpaquePointer?
    let document: JSONDocument

    init(_ pointer: OpaquePointer?, in document: JSONDocument) {
        self.pointer = pointer
        self.document = document
    }

    /// The node's own value (an object or array comes back as itself).
    public var value: JSONMember { Self.member(pointer, in: document) }

    public var isObject: Bool { pointer.map { json_object_get_type($0) == json_type_object } ?? false }

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
    /// The document's top-level value as a ``JSONMember``.
    public var rootValue: JSONMember { JSONNode.member(root, in: self) }
}

/// One member or element, read in a single step: leaf values arrive as Swift values and only
/// objects and arrays come as nodes (which keep the document alive). Reading a record field by
/// field this way creates no node, and so touches no reference count, per leaf.
public enum JSONMember {
    case null
    case bool(Bool)
    case integer(Int64)
    case double(Double)
    case string(String)
    case array(JSONNode)
    case object(JSONNode)

    /// "a string", "an object", "null", …, for error messages.
    public var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .integer, .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// The error for a value that is not what was expected, in the words of ContinuumJSON's `Decoder`.
    public func mismatch(_ type: Any.Type, expected: String, at codingPath: [any CodingKey]) -> DecodingError {
        if case .null = self {
            return DecodingError.valueNotFound(type, .init(codingPath: codingPath, debugDescription: "expected \(expected), found null"))
        }
        return DecodingError.typeMismatch(type, .init(codingPath: codingPath, debugDescription: "expected \(expected), found \(kindDescription)"))
    }
}

extension JSONNode {
    /// The member `name` of an object as a ``JSONMember``; nil when absent (or not an object).
    public func memberValue(_ name: String) -> JSONMember? {
        // json_object_object_get_ex answers 0 for anything but an object (and for NULL).
        guard let pointer else { return nil }
        var child: OpaquePointer?
        guard name.withCString({ json_object_object_get_ex(pointer, $0, &child) }) != 0 else { return nil }
        return Self.member(child, in: document)
    }

    /// Element `index` of an array as a ``JSONMember`` (null when out of range).
    public func elementValue(_ index: Int) -> JSONMember {
        guard let pointer, json_object_get_type(pointer) == json_type_array, index >= 0,
              index < json_object_array_length(pointer) else { return .null }
        return Self.member(json_object_array_get_idx(pointer, index), in: document)
    }

    /// Whether the object has member `name` (even as null), without reading it.
    public func hasMember(_ name: String) -> Bool {
        guard let pointer else { return false }
        return name.withCString { json_object_object_get_ex(pointer, $0, nil) } != 0
    }

    static func member(_ pointer: OpaquePointer?, in document: JSONDocument) -> JSONMember {
        guard let pointer else { return .null }
        switch json_object_get_type(pointer) {
        case json_type_boolean: return .bool(json_object_get_boolean(pointer) != 0)
        case json_type_int: return .integer(json_object_get_int64(pointer))
        case json_type_double: return .double(json_object_get_double(pointer))
        case json_type_string: return .string(NodeDecoder.string(pointer))
        case json_type_array: return .array(JSONNode(pointer, in: document))
        case json_type_object: return .object(JSONNode(pointer, in: document))
        default: return .null
        }
    }
}
