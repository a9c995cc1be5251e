import ContinuumCore
import ContinuumJSON
import ContinuumStore
import Foundation
import Synchronization

/// The repository's own pathway and example referrals, for store and server tests.
public enum TestFixtures {
    /// The repository root (Tests/ContinuumTesting/TestFixtures.swift → ../..).
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    public static func read(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    /// The master key every test store of this run is opened with (issue 20).
    public static let masterKey = MasterKey.generate()

    /// The same key in a file (mode 0600), for the `continuum` processes tests start: their
    /// runners pass it as `CONTINUUM_MASTER_KEY_FILE`.
    public static let masterKeyPath: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-test-master-\(UUID().uuidString).key").path
        do { try masterKey.write(to: path) } catch { preconditionFailure("cannot write the test master key: \(error)") }
        return path
    }()

    public static func surrey() throws -> VerifiedPathway {
        try VerifiedPathway(PathwayLoader().load(path: path("Pathways/surrey.json"), read: read))
    }

    /// Pathways/families-first.json (surrey-families-first@2027-04, in force from 1 April 2027).
    public static func familiesFirst() throws -> VerifiedPathway {
        try VerifiedPathway(PathwayLoader().load(path: path("Pathways/families-first.json"), read: read))
    }

    /// The shipped mapping from Surrey's pathway to Families First, checked.
    public static func familiesFirstMapping() throws -> VerifiedMapping {
        let mapping = try PathwayMapping.load(read(path("Pathways/migrations/surrey-2026-11-to-families-first-2027-04.json")), path: "mapping")
        guard let verified = MappingChecker.check(mapping, from: try surrey(), to: try familiesFirst()).verified else {
            throw PathwayInvalid(problems: MappingChecker.check(mapping, from: try surrey(), to: try familiesFirst()).problems)
        }
        return verified
    }

    public static func example(_ name: String) throws -> JSONValue {
        try JSONParser().parse(read(path("docs/examples/\(name).json"))).value()
    }

    /// `../shared` beside the checkout (or `$CONTINUUM_SHARED`).
    public static var shared: URL {
        if let override = ProcessInfo.processInfo.environment["CONTINUUM_SHARED"] { return URL(fileURLWithPath: override) }
        return root.deletingLastPathComponent().appendingPathComponent("shared")
    }

    /// The police example with its own `messageId` and, unless `child` is nil, a child of its
    /// own: a distinct given name and NHS number (none with `nhs: false`), so each number is a
    /// new child and the same number the same child again.
    public static func referral(_ messageId: String, child: Int? = nil, nhs: Bool = true, from example: String = "police-domestic-abuse") throws -> JSONValue {
        var value = try self.example(example).setting("messageId", .string(messageId))
        if let child {
            value = value.setting("child.givenName", .string("Child\(Self.letters(child))"))
                .setting("child.nhsNumber", nhs ? .string(nhsNumber(child)) : nil)
        }
        return value
    }

    /// A valid NHS number (modulus 11 check digit) of its own for each child number.
    public static func nhsNumber(_ child: Int) -> String {
        for last in 0..<10 {
            let base = 500_000_000 + child * 10 + last
            let digits = String(base).compactMap(\.wholeNumberValue)
            let total = digits.enumerated().reduce(0) { $0 + $1.element * (10 - $1.offset) }
            let check = 11 - total % 11
            if check == 10 { continue }
            return String(base) + String(check == 11 ? 0 : check)
        }
        return "4000000004"
    }

    /// 0 → "a", 25 → "z", 26 → "ba": names differ in letters, which is what child matching compares.
    public static func letters(_ number: Int) -> String {
        var number = number
        var text = ""
        repeat {
            text = String(UnicodeScalar(UInt8(97 + number % 26))) + text
            number /= 26
        } while number > 0
        return text
    }

    public static func at(_ text: String) -> Timestamp {
        Timestamp(rfc3339: text) ?? Timestamp(secondsSinceEpoch: 0)
    }
}

extension JSONValue {
    /// Sets (or with nil, removes) the value at a dotted path such as `child.dateOfBirth`.
    public func setting(_ path: String, _ newValue: JSONValue?) -> JSONValue {
        var parts = path.split(separator: ".").map(String.init)
        guard !parts.isEmpty else { return newValue ?? .null }
        let head = parts.removeFirst()
        let rest = parts.joined(separator: ".")
        switch self {
        case .object(var members):
            members[head] = rest.isEmpty ? newValue : (members[head] ?? .object([:])).setting(rest, newValue)
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

    /// The value at a dotted path, if there is one.
    public func lookup(_ path: String) -> JSONValue? {
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

/// A clock tests move by hand.
public final class TestClock: Sendable {
    private let instant: Mutex<Timestamp>

    public init(_ start: Timestamp) { instant = Mutex(start) }

    @Sendable public func now() -> Timestamp { instant.withLock { $0 } }

    public func set(_ timestamp: Timestamp) { instant.withLock { $0 = timestamp } }

    public func advance(seconds: Int64) { instant.withLock { $0 = $0.adding(seconds: seconds) } }
}

extension JSONValue {
    /// The elements of an array (empty for anything else).
    public var items: [JSONValue] {
        if case .array(let items) = self { return items }
        return []
    }
}

extension JSONValue {
    /// An object's member names, sorted (empty for anything else).
    public var objectKeys: [String] {
        if case .object(let members) = self { return members.keys.sorted() }
        return []
    }
}
