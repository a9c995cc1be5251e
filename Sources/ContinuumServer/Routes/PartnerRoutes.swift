import ContinuumAPI
import ContinuumCore
import ContinuumJSON
import ContinuumStore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// `POST /v1/referrals`, `POST /v1/referrals/batch`, `GET /v1/referrals/{referralId}`.
struct PartnerRoutes: Sendable {
    let store: any CaseStore
    let batchTurns: KeyedTurns
    let access: Access
    let configuration: ServerConfiguration
    let metrics: ServerMetrics
    let logger: Logger

    func register(on router: Router<ContinuumRequestContext>) {
        router.post("/v1/referrals") { request, _ in try await submit(request) }
        router.post("/v1/referrals/batch") { request, _ in try await batch(request) }
        router.get("/v1/referrals/:referralId") { request, context in
            try await status(request, referralId: context.parameters.require("referralId"))
        }
        router.get("/v1/referrals") { request, _ in
            let principal = try await access.require(request, [.partner], action: "list its referrals")
            let query = request.uri.queryParameters
            var problems: [JSONProblem] = []
            var since: Timestamp?
            if let text = query.get("since").map({ String($0) }) {
                // A date is its first moment (UTC); a time is as given.
                since = Timestamp(rfc3339: text) ?? CalendarDate(text).map { Timestamp(secondsSinceEpoch: Int64($0.daysSinceEpoch) * 86_400) }
                if since == nil { problems.append(JSONProblem(path: "since", message: "must be a date (YYYY-MM-DD) or an RFC 3339 time, not \"\(text)\"")) }
            }
            var status: ReferralStatus.Status?
            if let text = query.get("status").map({ String($0) }) {
                status = Codes.parse(text, as: ReferralStatus.Status.self)
                if status == nil {
                    problems.append(JSONProblem(path: "status", message: Codes.unknown("status", text, among: ReferralStatus.Status.allCases.map(\.rawValue))))
                }
            }
            let limit = try StaffRoutes.limit(request, default: QueuePage.defaultLimit)
            if !problems.isEmpty { throw APIProblem.badRequest("Invalid query", problems) }
            let page = try await store.partnerReferrals(partnerId: principal.partnerId ?? principal.tokenId, since: since, status: status,
                                                       cursor: query.get("cursor").map { String($0) }, limit: limit)
            return try HTTPBodies.json(page)
        }
        router.get("/v1/referrals/by-message/:messageId") { request, context in
            let principal = try await access.require(request, [.partner], action: "find its referrals")
            let messageId = try context.parameters.require("messageId")
            guard let found = try await store.partnerReferral(messageId: messageId, partnerId: principal.partnerId ?? principal.tokenId) else {
                throw APIProblem.notFound("no referral with messageId \"\(messageId)\" for this token")
            }
            return try HTTPBodies.json(found)
        }
    }

    func submit(_ request: Request) async throws -> Response {
        let principal = try await access.require(request, [.partner], action: "submit referrals")
        if HTTPBodies.mediaType(of: request) == "application/x-ndjson" {
            throw APIProblem(.unsupportedMediaType, title: "Unsupported content type",
                             detail: "this endpoint takes one referral as application/json; send NDJSON (one referral per line) to POST /v1/referrals/batch")
        }
        let body = try await HTTPBodies.read(request, mediaType: "application/json", limit: configuration.maxBodyBytes)
        let receivedAt = configuration.now()
        let referral: Referral
        do {
            referral = try body.withUnsafeReadableBytes { bytes in
                try Result { () throws(ReferralError) in try ReferralReader().read(bytes, receivedAt: receivedAt) }.get()
            }
        } catch let error as ReferralError {
            metrics.referral(outcome: "invalid")
            if case .syntax(let syntax) = error {
                // A second document after the first: several referrals, one per line, belong in a batch.
                if case .trailingData = syntax.reason {
                    throw APIProblem.badRequest("Invalid JSON", [JSONProblem(path: "$", message: syntax.description
                        + "; this endpoint takes one referral: send several, one per line, as application/x-ndjson to POST /v1/referrals/batch")])
                }
                throw APIProblem.badRequest("Invalid JSON", error.problems)
            }
            throw APIProblem.badRequest("Invalid referral", error.problems)
        }
        let outcome = try await submit(referral, principal: principal, receivedAt: receivedAt)
        // The decision's text is the one the log stored: the answer does not encode it again.
        let answer = ReferralAnswer.json(referralId: outcome.referralId, status: .awaitingDecision, decisionText: outcome.decisionText)
        return HTTPBodies.json(text: answer, status: outcome.replayed ? .ok : .created, headers: [.location: "/v1/referrals/\(outcome.referralId)"])
    }

