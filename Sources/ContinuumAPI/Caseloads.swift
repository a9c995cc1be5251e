import ContinuumCore

/// One case in a caseload (`GET /v1/cases`).
public struct CaseSummary: Sendable, Hashable, Codable {
    public var caseId: String
    public var phase: CaseState.Phase
    public var level: String?
    public var levelTitle: String?
    public var pathway: String?
    /// The lead practitioner's id (a token id, or a name given without a token).
    public var lead: String?
    public var coWorker: String?
    /// The child, from the case's latest referral (null fields once erased).
    public var child: ChildSummary
    /// The latest referral's receipt.
    public var receivedAt: Timestamp?
    /// The nearest due date of the case's running clocks.
    public var nextDue: CalendarDate?
    /// A running clock is past its due date.
    public var overdue: Bool
    /// A referral waits for the front door's decision.
    public var awaitingDecision: Bool
    /// A change waits for a manager.
    public var pendingApproval: Bool

    public init(caseId: String, phase: CaseState.Phase, level: String?, levelTitle: String?, pathway: String?, lead: String?, coWorker: String?,
                child: ChildSummary, receivedAt: Timestamp?, nextDue: CalendarDate?, overdue: Bool, awaitingDecision: Bool, pendingApproval: Bool) {
        self.caseId = caseId
        self.phase = phase
        self.level = level
        self.levelTitle = levelTitle
        self.pathway = pathway
        self.lead = lead
        self.coWorker = coWorker
        self.child = child
        self.receivedAt = receivedAt
        self.nextDue = nextDue
        self.overdue = overdue
        self.awaitingDecision = awaitingDecision
        self.pendingApproval = pendingApproval
    }
}

/// The filters of a caseload: every one optional, all of them applied together.
public struct CaseFilter: Sendable, Hashable {
    /// Cases whose lead or co-worker is one of these (a token id and the name it carries).
    public var workers: [String]?
    public var level: String?
    public var phase: CaseState.Phase?
    /// Only cases with a clock past its due date (true), or none (false).
    public var overdue: Bool?

    public init(workers: [String]? = nil, level: String? = nil, phase: CaseState.Phase? = nil, overdue: Bool? = nil) {
        self.workers = workers
        self.level = level
        self.phase = phase
        self.overdue = overdue
    }
}

/// `GET /v1/cases`: one page of a caseload, nearest deadline first, and how many match in all.
public struct CasePage: Sendable, Hashable, Codable {
    public var asOf: CalendarDate
    public var total: Int
    /// Items skipped before this page (`?offset=`).
    public var offset: Int
    public var items: [CaseSummary]
    /// The names of the workers the items name, by token id.
    public var people: [String: String]

    public init(asOf: CalendarDate, total: Int, offset: Int, items: [CaseSummary], people: [String: String] = [:]) {
        self.asOf = asOf
        self.total = total
        self.offset = offset
        self.items = items
        self.people = people
    }
}

/// A case found by `GET /v1/children/search`: how sure the match is, and the case.
public struct ChildSearchHit: Sendable, Hashable, Codable {
    public enum Match: String, Sendable, Hashable, Codable, CaseIterable {
        /// The same child by the identity rules (the NHS number with demographics that agree).
        case same
        /// Perhaps the same child: a person checks (the reasons say why).
        case possible
    }

    public var caseId: String
    public var phase: CaseState.Phase
    public var level: String?
    /// The referral on the case the search matched (its latest such).
    public var referralId: String
    public var receivedAt: Timestamp
    public var child: ChildSummary
    public var match: Match
    public var reasons: [String]

    public init(caseId: String, phase: CaseState.Phase, level: String?, referralId: String, receivedAt: Timestamp, child: ChildSummary,
                match: Match, reasons: [String]) {
        self.caseId = caseId
        self.phase = phase
        self.level = level
        self.referralId = referralId
        self.receivedAt = receivedAt
        self.child = child
        self.match = match
        self.reasons = reasons
    }
}

/// `GET /v1/children/search`: the cases of the child searched for, the surest first.
public struct ChildSearchPage: Sendable, Hashable, Codable {
    public var total: Int
    public var items: [ChildSearchHit]

    public init(total: Int, items: [ChildSearchHit]) {
        self.total = total
        self.items = items
    }
}

/// `GET /v1/me`: who the token is, for a client that offers what its role may do.
public struct StaffIdentity: Sendable, Hashable, Codable {
    public var tokenId: String
    public var role: Role
    public var name: String?

    public init(tokenId: String, role: Role, name: String?) {
        self.tokenId = tokenId
        self.role = role
        self.name = name
    }
}

/// What `GET /v1/children/search` looks for: an NHS number, or a child's names with a date of
/// birth (names alone, or a date alone, would list too many children to be a search).
public struct ChildSearch: Sendable, Hashable {
    public var nhsNumber: NHSNumber?
    public var givenName: String?
    public var familyName: String?
    public var dateOfBirth: CalendarDate?

    /// The query string's parameters checked: every problem named by its parameter.
    public static func parse(nhsNumber: String?, givenName: String?, familyName: String?, dateOfBirth: String?) -> Result<ChildSearch, SearchInvalid> {
        var problems: [(parameter: String, message: String)] = []
        var search = ChildSearch()
        if let nhsNumber {
            do {
                search.nhsNumber = try NHSNumber(validating: nhsNumber)
            } catch {
                problems.append(("nhsNumber", error.message))
            }
        }
        let names = [("givenName", givenName), ("familyName", familyName)]
        for (parameter, value) in names where value.map({ $0.allSatisfy(\.isWhitespace) }) ?? false {
            problems.append((parameter, "must not be empty"))
        }
        search.givenName = givenName
        search.familyName = familyName
        if let dateOfBirth {
            search.dateOfBirth = CalendarDate(dateOfBirth)
            if search.dateOfBirth == nil { problems.append(("dateOfBirth", "must be a date, YYYY-MM-DD")) }
        }
        let byName = givenName != nil || familyName != nil || dateOfBirth != nil
        if nhsNumber == nil {
            if !byName {
                problems.append(("nhsNumber", "give an NHS number, or givenName, familyName and dateOfBirth"))
            } else {
                for (parameter, value) in [("givenName", givenName), ("familyName", familyName), ("dateOfBirth", dateOfBirth)] where value == nil {
                    problems.append((parameter, "a search by name needs givenName, familyName and dateOfBirth (or search by nhsNumber)"))
                }
            }
        }
        return problems.isEmpty ? .success(search) : .failure(SearchInvalid(problems: problems))
    }

    /// The search as a child record, for the identity rules.
    public var child: Child {
        Child(givenName: givenName ?? "", familyName: familyName ?? "", dateOfBirth: dateOfBirth, nhsNumber: nhsNumber)
    }
}

/// A search that cannot run as asked: each problem names its query parameter.
public struct SearchInvalid: Error, Sendable, Hashable {
    public var problems: [(parameter: String, message: String)]

    public static func == (a: SearchInvalid, b: SearchInvalid) -> Bool {
        a.problems.map(\.parameter) == b.problems.map(\.parameter) && a.problems.map(\.message) == b.problems.map(\.message)
    }

    public func hash(into hasher: inout Hasher) {
        for problem in problems { hasher.combine(problem.parameter); hasher.combine(problem.message) }
    }
}
