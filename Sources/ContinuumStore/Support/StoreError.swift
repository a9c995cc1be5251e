import ContinuumCore

/// Why the store refused or failed a request, in words a caller can act on.
public enum StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The same partner sent this `messageId` before with a different body.
    case messageIdConflict(messageId: String, referralId: String)
    case caseNotFound(String)
    case referralNotFound(String)
    /// No change waits for approval under this id.
    case approvalNotFound(String)
    /// The pathway refused the change (the rule is in the error's text).
    case refused(CaseTransitionError)
    /// A request field is missing or wrong (`path` is its JSON path).
    case invalidRequest(path: String, message: String)
    /// The database file cannot be opened or written.
    case database(path: String, message: String)
    /// The event log does not match its hashes (`sequence` is the first bad entry).
    case chainBroken(sequence: Int64, reason: String)
    case tokenNotFound(String)
    /// No possible match has this id.
    case matchNotFound(String)
    /// The possible match was decided already (`status` is `linked` or `different`).
    case matchResolved(id: String, status: String)
    /// The referral cannot leave the case (it is not on it, or it is the case's only referral).
    case cannotUnlink(caseId: String, referralId: String, reason: String)
    /// A projection row cannot be read (edited by hand, or written by a newer version):
    /// `continuum rebuild` recreates it from the log. `sequence` is 0 when no one event is to blame.
    case projectionBroken(table: String, sequence: Int64, reason: String)

    public var description: String {
        switch self {
        case .messageIdConflict(let messageId, let referralId):
            "messageId \"\(messageId)\" was already used for referral \(referralId) with a different body; send a new messageId for a new referral"
        case .caseNotFound(let id): "no case \"\(id)\""
        case .referralNotFound(let id): "no referral \"\(id)\""
        case .approvalNotFound(let id): "nothing waits for approval under \"\(id)\""
        case .refused(let error): error.description
        case .invalidRequest(let path, let message): "\(path): \(message)"
        case .database(let path, let message): "database \(path): \(message)"
        case .chainBroken(let sequence, let reason): "event log broken at event E\(sequence): \(reason)"
        case .tokenNotFound(let id): "no token \"\(id)\""
        case .matchNotFound(let id): "no possible match \"\(id)\""
        case .matchResolved(let id, let status): "possible match \(id) was already decided (\(status))"
        case .cannotUnlink(let caseId, let referralId, let reason): "referral \(referralId) cannot be unlinked from case \(caseId): \(reason)"
        case .projectionBroken(let table, let sequence, let reason):
            "the \(table) table is damaged\(sequence > 0 ? " at event E\(sequence)" : ""): \(reason); run `continuum rebuild` to recreate it from the event log"
        }
    }
}
