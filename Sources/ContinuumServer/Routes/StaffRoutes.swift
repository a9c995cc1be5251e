import ContinuumAPI
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
            let principal = try await access.require(request, Self.staff, action: "read the queue")
            let limit = try Self.limit(request, default: QueuePage.defaultLimit)
            let today = UKTime.londonDate(of: configuration.now())
            let page = try await store.queue(today: today, limit: limit)
            try await recordAccess(page.items.map { AccessRead(caseId: $0.caseId, view: .queue) }, principal)
            return try HTTPBodies.json(QueuePage(asOf: today, total: page.total, items: page.items))
        }
        router.get("/v1/cases/:caseId") { request, context in
            let caseId = try context.parameters.require("caseId")
            let principal = try await access.require(request, Self.staff, action: "read cases")
            let record = try await store.caseRecord(caseId, today: UKTime.londonDate(of: configuration.now()))
            try await recordAccess([AccessRead(caseId: caseId, view: .case)], principal)
            return try HTTPBodies.json(record)
        }
        router.post("/v1/cases/:caseId/decisions") { request, context in
            let caseId = try context.parameters.require("caseId")
            let principal = try await access.require(request, Self.staff, action: "record front-door decisions")
            let command = try await command(DecisionRequest.self, request)
            let outcome = try await store.decide(caseId: caseId, command, actor: principal.actor, at: configuration.now())
            log("decision", outcome, principal)
            return try HTTPBodies.json(outcome, status: .created)
        }
        router.post("/v1/cases/:caseId/transitions") { request, context in
            let caseId = try context.parameters.require("caseId")
            let principal = try await access.require(request, Self.staff, action: "step cases up or down or close them")
            let command = try await command(TransitionRequest.self, request)
            let outcome = try await store.transition(caseId: caseId, command, actor: principal.actor, at: configuration.now())
            log("transition", outcome, principal)
            return try HTTPBodies.json(outcome, status: .created)
        }
        router.post("/v1/cases/:caseId/assignment") { request, context in
            let caseId = try context.parameters.require("caseId")
            let principal = try await access.require(request, Self.staff, action: "assign cases")
            let command = try await command(AssignmentRequest.self, request)
            let outcome = try await store.assign(caseId: caseId, command, actor: principal.actor, at: configuration.now())
            log("assigned", outcome, principal)
            return try HTTPBodies.json(outcome, status: .created)
        }
        router.post("/v1/cases/:caseId/milestones") { request, context in
            let caseId = try context.parameters.require("caseId")
            let principal = try await access.require(request, Self.staff, action: "record milestones")
            let command = try await command(MilestoneRequest.self, request)
            let outcome = try await store.recordMilestone(caseId: caseId, command, actor: principal.actor, at: configuration.now())
            log("milestone", outcome, principal)
            return try HTTPBodies.json(outcome, status: .created)
        }
        router.post("/v1/cases/:caseId/audits") { request, context in
            let caseId = try context.parameters.require("caseId")
            let principal = try await access.require(request, [.manager], action: "grade case-file audits")
            let command = try await command(AuditRequest.self, request)
            let outcome = try await store.recordAudit(caseId: caseId, command, actor: principal.actor, at: configuration.now())
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
            let principal = try await access.require(request, Self.staff, action: "read possible matches")
            let matches = try await store.possibleMatches(limit: try Self.limit(request, default: QueuePage.defaultLimit))
            // Both records of each pair are shown: both children's cases are read.
            try await recordAccess(matches.items.flatMap { [AccessRead(caseId: $0.referral.caseId, view: .matches),
                                                            AccessRead(caseId: $0.candidate.caseId, view: .matches)] }, principal)
            return try HTTPBodies.json(matches)
        }
        // The same child (link) or two children (different): one route shape for both decisions.
        for link in [true, false] {
            router.post("/v1/matches/:matchId/\(link ? "link" : "different")") { request, context in
                let matchId = try context.parameters.require("matchId")
                let principal = try await access.require(request, Self.staff, action: "decide possible matches")
                let command = try await command(MatchDecisionRequest.self, request)
                let (actor, now) = (principal.actor, configuration.now())
                let outcome = link ? try await store.linkMatch(matchId, command, actor: actor, at: now)
                    : try await store.distinguishMatch(matchId, command, actor: actor, at: now)
                log(link ? "match-linked" : "match-different", outcome, principal)
                return try HTTPBodies.json(outcome, status: .created)
            }
        }
        router.post("/v1/cases/:caseId/unlink") { request, context in
            let caseId = try context.parameters.require("caseId")
            let principal = try await access.require(request, Self.staff, action: "unlink referrals")
            let command = try await command(UnlinkRequest.self, request)
            let outcome = try await store.unlink(caseId: caseId, command, actor: principal.actor, at: configuration.now())
            log("unlink", outcome, principal)
            return try HTTPBodies.json(outcome, status: .created)
        }
        router.get("/v1/migration-review") { request, _ in
            _ = try await access.require(request, Self.staff, action: "read the migration review list")
            return try HTTPBodies.json(try await store.migrationReview(limit: try Self.limit(request, default: QueuePage.defaultLimit)))
        }
        router.post("/v1/cases/:caseId/migration") { request, context in
            let caseId = try context.parameters.require("caseId")
            let principal = try await access.require(request, Self.staff, action: "move cases to a new pathway version")
            let command = try await command(MigrationRequest.self, request)
            let outcome = try await store.migrateReviewed(caseId: caseId, command, actor: principal.actor, at: configuration.now())
            log("pathway-migrated", outcome, principal)
            return try HTTPBodies.json(outcome, status: .created)
        }
        router.get("/v1/approvals") { request, _ in
            let principal = try await access.require(request, [.manager], action: "list approvals")
            let limit = try Self.limit(request, default: QueuePage.defaultLimit)
            let items = try await store.approvals()
            let shown = Array(items.prefix(limit))
            try await recordAccess(shown.map { AccessRead(caseId: $0.caseId, view: .approvals) }, principal)
            return try HTTPBodies.json(ApprovalsPage(total: items.count, items: shown))
        }
        router.post("/v1/decisions/:decisionId/approval") { request, context in
            let id = try context.parameters.require("decisionId")
            let principal = try await access.require(request, [.manager], action: "approve or reject changes")
            let command = try await command(ApprovalRequest.self, request)
            let outcome = try await store.resolveApproval(id, command, actor: principal.actor, at: configuration.now())
            log(command.approves ? "approved" : "rejected", outcome, principal)
            return try HTTPBodies.json(outcome, status: .created)
        }
    }

    /// Records who is about to see which cases, durably, before the answer is sent (issue 20).
    private func recordAccess(_ reads: [AccessRead], _ principal: Principal) async throws {
        try await store.recordAccess(reads, by: principal, at: configuration.now())
    }

    /// Reads a staff request's body and builds its command: a body that does not decode, or a
    /// command that cannot be built, is a 400 naming each field's JSON path.
    private func command<Body: StaffRequest>(_ type: Body.Type, _ request: Request) async throws -> Body.Command {
        let body = try HTTPBodies.decode(type, from: try await read(request), limit: configuration.maxBodyBytes)
        do {
            return try body.command()
        } catch {
            throw APIProblem.badRequest(Body.invalidTitle, error.problems.map { JSONProblem(path: Body.jsonPath($0.field), message: $0.message) })
        }
    }

    /// `?limit=N` (1 to ``QueueBody/maximumLimit``), else `fallback`: every list is paged, so an
    /// answer's size never grows with the database (issue 22).
    static func limit(_ request: Request, default fallback: Int) throws -> Int {
        guard let text = request.uri.queryParameters.get("limit") else { return fallback }
        guard let value = Int(text), (1...QueuePage.maximumLimit).contains(value) else {
            throw APIProblem.badRequest("Invalid limit", [JSONProblem(path: "limit", message: "must be a whole number from 1 to \(QueuePage.maximumLimit)")])
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
                                            "status": .string(outcome.status.rawValue), "token": .string(principal.tokenId)])
    }
}

