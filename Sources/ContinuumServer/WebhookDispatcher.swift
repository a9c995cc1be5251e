import AsyncHTTPClient
import ContinuumAPI
import ContinuumCore
import ContinuumStore
import Crypto
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization

/// Delivers the outbox (issue 24): every delivery due is POSTed to its partner's endpoint,
/// signed, at least once; a failure is retried with exponential backoff and jitter until
/// ``WebhookSettings/giveUpAfter``, then parked on the dead-letter list. Each endpoint has at
/// most one delivery in flight, in a task of its own: a slow or dead endpoint delays only its
/// own deliveries, never referrals or other partners'.
struct WebhookDispatcher: Service {
    let store: any CaseStore
    let settings: WebhookSettings
    let now: @Sendable () -> Timestamp
    let logger: Logger

    /// Redirects are never followed: a 3xx is a failed attempt (an endpoint cannot send the
    /// service to another host).
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.timeout.connect = .seconds(5)
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    func run() async throws {
        // Off, it waits for shutdown (a service that returns would stop the server).
        guard settings.enabled else { return try await gracefulShutdown() }
        let busy = InFlight()
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                do {
                    // One router delivers at a time on a shared store (no delivery sent twice by two).
                    guard await store.mayPerform(.webhookDispatcher) else {
                        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: settings.pollInterval) }
                        continue
                    }
                    let read = busy.reading()
                    let due = try await store.dueDeliveries(now: now(), limit: 500)
                    for (webhookId, deliveries) in Dictionary(grouping: due, by: \.webhookId) {
                        guard busy.start(webhookId, listedBy: read) else { continue }
                        let dispatcher = self
                        group.addTask {
                            for delivery in deliveries where !Task.isCancelled { await dispatcher.attempt(delivery) }
                            busy.finish(webhookId)
                        }
                    }
                } catch is CancellationError {
                    break  // shutting down (the server did not start, or is stopping): nothing failed
                } catch {
                    logger.error("webhook outbox read failed", metadata: ["error": .string(String(describing: error))])
                }
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: settings.pollInterval) }
            }
        }
    }

    /// One attempt: sent and recorded as delivered, or recorded with its next attempt.
    func attempt(_ delivery: DueDelivery) async {
        let failure: String?
        do {
            failure = try await send(delivery)
        } catch {
            failure = Self.describe(error)
        }
        let at = now()
        var next: Timestamp?
        if failure != nil {
            let elapsed = at.secondsSinceEpoch - delivery.createdAt.secondsSinceEpoch
            if elapsed < settings.giveUpAfter.components.seconds, WebhookTarget.check(failureIsFinal: failure) == false {
                next = at.adding(seconds: Self.delay(after: delivery.attempts + 1, settings))
            }
        }
        do {
            try await store.recordAttempt(delivery.deliveryId, delivered: failure == nil, error: failure, nextAttempt: next, at: at)
        } catch {
            logger.error("webhook attempt not recorded", metadata: ["delivery": .string(delivery.deliveryId), "error": .string(String(describing: error))])
        }
        logger.info(failure == nil ? "webhook delivered" : (next == nil ? "webhook given up" : "webhook failed"), metadata: [
            "delivery": .string(delivery.deliveryId), "webhook": .string(delivery.webhookId), "event": .string(delivery.event.rawValue),
            "attempt": .stringConvertible(delivery.attempts + 1),
        ])
    }

    /// Sends one delivery; the failure's words, or nil when the endpoint answered 2xx.
    func send(_ delivery: DueDelivery) async throws -> String? {
        // The URL is checked again on each attempt, on what its name resolves to now.
        do {
            try WebhookTarget.check(delivery.url, allowHTTP: delivery.allowHTTP)
        } catch let error as StoreError {
            return "refused: \(error)"
        }
        let timestamp = now().secondsSinceEpoch
        var request = HTTPClientRequest(url: delivery.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "continuum-webhooks/1")
        request.headers.add(name: "Continuum-Event", value: delivery.event.rawValue)
        request.headers.add(name: "Continuum-Delivery", value: delivery.deliveryId)
        request.headers.add(name: "Continuum-Key-Id", value: delivery.keyId)
        request.headers.add(name: "Continuum-Signature", value: WebhookSignature.header(secret: delivery.secret, timestamp: timestamp, body: delivery.body))
        request.body = .bytes(ByteBuffer(string: delivery.body))
        let response = try await Self.client.execute(request, timeout: .seconds(settings.timeout.components.seconds))
        _ = try? await response.body.collect(upTo: 1 << 16)
        let status = Int(response.status.code)
        if (200..<300).contains(status) { return nil }
        if (300..<400).contains(status) { return "answered \(status) (a redirect, not followed)" }
        return "answered \(status)"
    }

    /// Seconds before attempt `attempt + 1`: the first retry's delay doubled per attempt, at
    /// most the maximum, times a jitter of 0.5 to 1 (so endpoints that fail together do not
    /// retry together).
    static func delay(after attempt: Int, _ settings: WebhookSettings) -> Int64 {
        let base = Double(settings.firstRetry.components.seconds) + Double(settings.firstRetry.components.attoseconds) / 1e18
        let capped = min(base * pow2(attempt - 1), Double(settings.maximumDelay.components.seconds))
        return Int64((capped * Double.random(in: 0.5...1.0)).rounded())
    }

    static func pow2(_ exponent: Int) -> Double { exponent <= 0 ? 1 : Double(1 << min(exponent, 30)) }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "connection timed out"
            case .deadlineExceeded, .readTimeout: return "no answer in time"
            default: return "HTTP error: \(error)"
            }
        }
        return "cannot connect: \(String(describing: error).prefix(200))"
    }
}

