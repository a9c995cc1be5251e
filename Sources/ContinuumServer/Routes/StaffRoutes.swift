import ContinuumCore
import ContinuumJSON
import ContinuumStore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The front door's API: the queue, cases, decisions, transitions and approvals.
struct StaffRoutes: Sendable {
    let store: any CaseStore
    let access: Access
    let configuration: ServerConfiguration
    let logger: Logger

    private static let staff: Set<Role> = [.practitioner, .manager]

    func register(on router: Router<ContinuumRequestContext>) {
        router.get("/v1/queue") { request, _ in
            _ = try await access.require(request, Self.staff, action: "read the queue")
            let limit = try Self.limit(request, default: QueueBody.defaultLimit)
            let today = UKTime.londonDate(of: configuration.now())
            let page = try await store.queue(today: today, limit: limit)
            return try HTTPBodies.json(QueueBody(asOf: today, total: page.total, items: page.items))
        }
        router.get("/v1/cases/:caseId") { request, context in
            let caseId = try context.parameters.require("caseId")
            _ = try await access.require(request, Self.staff, action: "read cases")
            return try HTTPBodies.json(try await store.caseRecord(caseId, today: UKTime.londonDate(of: configuration.now())))
        }
        router.post("/v1/cases/:caseId/decisions") { request, context in
            let caseId = try context.parameters.require("caseId")
            let principal = try await access.require(request, Self.staff, action: "record front-door decisions")
            let body = try HTTPBodies.decode(DecisionRequest.self, from: try await read(request), limit: configuration.maxBodyBytes)
            try body.validate()
            let outcome = try await store.decide(caseId: caseId, level: body.accept == true ? nil : body.level, rationale: body.rationale,
                                                 overrideReason: body.overrideReason, actor: principal.actor, at: configuration.now())
            log("decision", outcome, principal)
            return try HTTPBodies.json(outcome, status: .created)
        }
        router.post("/v1/cases/:caseId/transitions") { request, context in
            let caseId = try context.parameters.require("caseId")
            let principal = try await access.require(request, Self.staff, action: "step cases up or down or close them")
            let body = try HTTPBodies.decode(TransitionRequest.self, from: try await read(request), limit: configuration.maxBodyBytes)
            try body.validate()
            let outcome = try await store.transition(caseId: caseId, kind: body.kind, to: body.to, reason: body.reason, rationale: body.rationale,
                                                     actor: principal.actor, at: configuration.now())
            log("transition", outcome, principal)
            return try HTTPBodies.json(outcome, status: .created)
        }
        router.post("/v1/cases/:caseId/assignment") { request, context in
            let caseId = try context.parameters.require("caseId")
            let principal = try await access.require(request, Self.staff, action: "assign cases")
            let body = try HTTPBodies.decode(AssignmentRequest.self, from: try await read(request), limit: configuration.maxBodyBytes)
            guard !body.to.allSatisfy(\.isWhitespace) else {
                throw APIProblem.badRequest("Invalid assignment", [JSONProblem(path: "$.to", message: "name the worker to assign the case to")])
            }
            let outcome = try await store.assign(caseId: caseId, to: body.to, actor: principal.actor, at: configuration.now())
            log("assigned", outcome, principal)
            return try HTTPBodies.json(outcome, status: .created)
        }
        router.post("/v1/cases/:caseId/milestones") { request, context in
            let caseId = try context.parameters.require("caseId")
            let principal = try await access.require(request, Self.staff, action: "record milestones")
            let body = try HTTPBodies.decode(MilestoneRequest.self, from: try await read(request), limit: configuration.maxBodyBytes)
            let now = configuration.now()
            let on = try body.validate(today: UKTime.londonDate(of: now))
            let outcome = try await store.recordMilestone(caseId: caseId, milestone: body.milestone, on: on, rationale: body.rationale,
                                                          actor: principal.actor, at: now)
            log("milestone", outcome, principal)
            return try HTTPBodies.json(outcome, status: .created)
        }
        router.post("/v1/cases/:caseId/audits") { request, context in
            let caseId = try context.parameters.require("caseId")
            let principal = try await access.require(request, [.manager], action: "grade case-file audits")
            let body = try HTTPBodies.decode(AuditRequest.self, from: try await read(request), limit: configuration.maxBodyBytes)
            guard !body.findings.allSatisfy(\.isWhitespace) else {
                throw APIProblem.badRequest("Invalid audit", [JSONProblem(path: "$.findings", message: "findings are required")])
            }
            let outcome = try await store.recordAudit(caseId: caseId, grade: body.grade, findings: body.findings, actor: principal.actor, at: configuration.now())
            log("audited", outcome, principal)
            return try HTTPBodies.json(outcome, status: .created)
        }
        router.get("/v1/indicators") { request, _ in
            _ = try await access.require(request, [.manager, .planner], action: "read the indicators")
            let period = try indicatorPeriod(request)
            let report = try await store.indicators(from: period.from, to: period.to, targets: configuration.indicatorTargets)
            return HTTPBodies.json(report.json)
        }
        router.get("/v1/matches") { request, _ in
            _ = try await access.require(request, Self.staff, action: "read possible matches")
            return try HTTPBodies.json(try await store.possibleMatches(limit: try Self.limit(request, default: MatchesBody.defaultLimit)))
        }
        // The same child (link) or two children (different): one route shape for both decisions.
        for link in [true, false] {
            router.post("/v1/matches/:matchId/\(link ? "link" : "different")") { request, context in
                let matchId = try context.parameters.require("matchId")
                let principal = try await access.require(request, Self.staff, action: "decide possible matches")
                let body = try HTTPBodies.decode(MatchDecisionRequest.self, from: try await read(request), limit: configuration.maxBodyBytes)
                try body.validate()
                let (actor, now) = (principal.actor, configuration.now())
                let outcome = link ? try await store.linkMatch(matchId, rationale: body.rationale, actor: actor, at: now)
                    : try await store.distinguishMatch(matchId, rationale: body.rationale, actor: actor, at: now)
                log(link ? "match-linked" : "match-different", outcome, principal)
                return try HTTPBodies.json(outcome, status: .created)
            }
        }
        router.post("/v1/cases/:caseId/unlink") { request, context in
            let caseId = try context.parameters.require("caseId")
            let principal = try await access.require(request, Self.staff, action: "unlink referrals")
            let body = try HTTPBodies.decode(UnlinkRequest.self, from: try await read(request), limit: configuration.maxBodyBytes)
            try body.validate()
            let outcome = try await store.unlink(caseId: caseId, referralId: body.referralId, rationale: body.rationale,
                                                 actor: principal.actor, at: configuration.now())
            log("unlink", outcome, principal)
            return try HTTPBodies.json(outcome, status: .created)
        }
        router.get("/v1/approvals") { request, _ in
            _ = try await access.require(request, [.manager], action: "list approvals")
            let limit = try Self.limit(request, default: QueueBody.defaultLimit)
            let items = try await store.approvals()
            return try HTTPBodies.json(ApprovalsBody(total: items.count, items: Array(items.prefix(limit))))
        }
        router.post("/v1/decisions/:decisionId/approval") { request, context in
            let id = try context.parameters.require("decisionId")
            let principal = try await access.require(request, [.manager], action: "approve or reject changes")
            let body = try HTTPBodies.decode(ApprovalRequest.self, from: try await read(request), limit: configuration.maxBodyBytes)
            try body.validate()
            let outcome = try await store.resolveApproval(id, approve: body.approve, rationale: body.rationale, actor: principal.actor, at: configuration.now())
            log(body.approve ? "approved" : "rejected", outcome, principal)
            return try HTTPBodies.json(outcome, status: .created)
        }
    }

