import ContinuumCore
import ContinuumJSON
import Foundation

/// Shared test data: the repository's own pathway and examples.
enum Fixtures {
    /// The repository root (Tests/ContinuumCoreTests/Fixtures.swift → ../..).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    static func read(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    /// Pathways/surrey.json with its bank holidays.
    static func surrey() throws -> Pathway {
        try PathwayLoader().load(path: path("Pathways/surrey.json"), read: read)
    }

    static func verifiedSurrey() throws -> VerifiedPathway {
        try VerifiedPathway(surrey())
    }

    /// The Surrey pathway as a JSON tree, for making broken variants.
    static func surreyJSON() throws -> JSONValue {
        try JSONParser().parse(read(path("Pathways/surrey.json"))).value()
    }

    static func example(_ name: String) throws -> [UInt8] {
        try read(path("docs/examples/\(name).json"))
    }

    static func at(_ text: String) -> Timestamp {
        Timestamp(rfc3339: text) ?? Timestamp(secondsSinceEpoch: 0)
    }

    static func date(_ text: String) -> CalendarDate {
        CalendarDate(text) ?? CalendarDate(daysSinceEpoch: 0)
    }

    /// A valid referral as a JSON tree, to vary field by field.
    static func referralJSON() throws -> JSONValue {
        try JSONParser().parse(example("police-domestic-abuse")).value()
    }

    static func bytes(_ value: JSONValue) -> [UInt8] { Array(value.serialized().utf8) }
}

extension JSONValue {
    /// Sets (or with nil, removes) the value at a dotted path such as `child.dateOfBirth` or `concerns.0.impact`.
    func setting(_ path: String, _ newValue: JSONValue?) -> JSONValue {
        var parts = path.split(separator: ".").map(String.init)
        guard !parts.isEmpty else { return newValue ?? .null }
        let head = parts.removeFirst()
        let rest = parts.joined(separator: ".")
        switch self {
        case .object(var members):
            if rest.isEmpty {
                members[head] = newValue
            } else {
                members[head] = (members[head] ?? .object([:])).setting(rest, newValue)
            }
            return .object(members)
        case .array(var items):
            guard let index = Int(head), items.indices.contains(index) else { return self }
            if rest.isEmpty {
                if let newValue { items[index] = newValue } else { items.remove(at: index) }
            } else {
                items[index] = items[index].setting(rest, newValue)
            }
            return .array(items)
        default:
            return self
        }
    }

    /// Appends to the array at `path`.
    func appending(_ path: String, _ item: JSONValue) -> JSONValue {
        guard case .array(let items)? = lookup(path) else { return self }
        return setting(path, .array(items + [item]))
    }

    func lookup(_ path: String) -> JSONValue? {
        var current: JSONValue? = self
        for part in path.split(separator: ".") {
            switch current {
            case .object(let members)?: current = members[String(part)]
            case .array(let items)?: current = Int(part).flatMap { items.indices.contains($0) ? items[$0] : nil }
            default: return nil
            }
        }
        return current
    }
}
