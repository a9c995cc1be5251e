import Foundation
import Testing

/// The built `continuum` executable run as a separate process, as an operator runs it: for
/// tests that kill the server (SIGKILL) or check what it writes to its terminal.
public final class ServerProcess: @unchecked Sendable {
    // @unchecked: `process` is set once in init and only read after; Process is thread-safe for
    // terminate/interrupt/kill by pid, which is all that is done from other tasks.
    public let process: Process
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
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = TestFixtures.root
        process.environment = ProcessInfo.processInfo.environment.merging(["CONTINUUM_MASTER_KEY_FILE": TestFixtures.masterKeyPath]) { $1 }.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
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
        let process = Process()
        process.executableURL = executable
        process.arguments = ["serve", "--port", "0"] + arguments
        process.currentDirectoryURL = TestFixtures.root
        process.environment = ProcessInfo.processInfo.environment.merging(["CONTINUUM_MASTER_KEY_FILE": TestFixtures.masterKeyPath]) { $1 }
        let out = Pipe()
        process.standardOutput = out
        _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: stderrFile)
        try process.run()
        var text = ""
        let deadline = Date().addingTimeInterval(30)
        var found: Int?
        while found == nil, Date() < deadline, process.isRunning {
            let data = out.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
            if let range = text.range(of: "listening on http://127.0.0.1:") {
                let digits = text[range.upperBound...].prefix { $0.isNumber }
                if text[range.upperBound...].dropFirst(digits.count).first != nil { found = Int(digits) }
            }
        }
        guard let port = found else {
            process.terminate()
            throw ServerProcessError.didNotStart(text)
        }
        self.process = process
        self.port = port
        self.stderrFile = stderrFile
    }

    /// SIGKILL: no shutdown, no flush; what was acknowledged must already be on disk.
    public func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM: a graceful stop.
    /// Stops the server as an operator's service manager does: SIGTERM, then SIGKILL if it has
    /// not exited within `grace`. A server that needs the SIGKILL fails the running test: a
    /// router that cannot shut down is a bug (a wait with no end once hung a whole test run).
    public func stop(grace: Duration = .seconds(30)) {
        process.terminate()
        let deadline = ContinuousClock.now + grace
        while process.isRunning, ContinuousClock.now < deadline { usleep(20_000) }
        guard process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
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
