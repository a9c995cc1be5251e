import ContinuumAPI
import ContinuumCensus
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
        router.get("/v1/me") { request, _ in
            let principal = try await access.require(request, Self.staff, action: "use the staff API")
            return try HTTPBodies.json(StaffIdentity(tokenId: principal.tokenId, role: principal.role, name: principal.name))
        }
        router.get("/v1/queue") { request, _ in
            let principal = try await access.require(request, Self.staff, action: "read the queue")
            let limit = try Self.limit(request, default: QueuePage.defaultLimit)
            let page = try await store.queuePage(today: UKTime.londonDate(of: configuration.now()), limit: limit)
            try await recordAccess(page.items.map { AccessRead(caseId: $0.caseId, view: .queue) }, principal)
            return try HTTPBodies.json(page)
        }
        router.get("/v1/cases") { request, _ in
            let principal = try await access.require(request, Self.staff, action: "read caseloads")
            let limit = try Self.limit(request, default: QueuePage.defaultLimit)
            let offset = try Self.offset(request)
            let filter = try await caseFilter(request, principal)
            let page = try await store.cases(filter, today: UKTime.londonDate(of: configuration.now()), limit: limit, offset: offset)
            try await recordAccess(page.items.map { AccessRead(caseId: $0.caseId, view: .caseload) }, principal)
            return try HTTPBodies.json(page)
        }
        router.get("/v1/children/search") { request, _ in
            let principal = try await access.require(request, Self.staff, action: "search for children")
            let query = request.uri.queryParameters
            let text = { (name: String) -> String? in query.get(name).map { String($0) } }
            let search: ChildSearch
            switch ChildSearch.parse(nhsNumber: text("nhsNumber"), givenName: text("givenName"), familyName: text("familyName"), dateOfBirth: text("dateOfBirth")) {
            case .success(let parsed): search = parsed
            case .failure(let invalid): throw APIProblem.badRequest("Invalid search", invalid.problems.map { JSONProblem(path: $0.parameter, message: $0.message) })
            }
            let limit = try Self.limit(request, default: 20)
            let page = try await store.searchChildren(search, today: UKTime.londonDate(of: configuration.now()), limit: limit)
            // Every case a search shows is recorded against the person who searched (issue 20).
            try await recordAccess(page.items.map { AccessRead(caseId: $0.caseId, view: .search) }, principal)
            logger.info("child-search", metadata: ["token": .string(principal.tokenId), "by": .string(search.nhsNumber == nil ? "names" : "nhs-number"),
                                                   "found": .stringConvertible(page.total)])
            return try HTTPBodies.json(page)
        }
        router.get("/v1/cases/:caseId") { request, context in
            let principal = try await access.require(request, Self.staff, action: "read cases")
            let caseId = try await store.resolveCase(try context.parameters.require("caseId"), forChange: false)
            let record = try await store.caseRecord(caseId, today: UKTime.londonDate(of: configuration.now()), role: principal.role)
            try await recordAccess([AccessRead(caseId: caseId, view: .case)], principal)
            return try HTTPBodies.json(record)
        }
        router.post("/v1/cases/:caseId/decisions") { request, context in
            let principal = try await access.require(request, Self.staff, action: "record front-door decisions")
            let (caseId, command) = try await caseCommand(DecisionRequest.self, request, context)
            let outcome = try await refusals(DecisionRequest.self, level: .level) {
                try await store.decide(caseId: caseId, command, actor: principal.actor, at: configuration.now())
            }
            log("decision", outcome, principal)
            return try HTTPBodies.json(outcome, status: .created)
        }
        router.post("/v1/cases/:caseId/transitions") { request, context in
            let principal = try await access.require(request, Self.staff, action: "step cases up or down, escalate or close them")
            let (caseId, command) = try await caseCommand(TransitionRequest.self, request, context)
            let outcome = try await refusals(TransitionRequest.self, level: .to) {
                try await store.transition(caseId: caseId, command, actor: principal.actor, at: configuration.now())
            }
            log("transition", outcome, principal)
            return try HTTPBodies.json(outcome, status: .created)
        }
        router.post("/v1/cases/:caseId/assignment") { request, context in
            let principal = try await access.require(request, Self.staff, action: "assign cases")
            let (caseId, command) = try await caseCommand(AssignmentRequest.self, request, context)
            let outcome = try await refusals(AssignmentRequest.self, level: .to) {
                try await store.assign(caseId: caseId, command, actor: principal.actor, at: configuration.now())
            }
            log("assigned", outcome, principal)
            return try HTTPBodies.json(outcome, status: .created)
        }
        router.post("/v1/cases/:caseId/milestones") { request, context in
            let principal = try await access.require(request, Self.staff, action: "record milestones")
            let (caseId, command) = try await caseCommand(MilestoneRequest.self, request, context)
            let outcome = try await refusals(MilestoneRequest.self, level: .milestone) {
                try await store.recordMilestone(caseId: caseId, command, actor: principal.actor, at: configuration.now())
            }
            log("milestone", outcome, principal)
            return try HTTPBodies.json(outcome, status: .created)
        }
        router.patch("/v1/cases/:caseId/child") { request, context in
            let principal = try await access.require(request, Self.staff, action: "record census details")
            let (caseId, command) = try await caseCommand(ChildDetailsRequest.self, request, context)
            let outcome = try await refusals(ChildDetailsRequest.self, level: .upn) {
                try await store.recordChildDetails(caseId: caseId, command, actor: principal.actor, at: configuration.now())
            }
            log("child-details", outcome, principal)
            return try HTTPBodies.json(outcome, status: .created)
        }
        router.post("/v1/cases/:caseId/audits") { request, context in
            let principal = try await access.require(request, [.manager], action: "grade case-file audits")
            let (caseId, command) = try await caseCommand(AuditRequest.self, request, context)
            let outcome = try await store.recordAudit(caseId: caseId, command, actor: principal.actor, at: configuration.now())
            log("audited", outcome, principal)
            return try HTTPBodies.json(outcome, status: .created)
        }
        router.get("/v1/census/quality") { request, _ in
            _ = try await access.require(request, [.manager], action: "read the census data-quality list")
            let text: String? = request.uri.queryParameters.get("year").map { String($0) }
            guard let text, let year = CensusYear(text) else {
                throw APIProblem.badRequest("Invalid census year", [JSONProblem(path: "year", message: text.map { "\"\($0)\" is not a collection year; give it as 2026-27" }
                    ?? "required: the collection year, e.g. year=2026-27")])
            }
            let report = try await store.census(year: year, la: nil)
            return try HTTPBodies.json(CensusQuality(report.census, issues: report.issues))
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
            let principal = try await access.require(request, Self.staff, action: "unlink referrals")
            let (caseId, command) = try await caseCommand(UnlinkRequest.self, request, context)
            let outcome = try await store.unlink(caseId: caseId, command, actor: principal.actor, at: configuration.now())
            log("unlink", outcome, principal)
            return try HTTPBodies.json(outcome, status: .created)
        }
        router.get("/v1/migration-review") { request, _ in
            _ = try await access.require(request, Self.staff, action: "read the migration review list")
            return try HTTPBodies.json(try await store.migrationReview(limit: try Self.limit(request, default: QueuePage.defaultLimit)))
        }
        router.post("/v1/cases/:caseId/migration") { request, context in
            let principal = try await access.require(request, Self.staff, action: "move cases to a new pathway version")
            let (caseId, command) = try await caseCommand(MigrationRequest.self, request, context)
            let outcome = try await store.migrateReviewed(caseId: caseId, command, actor: principal.actor, at: configuration.now())
            log("pathway-migrated", outcome, principal)
            return try HTTPBodies.json(outcome, status: .created)
        }
        router.get("/v1/approvals") { request, _ in
            let principal = try await access.require(request, [.manager], action: "list approvals")
            let page = try await store.approvalsPage(limit: try Self.limit(request, default: QueuePage.defaultLimit))
            try await recordAccess(page.items.map { AccessRead(caseId: $0.caseId, view: .approvals) }, principal)
            return try HTTPBodies.json(page)
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

    /// The case a change is for, as typed (any case; a referral's id is named, not guessed),
    /// and the request's command, checked before the case is looked up.
    private func caseCommand<Body: StaffRequest>(_ type: Body.Type, _ request: Request, _ context: ContinuumRequestContext) async throws -> (String, Body.Command) {
        let command = try await command(type, request)
        return (try await store.resolveCase(try context.parameters.require("caseId"), forChange: true), command)
    }

    /// A pathway refusal answered with the request field it is about (`$.to` for a move the
    /// pathway has not got), beside the rule's words and the moves there are.
    private func refusals<Body: StaffRequest>(_ body: Body.Type, level: CommandField, _ work: () async throws -> ChangeOutcome) async throws -> ChangeOutcome {
        do {
            return try await work()
        } catch StoreError.refused(let refusal) {
            var problem = RequestMiddleware<ContinuumRequestContext>.problem(for: .refused(refusal))
            if let field = Self.field(of: refusal, level: level) {
                problem.errors = [JSONProblem(path: Body.jsonPath(field), message: refusal.description)]
            }
            throw problem
        }
    }

    static func field(of refusal: CaseTransitionError, level: CommandField) -> CommandField? {
        switch refusal {
        case .noSuchTransition, .notAFrontDoorOutcome, .consentMissing, .unknownLevel, .notedAtAnotherLevel, .alreadyAtLevel: level
        case .wrongKind: .kind
        case .closureReasonNotAllowed: .reason
        case .overrideReasonMissing: .overrideReason
        case .unknownMilestone, .milestoneRequires: .milestone
        case .rationaleMissing: .rationale
        case .notQualified, .workerMissing: .worker
        case .caseRoleNotAtLevel: .role
        case .censusDetailNotTaken(let detail, _, _):
            switch detail {
            case .factors: .factors
            case .primaryNeed: .primaryNeed
            case .category: .category
            case .outcome: .outcome
            }
        default: nil
        }
    }

    /// `?assignedTo=&level=&phase=&overdue=`, each checked and named when wrong. `assignedTo=me`
    /// is the caller; a worker is found by token id or name (cases assigned under either).
    private func caseFilter(_ request: Request, _ principal: Principal) async throws -> CaseFilter {
        let query = request.uri.queryParameters
        var filter = CaseFilter()
        var problems: [JSONProblem] = []
        if let worker = query.get("assignedTo").map({ String($0) }) {
            filter.workers = try await store.workerKeys(tokenId: worker.lowercased() == "me" ? principal.tokenId : worker)
        }
        if let text = query.get("phase").map({ String($0) }) {
            let phases = [CaseState.Phase.awaitingDecision, .open, .closed, .merged].map(\.rawValue)
            if let phase = Codes.canonical(text, among: phases).flatMap(CaseState.Phase.init(rawValue:)) {
                filter.phase = phase
            } else {
                problems.append(JSONProblem(path: "phase", message: Codes.unknown("phase", text, among: phases)))
            }
        }
        if let text = query.get("level").map({ String($0) }) {
            let levels = store.levelIds
            if let level = Codes.canonical(text, among: levels) {
                filter.level = level
            } else {
                problems.append(JSONProblem(path: "level", message: Codes.unknown("level", text, among: levels)))
            }
        }
        if let text = query.get("overdue").map({ String($0) }) {
            switch text.lowercased() {
            case "true", "1", "yes": filter.overdue = true
            case "false", "0", "no": filter.overdue = false
            default: problems.append(JSONProblem(path: "overdue", message: "must be true or false, not \"\(text)\""))
            }
        }
        if !problems.isEmpty { throw APIProblem.badRequest("Invalid caseload query", problems) }
        return filter
    }

    /// `?offset=N`: items skipped before the page (0 to 1,000,000).
    static func offset(_ request: Request) throws -> Int {
        guard let text = request.uri.queryParameters.get("offset") else { return 0 }
        guard let value = Int(text), (0...1_000_000).contains(value) else {
            throw APIProblem.badRequest("Invalid offset", [JSONProblem(path: "offset", message: "must be a whole number from 0 to 1000000")])
        }
        return value
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

