import ContinuumJSON
import Foundation
import Testing

/// The public JSONTestSuite corpus: `y_` must parse, `n_` must fail with an error, `i_` may do
/// either but must answer (no crash, no hang).
@Suite("JSONTestSuite conformance")
struct JSONTestSuiteTests {
    static let files: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: SharedData.jsonTestSuite.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted()
    }()

    static func load(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: SharedData.jsonTestSuite.appendingPathComponent(name)))
    }

    @Test("the corpus is present and complete")
    func corpusIsPresent() {
        #expect(Self.files.filter { $0.hasPrefix("y_") }.count == 95)
        #expect(Self.files.filter { $0.hasPrefix("n_") }.count == 188)
        #expect(Self.files.filter { $0.hasPrefix("i_") }.count == 35)
    }

    /// RFC 8259 allows these; the wire format refuses them by default (issue 22).
    static let duplicateKeys = ["y_object_duplicated_key.json", "y_object_duplicated_key_and_value.json"]

    @Test("every y_ file is accepted (repeated keys when allowed)", arguments: files.filter { $0.hasPrefix("y_") })
    func accepts(_ name: String) throws {
        let document = try JSONParser(limits: JSONLimits(allowsDuplicateKeys: true)).parse(Self.load(name))
        _ = try document.value()
        if !Self.duplicateKeys.contains(name) { _ = try JSONParser().parse(Self.load(name)) }
    }

    @Test("by default a repeated key is refused, naming the key and where it is", arguments: duplicateKeys)
    func refusesDuplicateKeys(_ name: String) throws {
        #expect(throws: JSONSyntaxError(reason: .invalid, message: "duplicate key \"a\" in $", offset: 9, line: 1, column: 10, path: "$.a")) {
            try JSONParser().parse(Self.load(name))
        }
    }

    @Test("every n_ file is rejected with a located error", arguments: files.filter { $0.hasPrefix("n_") })
    func rejects(_ name: String) throws {
        let bytes = try Self.load(name)
        do {
            let document = try JSONParser().parse(bytes)
            Issue.record("\(name) was accepted: \(String(describing: try? document.value()))")
        } catch {
            #expect(error.offset >= 0 && error.offset <= bytes.count)
            #expect(error.line >= 1 && error.column >= 1)
            #expect(!error.message.isEmpty)
        }
    }

    @Test("every i_ file gets an answer", arguments: files.filter { $0.hasPrefix("i_") })
    func answers(_ name: String) throws {
        let bytes = try Self.load(name)
        switch Result(catching: { () throws(JSONSyntaxError) in try JSONParser().parse(bytes) }) {
        case .success(let document): _ = try? document.value()
        case .failure(let error): #expect(!error.message.isEmpty)
        }
    }
}
