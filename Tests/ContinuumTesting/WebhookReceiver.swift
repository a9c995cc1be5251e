import Crypto
import Foundation
import Hummingbird
import Logging
import Synchronization

/// A partner's webhook endpoint on a loopback port, for tests: records every request (headers
/// and body) and answers with the statuses it is told to, in turn (then 200), or a redirect.
public final class WebhookReceiver: Sendable {
    /// One request as received.
    public struct Received: Sendable {
        public var headers: [String: String]
        public var body: String
    }

    private let received = Mutex<[Received]>([])
    private let script = Mutex<[Int]>([])
    private let redirect = Mutex<String?>(nil)
    private let pause = Mutex<Duration>(.zero)
    public let port: Int
    private let task: Task<Void, any Error>

    /// Starts a receiver; `answers` are the statuses of the first requests (then 200).
    public static func start(answers: [Int] = []) async throws -> WebhookReceiver {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let holder = Holder()
        let router = Router()
        router.post("/hook") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
            guard let receiver = holder.receiver.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            receiver.received.withLock { $0.append(Received(headers: headers, body: String(buffer: body))) }
            let wait = receiver.pause.withLock { $0 }
            if wait > .zero { try? await Task.sleep(for: wait) }
            if let target = receiver.redirect.withLock({ $0 }) {
                return Response(status: .found, headers: [.location: target])
            }
            let status = receiver.script.withLock { $0.isEmpty ? 200 : $0.removeFirst() }
            return Response(status: .init(code: status))
        }
        var logger = Logger(label: "webhook-receiver")
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw WebhookReceiverError.didNotStart }
        let receiver = WebhookReceiver(port: port, task: task, answers: answers)
        holder.receiver.withLock { $0 = receiver }
        return receiver
    }

    private init(port: Int, task: Task<Void, any Error>, answers: [Int]) {
        self.port = port
        self.task = task
        script.withLock { $0 = answers }
    }

    /// `http://127.0.0.1:PORT/hook`.
    public var url: String { "http://127.0.0.1:\(port)/hook" }

    /// Everything received so far.
    public var requests: [Received] { received.withLock { $0 } }

    /// From now, answer every request with this status.
    public func answer(always status: Int) { script.withLock { $0 = Array(repeating: status, count: 10_000) } }
    public func answerOK() { script.withLock { $0 = [] } }
    /// From now, take this long to answer (a slow endpoint).
    public func answer(after delay: Duration) { pause.withLock { $0 = delay } }
    /// From now, answer with a redirect to `url`.
    public func redirect(to url: String) { redirect.withLock { $0 = url } }

    /// Waits until at least `count` requests came (false after `timeout`).
    public func wait(for count: Int, timeout: Duration = .seconds(20)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if requests.count >= count { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    public func stop() { task.cancel() }

    /// Whether a request's `Continuum-Signature` is HMAC-SHA-256 of "t.body" under `secret`:
    /// the check a partner makes (docs/partners.md), written here independently of the server.
    public static func verify(_ request: Received, secret: [UInt8]) -> Bool {
        guard let header = request.headers["continuum-signature"] else { return false }
        var parts: [String: String] = [:]
        for piece in header.split(separator: ",") {
            let pair = piece.split(separator: "=", maxSplits: 1)
            if pair.count == 2 { parts[String(pair[0])] = String(pair[1]) }
        }
        guard let t = parts["t"], let v1 = parts["v1"] else { return false }
        let mac = HMAC<SHA256>.authenticationCode(for: Data((t + "." + request.body).utf8), using: SymmetricKey(data: secret))
        return Data(mac).map { String(format: "%02x", $0) }.joined() == v1
    }

    private final class Holder: Sendable {
        let receiver = Mutex<WebhookReceiver?>(nil)
    }
}

public enum WebhookReceiverError: Error { case didNotStart }
