import CJSONC

/// Parses JSON bytes with json-c, within ``JSONLimits``.
///
/// ```swift
/// let document = try JSONParser().parse(Array(#"{"a": [1, 2]}"#.utf8))
/// let value = try document.value()
/// ```
/// Errors are ``JSONSyntaxError``s with byte offset, line and column.
public struct JSONParser: Sendable {
    public var limits: JSONLimits

    public init(limits: JSONLimits = .default) {
        self.limits = limits
    }

    /// Parses a complete document held in `bytes`.
    public func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONDocument {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONSyntaxError) in try parse(buffer) }
        }
        return try result.get()
    }

    /// Parses a complete document held in a string's UTF-8.
    public func parse(_ text: String) throws(JSONSyntaxError) -> JSONDocument {
        try parse(Array(text.utf8))
    }

    /// Parses a complete document from raw memory; the memory need not outlive the call.
    public func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONSyntaxError) -> JSONDocument {
        guard bytes.count <= limits.maxBytes else {
            throw JSONSyntaxError(reason: .tooLarge(limit: limits.maxBytes),
                                  message: "the document is \(bytes.count) bytes; the limit is \(limits.maxBytes)",
                                  offset: limits.maxBytes, line: 1, column: 1)
        }
        var expectedKeys: Int?
        if limits.strict {
            switch StrictLexer.check(bytes) {
            case .failure(let failure): throw JSONSyntaxError(.invalid, failure.message, at: failure.offset, in: bytes)
            case .success(let summary): expectedKeys = limits.allowsDuplicateKeys ? nil : summary.keys
            }
        }
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            throw JSONSyntaxError(.unexpectedEnd, "the document is empty", at: 0, in: bytes)
        }
        // Trailing bytes are allowed through json-c so that we can name them as such (below).
        let flags = (limits.strict ? JSON_TOKENER_STRICT : 0) | JSON_TOKENER_ALLOW_TRAILING_CHARS
        guard let tokener = TokenerPool.shared.take(depth: limits.maxDepth, flags: flags) else {
            throw JSONSyntaxError(.invalid, "json-c could not allocate a parser", at: 0, in: bytes)
        }
        // Only a tokener whose parse succeeded goes back to the pool: `json_tokener_reset`
        // leaves some state behind (a pending high surrogate, for one), which would otherwise
        // corrupt the next document's first `\u` escape. Failures are rare; a fresh tokener is cheap.
        var succeeded = false
        defer {
            if succeeded { TokenerPool.shared.give(tokener, depth: limits.maxDepth) } else { json_tokener_free(tokener) }
        }

        let length = Int32(clamping: bytes.count)
        let chars = base.assumingMemoryBound(to: CChar.self)
        var root = json_tokener_parse_ex(tokener, chars, length)
        var error = json_tokener_get_error(tokener)
        if root == nil && error == json_tokener_continue {
            // A bare top-level number (or literal) only ends at a terminator: feed json-c one NUL.
            var terminator: CChar = 0
            root = json_tokener_parse_ex(tokener, &terminator, 1)
            error = json_tokener_get_error(tokener)
            if error != json_tokener_success {
                // Whatever json-c says here, the value was still open when the input ran out.
                throw JSONSyntaxError(.unexpectedEnd, "unexpected end of input", at: bytes.count, in: bytes)
            }
            // json_object_put(NULL) is a no-op, and a JSON null parses to a nil root.
            succeeded = true
            return JSONDocument(root: root)
        }
        if error != json_tokener_success {
            let offset = json_tokener_get_parse_end(tokener)
            json_object_put(root)
            throw JSONSyntaxError(Self.reason(for: error, depthLimit: limits.maxDepth), Self.describe(error), at: offset, in: bytes)
        }
        let end = json_tokener_get_parse_end(tokener)
        if end < bytes.count {
            json_object_put(root)
            throw JSONSyntaxError(.trailingData, "unexpected data after the end of the JSON value", at: end, in: bytes)
        }
        // json-c keeps the last of two equal keys without a word ("immediateRisk": true, …,
        // "immediateRisk": false reads as false): fewer members than keys in the text means a
        // duplicate, which the slow finder then names with its path.
        if let expectedKeys, expectedKeys != Self.memberCount(root) {
            json_object_put(root)
            succeeded = true
            let duplicate = DuplicateKeyFinder.find(bytes)
            throw JSONSyntaxError(.invalid, duplicate.map { "duplicate key \"\($0.key)\" in \($0.object)" } ?? "an object has a duplicate key",
                                  at: duplicate?.offset ?? 0, in: bytes, path: duplicate?.path)
        }
        succeeded = true
        return JSONDocument(root: root)
    }

    /// Members of every object in the tree, counted.
    private static func memberCount(_ node: OpaquePointer?) -> Int {
        guard let node else { return 0 }
        switch json_object_get_type(node) {
        case json_type_object:
            var total = 0
            var entry = lh_table_head(json_object_get_object(node))
            while let current = entry {
                total += 1 + memberCount(OpaquePointer(lh_entry_v(current)))
                entry = lh_entry_next(current)
            }
            return total
        case json_type_array:
            var total = 0
            for index in 0..<json_object_array_length(node) { total += memberCount(json_object_array_get_idx(node, index)) }
            return total
        default:
            return 0
        }
    }

    private static func reason(for error: json_tokener_error, depthLimit: Int) -> JSONSyntaxError.Reason {
        switch error {
        case json_tokener_error_depth: .tooDeep(limit: depthLimit)
        case json_tokener_continue: .unexpectedEnd
        default: .invalid
        }
    }

    private static func describe(_ error: json_tokener_error) -> String {
        guard let text = json_tokener_error_desc(error) else { return "invalid JSON" }
        return String(cString: text)
    }
}
