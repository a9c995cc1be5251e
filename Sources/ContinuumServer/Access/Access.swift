import ContinuumCore
import ContinuumStore
import HTTPTypes
import Hummingbird

/// Who may call what: bearer token → ``Principal``, its role checked against the route's roles,
/// then the token's rate limit. 401 before 403 before 429, so a bad token learns nothing more.
struct Access: Sendable {
    let store: any CaseStore
    let limiter: RateLimiter

    /// The caller, if its token is valid, has one of `roles` and is within its rate.
    func require(_ request: Request, _ roles: Set<Role>, action: String) async throws -> Principal {
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
        if let wait = limiter.acquire(principal.tokenId) {
            throw APIProblem.tooManyRequests(retryAfter: wait)
        }
        return principal
    }
}
