import AsyncHTTPClient
import ContinuumAPI
import ContinuumCore
import ContinuumJSON
import ContinuumServer
import ContinuumStore
import ContinuumTesting
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Testing

/// Outcome push (issue 24): signed deliveries from the outbox, at least once, retried, parked,
/// surviving a restart, to the right partner only, never following a redirect.
@Suite("Webhooks")
struct WebhookTests {
    /// Fast polling and immediate retries: the test clock does not move unless a test moves it.
    static func fast(_ configuration: inout ServerConfiguration) {
        configuration.webhooks.pollInterval = .milliseconds(30)
        configuration.webhooks.firstRetry = .zero
    }

    /// The deliveries with `status` once `done` holds of them (the dispatcher records an attempt
    /// just after the receiver answers), or what they are after 10 s.
    static func deliveries(_ server: TestServer, _ status: DeliveryInfo.Status, until done: ([DeliveryInfo]) -> Bool) async throws -> [DeliveryInfo] {
        var found: [DeliveryInfo] = []
        for _ in 0..<400 {
            found = try await server.store.deliveries(status: status, limit: 100)
            if done(found) { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        return found
    }

    @Test("each change is delivered once, signed; partner B's endpoint never hears of A's referral")
    func deliveredOnceSigned() async throws {
        let receiverA = try await WebhookReceiver.start()
        let receiverB = try await WebhookReceiver.start()
        defer { receiverA.stop(); receiverB.stop() }
        try await TestServer.with(adjust: Self.fast) { server in
            let (_, secretA) = try await server.store.addWebhook(partnerId: "partner-a", url: receiverA.url, secret: nil, allowHTTP: true, at: TestServer.start)
            _ = try await server.store.addWebhook(partnerId: "partner-b", url: receiverB.url, secret: nil, allowHTTP: true, at: TestServer.start)
            let sent = try await server.refer(try TestFixtures.referral("WH-1", child: 1))
            let referralId = try #require(sent.json?["referralId"]?.stringValue)
            let caseId = try #require(try await server.caseId(of: sent))
            _ = try await server.post("/v1/cases/\(caseId)/decisions", token: server.practitioner,
                                      json: .object(["accept": .bool(true), "rationale": .string("Private staff reasoning")]))
            #expect(await receiverA.wait(for: 1))
            _ = try await server.post("/v1/cases/\(caseId)/transitions", token: server.practitioner,
                                      json: .object(["kind": .string("close"), "reason": .string("RC7"), "rationale": .string("Done")]))
            #expect(await receiverA.wait(for: 2))
            try await Task.sleep(for: .milliseconds(300))   // time for a duplicate to show, if one would
            let requests = receiverA.requests
            #expect(requests.map { $0.headers["continuum-event"] } == ["referral.decided", "case.closed"])
            #expect(Set(requests.compactMap { $0.headers["continuum-delivery"] }).count == 2)
            #expect(requests.allSatisfy { WebhookReceiver.verify($0, secret: secretA) }, "signatures verify")
            #expect(!WebhookReceiver.verify(requests[0], secret: Array(repeating: 7, count: 32)))
            let body = try JSONParser().parse(requests[1].body).value()
            #expect(body["event"] == .string("case.closed") && body.lookup("referral.referralId") == .string(referralId))
            #expect(body.lookup("referral.outcome.closureMeaning") == .string("Services ceased for any other reason, including child no longer in need"))
            #expect(!requests[0].body.contains("Private staff reasoning") && !requests[0].body.contains(caseId) && !requests[0].body.contains("Childb"))
            #expect(receiverB.requests.isEmpty, "partner B hears nothing of partner A's referral")
            let delivered = try await Self.deliveries(server, .delivered) { $0.count >= 2 }
            #expect(delivered.count == 2 && delivered.allSatisfy { $0.partnerId == "partner-a" })
        }
    }

    @Test("an endpoint that fails 5 times then recovers gets the event, with the same delivery id every time")
    func retriedUntilRecovered() async throws {
        let receiver = try await WebhookReceiver.start(answers: [500, 500, 503, 500, 502])
        defer { receiver.stop() }
        try await TestServer.with(adjust: Self.fast) { server in
            _ = try await server.store.addWebhook(partnerId: "partner-a", url: receiver.url, secret: nil, allowHTTP: true, at: TestServer.start)
            let caseId = try #require(try await server.caseId(of: try await server.refer(try TestFixtures.referral("WR-1", child: 1))))
            _ = try await server.post("/v1/cases/\(caseId)/decisions", token: server.practitioner, json: .object(["accept": .bool(true), "rationale": .string("ok")]))
            #expect(await receiver.wait(for: 6))
            let ids = Set(receiver.requests.compactMap { $0.headers["continuum-delivery"] })
            #expect(ids.count == 1)
            let delivery = try #require(try await Self.deliveries(server, .delivered) { !$0.isEmpty }.first)
            #expect(delivery.attempts == 6 && ids.contains(delivery.deliveryId))
        }
    }

    @Test("a slow endpoint delays neither referrals nor another partner's deliveries")
    func slowEndpointIsolated() async throws {
        let slow = try await WebhookReceiver.start()
        let prompt = try await WebhookReceiver.start()
        // Long enough that B's round (a referral, a decision, a delivery) ends first on a busy
        // machine, on either store; the delivery timeout is raised past it, so A's attempt is
        // still under way (not timed out) when B is told.
        slow.answer(after: .seconds(30))
        defer { slow.stop(); prompt.stop() }
        try await TestServer.with(adjust: { Self.fast(&$0); $0.webhooks.timeout = .seconds(60) }) { server in
            _ = try await server.store.addWebhook(partnerId: "partner-a", url: slow.url, secret: nil, allowHTTP: true, at: TestServer.start)
            _ = try await server.store.addWebhook(partnerId: "partner-b", url: prompt.url, secret: nil, allowHTTP: true, at: TestServer.start)
            let caseA = try #require(try await server.caseId(of: try await server.refer(try TestFixtures.referral("SL-A", child: 1))))
            _ = try await server.post("/v1/cases/\(caseA)/decisions", token: server.practitioner, json: .object(["accept": .bool(true), "rationale": .string("ok")]))
            #expect(await slow.wait(for: 1), "partner A's endpoint is now holding its delivery")
            let referralB = try await server.refer(try TestFixtures.referral("SL-B", child: 2), token: server.partnerB)
            #expect(referralB.status == 201)
            let caseB = try #require(try await server.caseId(of: referralB))
            _ = try await server.post("/v1/cases/\(caseB)/decisions", token: server.practitioner, json: .object(["accept": .bool(true), "rationale": .string("ok")]))
            #expect(await prompt.wait(for: 1))
            // Ordering, not timing: when B's endpoint is told, A's delivery has not been answered yet.
            let aStill = try await server.store.deliveries(status: .pending, limit: 10).filter { $0.partnerId == "partner-a" }
            #expect(aStill.count == 1 && aStill.first?.attempts == 0, "partner B was told while A's endpoint still held its delivery")
            #expect(slow.requests.count == 1, "A's delivery is in flight once, not sent twice")
        }
    }

    @Test("a dead endpoint's delivery goes to the failed list after the retry period; retry delivers it")
    func deadLetterAndRetry() async throws {
        let receiver = try await WebhookReceiver.start()
        receiver.answer(always: 500)
        defer { receiver.stop() }
        try await TestServer.with(adjust: Self.fast) { server in
            _ = try await server.store.addWebhook(partnerId: "partner-a", url: receiver.url, secret: nil, allowHTTP: true, at: TestServer.start)
            let caseId = try #require(try await server.caseId(of: try await server.refer(try TestFixtures.referral("WD-1", child: 1))))
            _ = try await server.post("/v1/cases/\(caseId)/decisions", token: server.practitioner, json: .object(["accept": .bool(true), "rationale": .string("ok")]))
            #expect(await receiver.wait(for: 3))
            // A day later it is still failing: the next failure parks it.
            server.clock.advance(seconds: 24 * 3600 + 1)
            let parked = try #require(try await Self.deliveries(server, .failed) { !$0.isEmpty }.first)
            #expect(parked.lastError == "answered 500")
            let listed = try await ServerProcess.runAsync(["partner", "deliveries", "--failed", "--database", server.store.path])
            #expect(listed.status == 0 && listed.stdout.contains(parked.deliveryId), "\(listed.stdout)\(listed.stderr)")
            let before = receiver.requests.count
            receiver.answerOK()
            let retried = try await ServerProcess.runAsync(["partner", "deliveries", "retry", parked.deliveryId, "--database", server.store.path])
            #expect(retried.status == 0, "\(retried.stderr)")
            #expect(await receiver.wait(for: before + 1))
            #expect(receiver.requests.last?.headers["continuum-delivery"] == parked.deliveryId)
            #expect(try await Self.deliveries(server, .delivered) { $0.contains { $0.deliveryId == parked.deliveryId } }.contains { $0.deliveryId == parked.deliveryId })
        }
    }

    @Test("a change committed while nothing is sent is delivered by the next server on the same database")
    func survivesRestart() async throws {
        let receiver = try await WebhookReceiver.start()
        defer { receiver.stop() }
        try await TestServer.with(adjust: { $0.webhooks.enabled = false }) { server in
            _ = try await server.store.addWebhook(partnerId: "partner-a", url: receiver.url, secret: nil, allowHTTP: true, at: TestServer.start)
            let caseId = try #require(try await server.caseId(of: try await server.refer(try TestFixtures.referral("WS-1", child: 1))))
            _ = try await server.post("/v1/cases/\(caseId)/decisions", token: server.practitioner, json: .object(["accept": .bool(true), "rationale": .string("ok")]))
            try await Task.sleep(for: .milliseconds(200))
            let waiting = try await server.store.deliveries(status: .pending, limit: 10)
            #expect(receiver.requests.isEmpty && waiting.count == 1)
            // A second server on the same database, as after a restart, sends it.
            var configuration = ServerConfiguration(port: 0, now: server.clock.now)
            Self.fast(&configuration)
            let restarted = ContinuumServer(store: server.store, pathway: try TestFixtures.surrey(), configuration: configuration, logger: Logger(label: "restarted"))
            let running = Task { try await restarted.run() }
            defer { running.cancel() }
            #expect(await receiver.wait(for: 1))
            #expect(receiver.requests.first?.headers["continuum-event"] == "referral.decided")
        }
    }

    @Test("redirects are not followed; http, link-local and metadata URLs are refused at registration")
    func targets() async throws {
        let first = try await WebhookReceiver.start()
        let other = try await WebhookReceiver.start()
        defer { first.stop(); other.stop() }
        first.redirect(to: "http://localhost:\(other.port)/hook")
        try await TestServer.with(adjust: Self.fast) { server in
            _ = try await server.store.addWebhook(partnerId: "partner-a", url: first.url, secret: nil, allowHTTP: true, at: TestServer.start)
            let caseId = try #require(try await server.caseId(of: try await server.refer(try TestFixtures.referral("WT-1", child: 1))))
            _ = try await server.post("/v1/cases/\(caseId)/decisions", token: server.practitioner, json: .object(["accept": .bool(true), "rationale": .string("ok")]))
            #expect(await first.wait(for: 2))
            #expect(other.requests.isEmpty, "the redirect was not followed")
            let pending = try await Self.deliveries(server, .pending) { $0.first?.lastError != nil }
            #expect(pending.first?.lastError == "answered 302 (a redirect, not followed)")
            for (url, allowHTTP, words) in [("http://partner.example/hook", false, "only https://"), ("https://169.254.169.254/latest", false, "link-local or metadata"),
                                            ("http://[fe80::1]/x", true, "link-local or metadata"), ("ftp://partner.example/", false, "must start with https://")] {
                await #expect {
                    _ = try await server.store.addWebhook(partnerId: "partner-a", url: url, secret: nil, allowHTTP: allowHTTP, at: TestServer.start)
                } throws: { ($0 as? StoreError)?.description.contains(words) ?? false }
            }
            let cli = try await ServerProcess.runAsync(["partner", "webhook", "add", "--partner", "partner-b", "--url", "http://127.0.0.1:1/x", "--database", server.store.path])
            #expect(cli.status == 65 && cli.stderr.contains("--allow-http"))
        }
    }

    @Test("the admin API registers, lists and removes endpoints; a step-down to early help and a joined referral are told")
    func adminAndEvents() async throws {
        let receiver = try await WebhookReceiver.start()
        defer { receiver.stop() }
        try await TestServer.with(adjust: Self.fast) { server in
            let refused = try await server.post("/v1/admin/webhooks", token: server.practitioner,
                                                json: .object(["partnerId": .string("partner-a"), "url": .string(receiver.url), "allowHttp": .bool(true)]))
            #expect(refused.status == 403)
            let badURL = try await server.post("/v1/admin/webhooks", token: server.admin, json: .object(["partnerId": .string("partner-a"), "url": .string("http://x.example/")]))
            #expect(badURL.status == 400 && badURL.json?.lookup("errors.0.path") == .string("$.url"))
            let created = try await server.post("/v1/admin/webhooks", token: server.admin,
                                                json: .object(["partnerId": .string("partner-a"), "url": .string(receiver.url), "allowHttp": .bool(true)]))
            #expect(created.status == 201, "\(created.text)")
            let secretHex = try #require(created.json?["secret"]?.stringValue)
            let secret = stride(from: 0, to: secretHex.count, by: 2).compactMap { UInt8(String(Array(secretHex)[$0...$0 + 1]), radix: 16) }
            #expect(try await server.get("/v1/admin/webhooks", token: server.admin).json?.items.count == 1)

            // A manager places the child at child in need; a second referral joins; a step-down to targeted support follows.
            let caseId = try #require(try await server.caseId(of: try await server.refer(try TestFixtures.referral("WE-1", child: 1))))
            _ = try await server.post("/v1/cases/\(caseId)/decisions", token: server.manager,
                                      json: .object(["level": .string("child-in-need"), "overrideReason": .string("History"), "rationale": .string("Assessed")]))
            _ = try await server.refer(try TestFixtures.referral("WE-2", child: 1))
            _ = try await server.post("/v1/cases/\(caseId)/decisions", token: server.practitioner, json: .object(["noted": .bool(true), "rationale": .string("Known")]))
            _ = try await server.post("/v1/cases/\(caseId)/transitions", token: server.manager,
                                      json: .object(["kind": .string("step-down"), "to": .string("targeted-support"), "rationale": .string("Better")]))
            #expect(await receiver.wait(for: 5))
            try await Task.sleep(for: .milliseconds(200))
            let events = receiver.requests.map { ($0.headers["continuum-event"] ?? "", (try? JSONParser().parse($0.body).value())?.lookup("referral.messageId")?.stringValue ?? "") }
            #expect(events.count == 5, "\(events)")
            #expect(events.contains { $0 == ("referral.decided", "WE-1") } && events.contains { $0 == ("referral.decided", "WE-2") })
            #expect(events.contains { $0 == ("referral.joined-case", "WE-2") } && !events.contains { $0 == ("referral.joined-case", "WE-1") })
            #expect(events.filter { $0.0 == "case.stepped-down-to-early-help" }.count == 2)
            #expect(receiver.requests.allSatisfy { WebhookReceiver.verify($0, secret: secret) })

            let id = try #require(try await server.get("/v1/admin/webhooks", token: server.admin).json?.items.first?["webhookId"]?.stringValue)
            #expect(try await server.request(.DELETE, "/v1/admin/webhooks/\(id)", token: server.admin).status == 204)
            #expect(try await Self.deliveries(server, .delivered) { $0.count >= 5 }.count == 5)
            #expect(try await server.get("/v1/admin/deliveries?status=delivered", token: server.admin).json?.items.count == 5)
            #expect(try await server.get("/v1/admin/deliveries?status=sent", token: server.admin).status == 400)
        }
    }

    @Test("SIGKILL after the commit, before the delivery succeeds: the restarted server delivers it, same delivery id")
    func killedBetweenCommitAndDelivery() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-webhook-kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try TestStore.make(in: folder)
        defer { TestStore.drop(database) }
        let receiver = try await WebhookReceiver.start()
        receiver.answer(always: 500)
        defer { receiver.stop() }
        func token(_ arguments: [String]) throws -> String {
            let made = try ServerProcess.run(["token", "create"] + arguments + ["--database", database])
            try #require(made.status == 0, "\(made.stderr)")
            return made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let partner = try token(["--role", "partner", "--partner", "kill-test"])
        let practitioner = try token(["--role", "practitioner"])
        let added = try ServerProcess.run(["partner", "webhook", "add", "--partner", "kill-test", "--url", receiver.url, "--allow-http", "--database", database])
        try #require(added.status == 0, "\(added.stderr)")

        let first = try ServerProcess(arguments: ["--database", database, "--replica", folder.appendingPathComponent("replica.sqlite").path, "--rate-limit", "0"], stderrFile: folder.appendingPathComponent("first.log"))
        let sent = try await TestServer.call(port: first.port, .POST, "/v1/referrals", token: partner, body: try TestFixtures.referral("WK-1", child: 1))
        let referralId = try #require(sent.json?["referralId"]?.stringValue)
        let queue = try await TestServer.call(port: first.port, .GET, "/v1/queue", token: practitioner)
        let caseId = try #require(queue.json?["items"]?.items.first?["caseId"]?.stringValue)
        let decided = try await TestServer.call(port: first.port, .POST, "/v1/cases/\(caseId)/decisions", token: practitioner,
                                          body: .object(["accept": .bool(true), "rationale": .string("ok")]))
        #expect(decided.status == 201)
        // The first attempt fails (500); the next is 15 to 30 s away. Killed now, nothing is lost.
        #expect(await receiver.wait(for: 1))
        first.kill()
        receiver.answerOK()
        let second = try ServerProcess(arguments: ["--database", database, "--replica", folder.appendingPathComponent("replica.sqlite").path, "--rate-limit", "0"], stderrFile: folder.appendingPathComponent("second.log"))
        defer { second.stop() }
        #expect(await receiver.wait(for: 2, timeout: .seconds(90)))
        let requests = receiver.requests
        #expect(Set(requests.compactMap { $0.headers["continuum-delivery"] }).count == 1, "the same delivery, sent again")
        #expect(requests.last.map { (try? JSONParser().parse($0.body).value())?.lookup("referral.referralId") } == .string(referralId))
    }

}
