import ContinuumCore
import ContinuumJSON

/// A possible match waiting for a practitioner (`GET /v1/matches`, `triage matches`): the new
/// referral and the earlier record side by side, and why the match is not certain. Staff only.
public struct PossibleMatch: Sendable, Hashable, Codable {
    /// `M…`: the id to link or mark as different.
    public var matchId: String
    public var raisedAt: Timestamp
    /// Why it is only possible, in plain words.
    public var reasons: [String]
    /// The referral that raised it (it has a case of its own until someone links it).
    public var referral: MatchRecord
    /// The earlier referral it may be the same child as.
    public var candidate: MatchRecord

    public init(matchId: String, raisedAt: Timestamp, reasons: [String], referral: MatchRecord, candidate: MatchRecord) {
        self.matchId = matchId
        self.raisedAt = raisedAt
        self.reasons = reasons
        self.referral = referral
        self.candidate = candidate
    }
}

/// One side of a possible match.
public struct MatchRecord: Sendable, Hashable, Codable {
    public var referralId: String
    public var caseId: String
    public var casePhase: CaseState.Phase
    public var caseLevel: String?
    public var receivedAt: Timestamp
    public var referrer: ReferrerSummary
    public var child: MatchChild

    public init(referralId: String, caseId: String, casePhase: CaseState.Phase, caseLevel: String?, receivedAt: Timestamp, referrer: ReferrerSummary, child: MatchChild) {
        self.referralId = referralId
        self.caseId = caseId
        self.casePhase = casePhase
        self.caseLevel = caseLevel
        self.receivedAt = receivedAt
        self.referrer = referrer
        self.child = child
    }
}

/// The identifying details of a child, for comparing two records.
public struct MatchChild: Sendable, Hashable, Codable {
    public var givenName: String
    public var familyName: String
    public var dateOfBirth: CalendarDate?
    public var expectedDateOfBirth: CalendarDate?
    public var nhsNumber: String?
    public var postcode: String?
    public var gender: String?
    public var previousNames: [String]?

    public init(_ child: Child) {
        givenName = child.givenName
        familyName = child.familyName
        dateOfBirth = child.dateOfBirth
        expectedDateOfBirth = child.expectedDateOfBirth
        nhsNumber = child.nhsNumber?.digits
        postcode = child.postcode?.description
        gender = child.gender?.rawValue
        previousNames = child.previousNames
    }
}

/// `GET /v1/matches`: the oldest `limit` possible matches waiting, and how many wait in all.
public struct PossibleMatches: Sendable, Hashable, Codable {
    public var total: Int
    public var items: [PossibleMatch]

    public init(total: Int, items: [PossibleMatch]) {
        self.total = total
        self.items = items
    }
}

/// What deciding a possible match did.
public struct MatchOutcome: Sendable, Hashable, Codable {
    public var matchId: String
    public var status: Status
    /// The event recorded (`E…`).
    public var eventId: String
    public var referralId: String
    /// The case the referral is on now (the child's open case when the link joined it there).
    public var caseId: String
    /// The referral joined the child's open case (its own case was merged into it).
    public var joined: Bool

    /// What a practitioner decided.
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        /// The same child.
        case linked
        /// Two different children.
        case different
    }

    public init(matchId: String, status: Status, eventId: String, referralId: String, caseId: String, joined: Bool) {
        self.matchId = matchId
        self.status = status
        self.eventId = eventId
        self.referralId = referralId
        self.caseId = caseId
        self.joined = joined
    }
}
