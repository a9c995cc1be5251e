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
    let access: Access
    let configuration: ServerConfiguration
    let metrics: ServerMetrics
    let logger: Logger

    func register(on router: Router<BasicRequestContext>) {
        router.post("/v1/referrals") { request, _ in try await submit(request) }
        router.post("/v1/referrals/batch") { request, _ in try await batch(request) }
        router.get("/v1/referrals/:referralId") { request, context in
            try await status(request, referralId: context.parameters.require("referralId"))
        }
    }

    func submit(_ request: Request) async throws -> Response {
        let principal = try await access.require(request, [.partner], action: "submit referrals")
        let body = try await HTTPBodies.read(request, mediaType: "application/json", limit: configuration.maxBodyBytes)
        let receivedAt = configuration.now()
        let referral: Referral
        do {
            referral = try body.withUnsafeReadableBytes { bytes in
                try Result { () throws(ReferralError) in try ReferralReader().read(bytes, receivedAt: receivedAt) }.get()
            }
        } catch let error as ReferralError {
            metrics.referral(outcome: "invalid")
            if case .syntax = error { throw APIProblem.badRequest("Invalid JSON", error.problems) }
            throw APIProblem.badRequest("Invalid referral", error.problems)
        }
        let outcome = try await submit(referral, principal: principal, receivedAt: receivedAt)
        return try HTTPBodies.json(Self.body(outcome), status: outcome.replayed ? .ok : .created,
                                   headers: [.location: "/v1/referrals/\(outcome.referralId)"])
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
        .object([
            "referralId": .string(outcome.referralId), "status": .string(outcome.status),
            "decision": try JSONValueEncoder().encode(outcome.decision),
        ])
    }

    /// NDJSON in, NDJSON out: one result per non-blank input line, in order. Lines are stored
    /// concurrently so they share commits; a bad line is reported and the rest go on.
    func batch(_ request: Request) async throws -> Response {
        let principal = try await access.require(request, [.partner], action: "submit referrals")
        let body = try await HTTPBodies.read(request, mediaType: "application/x-ndjson", limit: configuration.maxBatchBytes)
        let receivedAt = configuration.now()
        let bytes = body.readableBytesView
        var lines: [(number: Int, result: Result<Referral, ReferralError>)] = []
        var number = 0
        for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            number += 1
            let text = line.last == 0x0D ? line.dropLast() : line[...]
            if text.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            let result = Result { () throws(ReferralError) in try ReferralReader().read(Array(text), receivedAt: receivedAt) }
            lines.append((number, result))
        }
        let results = await withTaskGroup(of: (Int, JSONValue).self) { group in
            for (index, line) in lines.enumerated() {
                group.addTask {
                    (index, await batchLine(line.number, line.result, principal: principal, receivedAt: receivedAt))
                }
            }
            var results = Array(repeating: JSONValue.null, count: lines.count)
            for await (index, value) in group { results[index] = value }
            return results
        }
        var output: [UInt8] = []
        for result in results {
            output.append(contentsOf: result.serializedBytes())
            output.append(0x0A)
        }
        return Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: output)))
    }

    private func batchLine(_ number: Int, _ result: Result<Referral, ReferralError>, principal: Principal, receivedAt: Timestamp) async -> JSONValue {
        func failure(_ status: Int, _ problems: [JSONProblem]) -> JSONValue {
            .object(["line": .integer(Int64(number)), "status": .integer(Int64(status)),
                     "errors": .array(problems.map { .object(["path": .string($0.path), "message": .string($0.message)]) })])
        }
        switch result {
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
                let problem = RequestMiddleware<BasicRequestContext>.problem(for: error)
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
        guard principal.role == .partner else { return try HTTPBodies.json(found.status) }
        guard found.partnerId == (principal.partnerId ?? principal.tokenId) else {
            throw APIProblem.notFound("no referral \"\(referralId)\" for this token")
        }
        // The case is the council's record of the child, not the partner's: no case id.
        guard case .object(var fields) = try JSONValueEncoder().encode(found.status) else { return try HTTPBodies.json(found.status) }
        fields["caseId"] = nil
        return HTTPBodies.json(.object(fields))
    }
}
