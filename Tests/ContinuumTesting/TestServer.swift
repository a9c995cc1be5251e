import AsyncHTTPClient
import ContinuumCore
import ContinuumJSON
import ContinuumPostgres
import ContinuumServer
import ContinuumStore
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// A real Continuum server on a free loopback port, over a fresh SQLite file, with a token for
/// every role and a clock the test controls. Requests go over real HTTP (AsyncHTTPClient).
///
/// ```swift
/// try await TestServer.with { server in
///     let answer = try await server.post("/v1/referrals", token: server.partnerA, json: referral)
///     #expect(answer.status == 201)
/// }
/// ```
public final class TestServer: Sendable {
    public let port: Int
    public let store: SQLiteCaseStore
    public let clock: TestClock
    public let logs: LogCapture
    public let folder: URL
    /// What `--database` names for this server's store: its SQLite file, or its PostgreSQL
    /// database's URL (``TestStore``). Commands run beside the server take it.
    public let database: String
    /// Tokens: partner "partner-a", partner "partner-b", and one per staff role.
    public let partnerA: String, partnerB: String, practitioner: String, manager: String, planner: String, admin: String

    private init(port: Int, store: SQLiteCaseStore, clock: TestClock, logs: LogCapture, folder: URL, database: String, tokens: [String]) {
        self.port = port
        self.database = database
        self.store = store
        self.clock = clock
        self.logs = logs
        self.folder = folder
        (partnerA, partnerB, practitioner, manager, planner, admin) = (tokens[0], tokens[1], tokens[2], tokens[3], tokens[4], tokens[5])
    }

    /// The moment test servers start at: a Thursday, so the next working day is Friday.
    public static let start = TestFixtures.at("2026-11-26T12:00:00Z")

    /// Runs `body` against a fresh server, then stops it and removes its files.
    /// - Parameters:
    ///   - rateLimit: requests per second per token (0: no limit), refilled in wall time.
    ///   - rateBurst: the bucket's size; by default the same as `rateLimit`.
    ///   - realTime: the server reads the system clock instead of the test clock (for clients,
    ///     like the load test, that stamp referrals with the wall clock).
    ///   - adjust: changes to the server's configuration (limits under test); by default the
    ///     failed-authentication limit is off and `/metrics` reads the store on every scrape.
    ///   - versions: the pathway versions to serve (by default Surrey's alone).
    ///   - sqlite: on SQLite even when the suite runs on PostgreSQL (a source for `store copy`).
    public static func with<T: Sendable>(rateLimit: Double = 0, rateBurst: Double? = nil, maxBodyBytes: Int = 1 << 20, realTime: Bool = false, sqlite: Bool = false,
                                         versions: (@Sendable () throws -> PathwaySet)? = nil,
                                         adjust: @Sendable (inout ServerConfiguration) -> Void = { _ in },
                                         _ body: @Sendable (TestServer) async throws -> T) async throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let pathways = try versions?() ?? PathwaySet(single: try TestFixtures.surrey())
        let database = sqlite ? folder.appendingPathComponent("continuum.sqlite").path : try TestStore.make(in: folder)
        defer { TestStore.drop(database) }
        // On PostgreSQL the server's replica is the folder's continuum.sqlite.
        let sharedLog = try PostgresLocation.isURL(database) ? PostgresSharedLog(try PostgresLocation(database)) : nil
        defer { sharedLog?.shutdown() }
        let store = try SQLiteCaseStore(path: folder.appendingPathComponent("continuum.sqlite").path, pathways: pathways, masterKey: TestFixtures.masterKey,
                                        sharedLog: sharedLog)
        let clock = TestClock(start)
        var tokens: [String] = []
        for (role, partner) in [(Role.partner, "partner-a"), (.partner, "partner-b"), (.practitioner, nil), (.manager, nil), (.planner, nil), (.admin, nil)] {
            tokens.append(try await store.createToken(role: role, partnerId: partner, name: nil, at: start).secret)
        }
        let logs = LogCapture()
        var configuration = ServerConfiguration(port: 0, maxBodyBytes: maxBodyBytes, maxBatchBytes: maxBodyBytes * 16, rateLimitPerSecond: rateLimit,
                                                rateLimitBurst: max(1, rateBurst ?? rateLimit), clockCheckInterval: .seconds(3600),
                                                now: realTime ? SystemClock.now : clock.now)
        configuration.failureRatePerSecond = 0
        configuration.gaugeRefreshInterval = .zero
        adjust(&configuration)
        let server = ContinuumServer(store: store, pathways: pathways, configuration: configuration, logger: logs.logger())
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let running = Task {
            // A server that stops (or never starts) ends the stream, so the wait below ends too.
            defer { continuation.finish() }
            try await server.run { port in continuation.yield(port) }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            if case .failure(let error) = await running.result { throw error }
            throw TestServerError.didNotStart
        }
        let test = TestServer(port: port, store: store, clock: clock, logs: logs, folder: folder, database: database, tokens: tokens)
        do {
            let result = try await body(test)
            running.cancel()
            _ = await running.result
            return result
        } catch {
            running.cancel()
            _ = await running.result
            throw error
        }
    }

    // MARK: Requests

    /// An HTTP answer: status, headers, body bytes, and the body as JSON when it is JSON.
    public struct Answer: Sendable {
        public var status: Int
        public var headers: HTTPHeaders
        public var body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }
        public var json: JSONValue? { try? JSONParser().parse(body).value() }
        public var contentType: String? { headers.first(name: "content-type") }

        public init(status: Int, headers: HTTPHeaders, body: [UInt8]) {
            self.status = status
            self.headers = headers
            self.body = body
        }
        /// NDJSON lines as JSON values.
        public var lines: [JSONValue] {
            body.split(separator: 0x0A).compactMap { try? JSONParser().parse(Array($0)).value() }
        }
    }

    public func request(_ method: HTTPMethod, _ path: String, token: String?, contentType: String? = nil, body: [UInt8]? = nil,
                        headers extra: [(String, String)] = []) async throws -> Answer {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers, body: Array(bytes.readableBytesView))
    }

    /// A request to a `continuum serve` process a test started on loopback (JSON body, if any).
    public static func call(port: Int, _ method: HTTPMethod, _ path: String, token: String?, body: JSONValue? = nil) async throws -> Answer {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body.serializedBytes()))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 4 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers, body: Array(bytes.readableBytesView))
    }

    public func get(_ path: String, token: String?) async throws -> Answer {
        try await request(.GET, path, token: token)
    }

    public func post(_ path: String, token: String?, json: JSONValue) async throws -> Answer {
        try await request(.POST, path, token: token, contentType: "application/json", body: json.serializedBytes())
    }

    /// The case a submitted referral is on, as staff read it (partners are never told case ids).
    public func caseId(of answer: Answer) async throws -> String? {
        guard let referralId = answer.json?["referralId"]?.stringValue else { return nil }
        return try await get("/v1/referrals/\(referralId)", token: practitioner).json?["caseId"]?.stringValue
    }

    /// Submits a referral and returns the answer.
    public func refer(_ referral: JSONValue, token: String? = nil) async throws -> Answer {
        try await post("/v1/referrals", token: token ?? partnerA, json: referral)
    }
}

public enum TestServerError: Error {
    case didNotStart
}