    private func submit(_ referral: Referral, principal: Principal, receivedAt: Timestamp) async throws -> Submission {
        do {
            let outcome = try await store.submit(referral, partnerId: principal.partnerId ?? principal.tokenId, actor: principal.actor, receivedAt: receivedAt)
            metrics.referral(outcome: outcome.replayed ? "replayed" : "created", level: outcome.decision.level)
            logger.info("referral", metadata: [
                "referralId": .string(outcome.referralId), "caseId": .string(outcome.caseId), "token": .string(principal.tokenId),
                "level": .string(outcome.decision.level), "replayed": .stringConvertible(outcome.replayed),
            ])
            return outcome
        } catch let error as StoreError {
            if case .messageIdConflict = error { metrics.referral(outcome: "conflict") }
            throw error
        }
    }

    /// What a partner hears back: its referral's id, status and the router's recommendation for
    /// its own message. Never the case id or whether the child was known (joined an open case,
    /// a re-referral): the answer is the same either way (docs/identity.md).
    static func body(_ outcome: Submission) throws -> JSONValue {
        try JSONValueEncoder().encode(ReferralAnswer(referralId: outcome.referralId, status: .awaitingDecision, decision: outcome.decision))
    }

    /// NDJSON in, NDJSON out, streamed: lines are read, decided and answered as they arrive, one
    /// result per non-blank line, in order. A bad line is reported and the rest go on; the batch
    /// is not atomic, and sending it again whole is safe (each line is idempotent by its
    /// `messageId`). Memory is bounded whatever the body: a line at a time plus a window of
    /// ``batchWindow`` lines being stored. At most ``ServerConfiguration/maxBatchLines`` lines are
    /// read: the next gets a 413 line and the rest is not read. One batch per partner runs at a
    /// time (another waits its turn), so one partner's batches cannot crowd out others (issue 22).
    func batch(_ request: Request) async throws -> Response {
        let principal = try await access.require(request, [.partner], action: "submit referrals")
        try HTTPBodies.check(request, mediaType: "application/x-ndjson", limit: configuration.maxBatchBytes)
        let receivedAt = configuration.now()
        let partner = principal.partnerId ?? principal.tokenId
        // Read up to the first line that holds anything before answering: a batch with no
        // referral in it is a 400, not an empty 200 (the status goes out before the lines).
        let body = BatchBody(request.body, maxLineBytes: configuration.maxBodyBytes)
        guard try await body.hasLine(limit: configuration.maxBatchBytes) else {
            throw APIProblem.badRequest("Empty batch", [JSONProblem(path: "$", message: "the batch holds no referral: send one JSON referral per line")])
        }
        return Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: ResponseBody { writer in
            await batchTurns.enter(partner)
            do {
                try await streamBatch(body, principal: principal, receivedAt: receivedAt) { value in
                    var bytes = value.serializedBytes()
                    bytes.append(0x0A)
                    try await writer.write(ByteBuffer(bytes: bytes))
                }
                await batchTurns.leave(partner)
            } catch {
                await batchTurns.leave(partner)
                throw error
            }
            try await writer.finish(nil)
        })
    }

    /// Lines stored at once per batch: enough to share commits, few enough to stay fair.
    static let batchWindow = 8

    private func streamBatch(_ body: BatchBody, principal: Principal, receivedAt: Timestamp,
                             answer: (JSONValue) async throws -> Void) async throws {
        var window: [Task<JSONValue, Never>] = []
        var count = 0
        var stopped = false
        func submit(_ line: LineSplitter.Line) async throws -> Bool {
            guard !line.isBlank else { return true }
            count += 1
            guard count <= configuration.maxBatchLines else {
                try await drain(0)
                try await answer(.object(["line": .integer(Int64(line.number)), "status": .integer(413), "errors": .array([.object([
                    "path": .string("$"),
                    "message": .string("a batch holds at most \(configuration.maxBatchLines) lines; this line and the rest were not read: send them in another batch"),
                ])])]))
                return false
            }
            let number = line.number
            let result: Result<Referral, ReferralError>
            if let tooLong = line.tooLong {
                result = .failure(.invalid([JSONProblem(path: "$", message: "the line is \(tooLong) bytes or more; the limit is \(configuration.maxBodyBytes)")]))
            } else {
                result = Result { () throws(ReferralError) in try ReferralReader().read(line.bytes, receivedAt: receivedAt) }
            }
            window.append(Task { await batchLine(number, result, principal: principal, receivedAt: receivedAt) })
            try await drain(Self.batchWindow - 1)
            return true
        }
        func drain(_ keep: Int) async throws {
            while window.count > keep { try await answer(await window.removeFirst().value) }
        }
        reading: while true {
            switch try await body.next(limit: configuration.maxBatchBytes) {
            case .lines(let lines):
                for line in lines {
                    guard try await submit(line) else {
                        stopped = true
                        break reading
                    }
                }
            case .overLimit(let nextLine):
                try await drain(0)
                try await answer(.object(["line": .integer(Int64(nextLine)), "status": .integer(413), "errors": .array([.object([
                    "path": .string("$"), "message": .string("the batch is over \(configuration.maxBatchBytes) bytes; the rest was not read: send it in another batch"),
                ])])]))
                stopped = true
                break reading
            case .end:
                break reading
            }
        }
        if !stopped, let last = body.finish() { _ = try await submit(last) }
        try await drain(0)
    }

    private func batchLine(_ number: Int, _ result: Result<Referral, ReferralError>, principal: Principal, receivedAt: Timestamp) async -> JSONValue {
        func failure(_ status: Int, _ problems: [JSONProblem]) -> JSONValue {
            .object(["line": .integer(Int64(number)), "status": .integer(Int64(status)),
                     "errors": .array(MessageInvalid(problems).reported.map { .object(["path": .string($0.path), "message": .string($0.message)]) })])
        }
        switch result {
        case .failure(.syntax(let syntax)):
            metrics.referral(outcome: "invalid")
            // Each line is parsed as its own document: its position is a column within this line
            // of the batch, never "line 1" (issue 25).
            var error: [String: JSONValue] = ["path": .string(syntax.path ?? "$"), "column": .integer(Int64(syntax.column))]
            if case .tooLarge = syntax.reason {
                error["message"] = .string(syntax.message)
            } else {
                error["message"] = .string("line \(number) of the batch, column \(syntax.column): \(syntax.message)")
            }
            return .object(["line": .integer(Int64(number)), "status": .integer(400), "errors": .array([.object(error)])])
        case .failure(let error):
            metrics.referral(outcome: "invalid")
            return failure(400, error.problems)
        case .success(let referral):
            do {
                let outcome = try await submit(referral, principal: principal, receivedAt: receivedAt)
                guard case .object(var fields) = try Self.body(outcome) else { return .null }
                fields["line"] = .integer(Int64(number))
                fields["status"] = .integer(outcome.replayed ? 200 : 201)
                return .object(fields)
            } catch let error as StoreError {
                let problem = RequestMiddleware<ContinuumRequestContext>.problem(for: error)
                return failure(problem.status.code, problem.errors.isEmpty ? [JSONProblem(path: "$", message: problem.detail)] : problem.errors)
            } catch {
                return failure(503, [JSONProblem(path: "$", message: "the record store could not complete this line; resend it")])
            }
        }
    }

    /// The referrer hears the outcome; any other partner gets the same 404 as for an unknown id.
    func status(_ request: Request, referralId: String) async throws -> Response {
        let principal = try await access.require(request, [.partner, .practitioner, .manager], action: "read referrals")
        let found: (status: ReferralStatus, partnerId: String)
        do {
            found = try await store.referralStatus(referralId)
        } catch StoreError.referralNotFound {
            throw APIProblem.notFound("no referral \"\(referralId)\" for this token")
        }
        guard principal.role == .partner else {
            // Staff reading a referral read the child's case: recorded before the answer (issue 20).
            try await store.recordAccess([AccessRead(caseId: found.status.caseId, view: .referral)], by: principal, at: configuration.now())
            return try HTTPBodies.json(found.status)
        }
        // The referrer's own view: what was decided about this referral, never the case (issue 24).
        guard found.partnerId == (principal.partnerId ?? principal.tokenId),
              let view = try await store.partnerReferral(referralId, partnerId: found.partnerId) else {
            throw APIProblem.notFound("no referral \"\(referralId)\" for this token")
        }
        return try HTTPBodies.json(view)
    }
}

