import ContinuumJSON
import ContinuumServer
import ContinuumStore
import ContinuumTesting
import Foundation
import NIOHTTP1
import Testing

/// Attackers and clumsy clients (issue 22, docs/security.md): no request may exhaust the
/// service, hang it or be answered with a 5xx. Each test is bounded in time: timeouts are set
/// to a second or two here.
@Suite("Hostile clients")
struct HostileClientTests {
    static func metric(_ server: TestServer, _ name: String) async throws -> Double {
        let text = try await server.get("/metrics", token: nil).text
        let line = text.split(separator: "\n").first { $0.hasPrefix(name + " ") || $0.hasPrefix(name + "{") && !$0.hasPrefix("#") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
    }

    @Test("a period past year 9999, or longer than ten years, is a 400 naming the field, answered at once")
    func boundedPeriods() async throws {
        try await TestServer.with { server in
            let far = try await server.get("/v1/indicators?from=9999-01-01&to=9999-12-31", token: server.planner)
            #expect(far.status == 400 && far.json?.lookup("errors.0.path")?.stringValue == "to")
            let long = try await server.get("/v1/indicators?from=2001-01-01&to=2026-11-26", token: server.planner)
            #expect(long.status == 400 && long.json?.lookup("errors.0.path")?.stringValue == "from")
            let ancient = try await server.get("/v1/indicators?from=0001-01-01&to=0001-12-31", token: server.planner)
            #expect(ancient.status == 400)
            #expect(try await server.get("/v1/indicators?from=2026-01-01&to=2026-11-26", token: server.planner).status == 200)
        }
    }

    @Test("one connection over the cap is answered 503 with Retry-After, and counted")
    func connectionCap() async throws {
        try await TestServer.with(adjust: { $0.connections.maxConnections = 2 }) { server in
            let first = try RawConnection(port: server.port)
            let second = try RawConnection(port: server.port)
            defer { first.close(); second.close() }
            try await Task.sleep(for: .milliseconds(200))
            let third = try RawConnection(port: server.port)
            try third.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            let answer = await third.receive(timeout: .seconds(5))
            #expect(answer.text.hasPrefix("HTTP/1.1 503"), "\(answer.text)")
            #expect(answer.text.lowercased().contains("retry-after: 1") && answer.closed)
            first.close()
            second.close()
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await Self.metric(server, #"continuum_connections_closed_total{reason="refused"}"#) == 1)
        }
    }

    @Test("a connection that never completes its headers is closed after the idle timeout, and counted")
    func slowHeaders() async throws {
        try await TestServer.with(adjust: { $0.connections.idleTimeout = .seconds(1) }) { server in
            let slow = try RawConnection(port: server.port)
            try slow.send("GET /healthz HTTP/1.1\r\nHost: local")
            // Waits are far past the 1 s timeout: a whole suite on two loaded cores has kept the
            // close from arriving within 5 s (once, under the PostgreSQL suite); a pass returns
            // as soon as the connection closes.
            let answer = await slow.receive(timeout: .seconds(20))
            #expect(answer.closed && answer.text.isEmpty)
            let silent = try RawConnection(port: server.port)
            #expect(await silent.receive(timeout: .seconds(20)).closed)
            #expect(try await Self.metric(server, #"continuum_connections_closed_total{reason="idle"}"#) >= 2)
        }
    }

    @Test("a body that stalls is answered 408 and closed, and counted")
    func slowBody() async throws {
        try await TestServer.with(adjust: { $0.connections.bodyTimeout = .seconds(1) }) { server in
            let slow = try RawConnection(port: server.port)
            try slow.send("POST /v1/referrals HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(server.partnerA)\r\n"
                          + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"messageId\"")
            let answer = await slow.receive(timeout: .seconds(5))
            #expect(answer.text.hasPrefix("HTTP/1.1 408"), "\(answer.text)")
            #expect(answer.closed)
            #expect(try await Self.metric(server, #"continuum_connections_closed_total{reason="slow-body"}"#) == 1)
        }
    }

    @Test("malformed chunked framing is a 400, and a client that leaves mid-body is no 5xx")
    func framing() async throws {
        try await TestServer.with { server in
            for size in ["zz", "-5", "FFFFFFFFFFFFFFFFFFFF"] {
                let connection = try RawConnection(port: server.port)
                try connection.send("POST /v1/referrals HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(server.partnerA)\r\n"
                                    + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n\(size)\r\n{}\r\n0\r\n\r\n")
                let answer = await connection.receive(timeout: .seconds(5))
                #expect(answer.text.isEmpty || answer.text.hasPrefix("HTTP/1.1 400"), "\(size): \(answer.text)")
                connection.close()
            }
            let leaving = try RawConnection(port: server.port)
            try leaving.send("POST /v1/referrals HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(server.partnerA)\r\n"
                             + "Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"messageId\":")
            try await Task.sleep(for: .milliseconds(200))
            leaving.close()
            try await Task.sleep(for: .milliseconds(300))
            let metrics = try await server.get("/metrics", token: nil).text
            #expect(!metrics.contains("status=\"5"), "\(metrics)")
            #expect(!server.logs.lines.contains { $0.contains("unhandled error") })
        }
    }

    @Test("failed authentication is limited per source address: past it, 429 before the token is looked up")
    func failedAuthenticationIsLimited() async throws {
        try await TestServer.with(adjust: { $0.failureRatePerSecond = 0.01; $0.failureBurst = 3 }) { server in
            var statuses: [Int] = []
            for _ in 0..<3 { statuses.append(try await server.get("/v1/queue", token: "not-a-token").status) }
            statuses.append(try await server.get("/v1/queue", token: server.partnerA).status)
            statuses.append(try await server.get("/v1/queue", token: server.practitioner).status)
            #expect(statuses == [401, 401, 401, 429, 429])
        }
    }

    @Test("a token has a limited number of requests under way at once")
    func concurrencyPerToken() async throws {
        try await TestServer.with(adjust: { $0.concurrentRequestsPerToken = 1 }) { server in
            // The token is looked up before its slot is taken: a read first puts it in the token
            // cache, so the slow request holds its slot well within the wait below (on a busy
            // machine, a first lookup on PostgreSQL can take longer than the wait).
            _ = try await server.get("/v1/referrals", token: server.partnerA)
            let slow = try RawConnection(port: server.port)
            defer { slow.close() }
            try slow.send("POST /v1/referrals HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(server.partnerA)\r\n"
                          + "Content-Type: application/json\r\nContent-Length: 10\r\n\r\n{")
            try await Task.sleep(for: .milliseconds(300))
            let second = try await server.refer(try TestFixtures.referral("C-1"))
            #expect(second.status == 429 && second.headers.first(name: "retry-after") == "1")
            #expect(try await server.refer(try TestFixtures.referral("C-2"), token: server.partnerB).status == 201)
            try slow.send("\"a\": 1}  ")
            _ = await slow.receive(timeout: .milliseconds(500))
            #expect(try await server.refer(try TestFixtures.referral("C-3")).status == 201)
        }
    }

    @Test("an answer's problems are bounded: 58,000 unknown keys cost a count, not 58,000 messages")
    func boundedProblems() async throws {
        try await TestServer.with { server in
            var referral = try TestFixtures.referral("U-1")
            guard case .object(var members) = referral else { return }
            for index in 0..<58_000 { members["unknown\(index)"] = .integer(1) }
            referral = .object(members)
            let answer = try await server.refer(referral)
            #expect(answer.status == 400)
            let errors = answer.json?["errors"]?.items ?? []
            #expect(errors.count == 50)
            #expect(errors.last?["message"]?.stringValue?.contains("more") == true)
            #expect(answer.body.count < 20_000)
        }
    }

    @Test("a repeated key is a 400 naming it; a lone surrogate is a 400")
    func jsonSemantics() async throws {
        try await TestServer.with { server in
            let text = try TestFixtures.referral("J-1").serialized().replacingOccurrences(of: #""immediateRisk":false"#,
                                                                                          with: #""immediateRisk":true,"immediateRisk":false"#)
            let repeated = try await server.request(.POST, "/v1/referrals", token: server.partnerA, contentType: "application/json", body: Array(text.utf8))
            #expect(repeated.status == 400 && repeated.json?.lookup("errors.0.path")?.stringValue == "$.immediateRisk")
            let surrogate = try TestFixtures.referral("J-2").serialized().replacingOccurrences(of: #""summary":""#, with: #""summary":"\uDC00"#)
            #expect(try await server.request(.POST, "/v1/referrals", token: server.partnerA, contentType: "application/json", body: Array(surrogate.utf8)).status == 400)
            // Staff bodies too: a worker's name that would rewrite a terminal.
            let caseId = try #require(try await server.caseId(of: try await server.refer(try TestFixtures.referral("J-3"))))
            let assigned = try await server.post("/v1/cases/\(caseId)/assignment", token: server.practitioner, json: .object(["to": .string("A. Worker\u{1B}[2K")]))
            #expect(assigned.status == 400 && assigned.json?.lookup("errors.0.path")?.stringValue == "$.to")
            let rationale = try await server.post("/v1/cases/\(caseId)/decisions", token: server.practitioner,
                                                  json: .object(["accept": .bool(true), "rationale": .string("Agree.\nConsent given.")]))
            #expect(rationale.status == 201, "line breaks are fine in a rationale")
        }
    }

    @Test("/metrics can be put behind a token")
    func metricsToken() async throws {
        try await TestServer.with(adjust: { $0.metricsToken = "scrape-secret" }) { server in
            #expect(try await server.get("/metrics", token: nil).status == 401)
            #expect(try await server.get("/metrics", token: "wrong").status == 401)
            let scraped = try await server.get("/metrics", token: "scrape-secret")
            #expect(scraped.status == 200 && scraped.text.contains("continuum_process_resident_memory_bytes"))
        }
    }

    @Test("a batch streams: a million-line body is read a line at a time, capped, and memory stays bounded")
    func batchStreams() async throws {
        try await TestServer.with(maxBodyBytes: 1 << 20, adjust: { $0.maxBatchLines = 2_000 }) { server in
            let before = try await Self.metric(server, "continuum_process_resident_memory_bytes")
            let body = Array(String(repeating: "{}\n", count: 1_000_000).utf8)
            let answer = try await server.request(.POST, "/v1/referrals/batch", token: server.partnerA, contentType: "application/x-ndjson", body: body)
            #expect(answer.status == 200)
            let lines = answer.lines
            #expect(lines.count == 2_001)
            #expect(lines.dropLast().allSatisfy { $0["status"] == .integer(400) })
            #expect(lines.last?["status"] == .integer(413) && lines.last?["line"] == .integer(2_001))
            let after = try await Self.metric(server, "continuum_process_resident_memory_bytes")
            #expect(after - before < 256 * 1_048_576, "resident memory grew by \(Int((after - before) / 1_048_576)) MiB")
            // The server answers others meanwhile and afterwards.
            #expect(try await server.get("/healthz", token: nil).status == 200)
            let good = [try TestFixtures.referral("S-1", child: 1).serialized(), try TestFixtures.referral("S-2", child: 2).serialized()]
            let valid = try await server.request(.POST, "/v1/referrals/batch", token: server.partnerA, contentType: "application/x-ndjson",
                                                 body: Array(good.joined(separator: "\r\n").utf8))
            #expect(valid.lines.map { $0["status"] } == [.integer(201), .integer(201)])
        }
    }

    @Test("the server writes signed checkpoints as the log grows, and refuses a log shorter than the latest")
    func checkpoints() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-checkpoints-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let key = CheckpointKey.generate()
        let settings = CheckpointSettings(key: key, folder: folder, every: 2)
        try await TestServer.with(adjust: { $0.checkpoints = settings }) { server in
            _ = try await server.refer(try TestFixtures.referral("CP-1"))
            var latest: ContinuumStore.Checkpoint?
            for _ in 0..<40 where (latest?.events ?? 0) < 8 {
                try await Task.sleep(for: .milliseconds(250))
                latest = try ContinuumStore.Checkpoint.latest(in: folder)
            }
            let checkpoint = try #require(latest)
            #expect(checkpoint.events == 8)
            try key.verify(checkpoint)
            let mode = try FileManager.default.attributesOfItem(atPath: folder + "/checkpoint-8.json")[.posixPermissions] as? Int
            #expect(mode == 0o600)
        }
        // A fresh database (6 events) under the same folder: shorter than its checkpoint of 8.
        await #expect(throws: ServerError.self) {
            try await TestServer.with(adjust: { $0.checkpoints = settings }) { _ in }
        }
    }

    @Test("checkpoints can also be sent to a URL, signed")
    func checkpointToURL() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-checkpoints-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let receiver = try RawListener()
        let key = CheckpointKey.generate()
        let settings = CheckpointSettings(key: key, folder: folder, every: 1000, url: "http://127.0.0.1:\(receiver.port)/checkpoints")
        try await TestServer.with(adjust: { $0.checkpoints = settings }) { _ in
            let body = try #require(await receiver.receive(status: 204, timeout: .seconds(10)))
            let checkpoint = try JSONParser().parse(body).decode(ContinuumStore.Checkpoint.self)
            #expect(checkpoint.events == 6)
            try key.verify(checkpoint)
        }
    }
}
