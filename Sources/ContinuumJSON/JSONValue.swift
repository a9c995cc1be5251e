import CJSONC

/// A JSON value as a Swift tree: what ``JSONDocument/value()`` returns and what
/// ``JSONValueEncoder`` builds. Serialise it with ``serialized(pretty:)``.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// A number written without fraction or exponent that fits in 64 bits.
    case integer(Int64)
    /// Any other (finite) number.
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The member `key` of an object, or nil.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The string, when this is one.
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The elements, when this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    /// Copies a json-c node (and everything under it) into Swift values.
    init(node: OpaquePointer?, path: [any CodingKey]) throws(DecodingError) {
        guard let node else {
            self = .null
            return
        }
        switch json_object_get_type(node) {
        case json_type_boolean:
            self = .bool(json_object_get_boolean(node) != 0)
        case json_type_int:
            self = .integer(json_object_get_int64(node))
        case json_type_double:
            let number = json_object_get_double(node)
            guard number.isFinite else {
                throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "number out of range"))
            }
            self = .double(number)
        case json_type_string:
            self = .string(NodeDecoder.string(node))
        case json_type_array:
            let count = json_object_array_length(node)
            var items: [JSONValue] = []
            items.reserveCapacity(count)
            for index in 0..<count {
                items.append(try JSONValue(node: json_object_array_get_idx(node, index), path: path + [JSONKey(index: index)]))
            }
            self = .array(items)
        case json_type_object:
            var members: [String: JSONValue] = [:]
            var entry = lh_table_head(json_object_get_object(node))
            while let current = entry {
                let key = String(cString: lh_entry_k(current).assumingMemoryBound(to: CChar.self))
                let child = OpaquePointer(lh_entry_v(current))
                members[key] = try JSONValue(node: child, path: path + [JSONKey(key)])
                entry = lh_entry_next(current)
            }
            self = .object(members)
        default:
            self = .null
        }
    }
}