    /// `?limit=N` (1 to ``QueueBody/maximumLimit``), else `fallback`: every list is paged, so an
    /// answer's size never grows with the database (issue 22).
    static func limit(_ request: Request, default fallback: Int) throws -> Int {
        guard let text = request.uri.queryParameters.get("limit") else { return fallback }
        guard let value = Int(text), (1...QueueBody.maximumLimit).contains(value) else {
            throw APIProblem.badRequest("Invalid limit", [JSONProblem(path: "limit", message: "must be a whole number from 1 to \(QueueBody.maximumLimit)")])
        }
        return value
    }

    /// `?from=&to=` checked before any work: a 400 names the field (issue 22).
    private func indicatorPeriod(_ request: Request) throws -> IndicatorPeriod {
        let from: String? = request.uri.queryParameters.get("from").map { String($0) }
        let to: String? = request.uri.queryParameters.get("to").map { String($0) }
        switch IndicatorPeriod.resolve(from: from, to: to, today: UKTime.londonDate(of: configuration.now())) {
        case .success(let period): return period
        case .failure(let invalid): throw APIProblem.badRequest("Invalid period", invalid.problems)
        }
    }

    private func read(_ request: Request) async throws -> ByteBuffer {
        try await HTTPBodies.read(request, mediaType: "application/json", limit: configuration.maxBodyBytes)
    }

