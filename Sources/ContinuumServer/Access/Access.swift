import ContinuumAPI
import ContinuumCore
import ContinuumStore
import HTTPTypes
import Hummingbird

/// Who may call what: bearer token → ``Principal``, its role checked against the route's roles,
/// then the token's rate and its requests at once. 401 before 403 before 429, so a bad token
/// learns nothing more. Failed authentication (401, 403) is limited per source address: past
/// its rate, a source gets 429 before its token is even looked up (issue 22).
struct Access: Sendable {
    let store: any CaseStore
    let limiter: RateLimiter
    let failures: RateLimiter
    let concurrency: ConcurrencyLimiter

    /// The caller, if its token is valid, has one of `roles` and is within its rate.
    func require(_ request: Request, _ roles: Set<Role>, action: String) async throws -> Principal {
        let scope = RequestScope.current
        let source = scope?.source ?? "unknown"
        if let wait = failures.blocked(source) {
            throw APIProblem(.tooManyRequests, title: "Too many failed requests",
                             detail: "this address sent too many requests with a missing, invalid or unauthorised token; retry after \(wait) s",
                             headers: [.retryAfter: String(wait)])
        }
        do {
            let principal = try await authenticate(request, roles, action: action)
            if let wait = limiter.acquire(principal.tokenId) {
                throw APIProblem.tooManyRequests(retryAfter: wait)
            }
            if let scope {
                guard let giveBack = concurrency.enter(principal.tokenId) else {
                    throw APIProblem(.tooManyRequests, title: "Too many requests at once",
                                     detail: "this token already has the most requests under way that one token may; wait for an answer and retry",
                                     headers: [.retryAfter: "1"])
                }
                scope.hold(giveBack)
            }
            return principal
        } catch let problem as APIProblem where problem.status == .unauthorized || problem.status == .forbidden {
            _ = failures.acquire(source)
            throw problem
        }
    }

    private func authenticate(_ request: Request, _ roles: Set<Role>, action: String) async throws -> Principal {
        guard let header = request.headers[.authorization] else {
            throw APIProblem.unauthorized("send Authorization: Bearer TOKEN (create one with `continuum token create`)")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty else {
            throw APIProblem.unauthorized("the Authorization header must be \"Bearer TOKEN\"")
        }
        guard let principal = try await store.authenticate(secret: String(parts[1])) else {
            throw APIProblem.unauthorized("the token is not valid (unknown or revoked)")
        }
        guard roles.contains(principal.role) else {
            let allowed = Role.allCases.filter(roles.contains).map(\.rawValue).joined(separator: ", ")
            throw APIProblem.forbidden("a \(principal.role.rawValue) token may not \(action); this needs: \(allowed)")
        }
        return principal
    }
}
