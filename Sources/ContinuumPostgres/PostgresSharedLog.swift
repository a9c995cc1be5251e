import ContinuumCore
import ContinuumJSON
import ContinuumStore
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// The shared log on PostgreSQL (issue 17; docs/postgresql.md): what every router's replica
/// catches up from and appends to.
///
/// Appends and catch-ups come from inside a replica's SQLite write transaction, on GRDB's writer
/// queue; they run on one dedicated connection through PostgresNIO's future API and wait for the
/// answer there (`wait()`), so they never hold a Swift concurrency thread. Everything else
/// (`head`, `audit verify`, `store copy`, leadership) goes through the connection pool.
public final class PostgresSharedLog: SharedLog {
    public let location: String
    public let storeId: String
    let target: PostgresLocation
    let client: PostgresClient
    let logger: Logger
    private let writer = Mutex<PostgresConnection?>(nil)
    /// Whether the writer connection is in a transaction holding the appenders' lock (``lock(after:)``).
    private let locked = Mutex(false)
    /// The connections holding duties' advisory locks (session locks: released when they close).
    private let duties = Mutex<[RouterDuty: PostgresConnection]>([:])
    /// When each duty's lock was last proved held (by a query) or last tried and not taken: a
    /// duty asked every poll costs a query at most every ``dutyRecheck``.
    private let dutyChecks = Mutex<[RouterDuty: (held: Bool, at: ContinuousClock.Instant)]>([:])
    /// How often a held duty's connection is proved alive, and a duty held elsewhere tried again
    /// (a router takes over a dead one's duties within this, well inside the minute asked).
    static let dutyRecheck: Duration = .seconds(10)
    /// How long a read waits for the database before answering 503.
    static let readTimeout: Duration = .seconds(5)
    public let kind = "postgresql"
    private let running: Task<Void, Never>
    /// How long a blocking call waits for the database before answering "unavailable".
    static let timeout: TimeAmount = .seconds(10)

    /// Connects, applies the schema's migrations (one router at a time) and reads the store id.
    /// - Throws: ``SharedLogError/unavailable(_:)`` when the database cannot be reached.
    public init(_ target: PostgresLocation, logger: Logger = Logger(label: "continuum.postgres")) throws(SharedLogError) {
        self.target = target
        self.location = target.description
        self.logger = logger
        var configuration = PostgresClient.Configuration(host: target.host, port: target.port, username: target.user, password: target.password,
                                                         database: target.database, tls: target.clientTLS())
        configuration.options.connectTimeout = .seconds(3)
        configuration.options.maximumConnections = 4
        // One kept open: a read after a quiet spell does not wait for a connection to be made.
        configuration.options.minimumConnections = 1
        // The pool logs each failed connection attempt at info: during an outage, several a
        // second. Its own log says warnings only; the router's 503s and /healthz say the rest.
        var poolLogger = logger
        poolLogger.logLevel = .warning
        let client = PostgresClient(configuration: configuration, backgroundLogger: poolLogger)
        self.client = client
        running = Task.detached { await client.run() }
        var opened: PostgresConnection?
        do {
            let connection = try Self.connect(target, logger: logger)
            opened = connection
            writer.withLock { $0 = connection }
            try PostgresSchema.migrate(connection, logger: logger)
            let rows = try connection.query("SELECT value FROM continuum_meta WHERE name = 'store_id'", logger: logger).wait().rows
            guard let id = try rows.first?.decode(String.self) else { throw SharedLogError.damaged("continuum_meta has no store_id") }
            storeId = id
        } catch {
            running.cancel()
            // The object is never made, so its deinit will not close the connection: close it
            // here (a migration the user may not run, a store id missing).
            _ = try? opened?.close().wait()
            throw Self.explain(error)
        }
    }

    deinit {
        running.cancel()
        if let connection = writer.withLock({ $0 }) { connection.close().whenComplete { _ in _ = connection } }
        for connection in duties.withLock({ Array($0.values) }) { connection.close().whenComplete { _ in _ = connection } }
    }

