import AsyncHTTPClient
import ContinuumCore
import ContinuumJSON
import ContinuumPostgres
import ContinuumStore
import ContinuumTesting
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// Several `continuum serve` processes on one PostgreSQL database (issue 17): what the embedded
/// store promises must hold across them. Run by `make test` on its throwaway cluster
/// (`CONTINUUM_TEST_POSTGRES`); skipped on SQLite alone.
@Suite("Several routers on one PostgreSQL database", .enabled(if: TestStore.isPostgres))
struct SharedStoreTests {
    /// Two routers on a new database, with a partner, a practitioner and an admin token.
    struct Routers: Sendable {
        let folder: URL
        let database: String
        let partner: String, practitioner: String, admin: String
        var a: ServerProcess, b: ServerProcess

        static func start(_ name: String, database: String? = nil) throws -> Routers {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-\(name)-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let database = try database ?? TestStore.make(in: folder)
            let partner = try token(["--role", "partner", "--partner", "shared"], database)
            let practitioner = try token(["--role", "practitioner"], database)
            let admin = try token(["--role", "admin"], database)
            let a = try router("a", database, folder)
            let b = try router("b", database, folder)
            return Routers(folder: folder, database: database, partner: partner.secret, practitioner: practitioner.secret, admin: admin.secret, a: a, b: b)
        }

        /// A router keeping its replica in the folder (a restart catches up from where it stopped).
        static func router(_ name: String, _ database: String, _ folder: URL, masterKey: String? = nil) throws -> ServerProcess {
            try ServerProcess(arguments: ["--database", database, "--replica", folder.appendingPathComponent("replica-\(name).sqlite").path,
                                          "--rate-limit", "0", "--max-concurrent-per-token", "0"] + (masterKey.map { ["--master-key", $0] } ?? []),
                              stderrFile: folder.appendingPathComponent("\(name).log"))
        }

        func stop() {
            a.stop()
            b.stop()
            TestStore.drop(database)
            try? FileManager.default.removeItem(at: folder)
        }
    }

    /// A new database on the cluster, and a folder, for a test that drives the shared log itself.
    struct Scratch {
        let folder: URL
        let database: String

        init(_ name: String) throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-\(name)-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            database = try TestStore.make(in: folder)
        }