/// A batch's body read line by line, shared between the handler (which reads up to the first
/// line that holds anything, to refuse an empty batch before the 200 goes out) and the response
/// writer (which reads the rest).
///
/// `@unchecked Sendable` because Hummingbird's body iterator is not `Sendable`: the handler
/// and the writer use it one after the other, never at once, and no other task sees it.
final class BatchBody: @unchecked Sendable {
    enum Read {
        case lines([LineSplitter.Line])
        /// The body went over the byte limit; the next line's number.
        case overLimit(Int)
        case end
    }

    private var iterator: RequestBody.AsyncIterator
    private var splitter: LineSplitter
    private var bytes = 0
    /// Lines read by ``hasLine(limit:)`` and not yet taken by ``next(limit:)``.
    private var pending: [LineSplitter.Line] = []
    /// The body went over the limit while ``hasLine(limit:)`` read: reported after `pending`.
    private var overLimit: Int?
    private var ended = false

    init(_ body: RequestBody, maxLineBytes: Int) {
        iterator = body.makeAsyncIterator()
        splitter = LineSplitter(maxLineBytes: maxLineBytes)
    }

    /// Whether the body holds a line that is not blank (reading up to it, and no further).
    func hasLine(limit: Int) async throws -> Bool {
        while true {
            if pending.contains(where: { !$0.isBlank }) { return true }
            switch try await read(limit: limit) {
            case .lines(let lines): pending += lines
            case .overLimit(let line):
                overLimit = line  // reported as a 413 line by the writer
                return true
            case .end:
                if let last = splitter.finish() {
                    pending.append(last)
                    return !last.isBlank
                }
                return false
            }
        }
    }

    /// The next lines the body completes.
    func next(limit: Int) async throws -> Read {
        if !pending.isEmpty {
            defer { pending = [] }
            return .lines(pending)
        }
        if let line = overLimit {
            overLimit = nil
            return .overLimit(line)
        }
        return try await read(limit: limit)
    }

    /// The last line, when the body did not end with a newline.
    func finish() -> LineSplitter.Line? { splitter.finish() }

    private func read(limit: Int) async throws -> Read {
        guard !ended else { return .end }
        guard let chunk = try await iterator.next() else {
            ended = true
            return .end
        }
        bytes += chunk.readableBytes
        guard bytes <= limit else {
            ended = true
            return .overLimit(splitter.number + 1)
        }
        return .lines(splitter.feed(chunk.readableBytesView))
    }
}