/// The endpoints with a delivery in flight: one at a time each.
///
/// A read of the outbox that began before an endpoint's task recorded its last attempt can
/// still list that delivery as due; started from such a read, the endpoint would be sent it
/// twice (seen under a loaded test run). So each read is stamped (``reading()``) and an
/// endpoint whose task finished after the stamp waits for the next read.
final class InFlight: Sendable {
    private struct State {
        var busy: Set<String> = []
        /// When each endpoint's last task finished, on ``clock``.
        var finished: [String: UInt64] = [:]
        var clock: UInt64 = 0
    }
    private let state = Mutex(State())

    /// Stamps a read of the outbox about to begin.
    func reading() -> UInt64 { state.withLock { $0.clock += 1; return $0.clock } }

    /// False when `id` has a delivery in flight, or its last task finished after the read
    /// stamped `read` began (that read may predate its last attempt).
    func start(_ id: String, listedBy read: UInt64) -> Bool {
        state.withLock { state in
            guard !state.busy.contains(id), state.finished[id, default: 0] < read else { return false }
            state.busy.insert(id)
            return true
        }
    }

    func finish(_ id: String) {
        state.withLock { state in
            state.busy.remove(id)
            state.clock += 1
            state.finished[id] = state.clock
        }
    }
}

extension WebhookTarget {
    /// A refused target (a metadata address, say) is final: no retry can make it allowed.
    static func check(failureIsFinal failure: String?) -> Bool { failure?.hasPrefix("refused: ") ?? false }
}

/// The signature scheme partners verify (docs/partners.md): `t=<unix seconds>,v1=<hex>`, where
/// the hex is HMAC-SHA-256 under the endpoint's secret of `"<t>.<body>"`. A receiver recomputes
/// it, compares in constant time, and refuses a `t` more than five minutes from its clock.
public enum WebhookSignature {
    public static func header(secret: [UInt8], timestamp: Int64, body: String) -> String {
        "t=\(timestamp),v1=\(hex(secret: secret, timestamp: timestamp, body: body))"
    }

    public static func hex(secret: [UInt8], timestamp: Int64, body: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(timestamp).\(body)".utf8), using: SymmetricKey(data: secret))
        return HexText.encode(Array(mac))
    }
}