    private func log(_ action: String, _ outcome: MatchOutcome, _ principal: Principal) {
        logger.info("\(action)", metadata: ["matchId": .string(outcome.matchId), "referralId": .string(outcome.referralId),
                                            "caseId": .string(outcome.caseId), "eventId": .string(outcome.eventId), "token": .string(principal.tokenId)])
    }

    private func log(_ action: String, _ outcome: ChangeOutcome, _ principal: Principal) {
        logger.info("\(action)", metadata: ["caseId": .string(outcome.caseId), "eventId": .string(outcome.eventId),
                                            "status": .string(outcome.status), "token": .string(principal.tokenId)])
    }
}

/// `GET /v1/queue`: the most urgent `limit` items (100 without one) and how many wait in all.
struct QueueBody: Encodable {
    static let maximumLimit = 1000
    static let defaultLimit = 100
    var asOf: CalendarDate
    var total: Int
    var items: [QueueItem]
}

/// `GET /v1/matches` lists this many unless `?limit=` says otherwise.
enum MatchesBody {
    static let defaultLimit = 100
}

/// `POST /v1/matches/{matchId}/link` and `…/different`: `{"rationale": …}`.
struct MatchDecisionRequest: Decodable {
    var rationale: String

    enum CodingKeys: String, CodingKey, CaseIterable { case rationale }

    func validate() throws {
        if rationale.allSatisfy(\.isWhitespace) {
            throw APIProblem.badRequest("Invalid match decision", [JSONProblem(path: "$.rationale", message: "a rationale is required")])
        }
    }
}

/// `POST /v1/cases/{caseId}/unlink`: `{"referralId": …, "rationale": …}`.
struct UnlinkRequest: Decodable {
    var referralId: String
    var rationale: String

    enum CodingKeys: String, CodingKey, CaseIterable { case referralId, rationale }

    func validate() throws {
        var problems: [JSONProblem] = []
        if referralId.allSatisfy(\.isWhitespace) { problems.append(JSONProblem(path: "$.referralId", message: "name the referral to unlink")) }
        if rationale.allSatisfy(\.isWhitespace) { problems.append(JSONProblem(path: "$.rationale", message: "a rationale is required")) }
        if !problems.isEmpty { throw APIProblem.badRequest("Invalid unlink", problems) }
    }
}

/// `GET /v1/approvals`: the oldest `limit` (100 without one) and how many wait in all.
struct ApprovalsBody: Encodable {
    var total: Int
    var items: [ApprovalItem]
}

/// `POST /v1/cases/{caseId}/decisions`: `{"accept": true, "rationale": …}` or
/// `{"level": …, "overrideReason": …, "rationale": …}`.
struct DecisionRequest: Decodable {
    var accept: Bool?
    var level: String?
    var overrideReason: String?
    var rationale: String

