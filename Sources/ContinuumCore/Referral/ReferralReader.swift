import ContinuumJSON

/// Why a referral message was not accepted.
public enum ReferralError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The bytes are not JSON (or exceed the limits).
    case syntax(JSONSyntaxError)
    /// The JSON is not a valid v1 referral: every problem, each with its JSON path.
    case invalid([JSONProblem])

    /// The problems as `{path, message}` pairs (a syntax error sits at `$` with its position).
    public var problems: [JSONProblem] {
        switch self {
        case .syntax(let error): [JSONProblem(path: error.path ?? "$", message: error.description)]
        case .invalid(let problems): problems
        }
    }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// Bytes → a validated ``Referral``: parse (json-c, strict, limited), decode, validate.
///
/// ```swift
/// let referral = try ReferralReader().read(body, receivedAt: now)
/// ```
public struct ReferralReader: Sendable {
    public var parser: JSONParser

    public init(limits: JSONLimits = .default) {
        parser = JSONParser(limits: limits)
    }

    public func read(_ bytes: [UInt8], receivedAt: Timestamp) throws(ReferralError) -> Referral {
        try bytes.withUnsafeBytes { buffer in
            Result { () throws(ReferralError) in try read(buffer, receivedAt: receivedAt) }
        }.get()
    }

    public func read(_ bytes: UnsafeRawBufferPointer, receivedAt: Timestamp) throws(ReferralError) -> Referral {
        let document: JSONDocument
        do {
            document = try parser.parse(bytes)
        } catch {
            throw .syntax(error)
        }
        return try decode(document, receivedAt: receivedAt)
    }

    func decode(_ document: JSONDocument, receivedAt: Timestamp) throws(ReferralError) -> Referral {
        do {
            // Straight to the node reader: the same rules as `Referral.init(from:)`, without
            // setting up a `Decoder` only to hand the document back.
            let context = FieldContext(receivedAt: receivedAt, receivedOn: UKTime.londonDate(of: receivedAt))
            return try Referral.read(document.rootValue, at: [], context: context)
        } catch let invalid as MessageInvalid {
            throw .invalid(invalid.problems)
        } catch let error as DecodingError {
            throw .invalid([JSONProblem(error)])
        } catch {
            throw .invalid([JSONProblem(path: "$", message: "\(error)")])
        }
    }
}
