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

    @Test("every y_ file is accepted", arguments: files.filter { $0.hasPrefix("y_") })
    func accepts(_ name: String) throws {
        let document = try JSONParser().parse(Self.load(name))
        _ = try document.value()
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
