import ContinuumCore
import ContinuumJSON
import ContinuumTesting
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

// `setting(_:_:)` and `lookup(_:)` come from ContinuumTesting.
extension JSONValue {
    /// Appends to the array at `path`.
    func appending(_ path: String, _ item: JSONValue) -> JSONValue {
        guard case .array(let items)? = lookup(path) else { return self }
        return setting(path, .array(items + [item]))
    }
}