    /// Closes the connections (the pool ends with its run task).
    public func shutdown() {
        running.cancel()
        for connection in duties.withLock({ held in defer { held = [:] }; return Array(held.values) }) {
            _ = try? connection.close().wait()
        }
        if let connection = writer.withLock({ connection in defer { connection = nil }; return connection }) {
            _ = try? connection.close().wait()
        }
    }

    static func connect(_ target: PostgresLocation, logger: Logger) throws -> PostgresConnection {
        var configuration = PostgresConnection.Configuration(host: target.host, port: target.port, username: target.user, password: target.password,
                                                             database: target.database, tls: try target.tls())
        configuration.options.connectTimeout = .seconds(3)
        return try PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 1, logger: logger).wait()
    }

    /// Runs `work` on the writer connection, connecting (again) when there is none or it closed;
    /// a connection that failed is dropped, so the next call reconnects.
    private func withWriter<T>(_ work: (PostgresConnection) throws -> T) throws(SharedLogError) -> T {
        do {
            let connection: PostgresConnection
            if let open = writer.withLock({ $0 }), !open.isClosed {
                connection = open
            } else {
                connection = try Self.connect(target, logger: logger)
                writer.withLock { $0 = connection }
            }
            do {
                return try work(connection)
            } catch let error as SharedLogError {
                throw error
            } catch {
                let explained = Self.explain(error)
                if case .unavailable = explained {
                    locked.withLock { $0 = false }
                    writer.withLock { $0 = nil }
                    connection.close().whenComplete { _ in _ = connection }
                }
                throw explained
            }
        } catch let error as SharedLogError {
            throw error
        } catch {
            throw Self.explain(error)
        }
    }

    private func run(_ connection: PostgresConnection, _ query: PostgresQuery) throws -> PostgresQueryResult {
        // A database that stops answering (paused, a network partition) must not hang the writer.
        // Closing the connection does not always end a query waiting on it (after a restart of
        // the database under load it can stay pending for ever), so the wait is on a promise the
        // timeout fails itself.
        let answer = connection.eventLoop.makePromise(of: PostgresQueryResult.self)
        connection.query(query, logger: logger).cascade(to: answer)
        let timeout = connection.eventLoop.scheduleTask(in: Self.timeout) {
            answer.fail(QueryTimedOut())
            connection.close().whenComplete { _ in _ = connection }
        }
        defer { timeout.cancel() }
        return try answer.futureResult.wait()
    }

    /// A query that had no answer within ``timeout``.
    struct QueryTimedOut: Error {}

    // MARK: SharedLog

    public func tail(after position: ReplicaPosition) throws(SharedLogError) -> SharedLogTail {
        try withWriter { connection in
            // The common case, no other router writing: one cheap read.
            let head = try Self.position(try run(connection, "SELECT events, changes FROM log_head WHERE id = 1"))
            if head == position { return SharedLogTail(events: [], changes: []) }
            // Events and changes from one snapshot, so every key an event needs is there.
            _ = try run(connection, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            do {
                let tail = try readTail(connection, after: position)
                _ = try run(connection, "COMMIT")
                return tail
            } catch {
                _ = try? run(connection, "ROLLBACK")
                throw error
            }
        }
    }

    public func lock(after position: ReplicaPosition) throws(SharedLogError) -> SharedLogTail {
        try withWriter { connection in
            _ = try run(connection, "BEGIN")
            locked.withLock { $0 = true }
            do {
                // Held until the append commits: no other router appends meanwhile, so nothing
                // read below can be overtaken.
                let head = try Self.position(try run(connection, "SELECT events, changes FROM log_head WHERE id = 1 FOR UPDATE"))
                if head == position { return SharedLogTail(events: [], changes: []) }
                return try readTail(connection, after: position)
            } catch {
                _ = try? run(connection, "ROLLBACK")
                locked.withLock { $0 = false }
                throw error
            }
        }
    }

    public func unlock() {
        guard locked.withLock({ held in defer { held = false }; return held }) else { return }
        _ = try? withWriter { connection in _ = try run(connection, "ROLLBACK") }
    }

    /// Everything after `position`, in the caller's transaction.
    private func readTail(_ connection: PostgresConnection, after position: ReplicaPosition) throws -> SharedLogTail {
        let events = try run(connection, """
            SELECT sequence, case_id, type, actor_id, actor_role, at, body, previous_hash, hash, coalesce(legacy_hash, '')
            FROM events WHERE sequence > \(position.events) ORDER BY sequence
            """).rows.map { row in
            let (sequence, caseId, type, actorId, actorRole, at, body, previous, hash, legacy) =
                try row.decode((Int64, String, String, String, String, String, String, String, String, String).self)
            return SharedEvent(sequence: sequence, caseId: caseId, type: type, actorId: actorId, actorRole: actorRole, at: at, body: body,
                               previousHash: previous, hash: hash, legacyHash: legacy.isEmpty ? nil : legacy)
        }
        let changes = try run(connection, """
            SELECT sequence, tbl, key, coalesce(row, ''), row IS NULL FROM record_changes WHERE sequence > \(position.changes) ORDER BY sequence
            """).rows.map { row in
            let (sequence, table, key, text, deleted) = try row.decode((Int64, String, String, String, Bool).self)
            return RowChange(sequence: sequence, table: table, key: key, row: deleted ? nil : text)
        }
        return SharedLogTail(events: events, changes: changes)
    }

    public func append(_ append: SharedLogAppend) throws(SharedLogError) {
        let events = append.events
        let changes = append.changes
        let messages = append.messages
        let end = append.end
        try withWriter { connection in
            // One call, so one round trip and one commit (durable: synchronous_commit is left
            // on). The function (migration v4-append-function) locks the head row, checks it
            // still ends where the replica read it, inserts, scrubs older versions of the
            // records changed, and moves the head; under a concurrent append it answers false
            // and writes nothing: a conflict, which the replica retries after catching up.
            // A replica reading the history applies every change before any event, so a version
            // scrubbed there (read as a deletion) never leaves it without a key it needs.
            let result = try run(connection, """
                SELECT continuum_append_v1(\(append.after.events), \(append.after.changes), \(end.events), \(end.changes),
                    \(events.map(\.sequence))::BIGINT[], \(events.map(\.caseId))::TEXT[], \(events.map(\.type))::TEXT[],
                    \(events.map(\.actorId))::TEXT[], \(events.map(\.actorRole))::TEXT[], \(events.map(\.at))::TEXT[],
                    \(events.map(\.body))::TEXT[], \(events.map(\.previousHash))::TEXT[], \(events.map(\.hash))::TEXT[],
                    \(events.map { $0.legacyHash ?? "" })::TEXT[],
                    \(changes.map(\.sequence))::BIGINT[], \(changes.map(\.table))::TEXT[], \(changes.map(\.key))::TEXT[],
                    \(changes.map { $0.row ?? "" })::TEXT[], \(changes.map { $0.row == nil })::BOOLEAN[],
                    \(messages.map(\.partnerId))::TEXT[], \(messages.map(\.messageId))::TEXT[], \(messages.map(\.referralId))::TEXT[])
                """)
            let appended = try result.rows.first?.decode(Bool.self) ?? false
            // Under the lock, the statement ran inside the lock's transaction: commit it.
            let held = locked.withLock { held in defer { held = false }; return held }
            if held {
                guard appended else {
                    _ = try? run(connection, "ROLLBACK")
                    throw SharedLogError.damaged("the log moved while its lock was held")
                }
                _ = try run(connection, "COMMIT")
                return
            }
            if appended { return }
            let found = try Self.position(try run(connection, "SELECT events, changes FROM log_head WHERE id = 1"))
            throw SharedLogError.conflict(expected: append.after, found: found)
        }
    }

    public func head() async throws(SharedLogError) -> ReplicaPosition {
        do {
            let client = self.client
            let logger = self.logger
            // A read must not hang on a database that stopped answering: 503 after 3 s.
            return try await Self.withTimeout(Self.readTimeout) {
                for try await position in try await client.execute(HeadStatement(), logger: logger) { return position }
                throw SharedLogError.damaged("log_head has no row")
            }
        } catch let error as SharedLogError {
            throw error
        } catch {
            throw Self.explain(error)
        }
    }

    public func verifyChain() async throws(SharedLogError) -> (events: Int64, lastHash: String) {
        var expected: Int64 = 1
        var previous = EventRecord.genesisHash
        let page: Int64 = 10_000
        do {
            while true {
                let rows = try await client.query("""
                    SELECT sequence, case_id, actor_id, actor_role, at, body, previous_hash, hash FROM events
                    WHERE sequence >= \(expected) ORDER BY sequence LIMIT \(page)
                    """, logger: logger)
                var read: Int64 = 0
                for try await (sequence, caseId, actorId, actorRole, at, body, storedPrevious, hash)
                    in rows.decode((Int64, String, String, String, String, String, String, String).self) {
                    guard sequence == expected else { throw SharedLogError.damaged("event E\(expected) is missing (next stored is E\(sequence))") }
                    guard storedPrevious == previous else { throw SharedLogError.damaged("E\(sequence)'s previous hash does not match the hash of E\(sequence - 1)") }
                    guard let role = Role(rawValue: actorRole), let time = Timestamp(rfc3339: at) else {
                        throw SharedLogError.damaged("E\(sequence)'s actor role or time is malformed")
                    }
                    let text = EventRecord.canonicalText(sequence: sequence, caseId: caseId, actor: Actor(id: actorId, role: role), at: time, body: body)
                    guard EventRecord.chainHash(previousHash: previous, canonicalText: text) == hash else {
                        throw SharedLogError.damaged("E\(sequence)'s content does not match its hash (edited after it was written)")
                    }
                    previous = hash
                    expected += 1
                    read += 1
                }
                if read < page { break }
            }
            let head = try await self.head()
            // Other routers may append while the walk runs: the head may only be further on.
            guard head.events >= expected - 1 else {
                throw SharedLogError.damaged("log_head says \(head.events) events; the chain holds \(expected - 1)")
            }
            return (expected - 1, previous)
        } catch let error as SharedLogError {
            throw error
        } catch {
            throw Self.explain(error)
        }
    }

    /// The latest row of every record in `tables` (deleted ones left out), read from the feed.
    public func currentRecords(in tables: [String]) async throws -> [(table: String, key: String, row: [String: JSONValue])] {
        do {
            let rows = try await client.query("""
                SELECT tbl, key, coalesce(row, ''), row IS NULL FROM (
                    SELECT DISTINCT ON (tbl, key) tbl, key, row FROM record_changes WHERE tbl = ANY(\(tables)) ORDER BY tbl, key, sequence DESC
                ) latest
                """, logger: logger)
            var records: [(table: String, key: String, row: [String: JSONValue])] = []
            for try await (table, key, text, deleted) in rows.decode((String, String, String, Bool).self) where !deleted {
                guard case .object(let members)? = try? JSONParser().parse(text).value() else {
                    throw SharedLogError.damaged("a \(table) record is not a JSON object")
                }
                records.append((table, key, members))
            }
            return records
        } catch let error as SharedLogError {
            throw error
        } catch {
            throw Self.explain(error)
        }
    }

    /// Advisory lock keys of the duties (beside the migrations' lock).
    static func lockKey(_ duty: RouterDuty) -> Int64 {
        switch duty {
        case .clockWatcher: PostgresSchema.migrationLock + 1
        case .webhookDispatcher: PostgresSchema.migrationLock + 2
        }
    }

    public func lead(_ duty: RouterDuty) async -> Bool {
        let logger = self.logger
        if let last = dutyChecks.withLock({ $0[duty] }), ContinuousClock.now - last.at < Self.dutyRecheck {
            if !last.held { return false }
            if let held = duties.withLock({ $0[duty] }), !held.isClosed { return true }
        }
        let taken = await tryLead(duty, logger: logger)
        dutyChecks.withLock { $0[duty] = (taken, .now) }
        return taken
    }

    private func tryLead(_ duty: RouterDuty, logger: Logger) async -> Bool {
        if let held = duties.withLock({ $0[duty] }) {
            // Still ours while the session lives: a query proves it (a restarted database or
            // a cut connection ended the session, and with it the lock).
            if !held.isClosed, (try? await Self.withTimeout(.seconds(3), { _ = try await held.query("SELECT 1", logger: logger) })) != nil {
                return true
            }
            duties.withLock { $0[duty] = nil }
            try? await held.close()
        }
        do {
            var configuration = PostgresConnection.Configuration(host: target.host, port: target.port, username: target.user, password: target.password,
                                                                 database: target.database, tls: try target.tls())
            configuration.options.connectTimeout = .seconds(3)
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 2, logger: logger)
            var taken = false
            for try await granted in try await connection.query("SELECT pg_try_advisory_lock(\(Self.lockKey(duty)))", logger: logger).decode(Bool.self) {
                taken = granted
            }
            if taken {
                duties.withLock { $0[duty] = connection }
                logger.notice("this router now performs a duty", metadata: ["duty": .string(duty.rawValue)])
            } else {
                try? await connection.close()
            }
            return taken
        } catch {
            return false
        }
    }

    /// `work`, or ``SharedLogError/unavailable(_:)`` when it has not finished within `limit`.
    static func withTimeout<T: Sendable>(_ limit: Duration, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw SharedLogError.unavailable("no answer within \(limit)")
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw SharedLogError.unavailable("no answer") }
            return first
        }
    }

    static func position(_ result: PostgresQueryResult) throws -> ReplicaPosition {
        guard let row = result.rows.first else { throw SharedLogError.damaged("log_head has no row") }
        let (events, changes) = try row.decode((Int64, Int64).self)
        return ReplicaPosition(events: events, changes: changes)
    }

    /// What to change when PostgreSQL refuses the router's user (nil: not a refusal).
    static func refusalHint(_ state: String) -> String? {
        if state.hasPrefix("28") { return "check the user and password in the URL (or PGPASSWORD)" }
        if state == "3D000" { return "create the database first (createdb -O USER NAME), or correct its name in the URL" }
        if state == "42501" {
            return "the user must own the database (createdb -O USER NAME) or hold CREATE on its schema, to make the store's tables and function"
        }
        return nil
    }

    /// A database failure in words, as unavailable (try again), refused (a setting to change) or
    /// damaged (a person must look).
    /// PostgresNIO keeps server details out of its descriptions; the SQLSTATE and the server's
    /// message (never the query's values) are what we show.
    static func explain(_ error: any Error) -> SharedLogError {
        if let error = error as? SharedLogError { return error }
        if error is QueryTimedOut { return .unavailable("no answer within \(timeout.nanoseconds / 1_000_000_000) s") }
        guard let error = error as? PSQLError else { return .unavailable(String(describing: type(of: error))) }
        guard error.code == .server, let state = error.serverInfo?[.sqlState] else {
            // Connection failures carry the socket's error (refused, timed out, TLS): no data.
            return .unavailable(error.underlying.map { "\(error.code): \($0)" } ?? "\(error.code)")
        }
        let message = error.serverInfo?[.message] ?? "no message"
        // Connection exceptions (08), operator intervention (57: shutting down, cannot connect
        // now), insufficient resources (53): the database will be back.
        if state.hasPrefix("08") || state.hasPrefix("57") || state.hasPrefix("53") {
            return .unavailable("\(message) (SQLSTATE \(state))")
        }
        // The URL's user, its password, the database's name or the user's rights: a person
        // changes a setting; nothing stored is damaged.
        if let hint = refusalHint(state) {
            return .refused("\(message) (SQLSTATE \(state)); \(hint)")
        }
        return .damaged("\(message) (SQLSTATE \(state))")
    }
}

/// Where the log ends: asked before every read a router serves, so prepared once per pooled
/// connection rather than parsed each time.
struct HeadStatement: PostgresPreparedStatement {
    static let sql = "SELECT events, changes FROM log_head WHERE id = 1"
    typealias Row = ReplicaPosition

    func makeBindings() throws -> PostgresBindings { PostgresBindings() }

    func decodeRow(_ row: PostgresRow) throws -> ReplicaPosition {
        let (events, changes) = try row.decode((Int64, Int64).self)
        return ReplicaPosition(events: events, changes: changes)
    }
}
