import Foundation
import Testing

/// Pinned outputs: a test's output compared byte for byte with a file under a `Golden/` folder.
/// After an intended change of output, run the tests with `CONTINUUM_RECORD_GOLDEN=1` to write
/// the files anew, and read the diff before committing them.
public struct GoldenFolder: Sendable {
    public let url: URL

    /// The `Golden` folder beside the test file `filePath` (pass `#filePath`).
    public init(beside filePath: String) {
        url = URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("Golden")
    }

    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Records an issue naming the first line where `actual` and the pinned file `name` differ.
    public func compare(_ actual: String, with name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let pinned = file(name)
        if ProcessInfo.processInfo.environment["CONTINUUM_RECORD_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            try actual.write(to: pinned, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: pinned, encoding: .utf8)
        guard actual != expected else { return }
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let line = (0..<min(a.count, e.count)).first { a[$0] != e[$0] } ?? min(a.count, e.count)
        Issue.record("""
            \(name) differs at line \(line + 1):
            expected: \(line < e.count ? String(e[line]) : "<end>")
            actual:   \(line < a.count ? String(a[line]) : "<end>")
            """, sourceLocation: sourceLocation)
    }
}
