import ContinuumJSON
import Testing

@Suite("Serialising with stable key order")
struct JSONSerializationTests {
    struct Sample: Codable, Equatable {
        var zeta: Int
        var alpha: String
        var nested: [String: Double]
        var list: [Bool?]
    }

    @Test func keysAreSortedAndOutputIsStable() throws {
        let sample = Sample(zeta: 1, alpha: "a\"b\n\u{1}", nested: ["y": 2.5, "x": 1], list: [true, nil])
        let text = try JSONValueEncoder().text(sample)
        #expect(text == #"{"alpha":"a\"b\n\u0001","list":[true,null],"nested":{"x":1.0,"y":2.5},"zeta":1}"#)
    }

    @Test func roundTripsThroughTheParser() throws {
        let sample = Sample(zeta: -7, alpha: "£ and 😀", nested: ["k": 0.1], list: [false])
        let text = try JSONValueEncoder().text(sample, pretty: true)
        #expect(try JSONParser().parse(text).decode(Sample.self) == sample)
    }

    @Test func prettyPrinting() throws {
        let text = JSONValue.object(["b": .array([.integer(1)]), "a": .object([:])]).serialized(pretty: true)
        #expect(text == "{\n  \"a\": {},\n  \"b\": [\n    1\n  ]\n}")
    }

    @Test func nonFiniteNumbersCannotBeEncoded() {
        #expect(throws: EncodingError.self) { try JSONValueEncoder().encode([Double.nan]) }
    }

    @Test func everyY_FileRoundTrips() throws {
        for name in JSONTestSuiteTests.files where name.hasPrefix("y_") {
            let value = try JSONParser(limits: JSONLimits(allowsDuplicateKeys: true)).parse(JSONTestSuiteTests.load(name)).value()
            let again = try JSONParser().parse(value.serialized()).value()
            #expect(again == value, "\(name)")
        }
    }

    @Test("a member's text cut from its parent's is the member serialised alone, at every path of every y_ file")
    func capturedMembers() throws {
        // Every path of object keys below `value`, depth first.
        func paths(_ value: JSONValue, _ prefix: [String]) -> [[String]] {
            guard case .object(let members) = value else { return [] }
            return members.flatMap { [prefix + [$0.key]] + paths($0.value, prefix + [$0.key]) }
        }
        var checked = 0
        for name in JSONTestSuiteTests.files where name.hasPrefix("y_") {
            let value = try JSONParser(limits: JSONLimits(allowsDuplicateKeys: true)).parse(JSONTestSuiteTests.load(name)).value()
            let nested = JSONValue.object(["a": .object(["b": value, "c": .array([value])]), "z": value])
            for path in paths(nested, []) + [["missing"], ["a", "missing"], ["a", "c", "0"]] {
                let (text, member) = nested.serialized(capturing: path)
                #expect(text == nested.serialized(), "\(name) \(path)")
                let alone = path.reduce(Optional(nested)) { $0?[$1] }?.serialized()
                #expect(member == alone, "\(name) \(path)")
                checked += 1
            }
        }
        #expect(checked > 500)
    }

    @Test("an encoder substituting a value writes the given JSON for an equal value, and encodes a different one")
    func substitution() throws {
        struct Outer: Encodable { var first: Sample; var items: [Sample]; var other: Sample }
        let same = Sample(zeta: 1, alpha: "a", nested: [:], list: [])
        let other = Sample(zeta: 2, alpha: "b", nested: ["x": 1], list: [nil])
        let outer = Outer(first: same, items: [other, same], other: other)
        // A stand-in that encoding never gives, so that where it was used shows.
        let encoder = JSONValueEncoder(substituting: same, with: .string("stand-in"))
        let value = try encoder.encode(outer)
        #expect(value["first"] == .string("stand-in"))
        #expect(value["items"] == .array([try JSONValueEncoder().encode(other), .string("stand-in")]))
        #expect(value["other"] == (try JSONValueEncoder().encode(other)))
        #expect(try encoder.encode(same) == .string("stand-in"))
        // With the value's own encoding, the result is what encoding gives.
        let faithful = JSONValueEncoder(substituting: same, with: try JSONValueEncoder().encode(same))
        #expect(try faithful.encode(outer) == (try JSONValueEncoder().encode(outer)))
    }

