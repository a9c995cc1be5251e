import ContinuumClient
import ContinuumCore
import ContinuumJSON
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// The submissions of a load test, sent on SwiftNIO channels directly: one keep-alive HTTP/1.1
/// connection per sender, each taking the next slot of the shared schedule, sending at the
/// slot's time and sending again when answered, all on its event loop.
///
/// Why not AsyncHTTPClient, which the rest of the client uses: per request it costs about
/// 220 µs of CPU here (a connection pool's state machines, promises and a hop into Swift
/// concurrency and back), against wrk's few tens; on a machine the generator shares with the
/// server that CPU is taken from the server, and the load test measured the generator more than
/// the service (docs/performance.md). NIO's own HTTP/1.1 codec does the protocol here.
final class SubmitLoop: Sendable {
    /// One run's schedule window.
    struct Run: Sendable {
        let poisson: Bool
        /// Seconds between evenly spaced slots (the mean gap for Poisson arrivals).
        let interval: Double
        let start: NIODeadline
        let end: NIODeadline
        /// Wall-clock time at `start`: a slot's referral is received at its offset from it.
        let startedAt: Timestamp
    }

    let endpoint: Endpoint
    let token: String
    let recorder: Recorder
    let accepted: Accepted
    let group: any EventLoopGroup
    let sslContext: NIOSSLContext?

    init(endpoint: Endpoint, token: String, recorder: Recorder, accepted: Accepted, group: any EventLoopGroup) throws(ClientError) {
        (self.endpoint, self.token, self.recorder, self.accepted, self.group) = (endpoint, token, recorder, accepted, group)
        if endpoint.tls {
            do {
                sslContext = try NIOSSLContext(configuration: .makeClientConfiguration())
            } catch {
                throw .unreachable(server: endpoint.url, reason: "TLS could not be set up: \(error)")
            }
        } else {
            sslContext = nil
        }
    }

    /// Runs `senders` senders until the schedule ends and each has its last answer, or until
    /// 30 s after the window, when the connections still waiting are closed (their requests
    /// count as failed).
    func run(_ run: Run, schedule: SharedSchedule, senders: Int) async {
        await Senders(loop: self, run: run, schedule: schedule).run(count: senders, drainUntil: run.end + .seconds(30))
    }
}

/// The senders of one run: the schedule they share and their connections.
final class Senders: Sendable {
    let loop: SubmitLoop
    let run: SubmitLoop.Run
    let schedule: SharedSchedule
    var recorder: Recorder { loop.recorder }
    var accepted: Accepted { loop.accepted }
    private let state = Mutex<(senders: Int, channels: [ObjectIdentifier: any Channel], done: EventLoopPromise<Void>?)>((0, [:], nil))

    init(loop: SubmitLoop, run: SubmitLoop.Run, schedule: SharedSchedule) {
        (self.loop, self.run, self.schedule) = (loop, run, schedule)
    }

    func run(count senders: Int, drainUntil: NIODeadline) async {
        let group = loop.group
        let done = group.next().makePromise(of: Void.self)
        state.withLock { $0 = (senders, [:], done) }
        for _ in 0..<senders { connect(group.next()) }
        let watchdog = group.next().scheduleTask(deadline: drainUntil) { self.closeAll() }
        try? await done.futureResult.get()
        watchdog.cancel()
    }

    /// One answer (status 0: none, the connection failed or closed), its latency counted from
    /// the slot's scheduled time.
    func answered(_ scheduled: NIODeadline, status: Int) {
        let latency = Int64(NIODeadline.now().uptimeNanoseconds) - Int64(scheduled.uptimeNanoseconds)
        recorder.record("submit", status: status, latency: .nanoseconds(latency))
    }

    /// A slot that could not be sent (no connection): counted as sent and failed.
    func failed(_ scheduled: NIODeadline) {
        recorder.sent()
        answered(scheduled, status: 0)
    }

    /// The next slot, or nil when the schedule is spent or its time is past the sending window.
    func nextSlot() -> (scheduled: NIODeadline, offset: Double)? {
        guard let offset = schedule.state.withLock({ $0.next(poisson: run.poisson, interval: run.interval) }) else { return nil }
        let scheduled = run.start + .nanoseconds(Int64(offset * 1e9))
        return scheduled < run.end ? (scheduled, offset) : nil
    }

