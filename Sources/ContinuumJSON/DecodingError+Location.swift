/// One problem in a decoded document: where (a JSON path) and what.
public struct JSONProblem: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// JSONPath of the offending value, `$` for the document itself.
    public let path: String
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// Turns a Swift `DecodingError` from any decoder into a path and a plain message.
    public init(_ error: DecodingError) {
        switch error {
        case .keyNotFound(let key, let context):
            let path = context.codingPath.last?.stringValue == key.stringValue ? context.codingPath : context.codingPath + [key]
            self.init(path: JSONPath.render(path), message: "required field is missing")
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            self.init(path: JSONPath.render(context.codingPath), message: context.debugDescription)
        @unknown default:
            self.init(path: "$", message: "\(error)")
        }
    }

    public var description: String { "\(path): \(message)" }
}
