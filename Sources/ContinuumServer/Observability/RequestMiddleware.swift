import ContinuumAPI
import ContinuumCore
import ContinuumJSON
import ContinuumStore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// The outermost layer: turns every error into problem+json, logs one line per request (ids,
/// never bodies, query strings or headers), and records metrics.
///
/// An error no handler anticipated is a 500 with an incident id in the log; input is never
/// supposed to reach that branch (the JSONTestSuite and authorisation tests check it).
struct RequestMiddleware<Context: RemoteAddressRequestContext>: RouterMiddleware {
    let metrics: ServerMetrics
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        var response: Response
        // The access checks record the token's slot here; it is given back when the answer is ready.
        let scope = RequestScope(source: context.remoteAddress?.ipAddress ?? "unknown")
        defer { scope.end() }
        do {
            response = try await RequestScope.$current.withValue(scope) { try await next(request, context) }
        } catch let problem as APIProblem {
            response = try problem.response(from: request, context: context)
        } catch let error as StoreError {
            response = try Self.problem(for: error).response(from: request, context: context)
        } catch let error as HTTPError {
            let title = error.status == .notFound ? "Not found" : error.status.reasonPhrase
            let detail = error.status == .notFound ? "no route \(request.method.rawValue) \(request.uri.path)" : (error.body ?? error.status.reasonPhrase)
            response = try APIProblem(error.status, title: title, detail: detail).response(from: request, context: context)
        } catch let error as HTTPParserError {
            // Malformed framing (a bad chunk size, say) is the client's error, not ours.
            response = try APIProblem(.badRequest, title: "Malformed request", detail: "the request's HTTP framing is invalid: \(error)")
                .response(from: request, context: context)
        } catch let error as ChannelError where error == .ioOnClosedChannel || error == .outputClosed || error == .inputClosed || error == .eof {
            // The client went away before its request was complete: nothing was applied, and
            // nobody is there to answer. Counted as a 400, not as a server failure.
            response = try APIProblem(.badRequest, title: "Request incomplete", detail: "the connection closed before the request was complete")
                .response(from: request, context: context)
        } catch is CancellationError {
            // Long work (a report) stops when its request is cancelled: its client went away.
            response = try APIProblem(.badRequest, title: "Request cancelled", detail: "the request was cancelled before it was answered")
                .response(from: request, context: context)
        } catch is NIOTooManyBytesError {
            response = try APIProblem(.contentTooLarge, title: "Body too large", detail: "the body is over the limit").response(from: request, context: context)
        } catch {
            let incident = String(UInt32.random(in: 0...UInt32.max), radix: 16)
            logger.error("unhandled error", metadata: ["incident": .string(incident), "error": .string(String(describing: type(of: error)))])
            response = try APIProblem(.internalServerError, title: "Internal error", detail: "incident \(incident); the request was not applied")
                .response(from: request, context: context)
        }
        let elapsed = ContinuousClock.now - started
        let route = context.endpointPath ?? "unmatched"
        metrics.request(method: request.method.rawValue, route: route, status: response.status.code, duration: elapsed)
        // debug: one line per request is for diagnosis; referrals and staff actions log at info.
        logger.debug("request", metadata: [
            "method": .string(request.method.rawValue), "route": .string(route), "status": .stringConvertible(response.status.code),
            "ms": .stringConvertible((Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000).rounded()),
        ])
        return response
    }

    /// The request field a command problem is about (the milestone's date is `on` on the wire).
    static func jsonPath(_ field: CommandProblem.Field) -> String {
        switch field {
        case .date: "$.on"
        case .level, .reason, .to, .partner, .qualification, .milestone, .noted: "$.\(field.rawValue)"
        case .cursor: "cursor"
        case .secret: "$.secret"
        }
    }

    /// How store refusals read over HTTP.
    static func problem(for error: StoreError) -> APIProblem {
        switch error {
        case .messageIdConflict:
            APIProblem(.conflict, title: "messageId already used", detail: error.description, errors: [.init(path: "$.messageId", message: error.description)])
        case .caseNotFound, .noSuchCase, .referralNotCase, .referralNotFound, .webhookNotFound, .deliveryNotRetryable, .approvalNotFound, .tokenNotFound, .matchNotFound:
            APIProblem.notFound(error.description)
        case .matchResolved:
            APIProblem(.conflict, title: "Already decided", detail: error.description)
        case .cannotUnlink:
            APIProblem(.unprocessableContent, title: "Cannot unlink", detail: error.description)
        case .notUnderReview:
            APIProblem(.conflict, title: "Not on the review list", detail: error.description)
        case .refused(let refusal):
            switch refusal {
            case .roleNotPermitted(_, _, _): APIProblem.forbidden(refusal.description)
            case .approvalPending(_), .nothingToApprove: APIProblem(.conflict, title: "Conflicts with the case's state", detail: refusal.description)
            default: APIProblem(.unprocessableContent, title: "Refused by the pathway", detail: refusal.description)
            }
        case .invalidCommand(let problem):
            APIProblem.badRequest("Invalid request", [.init(path: Self.jsonPath(problem.field), message: problem.description)])
        case .personalDataErased:
            APIProblem(.conflict, title: "Personal data erased", detail: error.description)
        case .webhookURLRefused:
            APIProblem.badRequest("Webhook URL refused", [.init(path: "$.url", message: error.description)])
        case .censusLAMissing, .censusLAInvalid:
            APIProblem.badRequest("Census LA code", [.init(path: "la", message: error.description)])
        case .unavailable:
            APIProblem(.serviceUnavailable, title: "Store unavailable", detail: "the database does not answer; try again shortly",
                       headers: [.retryAfter: "2"])
        case .replicaOfAnotherStore, .database, .databaseRefused, .cannotCreate, .chainBroken, .projectionBroken, .pathwayVersionMissing, .accessLogBroken, .masterKeyRequired, .wrongMasterKey,
             .keyRotationUnfinished, .keyDamaged:
            APIProblem(.serviceUnavailable, title: "Store unavailable", detail: "the record store cannot complete the request; try again shortly")
        }
    }
}
