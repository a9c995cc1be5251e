/// Bounds a parse must stay within. Every input that crosses one is rejected with a
/// ``JSONSyntaxError`` before json-c builds anything large.
public struct JSONLimits: Sendable, Hashable {
    /// The largest document accepted, in bytes. Default 1 MiB (a referral is about 1 KB).
    public var maxBytes: Int
    /// The deepest nesting of arrays and objects accepted. Default 64.
    public var maxDepth: Int
    /// RFC 8259 strictness. When `true` (the default) the parser also rejects what json-c's own
    /// strict mode lets through: single-quoted strings, `NaN`/`Infinity`, leading zeros,
    /// unescaped control characters, invalid UTF-8, and integers beyond 64 bits.
    public var strict: Bool
    /// Whether an object may repeat a key (RFC 8259 allows it; json-c keeps the last). Off by
    /// default: on the wire a repeated key is a 400 naming it, since a message that says
    /// `"immediateRisk": true` and then `false` has no one meaning (issue 22). Checked only
    /// with `strict`.
    public var allowsDuplicateKeys: Bool

    public init(maxBytes: Int = 1 << 20, maxDepth: Int = 64, strict: Bool = true, allowsDuplicateKeys: Bool = false) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.strict = strict
        self.allowsDuplicateKeys = allowsDuplicateKeys
    }

    /// 1 MiB, depth 64, strict: the wire-format defaults.
    public static let `default` = JSONLimits()
}