        func remove() {
            TestStore.drop(database)
            try? FileManager.default.removeItem(at: folder)
        }
    }

    static func token(_ arguments: [String], _ database: String) throws -> (id: String, secret: String) {
        let made = try ServerProcess.run(["token", "create"] + arguments + ["--database", database])
        try #require(made.status == 0, "token create: \(made.stderr)")
        let id = try #require(made.stderr.firstMatch(of: /created token (T-[0-9A-Z]+)/)?.output.1)
        return (String(id), made.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }


    @Test("a user PostgreSQL refuses (no such role or database, no right to create the tables) exits 78 and says what to change")
    func refusedUserIsASetting() throws {
        let scratch = try Scratch("refused")
        defer { scratch.remove() }
        let location = try PostgresLocation(scratch.database)
        let role = "r_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        let unowned = "u_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        try TestStore.administer("CREATE ROLE \(role) LOGIN")
        try TestStore.administer("CREATE DATABASE \(unowned)")
        defer {
            try? TestStore.administer("DROP DATABASE IF EXISTS \(unowned) WITH (FORCE)")
            try? TestStore.administer("DROP ROLE IF EXISTS \(role)")
        }
        let server = "\(location.host):\(location.port)"
        let cases: [(url: String, state: String, hint: String)] = [
            ("postgres://no_such_role@\(server)/\(location.database)?sslmode=disable", "SQLSTATE 28000", "check the user and password"),
            ("postgres://\(location.user)@\(server)/no_such_database?sslmode=disable", "SQLSTATE 3D000", "create the database first"),
            ("postgres://\(role)@\(server)/\(unowned)?sslmode=disable", "SQLSTATE 42501", "the user must own the database"),
        ]
        for (url, state, hint) in cases {
            let made = try ServerProcess.run(["token", "create", "--role", "admin", "--database", url])
            #expect(made.status == 78, "\(url): \(made.stderr)")
            #expect(made.stderr.contains("refused this router") && made.stderr.contains(state) && made.stderr.contains(hint), "\(made.stderr)")
            #expect(!made.stderr.contains("damaged"), "a refusal is a setting, not damage: \(made.stderr)")
        }
    }

    @Test("the append (continuum_append_v1) writes only where the log ends; a record's new version blanks its older ones")
    func appendChecksTheHead() throws {
        let scratch = try Scratch("append")
        defer { scratch.remove() }
        let database = scratch.database
        let log = try PostgresSharedLog(try PostgresLocation(database))
        defer { log.shutdown() }
        let start = ReplicaPosition(events: 0, changes: 0)
        let event = SharedEvent(sequence: 1, caseId: "C-1", type: "referral-received", actorId: "T-1", actorRole: "partner", at: "2026-12-01T09:00:00.000Z",
                                body: "{}", previousHash: EventRecord.genesisHash, hash: "h1", legacyHash: nil)
        func change(_ sequence: Int64, _ row: String) -> RowChange {
            RowChange(sequence: sequence, table: "data_keys", key: #"{"key_id":"K-1"}"#, row: row)
        }
        try log.append(SharedLogAppend(after: start, events: [event], changes: [change(1, #"{"key_id":"K-1","v":1}"#)],
                                       messages: [MessageClaim(partnerId: "p", messageId: "m-1", referralId: "R-1")]))
        // From the old position again: a conflict that names where the log ends, and nothing written.
        let stale = SharedLogAppend(after: start, events: [], changes: [change(1, #"{"key_id":"K-1","v":9}"#)], messages: [])
        let refused: SharedLogError? = { () -> SharedLogError? in
            do throws(SharedLogError) { try log.append(stale) } catch { return error }
            return nil
        }()
        guard case .conflict(let expected, let found)? = refused else {
            Issue.record("an append from a stale position was taken, or failed otherwise: \(String(describing: refused))")
            return
        }
        #expect(expected == start && found == ReplicaPosition(events: 1, changes: 1))
        try log.append(SharedLogAppend(after: ReplicaPosition(events: 1, changes: 1), events: [], changes: [change(2, #"{"key_id":"K-1","v":2}"#)], messages: []))
        #expect(try TestStore.count(database, "SELECT count(*) FROM record_changes") == 2)
        #expect(try TestStore.count(database, "SELECT count(*) FROM record_changes WHERE row IS NOT NULL AND row LIKE '%\"v\":2%'") == 1)
        #expect(try TestStore.count(database, "SELECT count(*) FROM record_changes WHERE row IS NOT NULL") == 1, "the first version is blanked")
        #expect(try TestStore.count(database, "SELECT count(*) FROM referral_messages") == 1)
        let tail = try log.tail(after: start)
        #expect(tail.events == [event])
        #expect(tail.changes.map(\.row) == [nil, #"{"key_id":"K-1","v":2}"#])
    }

    @Test("replays sent to both routers at once give one referral; the same child sent to both at once gets one case")
    func replaysAndOneChild() async throws {
        let routers = try Routers.start("shared-replays")
        defer { routers.stop() }
        let ports = [routers.a.port, routers.b.port]
        // Each message to both routers at once, 60 messages, 6 at a time.
        let answers = Locked<[String: [TestServer.Answer]]>([:])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<6 {
                group.addTask {
                    for index in 0..<10 {
                        let messageId = "SR-\(client)-\(index)"
                        let body = try TestFixtures.referral(messageId, child: client * 100 + index)
                        async let first = TestServer.call(port: ports[0], .POST, "/v1/referrals", token: routers.partner, body: body)
                        async let second = TestServer.call(port: ports[1], .POST, "/v1/referrals", token: routers.partner, body: body)
                        let both = try await [first, second]
                        answers.withLock { $0[messageId] = both }
                    }
                }
            }
            try await group.waitForAll()
        }
        for (messageId, pair) in answers.withLock({ $0 }) {
            #expect(Set(pair.map(\.status)) == [200, 201], "\(messageId): \(pair.map(\.status)) (one router stores it, the other answers with its ids)")
            let ids = Set(pair.compactMap { $0.json?["referralId"]?.stringValue })
            #expect(ids.count == 1, "\(messageId) got two referral ids: \(ids)")
        }
        let page = try await TestServer.call(port: ports[0], .GET, "/v1/referrals?limit=200", token: routers.partner)
        #expect(page.json?["items"]?.items.count == 60, "\(page.text.prefix(300))")

        // The same child, two messages, one to each router at once: one case.
        for child in 0..<8 {
            let body = try TestFixtures.referral("SC-A-\(child)", child: 5_000 + child)
            let other = try TestFixtures.referral("SC-B-\(child)", child: 5_000 + child)
            async let first = TestServer.call(port: ports[0], .POST, "/v1/referrals", token: routers.partner, body: body)
            async let second = TestServer.call(port: ports[1], .POST, "/v1/referrals", token: routers.partner, body: other)
            let pair = try await [first, second]
            #expect(pair.allSatisfy { $0.status == 201 }, "\(pair.map(\.text))")
            var cases: Set<String> = []
            for answer in pair {
                let referralId = try #require(answer.json?["referralId"]?.stringValue)
                let read = try await TestServer.call(port: ports[1], .GET, "/v1/referrals/\(referralId)", token: routers.practitioner)
                cases.insert(try #require(read.json?["caseId"]?.stringValue, "\(read.text)"))
            }
            #expect(cases.count == 1, "child \(child) has two open cases: \(cases)")
        }
        let verify = try ServerProcess.run(["audit", "verify", "--database", routers.database])
        #expect(verify.status == 0, "audit verify: \(verify.stderr)")
    }

    @Test("SIGKILL of one router mid-stream: every acknowledged referral is there once and the chain verifies; the restarted router catches up")
    func killOneRouter() async throws {
        var routers = try Routers.start("shared-kill")
        defer { routers.stop() }
        let acknowledged = Locked<[String: String]>([:])
        let stop = Locked(false)
        let killed = Locked(false)
        let ports = [routers.a.port, routers.b.port]
        let a = routers.a
        let partner = routers.partner
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<6 {
                group.addTask {
                    var index = 0
                    while !stop.withLock({ $0 }) {
                        let messageId = "SK-\(client)-\(index)"
                        let body = try TestFixtures.referral(messageId, child: client * 10_000 + index)
                        index += 1
                        // Half the clients use router A until it dies, then B.
                        let port = client % 2 == 0 && !killed.withLock { $0 } ? ports[0] : ports[1]
                        guard let answer = try? await TestServer.call(port: port, .POST, "/v1/referrals", token: partner, body: body) else { continue }
                        if answer.status == 201, let referralId = answer.json?["referralId"]?.stringValue {
                            acknowledged.withLock { $0[messageId] = referralId }
                        }
                    }
                }
            }
            group.addTask {
                let deadline = ContinuousClock.now + .seconds(120)
                while acknowledged.withLock({ $0.count }) < 120, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
                a.kill()
                killed.withLock { $0 = true }
                while acknowledged.withLock({ $0.count }) < 200, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
                stop.withLock { $0 = true }
            }
            try await group.waitForAll()
        }
        // A restarts on its replica and catches up with what B took meanwhile.
        routers.a = try Routers.router("a", routers.database, routers.folder)
        let stored = acknowledged.withLock { $0 }
        #expect(stored.count >= 200)
        for (messageId, referralId) in stored {
            let read = try await TestServer.call(port: routers.a.port, .GET, "/v1/referrals/by-message/\(messageId)", token: routers.partner)
            #expect(read.status == 200 && read.json?["referralId"]?.stringValue == referralId, "\(messageId) acknowledged but not readable after the crash: \(read.status)")
        }
        // Exactly once: as many referrals as distinct acknowledged or stored messages, never two per message.
        let page = try await TestServer.call(port: routers.b.port, .GET, "/v1/referrals?limit=1000", token: routers.partner)
        let messages = page.json?["items"]?.items.compactMap { $0["messageId"]?.stringValue } ?? []
        #expect(messages.count == Set(messages).count, "a message stored twice")
        #expect(Set(messages).isSuperset(of: stored.keys))
        let verify = try ServerProcess.run(["audit", "verify", "--database", routers.database])
        #expect(verify.status == 0, "audit verify: \(verify.stderr)")
    }

    @Test("a token revoked through one process is refused by every router within 2 seconds")
    func revocationReachesEveryRouter() async throws {
        let routers = try Routers.start("shared-revoke")
        defer { routers.stop() }
        let doomed = try Self.token(["--role", "partner", "--partner", "doomed"], routers.database)
        for port in [routers.a.port, routers.b.port] {
            #expect(try await TestServer.call(port: port, .GET, "/v1/referrals", token: doomed.secret).status == 200)
        }
        let revoked = try ServerProcess.run(["token", "revoke", doomed.id, "--database", routers.database])
        try #require(revoked.status == 0, "\(revoked.stderr)")
        let start = ContinuousClock.now
        for port in [routers.a.port, routers.b.port] {
            while try await TestServer.call(port: port, .GET, "/v1/referrals", token: doomed.secret).status != 401 {
                try #require(ContinuousClock.now - start < .seconds(2), "router on \(port) still accepts a revoked token after 2 s")
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    @Test("keys rotate on PostgreSQL: every data key re-wrapped in the shared records; the new key opens the store, the old one is refused")
    func keyRotation() async throws {
        var routers = try Routers.start("shared-rotate")
        defer { routers.stop() }
        let sent = try await TestServer.call(port: routers.a.port, .POST, "/v1/referrals", token: routers.partner, body: try TestFixtures.referral("KR-1", child: 1))
        let referralId = try #require(sent.json?["referralId"]?.stringValue)
        routers.a.stop()
        routers.b.stop()
        let newKey = routers.folder.appendingPathComponent("new.key").path
        try #require(try ServerProcess.run(["keys", "init", "--out", newKey]).status == 0)
        let rotated = try ServerProcess.run(["keys", "rotate", "--new", newKey, "--database", routers.database])
        #expect(rotated.status == 0 && rotated.stdout.contains("re-wrapped"), "\(rotated.stdout) \(rotated.stderr)")
        let old = try ServerProcess.run(["audit", "verify", "--database", routers.database])
        #expect(old.status == 78, "the old key no longer opens the store: \(old.stderr)")
        let verified = try ServerProcess.run(["audit", "verify", "--database", routers.database, "--master-key", newKey])
        #expect(verified.status == 0, "\(verified.stderr)")
        // A router with the new key (its replica kept from before) reads the child's record.
        routers.a = try ServerProcess(arguments: ["--database", routers.database, "--master-key", newKey,
                                                  "--replica", routers.folder.appendingPathComponent("replica-a.sqlite").path],
                                      stderrFile: routers.folder.appendingPathComponent("a-new-key.log"))
        routers.b = try Routers.router("b2", routers.database, routers.folder, masterKey: newKey)
        let read = try await TestServer.call(port: routers.b.port, .GET, "/v1/referrals/\(referralId)", token: routers.practitioner)
        let caseId = try #require(read.json?["caseId"]?.stringValue, "\(read.text.prefix(300))")
        let record = try await TestServer.call(port: routers.b.port, .GET, "/v1/cases/\(caseId)", token: routers.practitioner)
        let name = try TestFixtures.referral("KR-1", child: 1).lookup("child.givenName")
        #expect(record.status == 200 && record.json?.lookup("referrals.0.message.child.givenName") == name, "\(record.text.prefix(400))")
        let again = try ServerProcess.run(["keys", "rotate", "--new", newKey, "--database", routers.database, "--master-key", newKey])
        #expect(again.status == 64, "the key in use is refused as the new one")
        // No wrapping under the old key is left in PostgreSQL's history of the records.
        let oldId = try MasterKey.load(from: TestFixtures.masterKeyPath).id
        #expect(try TestStore.count(routers.database, "SELECT count(*) FROM record_changes WHERE tbl = 'data_keys' AND row LIKE '%\(oldId)%'") == 0)
        #expect(try TestStore.count(routers.database, "SELECT count(*) FROM record_changes WHERE tbl = 'data_keys' AND row IS NOT NULL") > 0)
    }

    @Test("an erasure on PostgreSQL leaves no version of the erased keys in the shared records (crypto-shredding holds)")
    func erasureScrubsTheRecords() async throws {
        try await TestServer.with { server in
            let caseId = try #require(try await server.caseId(of: try await server.refer(try TestFixtures.referral("ER-1", child: 1))))
            let closed = try await server.post("/v1/cases/\(caseId)/transitions", token: server.manager,
                                               json: .object(["kind": .string("close"), "reason": .string("RC8"), "rationale": .string("NFA")]))
            #expect(closed.status == 201, "\(closed.text)")
            let keyed = "SELECT count(*) FROM record_changes WHERE tbl = 'data_keys' AND key LIKE '%\(caseId)%' AND row IS NOT NULL"
            #expect(try TestStore.count(server.database, keyed) == 1, "the case's key is recorded")
            let erased = try await server.store.applyRetention(asOf: try #require(CalendarDate("2070-01-01")), actor: Actor(id: "test", role: .admin),
                                                               at: TestFixtures.at("2027-01-01T10:00:00Z"))
            #expect(erased.events.count == 1)
            #expect(try TestStore.count(server.database, keyed) == 0, "an erased key's earlier versions are gone from the feed")
            #expect(try TestStore.count(server.database, "SELECT count(*) FROM record_changes WHERE tbl = 'data_keys' AND row IS NULL") >= 2)
        }
    }

    @Test("one router at a time holds a duty (clock watcher, webhooks); another takes it over when the holder goes")
    func dutiesMoveWhenTheHolderGoes() async throws {
        let scratch = try Scratch("duty")
        defer { scratch.remove() }
        let database = scratch.database
        let first = try PostgresSharedLog(try PostgresLocation(database))
        let second = try PostgresSharedLog(try PostgresLocation(database))
        defer { second.shutdown() }
        #expect(await first.lead(.clockWatcher))
        #expect(await first.lead(.clockWatcher), "held while its session lives")
        #expect(await !second.lead(.clockWatcher))
        #expect(await second.lead(.webhookDispatcher), "duties are held apart")
        first.shutdown()
        // The server ends the holder's session (and its lock) just after the socket closes; a
        // router that was refused tries again after `dutyRecheck` (10 s), well inside a minute.
        let deadline = ContinuousClock.now + .seconds(30)
        var taken = await second.lead(.clockWatcher)
        while !taken, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            taken = await second.lead(.clockWatcher)
        }
        #expect(taken, "the lock goes with the holder's connection")
    }
}

/// A database stopped and started under load, on a cluster of the test's own (the shared test
/// cluster serves other tests meanwhile).
@Suite("A PostgreSQL outage", .enabled(if: TestStore.isPostgres))
struct DatabaseOutageTests {
    static let script = URL(fileURLWithPath: TestFixtures.path("scripts/postgres-cluster.sh"))

    static func cluster(_ command: String, _ folder: String) throws -> String {
        let run = try ServerProcess.run([command, folder], program: script)
        try #require(run.status == 0, "postgres-cluster.sh \(command): \(run.stderr)")
        return run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("while the database is down: 503 with Retry-After, no other 5xx, /healthz 503; back up, the router recovers by itself and every acknowledged referral is kept")
    func outageUnderLoad() async throws {
        let clusterFolder = "/tmp/continuum-outage-\(UUID().uuidString.prefix(8))"
        let admin = try Self.cluster("start", clusterFolder)
        defer { _ = try? Self.cluster("stop", clusterFolder) }
        let base = try PostgresLocation(admin)
        let database = "postgres://\(base.user)@\(base.host):\(base.port)/postgres?sslmode=disable"
        let routers = try SharedStoreTests.Routers.start("outage", database: database)
        defer {
            routers.a.stop()
            routers.b.stop()
            try? FileManager.default.removeItem(at: routers.folder)
        }
        // A router that died shows why here.
        func logs() -> String {
            ["a", "b"].map { (try? String(contentsOf: routers.folder.appendingPathComponent("\($0).log"), encoding: .utf8))?.suffix(1500) ?? "" }.joined(separator: "\n")
        }
        let port = routers.a.port
        let partner = routers.partner
        let acknowledged = Locked<[String: String]>([:])
        let statuses = Locked<[Int: Int]>([:])
        let missingRetryAfter = Locked(0)
        let phase = Locked(0)  // 0 before, 1 down, 2 back up
        let stop = Locked(false)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<4 {
                group.addTask {
                    var index = 0
                    let deadline = ContinuousClock.now + .seconds(90)
                    while !stop.withLock({ $0 }), ContinuousClock.now < deadline {
                        let messageId = "OU-\(client)-\(index)"
                        index += 1
                        guard let answer = try? await TestServer.call(port: port, .POST, "/v1/referrals", token: partner,
                                                                            body: try TestFixtures.referral(messageId, child: client * 10_000 + index)) else { continue }
                        statuses.withLock { $0[answer.status, default: 0] += 1 }
                        if answer.status == 503, answer.headers.first(name: "retry-after") == nil { missingRetryAfter.withLock { $0 += 1 } }
                        if answer.status == 201, let referralId = answer.json?["referralId"]?.stringValue {
                            acknowledged.withLock { $0[messageId] = referralId }
                        }
                        if answer.status == 503 { try await Task.sleep(for: .milliseconds(100)) }
                    }
                }
            }
            group.addTask {
                try await Task.sleep(for: .seconds(2))
                _ = try Self.cluster("pause", clusterFolder)
                phase.withLock { $0 = 1 }
                try await Task.sleep(for: .seconds(2))
                let health = try? await TestServer.call(port: port, .GET, "/healthz", token: partner)
                #expect(health?.status == 503 && health?.json?["store"]?["status"]?.stringValue == "unavailable", "\(health?.text ?? logs())")
                _ = try Self.cluster("resume", clusterFolder)
                phase.withLock { $0 = 2 }
                // Back up: the router answers 201 again within a few seconds, with nobody's help.
                let before = acknowledged.withLock { $0.count }
                let deadline = ContinuousClock.now + .seconds(20)
                while acknowledged.withLock({ $0.count }) < before + 20, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
                #expect(acknowledged.withLock { $0.count } >= before + 20, "the router did not recover after the database came back: \(logs())")
                stop.withLock { $0 = true }
            }
            try await group.waitForAll()
        }
        let seen = statuses.withLock { $0 }
        #expect(seen[503, default: 0] > 0, "the outage was not seen: \(seen)")
        #expect(seen.keys.allSatisfy { $0 < 500 || $0 == 503 }, "a 5xx other than 503: \(seen)")
        #expect(missingRetryAfter.withLock { $0 } == 0, "a 503 without Retry-After")
        let health = try await TestServer.call(port: port, .GET, "/healthz", token: partner)
        #expect(health.status == 200 && health.json?["store"]?["kind"]?.stringValue == "postgresql")
        for (messageId, referralId) in acknowledged.withLock({ $0 }) {
            let read = try await TestServer.call(port: routers.b.port, .GET, "/v1/referrals/by-message/\(messageId)", token: partner)
            #expect(read.status == 200 && read.json?["referralId"]?.stringValue == referralId, "\(messageId) acknowledged, then lost in the outage")
        }
        let verify = try ServerProcess.run(["audit", "verify", "--database", database])
        #expect(verify.status == 0, "audit verify: \(verify.stderr)")
    }
}

/// A value behind a lock that concurrent tasks share.
final class Locked<Value: Sendable>: Sendable {
    private let value: Mutex<Value>

    init(_ value: Value) { self.value = Mutex(value) }

    func withLock<T: Sendable>(_ body: (inout Value) -> T) -> T {
        value.withLock { body(&$0) }
    }
}

/// A council's move (issue 17): `store copy` from a live SQLite store to PostgreSQL.
@Suite("store copy", .enabled(if: TestStore.isPostgres))
struct StoreCopyTests {
    @Test("store copy of a log of 22 event kinds from a running server: the chain arrives whole, audit verify agrees, the API answers the same; a second copy is refused")
    func copyToPostgres() async throws {
        try await TestServer.with(sqlite: true) { server in
            var script = Script(server: server)
            try await script.run()
            // More kinds than the session writes: escalate, a joined referral noted, clock
            // breaches, a revoked token, and an erasure.
            let caseId = try #require(try await server.caseId(of: try await server.refer(try TestFixtures.referral("SC-1", child: 9_001))))
            let placed = try await server.post("/v1/cases/\(caseId)/decisions", token: server.manager,
                                               json: .object(["level": .string("child-in-need"), "overrideReason": .string("History"), "rationale": .string("Assessed")]))
            #expect(placed.status == 201, "\(placed.text)")
            let escalated = try await server.post("/v1/cases/\(caseId)/transitions", token: server.practitioner,
                                                  json: .object(["kind": .string("escalate"), "to": .string("child-protection"), "rationale": .string("Section 47")]))
            #expect(escalated.status == 201, "\(escalated.text)")
            #expect(try await server.refer(try TestFixtures.referral("SC-2", child: 9_001)).status == 201)
            let noted = try await server.post("/v1/cases/\(caseId)/decisions", token: server.practitioner,
                                              json: .object(["accept": .bool(true), "rationale": .string("Known to the team")]))
            #expect(noted.status == 201, "\(noted.text)")
            #expect(try await server.store.recordBreaches(at: TestFixtures.at("2027-06-01T10:00:00Z")) > 0)
            let spare = try await server.store.createToken(role: .planner, partnerId: nil, name: nil, at: TestServer.start)
            try await server.store.revokeToken(spare.info.tokenId, at: TestServer.start)
            let erased = try await server.store.applyRetention(asOf: try #require(CalendarDate("2070-01-01")), actor: Actor(id: "test", role: .admin),
                                                               at: TestFixtures.at("2027-06-01T10:00:00Z"))
            #expect(!erased.events.isEmpty, "nothing past retention")
            let kinds = Set(try WireGoldenTests.events(in: server.store.path).compactMap { row -> String? in
                guard case .array(let columns)? = try? JSONParser().parse(row).value() else { return nil }
                return columns[2].stringValue
            })
            #expect(kinds.count >= 22, "\(kinds.sorted())")
            let target = try TestStore.make(in: server.folder)
            defer { TestStore.drop(target) }
            // Copied while the server runs (a consistent snapshot of its WAL).
            let copied = try await ServerProcess.runAsync(["store", "copy", "--from", server.database, "--to", target])
            #expect(copied.status == 0, "store copy: \(copied.stderr)")
            #expect(copied.stdout.contains("the chain arrived intact") && copied.stdout.contains("projections rebuilt from the copy"), "\(copied.stdout)")
            let source = try await ServerProcess.runAsync(["audit", "verify", "--database", server.database])
            let copy = try await ServerProcess.runAsync(["audit", "verify", "--database", target])
            #expect(source.status == 0 && copy.status == 0, "\(copy.stderr)")
            #expect(source.stdout == copy.stdout, "the same events, the same last hash, the same access log")

            // The same answers from a router on the copy, with the same tokens (copied too); no
            // indicator targets, as the in-process server has none.
            let router = try ServerProcess(arguments: ["--database", target, "--replica", server.folder.appendingPathComponent("copy-replica.sqlite").path,
                                                       "--targets", server.folder.appendingPathComponent("no-targets.json").path],
                                           stderrFile: server.folder.appendingPathComponent("copy.log"))
            defer { router.stop() }
            var compared = 0
            for (path, token) in [("/v1/indicators?from=2026-01-01&to=2026-12-31", server.manager), ("/v1/referrals?limit=100", server.partnerA),
                                  ("/v1/referrals?limit=100", server.partnerB), ("/v1/admin/webhooks", server.admin), ("/v1/me", server.practitioner)] {
                let here = try await server.get(path, token: token)
                let there = try await TestServer.call(port: router.port, .GET, path, token: token)
                #expect(here.status == 200 && there.status == 200, "\(path): \(here.status) / \(there.status) \(there.text.prefix(200))")
                #expect(here.json == there.json, "\(path) answers differently on the copy")
                compared += 1
            }
            #expect(compared == 5)
            let again = try await ServerProcess.runAsync(["store", "copy", "--from", server.database, "--to", target])
            #expect(again.status == 73 && again.stderr.contains("already holds"), "\(again.stderr)")
        }
    }

}
