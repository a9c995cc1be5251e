import ContinuumJSON
import ContinuumTesting
import Foundation
import NIOHTTP1
import Testing

/// The edges a client meets when it gets something wrong (issue 25): each answer names the
/// fix, and start-up failures are in plain words with the documented exit codes.
@Suite("HTTP edges")
struct HTTPEdgeTests {
    @Test("a bad batch line is reported by its line in the batch and its column within that line")
    func batchSyntaxPosition() async throws {
        try await TestServer.with { server in
            let good = try TestFixtures.referral("EDGE-1", child: 1).serialized()
            let body = good + "\n" + #"{"messageId": "EDGE-2", x}"# + "\n"
            let answer = try await server.request(.POST, "/v1/referrals/batch", token: server.partnerA, contentType: "application/x-ndjson", body: Array(body.utf8))
            #expect(answer.status == 200)
            let bad = try #require(answer.lines.last)
            #expect(bad["line"] == .integer(2) && bad["status"] == .integer(400))
            #expect(bad.lookup("errors.0.column") == .integer(25))
            let message = try #require(bad.lookup("errors.0.message")?.stringValue)
            #expect(message.hasPrefix("line 2 of the batch, column 25:"), "\(message)")
            #expect(!message.contains("line 1"), "\(message)")
        }
    }

    @Test("an empty batch, or one of blank lines only, is a 400; nothing is stored")
    func emptyBatch() async throws {
        try await TestServer.with { server in
            for body in ["", "\n\n", "  \r\n\t\n"] {
                let answer = try await server.request(.POST, "/v1/referrals/batch", token: server.partnerA, contentType: "application/x-ndjson", body: Array(body.utf8))
                #expect(answer.status == 400, "\(body.debugDescription): \(answer.status)")
                #expect(answer.json?["title"] == .string("Empty batch"))
            }
            let queue = try await server.get("/v1/queue", token: server.practitioner)
            #expect(queue.json?["items"]?.items.isEmpty == true)
        }
    }

    @Test("NDJSON sent to the single endpoint points to /batch, by content type or by a second document")
    func ndjsonToSingle() async throws {
        try await TestServer.with { server in
            let one = try TestFixtures.referral("EDGE-3", child: 3).serialized()
            let typed = try await server.request(.POST, "/v1/referrals", token: server.partnerA, contentType: "application/x-ndjson", body: Array(one.utf8))
            #expect(typed.status == 415)
            #expect(typed.json?["detail"]?.stringValue?.contains("/v1/referrals/batch") == true)
            let two = one + "\n" + (try TestFixtures.referral("EDGE-4", child: 4).serialized())
            let second = try await server.request(.POST, "/v1/referrals", token: server.partnerA, contentType: "application/json", body: Array(two.utf8))
            #expect(second.status == 400)
            #expect(second.json?["detail"]?.stringValue?.contains("/v1/referrals/batch") == true)
        }
    }

    @Test("a path that exists answers another method 405 with Allow; an unknown path stays 404")
    func methodNotAllowed() async throws {
        try await TestServer.with { server in
            let batch = try await server.request(.GET, "/v1/referrals/batch", token: server.partnerA)
            #expect(batch.status == 405)
            #expect(batch.headers.first(name: "allow") == "POST")
            let referrals = try await server.request(.DELETE, "/v1/referrals", token: server.partnerA)
            #expect(referrals.status == 405)
            #expect(referrals.headers.first(name: "allow") == "GET, POST")
            let health = try await server.request(.POST, "/healthz", token: nil)
            #expect(health.status == 405 && health.headers.first(name: "allow") == "GET")
            let unknown = try await server.request(.GET, "/v1/nothing-here", token: server.partnerA)
            #expect(unknown.status == 404)
        }
    }

    @Test("start-up failures are in plain words: a port in use exits 69, a database that cannot be created 73")
    func startupFailures() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-startup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try await TestServer.with { server in
            let database = folder.appendingPathComponent("second.sqlite").path
            let taken = try await ServerProcess.runAsync(["serve", "--port", String(server.port), "--database", database])
            #expect(taken.status == 69)
            #expect(taken.stderr.contains("cannot listen on 127.0.0.1:\(server.port): the port is already in use"), "\(taken.stderr)")
            #expect(!taken.stderr.contains("errno") && !taken.stderr.contains("bind("), "\(taken.stderr)")
        }
        let file = folder.appendingPathComponent("a-file")
        try Data("not a folder".utf8).write(to: file)
        for database in [file.appendingPathComponent("db.sqlite").path, file.appendingPathComponent("sub/db.sqlite").path] {
            let refused = try ServerProcess.run(["serve", "--port", "0", "--database", database])
            #expect(refused.status == 73, "\(database): \(refused.stderr)")
            #expect(refused.stderr.contains("cannot create the database \(database)"), "\(refused.stderr)")
            #expect(!refused.stderr.contains("NSCocoaErrorDomain"), "\(refused.stderr)")
        }
    }
}
