import ContinuumAPI
import ContinuumCore
import ContinuumJSON
import HTTPTypes
import Hummingbird
import NIOCore

/// An HTTP error as RFC 9457 problem details (`application/problem+json`), with the
/// `errors: [{path, message}]` extension naming every problem in the request.
///
/// ```json
/// {"type": "about:blank", "status": 400, "title": "Invalid referral",
///  "detail": "2 problems in the message", "errors": [{"path": "$.child.dateOfBirth", "message": "…"}]}
/// ```
public struct APIProblem: Error, HTTPResponseError, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var title: String
    public var detail: String
    public var errors: [JSONProblem]
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, title: String, detail: String, errors: [JSONProblem] = [], headers: HTTPFields = [:]) {
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    public var description: String { "\(status.code) \(title): \(detail)" }

    public var json: JSONValue {
        .object([
            "type": .string("about:blank"),
            "status": .integer(Int64(status.code)),
            "title": .string(title),
            "detail": .string(detail),
            "errors": .array(errors.map { .object(["path": .string($0.path), "message": .string($0.message)]) }),
        ])
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/problem+json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: json.serializedBytes())))
    }

    // MARK: The problems the API answers with

    static func unauthorized(_ detail: String) -> APIProblem {
        APIProblem(.unauthorized, title: "Not authenticated", detail: detail, headers: [.wwwAuthenticate: "Bearer realm=\"continuum\""])
    }

    static func forbidden(_ detail: String) -> APIProblem { APIProblem(.forbidden, title: "Not permitted", detail: detail) }

    static func notFound(_ detail: String) -> APIProblem { APIProblem(.notFound, title: "Not found", detail: detail) }

    /// At most ``MessageInvalid/maximumReported`` problems are listed; the last then counts the rest.
    static func badRequest(_ title: String, _ errors: [JSONProblem]) -> APIProblem {
        APIProblem(.badRequest, title: title, detail: errors.count == 1 ? errors[0].description : "\(errors.count) problems; see errors",
                   errors: MessageInvalid(errors).reported)
    }

    static func unsupportedMediaType(expected: String, got: String?) -> APIProblem {
        APIProblem(.unsupportedMediaType, title: "Unsupported content type",
                   detail: "send Content-Type: \(expected)" + (got.map { " (got \"\($0)\")" } ?? " (none was sent)"))
    }

    /// 405: the path exists but not with this method; `Allow` lists the methods it takes.
    static func methodNotAllowed(_ method: String, path: String, allowed: [String]) -> APIProblem {
        APIProblem(.methodNotAllowed, title: "Method not allowed",
                   detail: "\(path) does not take \(method); it takes \(allowed.joined(separator: ", "))",
                   headers: [.allow: allowed.joined(separator: ", ")])
    }

    static func tooLarge(limit: Int) -> APIProblem {
        APIProblem(.contentTooLarge, title: "Body too large", detail: "the body is over the limit of \(limit) bytes")
    }

    static func tooManyRequests(retryAfter: Int) -> APIProblem {
        APIProblem(.tooManyRequests, title: "Rate limit exceeded", detail: "this token is over its request rate; retry after \(retryAfter) s",
                   headers: [.retryAfter: String(retryAfter)])
    }
}
