import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Runs a program on a pseudo-terminal, as a person at a terminal would: the test types keys
/// and reads the screen (everything the program wrote, in order).
public final class PseudoTerminal: Sendable {
    private let master: Int32
    private let output = Output()

    /// What the program wrote, shared with the reading thread.
    private final class Output: Sendable {
        let text = Mutex("")
    }
    private let process: ChildProcess

    /// - Parameter unset: variables of the test's own environment to leave out (e.g. `NO_COLOR`).
    public init(executable: URL, arguments: [String], environment: [String: String], unset: [String] = []) throws {
        var master: Int32 = -1
        var slave: Int32 = -1
        var size = winsize(ws_row: 40, ws_col: 80, ws_xpixel: 0, ws_ypixel: 0)
        guard openpty(&master, &slave, nil, nil, &size) == 0 else { throw PseudoTerminalError.openFailed(errno) }
        self.master = master
        // The child's controlling terminal is not set (no setsid): the programs under test only
        // ask isatty and the window size, which the slave answers.
        defer { close(slave) }
        let environment = ServerProcess.environment().filter { !unset.contains($0.key) }.merging(environment) { $1 }
        process = try ChildProcess(executable: executable.path, arguments: arguments, environment: environment,
                                   stdin: .descriptor(slave), stdout: .descriptor(slave), stderr: .descriptor(slave))
        let screen = output
        let descriptor = master
        Thread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(descriptor, &buffer, buffer.count)
                if count <= 0 { break }
                let text = String(decoding: buffer[0..<count], as: UTF8.self)
                screen.text.withLock { $0 += text }
            }
        }.start()
    }

    /// Everything written to the terminal so far.
    public var screen: String { output.text.withLock { $0 } }

    /// Types text (add "\n" for Enter).
    public func type(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
    }

    /// Waits until the screen contains `text` after `offset` characters; false after `timeout`.
    public func waitFor(_ text: String, after offset: Int = 0, timeout: Duration = .seconds(20)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let screen = self.screen
            if screen.count >= offset, screen.dropFirst(offset).contains(text) { return true }
            try? await Task.sleep(for: .milliseconds(25))
        }
        return false
    }

    /// Waits for the program to end and returns its exit status.
    public func wait() async -> Int32 {
        while process.isRunning { try? await Task.sleep(for: .milliseconds(25)) }
        return process.terminationStatus
    }
}

public enum PseudoTerminalError: Error {
    case openFailed(Int32)
}
