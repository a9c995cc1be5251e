import ContinuumTesting
import Foundation

/// Runs the built `continuum` executable and captures what a script would see.
struct CommandRunner {
    struct Outcome {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `continuum` binary beside the test bundle (SwiftPM builds it for this target).
    static var executable: URL? {
        var candidates: [URL] = []
        if let first = CommandLine.arguments.first {
            candidates.append(URL(fileURLWithPath: first).deletingLastPathComponent())
        }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
        candidates.append(root.appendingPathComponent(".build/debug"))
        return candidates.map { $0.appendingPathComponent("continuum") }.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Runs `continuum arguments…` in the repository folder, feeding `stdin`.
    static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws -> Outcome {
        guard let executable else { throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "continuum binary not found"]) }
        let ran = try ChildProcess.run(executable: executable.path, arguments: arguments, environment: ServerProcess.environment(environment),
                                       directory: root.path, input: Data((stdin ?? "").utf8))
        return Outcome(status: ran.status, stdout: String(decoding: ran.stdout, as: UTF8.self), stderr: String(decoding: ran.stderr, as: UTF8.self))
    }

    /// A fresh temporary folder for files a test writes.
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
