import ContinuumAPI
import ContinuumCore
import ContinuumJSON
import HTTPTypes
import Hummingbird
import NIOCore
import Foundation

/// Request and response bodies: content type and size checks on the way in, JSON through
/// ContinuumJSON both ways (the wire format never goes through Foundation's coders).
enum HTTPBodies {
    /// The request's media type, lower-cased, without parameters (`application/json`).
    /// Read as bytes: Foundation's `trimmingCharacters` bridges through `NSString`, and this runs
    /// twice on every request.
    static func mediaType(of request: Request) -> String? {
        guard let value = request.headers[.contentType] else { return nil }
        // The type ends at the first parameter; HTTP's optional white space is spaces and tabs.
        let type = value.utf8.prefix { $0 != UInt8(ascii: ";") }
        let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = type.firstIndex(where: { !isSpace($0) }), let last = type.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(decoding: type[first...last].lazy.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 + 32 : $0 }, as: UTF8.self)
    }

    /// Checks the media type (415) and a declared length (413) before the body is read.
    static func check(_ request: Request, mediaType: String, limit: Int) throws {
        let contentType = request.headers[.contentType]
        guard Self.mediaType(of: request) == mediaType else { throw APIProblem.unsupportedMediaType(expected: mediaType, got: contentType) }
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw APIProblem.tooLarge(limit: limit)
        }
    }

    /// The request body, after checking its media type (415) and size (413).
    static func read(_ request: Request, mediaType: String, limit: Int) async throws -> ByteBuffer {
        try check(request, mediaType: mediaType, limit: limit)
        do {
            return try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIProblem.tooLarge(limit: limit)
        }
    }

    /// The first string in a staff request holding a control character other than tab and line
    /// breaks (C0, DEL, C1): names, ids and rationales are printed on terminals (issue 22).
    static func controlCharacter(in value: JSONValue, at path: [any CodingKey] = []) -> JSONProblem? {
        switch value {
        case .string(let text):
            return ControlCharacters.first(in: text, allowingLineBreaks: true).map {
                JSONProblem(path: JSONPath.render(path), message: "must not contain control characters (\($0) found)")
            }
        case .array(let items):
            for (index, item) in items.enumerated() {
                if let problem = controlCharacter(in: item, at: path + [JSONKey(index: index)]) { return problem }
            }
            return nil
        case .object(let members):
            for key in members.keys.sorted() {
                if let member = members[key], let problem = controlCharacter(in: member, at: path + [JSONKey(key)]) { return problem }
            }
            return nil
        default:
            return nil
        }
    }

    /// Decodes a small JSON request (staff actions): syntax errors with their offset, unknown
    /// fields and type errors with their JSON path, all as 400.
    static func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer, limit: Int) throws -> T {
        let document: JSONDocument
        do {
            document = try buffer.withUnsafeReadableBytes { bytes in
                try Result { () throws(JSONSyntaxError) in try JSONParser(limits: JSONLimits(maxBytes: limit)).parse(bytes) }.get()
            }
        } catch let error as JSONSyntaxError {
            throw APIProblem.badRequest("Invalid JSON", [JSONProblem(path: "$", message: error.description)])
        }
        if let control = try Self.controlCharacter(in: document.value()) {
            throw APIProblem.badRequest("Invalid request", [control])
        }
        do {
            return try document.decode(T.self, rejectUnknownKeys: true)
        } catch let error as DecodingError {
            throw APIProblem.badRequest("Invalid request", [JSONProblem(error)])
        } catch let problem as APIProblem {
            throw problem
        } catch {
            throw APIProblem.badRequest("Invalid request", [JSONProblem(path: "$", message: String(describing: error))])
        }
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: value.serializedBytes())))
    }

    /// JSON already serialised (canonical, by ContinuumJSON).
    static func json(text: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        json(try JSONValueEncoder().encode(value), status: status, headers: headers)
    }
}
