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
            let value = try JSONParser().parse(JSONTestSuiteTests.load(name)).value()
            let again = try JSONParser().parse(value.serialized()).value()
            #expect(again == value, "\(name)")
        }
    }
}
