import Foundation
import Testing

/// The built `continuum` executable run as a separate process, as an operator runs it: for
/// tests that kill the server (SIGKILL) or check what it writes to its terminal.
public final class ServerProcess: Sendable {
    public let process: ChildProcess
    public let port: Int
    public let stderrFile: URL

    /// The `continuum` binary beside the test bundle (SwiftPM builds it for the test target).
    public static var executable: URL? {
        var candidates: [URL] = []
        if let first = CommandLine.arguments.first { candidates.append(URL(fileURLWithPath: first).deletingLastPathComponent()) }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
        candidates.append(TestFixtures.root.appendingPathComponent(".build/debug"))
        return candidates.map { $0.appendingPathComponent("continuum") }.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Runs `continuum arguments…` to completion (for `token create`, `audit verify`, …), or
    /// another `program` (headless Chromium, say).
    public static func run(_ arguments: [String], environment: [String: String] = [:], program: URL? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        guard let executable = program ?? executable else { throw ServerProcessError.binaryNotFound }
        let ran = try ChildProcess.run(executable: executable.path, arguments: arguments, environment: Self.environment(environment),
                                       directory: TestFixtures.root.path)
        return (ran.status, String(decoding: ran.stdout, as: UTF8.self), String(decoding: ran.stderr, as: UTF8.self))
    }

    /// The test's environment, with the test master key, and `extra` over both.
    public static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        ProcessInfo.processInfo.environment.merging(["CONTINUUM_MASTER_KEY_FILE": TestFixtures.masterKeyPath]) { $1 }.merging(extra) { $1 }
    }

    /// The same as ``run(_:environment:)``, waiting on a thread of its own so an in-process test
    /// server keeps the cooperative pool's threads while the command runs.
    public static func runAsync(_ arguments: [String], environment: [String: String] = [:], program: URL? = nil) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try run(arguments, environment: environment, program: program) })
            }
            thread.start()
        }
    }

    /// Starts `continuum serve --port 0 …` and waits for its "listening on" line.
    public init(arguments: [String], stderrFile: URL) throws {
        guard let executable = Self.executable else { throw ServerProcessError.binaryNotFound }
        let log = open(stderrFile.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard log >= 0 else { throw ServerProcessError.didNotStart("cannot write \(stderrFile.path)") }
        defer { close(log) }
        let out = try ChildProcess.pipe()
        let process: ChildProcess
        do {
            process = try ChildProcess(executable: executable.path, arguments: ["serve", "--port", "0"] + arguments, environment: Self.environment(),
                                       directory: TestFixtures.root.path, stdout: .descriptor(out.write), stderr: .descriptor(log))
        } catch {
            close(out.read)
            close(out.write)
            throw error
        }
        close(out.write)
        // The read end is closed when this handle goes, after the "listening on" line, as before.
        let output = FileHandle(fileDescriptor: out.read, closeOnDealloc: true)
        var text = ""
        let deadline = Date().addingTimeInterval(30)
        var found: Int?
        while found == nil, Date() < deadline, process.isRunning {
            let data = output.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
            if let range = text.range(of: "listening on http://127.0.0.1:") {
                let digits = text[range.upperBound...].prefix { $0.isNumber }
                if text[range.upperBound...].dropFirst(digits.count).first != nil { found = Int(digits) }
            }
        }
        guard let port = found else {
            process.send(SIGTERM)
            throw ServerProcessError.didNotStart(text)
        }
        self.process = process
        self.port = port
        self.stderrFile = stderrFile
    }

    /// SIGKILL: no shutdown, no flush; what was acknowledged must already be on disk.
    public func kill() {
        process.send(SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM: a graceful stop.
    /// Stops the server as an operator's service manager does: SIGTERM, then SIGKILL if it has
    /// not exited within `grace`. A server that needs the SIGKILL fails the running test: a
    /// router that cannot shut down is a bug (a wait with no end once hung a whole test run).
    public func stop(grace: Duration = .seconds(30)) {
        process.send(SIGTERM)
        let deadline = ContinuousClock.now + grace
        while process.isRunning, ContinuousClock.now < deadline { usleep(20_000) }
        guard process.isRunning else { return }
        process.send(SIGKILL)
        process.waitUntilExit()
        Issue.record("continuum serve did not exit within \(grace) of SIGTERM and was killed; its stderr: \(stderrFile.path)")
    }
}

public enum ServerProcessError: Error, CustomStringConvertible {
    case binaryNotFound
    case didNotStart(String)

    public var description: String {
        switch self {
        case .binaryNotFound: "the continuum binary was not found; run `swift build` first"
        case .didNotStart(let output): "continuum serve did not start: \(output)"
        }
    }
}