    @Test func everyControlCharacterQuoteAndBackslashIsEscaped() {
        let named: [UInt8: String] = [0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r"]
        for byte in UInt8(0)..<0x20 {
            let hex = String(byte, radix: 16)
            let expected = named[byte] ?? "\\u00" + (hex.count == 1 ? "0" + hex : hex)
            let text = JSONValue.string("a" + String(UnicodeScalar(byte)) + "b").serialized()
            #expect(text == "\"a" + expected + "b\"", "byte \(byte)")
        }
        #expect(JSONValue.string(#"say "hi" \ bye"#).serialized() == #""say \"hi\" \\ bye""#)
        // Strings with nothing to escape are copied whole, non-ASCII and long ones included.
        let long = String(repeating: "Plain text, £ and 😀. ", count: 500)
        #expect(JSONValue.string(long).serialized() == "\"" + long + "\"")
        #expect(JSONValue.string("").serialized() == #""""#)
    }

    @Test func keysSortByTheirUTF8Bytes() {
        // "Z" < "a" < "é" (0xC3 0xA9) < "😀" (0xF0 …) in byte order.
        let value = JSONValue.object(["😀": .integer(4), "é": .integer(3), "a": .integer(2), "Z": .integer(1)])
        #expect(value.serialized() == #"{"Z":1,"a":2,"é":3,"😀":4}"#)
    }

    @Test func keysSortByBytesWhateverTheirLengthOrPrefix() {
        // Shared prefixes, the empty key, keys past the 15 bytes Swift keeps inline, and
        // non-ASCII: the order must be the bytes' order, whichever comparison makes it.
        let pieces = ["", "a", "ab", "b", "B", "é", "e\u{301}", "😀", "a-key-longer-than-fifteen-bytes", "a-key-longer-than-fifteen-bytez"]
        for round in 0..<200 {
            // Keys of one to three pieces, chosen by arithmetic on the round: the same every run.
            var members: [String: JSONValue] = [:]
            for index in 0..<(1 + round % 8) {
                let key = (0...(index % 3)).map { part in pieces[(round * 7 + index * 3 + part * 5) % pieces.count] }.joined()
                members[key] = .integer(Int64(index))
            }
            let order = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            let expected = "{" + order.map { JSONValue.string($0).serialized() + ":" + (members[$0]?.serialized() ?? "") }.joined(separator: ",") + "}"
            #expect(JSONValue.object(members).serialized() == expected)
        }
    }

    struct Deep: Encodable {
        enum Keys: String, CodingKey { case outer, inner }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            var list = container.nestedUnkeyedContainer(forKey: .outer)
            try list.encode(1.5)
            var inner = list.nestedContainer(keyedBy: Keys.self)
            try inner.encode(Double.infinity, forKey: .inner)
        }
    }

    @Test func anEncodingErrorNamesItsPath() {
        do {
            _ = try JSONValueEncoder().encode(Deep())
            Issue.record("infinity was encoded")
        } catch let EncodingError.invalidValue(_, context) {
            #expect(context.codingPath.map(\.stringValue) == ["outer", "[1]", "inner"])
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    struct SameNestedTwice: Encodable {
        enum Keys: String, CodingKey { case box, a, b }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            var first = container.nestedContainer(keyedBy: Keys.self, forKey: .box)
            try first.encode(1, forKey: .a)
            var second = container.nestedContainer(keyedBy: Keys.self, forKey: .box)
            try second.encode(2, forKey: .b)
        }
    }

    @Test func askingForTheSameNestedContainerTwiceWritesIntoOne() throws {
        #expect(try JSONValueEncoder().text(SameNestedTwice()) == #"{"box":{"a":1,"b":2}}"#)
    }

    struct Twice: Encodable {
        enum Keys: String, CodingKey { case a, b, list }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(1, forKey: .a)
            try container.encode("first", forKey: .b)
            try container.encode("second", forKey: .b)  // the last write wins
            var list = container.nestedUnkeyedContainer(forKey: .list)
            try list.encode(true)
            var inner = list.nestedContainer(keyedBy: Keys.self)
            try inner.encode(2, forKey: .a)
            try list.encodeNil()
        }
    }

    @Test func containersBuildTheTreeTheyWereGiven() throws {
        #expect(try JSONValueEncoder().text(Twice()) == #"{"a":1,"b":"second","list":[true,{"a":2},null]}"#)
    }
}
