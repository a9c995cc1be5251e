import CJSONC

/// A parsed JSON document: owns the json-c tree and frees it when released.
///
/// Decode it into `Decodable` types with ``decode(_:userInfo:)`` or convert it to a
/// ``JSONValue``. Not `Sendable`: json-c objects are not thread-safe, so use one document in
/// one task and keep only the decoded values.
public final class JSONDocument {
    /// The root json-c object; nil when the document is the literal `null`.
    let root: OpaquePointer?

    init(root: OpaquePointer?) {
        self.root = root
    }

    deinit {
        json_object_put(root)  // the root holds the only reference; children are borrowed
    }

    /// Decodes the document as `T` through ContinuumJSON's own `Decoder`.
    ///
    /// Errors are Swift `DecodingError`s whose `codingPath` is the JSON path of the problem
    /// (render it with ``JSONPath``), or whatever `T.init(from:)` throws.
    ///
    /// - Parameter rejectUnknownKeys: when true, an object member that the type's `CodingKey`
    ///   does not define is an error ("unknown field", with a suggestion when the keys are
    ///   `CaseIterable`). Use it for hand-written files where a typo must not pass silently.
    public func decode<T: Decodable>(_ type: T.Type, userInfo: [CodingUserInfoKey: any Sendable] = [:],
                                     rejectUnknownKeys: Bool = false) throws -> T {
        let context = DecodingContext(document: self, userInfo: userInfo, rejectUnknownKeys: rejectUnknownKeys)
        let decoder = NodeDecoder(node: root, codingPath: [], context: context)
        return try T(from: decoder)
    }

    /// The whole document as a ``JSONValue`` tree.
    public func value() throws(DecodingError) -> JSONValue {
        try JSONValue(node: root, path: [])
    }
}

/// State shared by every nested decoder of one decode: keeps the document (and so the
/// borrowed json-c nodes) alive for as long as any decoder exists.
final class DecodingContext {
    let document: JSONDocument
    let userInfo: [CodingUserInfoKey: Any]
    let rejectUnknownKeys: Bool

    init(document: JSONDocument, userInfo: [CodingUserInfoKey: any Sendable], rejectUnknownKeys: Bool = false) {
        self.document = document
        self.userInfo = userInfo
        self.rejectUnknownKeys = rejectUnknownKeys
    }
}
