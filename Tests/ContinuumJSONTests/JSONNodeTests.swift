import ContinuumJSON
import Testing

@Suite("Reading a document field by field")
struct JSONNodeTests {
    let document: JSONDocument

    init() throws {
        document = try JSONParser().parse(#"{"name": "Ann", "age": 7, "score": 2.5, "ok": true, "none": null, "list": [1, "x"], "child": {"a": 1}}"#)
    }

    var root: JSONNode? {
        if case .object(let node) = document.rootValue { return node }
        return nil
    }

    @Test func leavesArriveAsValues() throws {
        let root = try #require(root)
        guard case .string("Ann")? = root.memberValue("name"), case .integer(7)? = root.memberValue("age"),
              case .double(2.5)? = root.memberValue("score"), case .bool(true)? = root.memberValue("ok"),
              case .null? = root.memberValue("none") else {
            Issue.record("unexpected member values")
            return
        }
        #expect(root.memberValue("missing") == nil, "absent is nil, not null")
        #expect(root.hasMember("none") && !root.hasMember("missing"))
        #expect(root.memberCount == 7)
    }

    @Test func containersArriveAsNodes() throws {
        let root = try #require(root)
        guard case .array(let list)? = root.memberValue("list"), case .object(let child)? = root.memberValue("child") else {
            Issue.record("expected an array and an object")
            return
        }
        #expect(list.memberCount == 2)
        guard case .integer(1) = list.elementValue(0), case .string("x") = list.elementValue(1), case .null = list.elementValue(5) else {
            Issue.record("unexpected elements")
            return
        }
        #expect(child.isObject && child.memberCount == 1)
    }

    @Test func unknownMembersAgainstAKeyType() throws {
        enum Keys: String, CodingKey { case name, age, score, ok, none, list }
        #expect(try #require(root).unknownMembers(Keys.self) == ["child"])
    }

    @Test func mismatchesUseTheDecodersWords() throws {
        let error = try #require(root?.memberValue("age")).mismatch(String.self, expected: "a string", at: [JSONKey("age")])
        #expect(JSONProblem(error) == JSONProblem(path: "$.age", message: "expected a string, found a number"))
        let null = try #require(root?.memberValue("none")).mismatch(String.self, expected: "a string", at: [JSONKey("none")])
        #expect(JSONProblem(null) == JSONProblem(path: "$.none", message: "expected a string, found null"))
    }

    @Test func nodesKeepTheirDocumentAlive() throws {
        func child() throws -> JSONNode? {
            let document = try JSONParser().parse(#"{"child": {"a": "kept"}}"#)
            guard case .object(let root) = document.rootValue, case .object(let child)? = root.memberValue("child") else { return nil }
            return child  // the document goes out of scope here; the node must keep it alive
        }
        let node = try #require(try child())
        guard case .string("kept")? = node.memberValue("a") else {
            Issue.record("the node lost its document")
            return
        }
    }
}
