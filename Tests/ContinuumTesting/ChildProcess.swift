import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A program the tests run as a child process, started with `posix_spawn`.
///
/// Written here rather than using Foundation's `Process`: on this toolchain (Swift 6.3.1, Linux)
/// `Process.run()` copies each `/proc/self/fd` directory entry as a whole 256-byte name, which
/// reads past the end of glibc's buffer when an entry ends it, and the test run dies of SIGSEGV
/// now and then (swift-corelibs-foundation pull request 5472, fixed after 6.3.1; seen here once,
/// in the PostgreSQL suite). It also changes the whole test process's working directory while it
/// starts a child. Here the child alone changes directory, and closes every descriptor above
/// standard error before it runs (`closefrom`), so no child holds another's pipe open.
public final class ChildProcess: Sendable {
    /// Where one of the child's standard streams goes.
    public enum Stream: Sendable {
        /// `/dev/null`.
        case null
        /// A descriptor of this process (a pipe's end, an open file), which the child gets a copy of.
        case descriptor(Int32)
    }

    public let pid: pid_t
    /// The exit status once the child has been reaped (128 + the signal when a signal ended it).
    private let status = Mutex<Int32?>(nil)

    /// Starts `executable` with `arguments` (not including its own name).
    /// - Parameter environment: the child's whole environment.
    public init(executable: String, arguments: [String], environment: [String: String], directory: String? = nil,
                stdin: Stream = .null, stdout: Stream = .null, stderr: Stream = .null) throws(ChildProcessError) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (stream, target) in [(stdin, Int32(0)), (stdout, 1), (stderr, 2)] {
            switch stream {
            case .null: posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            case .descriptor(let descriptor): posix_spawn_file_actions_adddup2(&actions, descriptor, target)
            }
        }
        guard let closefrom = Self.addClosefrom, let chdir = Self.addChdir else {
            throw .cannotStart(executable, "this C library lacks posix_spawn_file_actions_addclosefrom_np (glibc 2.34 or later has it)")
        }
        _ = closefrom(&actions, 3)
        if let directory { _ = chdir(&actions, directory) }

        // Its own process group, as Foundation's `Process` gives it (a Ctrl-C to the test run
        // does not reach it twice); signal handling as Foundation leaves it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let failed = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard failed == 0 else { throw .cannotStart(executable, String(cString: strerror(failed))) }
        self.pid = pid
    }

    // glibc's `_np` spawn actions, which the Glibc module does not import (they are declared
    // for _GNU_SOURCE only): looked up once by name.
    private typealias FileAction = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias DirectoryAction = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    private static let addClosefrom: FileAction? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: FileAction.self) }
    private static let addChdir: DirectoryAction? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np")
        .map { unsafeBitCast($0, to: DirectoryAction.self) }

    /// Whether the child is still running (reaping it once it has ended).
    public var isRunning: Bool { reap() == nil }

    /// Waits for the child to end; its exit status (128 + the signal when a signal ended it).
    @discardableResult
    public func waitUntilExit() -> Int32 {
        while true {
            if let status = reap() { return status }
            usleep(5_000)
        }
    }

    /// The exit status (waits for the child to end first).
    public var terminationStatus: Int32 { waitUntilExit() }

    /// Sends `signal` to the child (nothing once it has been reaped: its pid may be another's).
    public func send(_ signal: Int32) {
        status.withLock { reaped in
            if reaped == nil { _ = Glibc.kill(pid, signal) }
        }
    }

    /// Polls without blocking: the lock is never held while waiting, so `send` and `isRunning`
    /// answer while another thread waits for the exit.
    private func reap() -> Int32? {
        status.withLock { reaped in
            if let reaped { return reaped }
            var raw: Int32 = 0
            let result = waitpid(pid, &raw, WNOHANG)
            guard result == pid else {
                // ECHILD: reaped elsewhere (cannot happen here); count it as ended.
                if result < 0, errno == ECHILD { reaped = -1 }
                return reaped
            }
            // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import (they are macros).
            let signal = raw & 0x7f
            reaped = signal == 0 ? (raw >> 8) & 0xff : 128 + signal
            return reaped
        }
    }

    /// Runs `executable` to completion, feeding it `input`; what it wrote to standard output
    /// and standard error. Both pipes are read as the child writes, so neither fills and blocks it.
    public static func run(executable: String, arguments: [String], environment: [String: String], directory: String? = nil,
                           input: Data? = nil) throws(ChildProcessError) -> (status: Int32, stdout: Data, stderr: Data) {
        let out = try Self.pipe(), err = try Self.pipe()
        let feed = input == nil ? nil : try Self.pipe()
        let child: ChildProcess
        do {
            child = try ChildProcess(executable: executable, arguments: arguments, environment: environment, directory: directory,
                                     stdin: feed.map { .descriptor($0.read) } ?? .null, stdout: .descriptor(out.write), stderr: .descriptor(err.write))
        } catch {
            for descriptor in [out.read, out.write, err.read, err.write] + (feed.map { [$0.read, $0.write] } ?? []) { close(descriptor) }
            throw error
        }
        close(out.write)
        close(err.write)
        if let feed, let input {
            close(feed.read)
            // On a thread of its own: a child that writes a lot before it reads would otherwise
            // wait for us while we wait for it.
            let writer = feed.write
            Thread {
                input.withUnsafeBytes { bytes in
                    var offset = 0
                    while offset < bytes.count {
                        let written = write(writer, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
                        if written <= 0 { break }
                        offset += written
                    }
                }
                close(writer)
            }.start()
        }
        let (stdout, stderr) = Self.drain(out.read, err.read)
        close(out.read)
        close(err.read)
        return (child.waitUntilExit(), stdout, stderr)
    }

    /// A pipe whose ends this process does not pass on by accident (close-on-exec).
    public static func pipe() throws(ChildProcessError) -> (read: Int32, write: Int32) {
        var ends: [Int32] = [-1, -1]
        guard Glibc.pipe(&ends) == 0 else { throw .cannotStart("a pipe", String(cString: strerror(errno))) }
        // (`pipe2` is not imported either. Every child here closes what it inherits above
        // standard error, so the moment before close-on-exec is set lets nothing leak.)
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return (ends[0], ends[1])
    }

    /// Reads both descriptors to their ends, whichever has data first.
    private static func drain(_ first: Int32, _ second: Int32) -> (Data, Data) {
        var data = [Data(), Data()]
        var open = [first, second]
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while open.contains(where: { $0 >= 0 }) {
            var polls = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            guard poll(&polls, nfds_t(polls.count), -1) >= 0 else {
                if errno == EINTR { continue }
                break
            }
            for index in polls.indices where open[index] >= 0 && polls[index].revents != 0 {
                let count = read(open[index], &buffer, buffer.count)
                if count > 0 {
                    data[index].append(contentsOf: buffer[0..<count])
                } else if count == 0 || errno != EINTR {
                    open[index] = -1
                }
            }
        }
        return (data[0], data[1])
    }
}

/// Why a child process could not be started.
public enum ChildProcessError: Error, CustomStringConvertible {
    case cannotStart(String, String)

    public var description: String {
        switch self {
        case .cannotStart(let what, let reason): "cannot start \(what): \(reason)"
        }
    }
}