    /// The request for a slot: the next synthetic referral, received at its slot's time.
    func request(offset: Double) -> (head: HTTPRequestHead, body: ByteBuffer) {
        let receivedAt = Timestamp(secondsSinceEpoch: run.startedAt.secondsSinceEpoch + Int64(offset.rounded(.down)))
        let referral = schedule.state.withLock { $0.referral(receivedAt: receivedAt) }
        let bytes = (try? JSONValueEncoder().encode(referral).serializedBytes()) ?? []
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: loop.endpoint.path + "/v1/referrals")
        head.headers.reserveCapacity(4)
        head.headers.add(name: "Host", value: loop.endpoint.hostHeader)
        head.headers.add(name: "Authorization", value: "Bearer \(loop.token)")
        head.headers.add(name: "Content-Type", value: "application/json")
        head.headers.add(name: "Content-Length", value: String(bytes.count))
        return (head, ByteBuffer(bytes: bytes))
    }

    /// A new connection for one sender; if it cannot be made, the sender's next slot fails at
    /// its time and it tries again then (a server that is down is counted, not hammered).
    func connect(_ eventLoop: any EventLoop) {
        let endpoint = self.loop.endpoint
        let sslContext = self.loop.sslContext
        ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture(withResultOf: {
                    if let sslContext {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: endpoint.tlsName))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(SubmitHandler(senders: self))
                })
            }
            .connect(host: endpoint.host, port: endpoint.port)
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    let closed = self.state.withLock { state -> Bool in
                        guard state.done != nil else { return true }
                        state.channels[ObjectIdentifier(channel)] = channel
                        return false
                    }
                    if closed { channel.close(promise: nil) }
                case .failure:
                    self.failSlot(on: eventLoop)
                }
            }
    }

    /// A sender with no connection: its next slot fails at its time, then it connects again.
    private func failSlot(on loop: any EventLoop) {
        guard let slot = nextSlot() else { return finished(nil) }
        loop.scheduleTask(deadline: max(slot.scheduled, .now())) {
            self.failed(slot.scheduled)
            self.connect(loop)
        }
    }

    /// A sender's connection ended before its schedule did (the server closed it, or it
    /// failed): the sender connects again while the run lasts.
    func disconnected(_ channel: any Channel, reconnect: Bool) {
        let running = state.withLock { state -> Bool in
            state.channels[ObjectIdentifier(channel)] = nil
            return state.done != nil
        }
        if reconnect && running { connect(channel.eventLoop) }
    }

    /// One sender is done (its schedule spent); the run ends with the last.
    func finished(_ channel: (any Channel)?) {
        let done = state.withLock { state -> EventLoopPromise<Void>? in
            if let channel { state.channels[ObjectIdentifier(channel)] = nil }
            state.senders -= 1
            guard state.senders <= 0, let done = state.done else { return nil }
            state.done = nil
            return done
        }
        channel?.close(promise: nil)
        done?.succeed()
    }

    /// Past the drain deadline: close whatever still waits, and end the run.
    private func closeAll() {
        let (channels, done) = state.withLock { state in
            let taken = (Array(state.channels.values), state.done)
            state.channels = [:]
            state.done = nil
            return taken
        }
        for channel in channels { channel.close(promise: nil) }
        done?.succeed()
    }
}

/// One connection's sender: sends a slot's referral, reads the answer, records it, takes the
/// next slot. Lives on its channel's event loop.
final class SubmitHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let loop: Senders
    /// The request waiting for its answer: its slot's time, the status, and the stored
    /// referral's id from the answer's `Location` header.
    private var waiting: (scheduled: NIODeadline, status: Int, referralId: String?)?
    private var ended = false

    init(senders: Senders) { loop = senders }

    func channelActive(context: ChannelHandlerContext) {
        sendNext(context)
    }

    private func sendNext(_ context: ChannelHandlerContext) {
        guard let slot = loop.nextSlot() else {
            ended = true
            return loop.finished(context.channel)
        }
        if slot.scheduled > .now() {
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(deadline: slot.scheduled) {
                let (handler, context) = bound.value
                handler.send(context, slot)
            }
        } else {
            send(context, slot)
        }
    }

    private func send(_ context: ChannelHandlerContext, _ slot: (scheduled: NIODeadline, offset: Double)) {
        guard context.channel.isActive else {
            // The connection ended while this slot waited for its time: the slot failed (a new
            // connection, made when this one closed, carries on with the next).
            return loop.failed(slot.scheduled)
        }
        let request = loop.request(offset: slot.offset)
        waiting = (slot.scheduled, 0, nil)
        loop.recorder.sent()
        context.write(wrapOutboundOut(.head(request.head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(request.body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard var answer = waiting else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            answer.status = Int(head.status.code)
            // A stored referral's id, from its `Location` (the API's contract for 201 and 200):
            // the body is not parsed, so the generator spends its CPU sending, not reading.
            if (200..<300).contains(answer.status) { answer.referralId = head.headers.first(name: "location").flatMap { Self.referralId(location: $0) } }
            waiting = answer
        case .body:
            break
        case .end:
            waiting = nil
            loop.answered(answer.scheduled, status: answer.status)
            if let id = answer.referralId { loop.accepted.add(id) }
            sendNext(context)
        }
    }

    /// The referral id a stored referral's `Location` names (`/v1/referrals/{referralId}`).
    static func referralId(location: String) -> String? {
        let prefix = "/v1/referrals/"
        guard location.hasPrefix(prefix), location.count > prefix.count else { return nil }
        return String(location.dropFirst(prefix.count))
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let answer = waiting {
            waiting = nil
            loop.answered(answer.scheduled, status: 0)
        }
        loop.disconnected(context.channel, reconnect: !ended)
        ended = true
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// The service's address from its base URL (`http://host:port/prefix`, `https://…`, IPv6 in
/// brackets).
struct Endpoint: Sendable {
    let url: String
    let host: String
    let port: Int
    let tls: Bool
    /// The `Host` header: the URL's authority.
    let hostHeader: String
    /// The path before `/v1/…`, without a trailing slash (usually empty).
    let path: String

    var tlsName: String? { host.contains(":") || host.allSatisfy({ $0.isNumber || $0 == "." }) ? nil : host }

    init(_ url: String) throws(ClientError) {
        self.url = url
        let tls: Bool
        let rest: Substring
        if url.hasPrefix("http://") {
            (tls, rest) = (false, url.dropFirst("http://".count))
        } else if url.hasPrefix("https://") {
            (tls, rest) = (true, url.dropFirst("https://".count))
        } else {
            throw .badServerURL(url)
        }
        let authority = rest.prefix { $0 != "/" }
        var path = String(rest.dropFirst(authority.count))
        while path.hasSuffix("/") { path.removeLast() }
        let host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .badServerURL(url) }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { throw .badServerURL(url) }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { throw .badServerURL(url) }
        let port: Int
        if let portText {
            guard let value = Int(portText), (1...65_535).contains(value) else { throw .badServerURL(url) }
            port = value
        } else {
            port = tls ? 443 : 80
        }
        (self.host, self.port, self.tls, self.hostHeader, self.path) = (String(host), port, tls, String(authority), path)
    }
}
