/// A document that is not acceptable JSON, with where the problem is.
///
/// `offset` counts bytes from 0; `line` and `column` count from 1, and `column` counts
/// characters (Unicode scalars) so it matches what an editor shows.
public struct JSONSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem it is, for callers that branch on it (HTTP 413 versus 400).
    public enum Reason: Sendable, Hashable {
        /// The document is larger than ``JSONLimits/maxBytes``.
        case tooLarge(limit: Int)
        /// Arrays or objects nest deeper than ``JSONLimits/maxDepth``.
        case tooDeep(limit: Int)
        /// The input stops before the value is complete (or is empty).
        case unexpectedEnd
        /// A complete value is followed by more non-space bytes.
        case trailingData
        /// Any other violation of RFC 8259.
        case invalid
    }

    public let reason: Reason
    /// What is wrong, in words: "leading zeros are not allowed in numbers".
    public let message: String
    public let offset: Int
    public let line: Int
    public let column: Int
    /// Where in the document, as a JSON path, when it is known (a duplicate key's: `$.child.givenName`).
    public let path: String?

    public init(reason: Reason, message: String, offset: Int, line: Int, column: Int, path: String? = nil) {
        self.reason = reason
        self.message = message
        self.offset = offset
        self.line = line
        self.column = column
        self.path = path
    }

    /// Builds the error and works out line and column from the bytes before `offset`.
    init(_ reason: Reason, _ message: String, at offset: Int, in bytes: UnsafeRawBufferPointer, path: String? = nil) {
        let end = min(max(offset, 0), bytes.count)
        var line = 1
        var column = 1
        for index in 0..<end {
            let byte = bytes[index]
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1  // count scalars, not UTF-8 continuation bytes
            }
        }
        self.init(reason: reason, message: message, offset: end, line: line, column: column, path: path)
    }

    public var description: String {
        // A size refusal happens before reading, so there is no position to report.
        if case .tooLarge = reason { return message }
        return "line \(line), column \(column) (byte offset \(offset)): \(message)"
    }
}
