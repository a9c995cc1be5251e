/// A coding key for any member name or array index; used to walk unknown keys and to build paths.
public struct JSONKey: CodingKey, Sendable, Hashable {
    /// A name or an index: 17 bytes, so `any CodingKey` holds it inline without a box.
    private enum Storage: Sendable, Hashable {
        case name(String)
        case index(Int)
    }

    private let storage: Storage

    public var stringValue: String {
        switch storage {
        case .name(let name): name
        case .index(let index): "[\(index)]"
        }
    }

    public var intValue: Int? {
        if case .index(let index) = storage { return index }
        return nil
    }

    public init(_ name: String) {
        storage = .name(name)
    }

    public init(index: Int) {
        storage = .index(index)
    }

    public init?(stringValue: String) { self.init(stringValue) }
    public init?(intValue: Int) { self.init(index: intValue) }
}

/// Renders coding paths as JSONPath strings: `$.child.dateOfBirth`, `$.concerns[0].factor`.
public enum JSONPath {
    /// The path of a coding path; `$` for the root.
    public static func render(_ codingPath: [any CodingKey]) -> String {
        var path = "$"
        for key in codingPath {
            if let index = key.intValue {
                path += "[\(index)]"
            } else if isIdentifier(key.stringValue) {
                path += "." + key.stringValue
            } else {
                path += "['" + key.stringValue.replacingAll("'", with: "\\'") + "']"
            }
        }
        return path
    }

    private static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(0x30...0x39).contains(first) else { return false }
        return name.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x5F || byte == 0x2D
        }
    }
}

extension String {
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }

}
