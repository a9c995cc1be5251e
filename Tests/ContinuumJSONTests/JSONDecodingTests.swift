import ContinuumJSON
import Testing

@Suite("Decoding Codable types with JSON paths in errors")
struct JSONDecodingTests {
    struct Child: Codable, Equatable {
        var name: String
        var age: Int
        var tags: [String]
        var score: Double?
    }

    struct Envelope: Codable, Equatable {
        var child: Child
        var items: [Child]
        var flag: Bool
    }

    func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONParser().parse(text).decode(type)
    }

    func problem<T: Decodable>(_ type: T.Type, _ text: String) -> JSONProblem? {
        do {
            _ = try decode(type, text)
            return nil
        } catch let error as DecodingError {
            return JSONProblem(error)
        } catch {
            return JSONProblem(path: "?", message: "\(error)")
        }
    }

    @Test func decodesNestedStructures() throws {
        let text = #"{"child": {"name": "A", "age": 3, "tags": ["x"]}, "items": [{"name": "B", "age": 4, "tags": [], "score": 1.5}], "flag": true}"#
        let envelope = try decode(Envelope.self, text)
        #expect(envelope == Envelope(child: Child(name: "A", age: 3, tags: ["x"], score: nil),
                                     items: [Child(name: "B", age: 4, tags: [], score: 1.5)], flag: true))
    }

    @Test func nullAndAbsentOptionalsAreNil() throws {
        #expect(try decode(Child.self, #"{"name": "A", "age": 1, "tags": [], "score": null}"#).score == nil)
    }

    @Test func missingFieldNamesItsPath() {
        let found = problem(Envelope.self, #"{"child": {"name": "A", "tags": []}, "items": [], "flag": true}"#)
        #expect(found == JSONProblem(path: "$.child.age", message: "required field is missing"))
    }

    @Test func typeMismatchInAnArrayNamesIndex() {
        let found = problem(Envelope.self, #"{"child": {"name": "A", "age": 1, "tags": []}, "items": [{"name": "B", "age": "4", "tags": []}], "flag": true}"#)
        #expect(found == JSONProblem(path: "$.items[0].age", message: "expected a whole number, found a string"))
    }

    @Test func fractionalNumberIsNotAnInt() {
        let found = problem(Child.self, #"{"name": "A", "age": 1.5, "tags": []}"#)
        #expect(found?.path == "$.age")
        #expect(found?.message.contains("whole number") == true)
    }

    @Test func nullForARequiredValue() {
        let found = problem(Child.self, #"{"name": null, "age": 1, "tags": []}"#)
        #expect(found == JSONProblem(path: "$.name", message: "expected a string, found null"))
    }

    @Test func hugeExponentIsOutOfRange() {
        let found = problem([Double].self, "[1e400]")
        #expect(found == JSONProblem(path: "$[0]", message: "number out of range"))
    }

    @Test func pathsQuoteOddKeys() {
        #expect(JSONPath.render([JSONKey("a b"), JSONKey(index: 2), JSONKey("c")]) == "$['a b'][2].c")
    }

    @Test func allKeysListsEveryMember() throws {
        struct Keys: Decodable {
            var names: [String]
            init(from decoder: any Decoder) throws {
                names = try decoder.container(keyedBy: JSONKey.self).allKeys.map(\.stringValue).sorted()
            }
        }
        #expect(try decode(Keys.self, #"{"b": 1, "a": 2, "c": null}"#).names == ["a", "b", "c"])
    }
}
