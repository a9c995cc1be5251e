import AsyncHTTPClient
#if canImport(Glibc)
import Glibc
#endif
import ContinuumAPI
import ContinuumCore
import ContinuumJSON
import NIOCore
import NIOHTTP1
import NIOPosix

/// A client of the router service's staff API, for `continuum triage` (and later the load
/// test): JSON in and out through ContinuumJSON, errors sorted into what a user can act on.
///
/// ```swift
/// let client = try ContinuumClient(server: "http://127.0.0.1:8080", token: token)
/// let queue = try await client.queue()
/// ```
public struct ContinuumClient: Sendable {
    /// The server's base URL without a trailing slash.
    public let server: String
    let token: String
    let timeout: TimeAmount
    let http: HTTPClient

    /// - Parameter http: the HTTP client to use (the load test passes one with more connections);
    ///   by default one shared client per process.
    public init(server: String, token: String, timeout: TimeAmount = .seconds(30), http: HTTPClient? = nil) throws(ClientError) {
        var base = server
        while base.hasSuffix("/") { base.removeLast() }
        guard base.hasPrefix("http://") || base.hasPrefix("https://"), base.count > 8 else {
            throw .badServerURL(server)
        }
        guard !token.isEmpty else { throw .noToken }
        self.server = base
        self.token = token
        self.timeout = timeout
        self.http = http ?? Self.shared
    }

    /// An HTTP client for many concurrent requests to one server (the load test); shut it down after use.
    public static func makeHTTPClient(connections: Int) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(1, connections)
        configuration.timeout.connect = .seconds(5)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// Submits a referral message (partner token): the HTTP status and the answer's JSON.
    /// Unlike the staff calls it does not throw for 4xx/5xx: the load test counts them.
    public func submit(_ body: [UInt8]) async throws(ClientError) -> (status: Int, json: JSONValue?) {
        try await exchange(.POST, "/v1/referrals", body: body)
    }

