import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A TCP connection to a loopback port that sends exactly the bytes a test writes: a slow or
/// malformed client, which an HTTP client library would never be. Blocking socket calls run on
/// Dispatch threads, never on the cooperative pool.
public final class RawConnection: Sendable {
    private let descriptor: Int32
    /// Closed once, by `close()` or at deinit, whichever comes first (a second close could
    /// close a descriptor the process has since reused).
    private let open = Mutex(true)

    public init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw RawConnectionError.failed("socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            Glibc.close(descriptor)
            throw RawConnectionError.failed("connect")
        }
    }

    /// Writes all of `text`.
    public func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw RawConnectionError.failed("send") }
            sent += count
        }
    }

    /// Everything the server sends until it closes the connection or `timeout` passes; `closed`
    /// says which.
    public func receive(timeout: Duration) async -> (text: String, closed: Bool) {
        let descriptor = self.descriptor
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var received: [UInt8] = []
                let deadline = ContinuousClock.now + timeout
                var closed = false
                while ContinuousClock.now < deadline {
                    let left = deadline - ContinuousClock.now
                    var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                    let milliseconds = Int32(max(1, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
                    guard poll(&poller, 1, milliseconds) > 0 else { continue }
                    var buffer = [UInt8](repeating: 0, count: 65_536)
                    let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                    if count <= 0 {
                        closed = true
                        break
                    }
                    received += buffer[0..<count]
                }
                continuation.resume(returning: (String(decoding: received, as: UTF8.self), closed))
            }
        }
    }

    public func close() {
        let wasOpen = open.withLock { open in defer { open = false }; return open }
        if wasOpen { Glibc.close(descriptor) }
    }

    deinit { close() }
}

public enum RawConnectionError: Error {
    case failed(String)
}

/// A one-request HTTP receiver on a loopback port: accepts one connection, reads one request
/// (headers and a `Content-Length` body), answers with `status`, and hands back the body.
/// For checking what the server sends out (a checkpoint to a URL).
public final class RawListener: Sendable {
    private let descriptor: Int32
    public let port: Int

    public init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw RawConnectionError.failed("socket") }
        self.descriptor = descriptor
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && listen(descriptor, 4) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard bound else {
            Glibc.close(descriptor)
            throw RawConnectionError.failed("bind")
        }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// The body of the next request, answered with `status`; nil if none comes within `timeout`.
    public func receive(status: Int, timeout: Duration) async -> String? {
        let descriptor = self.descriptor
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                let milliseconds = Int32(timeout.components.seconds * 1000)
                guard poll(&poller, 1, milliseconds) > 0 else { return continuation.resume(returning: nil) }
                let client = accept(descriptor, nil, nil)
                guard client >= 0 else { return continuation.resume(returning: nil) }
                defer { Glibc.close(client) }
                var received: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 65_536)
                while true {
                    let text = String(decoding: received, as: UTF8.self)
                    if let end = text.range(of: "\r\n\r\n") {
                        let headers = text[..<end.lowerBound].lowercased()
                        let length = headers.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                        let body = Array(received[(text.utf8.distance(from: text.startIndex, to: end.upperBound))...])
                        if body.count >= length {
                            let answer = "HTTP/1.1 \(status) Status\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            _ = answer.withCString { send(client, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
                            return continuation.resume(returning: String(decoding: body, as: UTF8.self))
                        }
                    }
                    var reader = pollfd(fd: client, events: Int16(POLLIN), revents: 0)
                    guard poll(&reader, 1, milliseconds) > 0 else { return continuation.resume(returning: nil) }
                    let count = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
                    guard count > 0 else { return continuation.resume(returning: nil) }
                    received += buffer[0..<count]
                }
            }
        }
    }

    deinit { Glibc.close(descriptor) }
}