    enum CodingKeys: String, CodingKey, CaseIterable { case accept, level, overrideReason, rationale }

    func validate() throws {
        var problems: [JSONProblem] = []
        if rationale.allSatisfy(\.isWhitespace) { problems.append(JSONProblem(path: "$.rationale", message: "a rationale is required")) }
        switch (accept ?? false, level) {
        case (true, .some): problems.append(JSONProblem(path: "$.level", message: "give either \"accept\": true or a \"level\", not both"))
        case (false, nil): problems.append(JSONProblem(path: "$", message: "give \"accept\": true to accept the recommendation, or a \"level\" (with an \"overrideReason\" when it differs)"))
        default: break
        }
        if !problems.isEmpty { throw APIProblem.badRequest("Invalid decision", problems) }
    }
}

/// `POST /v1/cases/{caseId}/transitions`: `{"kind": "step-up", "to": …, "rationale": …}` or
/// `{"kind": "close", "reason": "RC1", "rationale": …}`.
struct TransitionRequest: Decodable {
    var kind: TransitionKind
    var to: String?
    var reason: ClosureReason?
    var rationale: String

    enum CodingKeys: String, CodingKey, CaseIterable { case kind, to, reason, rationale }

    func validate() throws {
        var problems: [JSONProblem] = []
        if rationale.allSatisfy(\.isWhitespace) { problems.append(JSONProblem(path: "$.rationale", message: "a rationale is required")) }
        if kind == .close, reason == nil { problems.append(JSONProblem(path: "$.reason", message: "closing needs a CIN census closure reason, RC1 to RC9")) }
        if kind != .close, to == nil { problems.append(JSONProblem(path: "$.to", message: "a \(kind.rawValue) needs the level to move to")) }
        if !problems.isEmpty { throw APIProblem.badRequest("Invalid transition", problems) }
    }
}

/// `POST /v1/cases/{caseId}/milestones`: `{"milestone": "assessment-completed", "on": "2026-12-01", "rationale": …}`
/// (`on` defaults to today).
struct MilestoneRequest: Decodable {
    var milestone: String
    var on: String?
    var rationale: String

    enum CodingKeys: String, CodingKey, CaseIterable { case milestone, on, rationale }

    func validate(today: CalendarDate) throws -> CalendarDate {
        var problems: [JSONProblem] = []
        if rationale.allSatisfy(\.isWhitespace) { problems.append(JSONProblem(path: "$.rationale", message: "a rationale is required")) }
        let date = on.map { CalendarDate($0) } ?? today
        if date == nil { problems.append(JSONProblem(path: "$.on", message: "must be a date, YYYY-MM-DD")) }
        if !problems.isEmpty { throw APIProblem.badRequest("Invalid milestone", problems) }
        return date ?? today
    }
}

/// `POST /v1/cases/{caseId}/audits`: `{"grade": "good", "findings": …}`.
struct AuditRequest: Decodable {
    var grade: AuditGrade
    var findings: String

    enum CodingKeys: String, CodingKey, CaseIterable { case grade, findings }
}

/// `POST /v1/cases/{caseId}/assignment`: `{"to": "WORKER"}`.
struct AssignmentRequest: Decodable {
    var to: String

    enum CodingKeys: String, CodingKey, CaseIterable { case to }
}

/// `POST /v1/decisions/{id}/approval`: `{"approve": true|false, "rationale": …}` (required to reject).
struct ApprovalRequest: Decodable {
    var approve: Bool
    var rationale: String?

    enum CodingKeys: String, CodingKey, CaseIterable { case approve, rationale }

    func validate() throws {
        if !approve, rationale?.allSatisfy(\.isWhitespace) ?? true {
            throw APIProblem.badRequest("Invalid approval", [JSONProblem(path: "$.rationale", message: "rejecting a change needs a rationale")])
        }
    }
}