    /// One request, any status: for callers that count statuses rather than stop on them.
    public func exchange(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil) async throws(ClientError) -> (status: Int, json: JSONValue?) {
        var request = HTTPClientRequest(url: server + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        do {
            let response = try await http.execute(request, timeout: timeout)
            let bytes = Array(try await response.body.collect(upTo: 64 << 20).readableBytesView)
            return (Int(response.status.code), try? JSONParser(limits: JSONLimits(maxBytes: 64 << 20)).parse(bytes).value())
        } catch {
            throw .unreachable(server: server, reason: Self.reason(error))
        }
    }

    // MARK: The staff API

    /// The queue, the most urgent `limit` items (all when nil); `total` says how many wait in all.
    public func queue(limit: Int? = nil) async throws(ClientError) -> QueuePage {
        try await send(.GET, "/v1/queue" + (limit.map { "?limit=\($0)" } ?? ""))
    }

    public func caseRecord(_ caseId: String) async throws(ClientError) -> CaseRecord {
        try await send(.GET, "/v1/cases/\(try Self.segment(caseId, "case id"))")
    }

    public func decide(_ caseId: String, _ command: DecisionCommand) async throws(ClientError) -> ChangeOutcome {
        try await send(.POST, "/v1/cases/\(try Self.segment(caseId, "case id"))/decisions", body: DecisionRequest(command))
    }

    /// A step-up, step-down or escalation (to a level), or a closure (with its reason).
    public func transition(_ caseId: String, _ command: TransitionCommand) async throws(ClientError) -> ChangeOutcome {
        try await send(.POST, "/v1/cases/\(try Self.segment(caseId, "case id"))/transitions", body: TransitionRequest(command))
    }

    /// Records a milestone (`assessment-completed`, `strategy-discussion`, …) on its day.
    public func recordMilestone(_ caseId: String, _ command: MilestoneCommand) async throws(ClientError) -> ChangeOutcome {
        try await send(.POST, "/v1/cases/\(try Self.segment(caseId, "case id"))/milestones", body: MilestoneRequest(command))
    }

    /// The census details added or corrected on a case (the child's, the episode's primary need).
    public func recordChildDetails(_ caseId: String, _ command: ChildDetailsCommand) async throws(ClientError) -> ChangeOutcome {
        try await send(.PATCH, "/v1/cases/\(try Self.segment(caseId, "case id"))/child", body: ChildDetailsRequest(command))
    }

    /// A manager's case-file audit grade and findings.
    public func grade(_ caseId: String, _ command: AuditCommand) async throws(ClientError) -> ChangeOutcome {
        try await send(.POST, "/v1/cases/\(try Self.segment(caseId, "case id"))/audits", body: AuditRequest(command))
    }

    public func assign(_ caseId: String, _ command: AssignCommand) async throws(ClientError) -> ChangeOutcome {
        try await send(.POST, "/v1/cases/\(try Self.segment(caseId, "case id"))/assignment", body: AssignmentRequest(command))
    }

    public func approvals() async throws(ClientError) -> ApprovalsPage { try await send(.GET, "/v1/approvals") }

    /// Who this token is (`GET /v1/me`): its id, role and name.
    public func me() async throws(ClientError) -> StaffIdentity { try await send(.GET, "/v1/me") }

    /// A caseload page (`GET /v1/cases`): `assignedTo` is a token id, a name, or `me`.
    public func cases(assignedTo: String? = nil, level: String? = nil, phase: String? = nil, overdue: Bool? = nil,
                      limit: Int? = nil, offset: Int? = nil) async throws(ClientError) -> CasePage {
        try await send(.GET, "/v1/cases" + Self.query([("assignedTo", assignedTo), ("level", level), ("phase", phase),
                                                        ("overdue", overdue.map { $0 ? "true" : "false" }),
                                                        ("limit", limit.map(String.init)), ("offset", offset.map(String.init))]))
    }

    /// The cases of a child (`GET /v1/children/search`): by NHS number, or by names and date of birth.
    public func searchChildren(nhsNumber: String? = nil, givenName: String? = nil, familyName: String? = nil, dateOfBirth: String? = nil,
                               limit: Int? = nil) async throws(ClientError) -> ChildSearchPage {
        try await send(.GET, "/v1/children/search" + Self.query([("nhsNumber", nhsNumber), ("givenName", givenName), ("familyName", familyName),
                                                                  ("dateOfBirth", dateOfBirth), ("limit", limit.map(String.init))]))
    }

    /// `?a=1&b=2` from the parameters given, percent-encoded (RFC 3986 unreserved kept).
    static func query(_ parameters: [(String, String?)]) -> String {
        let given = parameters.compactMap { name, value in value.map { (name, $0) } }
        guard !given.isEmpty else { return "" }
        func encode(_ text: String) -> String {
            var out = ""
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                     UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                    out.unicodeScalars.append(Unicode.Scalar(byte))
                default:
                    out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
                }
            }
            return out
        }
        return "?" + given.map { "\($0.0)=\(encode($0.1))" }.joined(separator: "&")
    }

    public func resolve(_ approvalId: String, _ command: ApprovalCommand) async throws(ClientError) -> ChangeOutcome {
        try await send(.POST, "/v1/decisions/\(try Self.segment(approvalId, "approval id"))/approval", body: ApprovalRequest(command))
    }

    /// Possible matches waiting for a person (`GET /v1/matches`), oldest first.
    public func matches(limit: Int? = nil) async throws(ClientError) -> PossibleMatches {
        try await send(.GET, "/v1/matches" + (limit.map { "?limit=\($0)" } ?? ""))
    }

    /// Confirms a possible match (`link`) or records two different children (`different`).
    public func decideMatch(_ matchId: String, link: Bool, _ command: MatchDecisionCommand) async throws(ClientError) -> MatchOutcome {
        try await send(.POST, "/v1/matches/\(try Self.segment(matchId, "match id"))/\(link ? "link" : "different")", body: MatchDecisionRequest(command))
    }

    /// Moves a wrongly linked referral off a case (a manager's approval is needed).
    public func unlink(_ caseId: String, _ command: UnlinkCommand) async throws(ClientError) -> ChangeOutcome {
        try await send(.POST, "/v1/cases/\(try Self.segment(caseId, "case id"))/unlink", body: UnlinkRequest(command))
    }

    /// Cases waiting on the migration review list after a pathway migration (`GET /v1/migration-review`).
    public func migrationReview(limit: Int? = nil) async throws(ClientError) -> MigrationReviewPage {
        try await send(.GET, "/v1/migration-review" + (limit.map { "?limit=\($0)" } ?? ""))
    }

    /// Moves a case on the review list to the new pathway version, at the level a person chose.
    public func migrate(_ caseId: String, _ command: MigrateCaseCommand) async throws(ClientError) -> ChangeOutcome {
        try await send(.POST, "/v1/cases/\(try Self.segment(caseId, "case id"))/migration", body: MigrationRequest(command))
    }

    // MARK: Transport

    /// One HTTP client for the process. A refused connection fails at once rather than being
    /// retried until the deadline: a person at a terminal wants "cannot reach the server" now.
    static let shared: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// Ids go into the URL path: letters, digits, `-`, `_` and `.` only, so nothing can change the route.
    static func segment(_ id: String, _ what: String) throws(ClientError) -> String {
        guard !id.isEmpty, id.count <= 128, id.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)) }) else {
            throw .badArgument("\"\(id)\" is not a \(what) (letters, digits and dashes, e.g. C-JB3HJTFTRE)")
        }
        return id
    }

    /// A GET: the answer decoded as the contract's type.
    func send<Answer: Decodable>(_ method: HTTPMethod, _ path: String) async throws(ClientError) -> Answer {
        try await send(method, path, bytes: nil)
    }

    /// A request with a JSON body encoded from the contract's type.
    func send<Body: Encodable, Answer: Decodable>(_ method: HTTPMethod, _ path: String, body: Body) async throws(ClientError) -> Answer {
        let bytes: [UInt8]
        do {
            bytes = try JSONValueEncoder().encode(body).serializedBytes()
        } catch {
            throw .badArgument("the request could not be encoded: \(error)")
        }
        return try await send(method, path, bytes: bytes)
    }

    /// Sends, sorts failures into what a user can act on, and decodes the answer strictly: a
    /// field the contract needs and the server left out is an error the user sees, never a blank.
    private func send<Answer: Decodable>(_ method: HTTPMethod, _ path: String, bytes body: [UInt8]?) async throws(ClientError) -> Answer {
        var request = HTTPClientRequest(url: server + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let status: Int
        let bytes: [UInt8]
        do {
            let response = try await http.execute(request, timeout: timeout)
            status = Int(response.status.code)
            bytes = Array(try await response.body.collect(upTo: 64 << 20).readableBytesView)
        } catch {
            throw .unreachable(server: server, reason: Self.reason(error))
        }
        let document = try? JSONParser(limits: JSONLimits(maxBytes: 64 << 20)).parse(bytes)
        guard (200..<300).contains(status) else {
            let problem = ServerProblem(status: status, json: try? document?.value())
            switch status {
            case 401, 403: throw .refused(problem)
            case 500...: throw .serverFailed(problem)
            default: throw .rejected(problem)
            }
        }
        guard let document else { throw .invalidResponse("the server's answer to \(method.rawValue) \(path) is not JSON") }
        do {
            return try document.decode(Answer.self)
        } catch let error as DecodingError {
            let problem = JSONProblem(error)
            throw .invalidResponse("the server's answer to \(method.rawValue) \(path) does not match this client (\(problem.path): \(problem.message)); "
                                   + "check the server and client are the same version")
        } catch {
            throw .invalidResponse("the server's answer to \(method.rawValue) \(path) could not be read: \(error)")
        }
    }

    /// A connection failure in a few words (AsyncHTTPClient's errors are not written for
    /// people), by the error's type and value, never by matching its text.
    static func reason(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "the connection timed out"
            case .deadlineExceeded, .readTimeout, .writeTimeout: return "no answer in time"
            case .remoteConnectionClosed: return "the server closed the connection"
            default: break
            }
        }
        if let error = error as? NIOConnectionError {
            // Every address tried failed: say why the first one did.
            if let first = error.connectionErrors.first { return reason(first.error) }
            if error.dnsAError != nil || error.dnsAAAAError != nil { return "the server's name could not be resolved" }
        }
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED: return "connection refused"
            case ETIMEDOUT: return "the connection timed out"
            case EHOSTUNREACH, ENETUNREACH: return "no route to the server"
            default: return "\(error)"
            }
        }
        if let error = error as? ChannelError, case .connectTimeout = error { return "the connection timed out" }
        return String(describing: error)
    }
}

