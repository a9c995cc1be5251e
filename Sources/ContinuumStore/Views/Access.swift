import ContinuumCore

/// Which staff view showed a case (the access log's `view`).
public enum AccessView: String, Sendable, Hashable, Codable, CaseIterable {
    /// `GET /v1/cases/{id}`: the whole record.
    case `case`
    /// `GET /v1/queue`: the child's name, age and referrer in the queue.
    case queue
    /// `GET /v1/referrals/{id}` as staff.
    case referral
    /// `GET /v1/matches`: both records of a possible match.
    case matches
    /// `GET /v1/approvals`: the change waiting and its rationale.
    case approvals
    /// `GET /v1/cases`: the child's name and the case's level in a caseload.
    case caseload
    /// `GET /v1/children/search`: a case found by a search for a child.
    case search
    /// `continuum sar`: the whole record exported for a subject access request.
    case subjectAccess = "subject-access"
    /// `continuum census --out`: the child's census record (identifiers, characteristics,
    /// episodes) written to the return's XML file.
    case census
}

/// One case shown to a member of staff, before it is recorded.
public struct AccessRead: Sendable, Hashable {
    public var caseId: String
    public var view: AccessView

    public init(caseId: String, view: AccessView) {
        self.caseId = caseId
        self.view = view
    }
}

/// A line of the access log: who looked at which case, when, through which view.
public struct AccessEntry: Sendable, Hashable, Codable {
    public var sequence: Int64
    public var at: Timestamp
    public var tokenId: String
    /// The token's name when it was used (who holds it).
    public var tokenName: String?
    public var role: Role
    public var caseId: String
    public var view: AccessView
    /// SHA-256 chained to the entry before, as the event log's.
    public var hash: String
}