/// What the server said when it refused a request (RFC 9457 problem details).
public struct ServerProblem: Sendable, CustomStringConvertible {
    public var status: Int
    public var title: String
    public var detail: String
    /// `{path, message}` pairs.
    public var errors: [(path: String, message: String)]

    init(status: Int, json: JSONValue?) {
        self.status = status
        title = json?["title"]?.stringValue ?? "HTTP \(status)"
        detail = json?["detail"]?.stringValue ?? ""
        var errors: [(String, String)] = []
        if case .array(let items)? = json?["errors"] {
            for item in items { errors.append((item["path"]?.stringValue ?? "$", item["message"]?.stringValue ?? "")) }
        }
        self.errors = errors
    }

    public var description: String {
        var lines = ["\(title) (\(status))" + (detail.isEmpty ? "" : ": \(detail)")]
        if errors.count > 1 || (errors.count == 1 && !detail.contains(errors[0].message)) {
            for error in errors { lines.append("  \(error.path): \(error.message)") }
        }
        return lines.joined(separator: "\n")
    }
}

/// Why a request did not succeed.
public enum ClientError: Error, Sendable, CustomStringConvertible {
    case badServerURL(String)
    case noToken
    case badArgument(String)
    /// No connection (exit 69).
    case unreachable(server: String, reason: String)
    /// 401 or 403: the token is unknown, revoked or lacks the role (exit 77).
    case refused(ServerProblem)
    /// 4xx: the request was refused (exit 65): invalid, not found, or not allowed by the pathway.
    case rejected(ServerProblem)
    /// 5xx (exit 69).
    case serverFailed(ServerProblem)
    case invalidResponse(String)

    public var description: String {
        switch self {
        case .badServerURL(let url): "--server \"\(url)\" is not an http:// or https:// URL"
        case .noToken: "no token: pass --token TOKEN or set CONTINUUM_TOKEN (create one with `continuum token create`)"
        case .badArgument(let message): message
        case .unreachable(let server, let reason): "cannot reach the server at \(server): \(reason)"
        case .refused(let problem): "the server refused the token: \(problem)"
        case .rejected(let problem): problem.description
        case .serverFailed(let problem): "the server failed: \(problem)"
        case .invalidResponse(let message): message
        }
    }
}
