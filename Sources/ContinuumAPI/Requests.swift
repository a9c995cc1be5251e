import ContinuumCore

// The staff API's request bodies. Each decodes from the wire, then builds its Core command
// (``command()``), which is where it is checked; the client encodes one from a command. A
// ``CommandField`` maps to the body's JSON path with ``StaffRequest/jsonPath(_:)``.

/// A staff request body: the command it carries, and where each command field sits on the wire.
public protocol StaffRequest: Codable, Sendable {
    associatedtype Command: Sendable
    /// The title of a 400 answer when the command is invalid ("Invalid decision").
    static var invalidTitle: String { get }
    func command() throws(InvalidCommand) -> Command
}

extension StaffRequest {
    /// The JSON path of a command field in this body (`$.rationale`; the worker is `$.to`; a
    /// decision that neither accepts nor chooses is the whole body, `$`).
    public static func jsonPath(_ field: CommandField) -> String {
        switch field {
        case .accept: "$"
        case .worker: "$.to"
        default: "$.\(field.rawValue)"
        }
    }
}

/// `POST /v1/cases/{caseId}/decisions`: `{"accept": true, "rationale": …}`,
/// `{"level": …, "overrideReason": …, "rationale": …}`, or for a referral that joined an open
/// case `{"noted": true, "rationale": …}` (with `overrideReason` when the recommendation is higher).
public struct DecisionRequest: StaffRequest {
    public var accept: Bool?
    public var level: String?
    public var noted: Bool?
    public var overrideReason: String?
    public var rationale: String

    enum CodingKeys: String, CodingKey, CaseIterable { case accept, level, noted, overrideReason, rationale }

    public static let invalidTitle = "Invalid decision"

    public init(_ command: DecisionCommand) {
        switch command {
        case .accept(let rationale):
            (accept, level, overrideReason, self.rationale) = (true, nil, nil, rationale.text)
        case .choose(let level, let overrideReason, let rationale):
            (accept, self.level, self.overrideReason, self.rationale) = (nil, level, overrideReason?.text, rationale.text)
        case .note(let overrideReason, let rationale):
            (accept, level, noted, self.overrideReason, self.rationale) = (nil, nil, true, overrideReason?.text, rationale.text)
        }
    }

    public func command() throws(InvalidCommand) -> DecisionCommand {
        try DecisionCommand(accept: accept ?? false, level: level, overrideReason: overrideReason, rationale: rationale, noted: noted ?? false)
    }
}

/// `POST /v1/cases/{caseId}/transitions`: `{"kind": "step-up", "to": …, "rationale": …}` or
/// `{"kind": "close", "reason": "RC1", "rationale": …}`.
public struct TransitionRequest: StaffRequest {
    /// `step-up`, `step-down`, `escalate`, `reclassify` or `close` (any case).
    public var kind: String
    public var to: String?
    /// RC1 to RC9 (any case), for `close`.
    public var reason: String?
    public var rationale: String

    enum CodingKeys: String, CodingKey, CaseIterable { case kind, to, reason, rationale }

    public static let invalidTitle = "Invalid transition"

    public init(_ command: TransitionCommand) {
        switch command {
        case .move(let kind, let to, let rationale): (self.kind, self.to, reason, self.rationale) = (kind.rawValue, to, nil, rationale.text)
        case .close(let reason, let rationale): (kind, to, self.reason, self.rationale) = (TransitionKind.close.rawValue, nil, reason.rawValue, rationale.text)
        }
    }

    public func command() throws(InvalidCommand) -> TransitionCommand {
        try TransitionCommand(kind: kind, to: to, reason: reason, rationale: rationale)
    }
}

/// `POST /v1/cases/{caseId}/milestones`: `{"milestone": "assessment-completed", "on": "2026-12-01", "rationale": …}`
/// (`on` defaults to today). A census milestone also takes its codes (docs/census.md):
/// `factors` and `primaryNeed` with an assessment, `category` with a child protection plan's
/// start or review, `outcome` with a pre-proceedings step decision.
public struct MilestoneRequest: StaffRequest {
    public var milestone: String
    public var on: String?
    public var rationale: String
    public var factors: [String]?
    public var primaryNeed: String?
    public var category: String?
    public var outcome: String?

    enum CodingKeys: String, CodingKey, CaseIterable { case milestone, on, rationale, factors, primaryNeed, category, outcome }

    public static let invalidTitle = "Invalid milestone"

    public init(_ command: MilestoneCommand) {
        (milestone, on, rationale) = (command.milestone, command.on?.description, command.rationale.text)
        factors = command.census?.factors?.map(\.rawValue)
        primaryNeed = command.census?.primaryNeed?.rawValue
        category = command.census?.category?.rawValue
        outcome = command.census?.outcome?.rawValue
    }

    public func command() throws(InvalidCommand) -> MilestoneCommand {
        try MilestoneCommand(milestone: milestone, on: on, rationale: rationale, factors: factors, primaryNeed: primaryNeed, category: category, outcome: outcome)
    }
}

/// `PATCH /v1/cases/{caseId}/child`: `{"upn": …, "ethnicity": "WBRI", "sex": "F", "primaryNeed": "N4",
/// "rationale": …}`, the census details on the case added or corrected (any of the four): the
/// child's, and the primary need of the episode the case is in.
public struct ChildDetailsRequest: StaffRequest {
    public var upn: String?
    public var ethnicity: String?
    public var sex: String?
    public var primaryNeed: String?
    public var rationale: String

    enum CodingKeys: String, CodingKey, CaseIterable { case upn, ethnicity, sex, primaryNeed, rationale }

    public static let invalidTitle = "Invalid child details"

    public init(_ command: ChildDetailsCommand) {
        upn = command.details.upn?.value
        ethnicity = command.details.ethnicity?.rawValue
        sex = command.details.sex?.rawValue
        primaryNeed = command.details.primaryNeed?.rawValue
        rationale = command.rationale.text
    }

    public func command() throws(InvalidCommand) -> ChildDetailsCommand {
        try ChildDetailsCommand(upn: upn, ethnicity: ethnicity, sex: sex, primaryNeed: primaryNeed, rationale: rationale)
    }
}

/// `POST /v1/cases/{caseId}/audits`: `{"grade": "good", "findings": …}`.
public struct AuditRequest: StaffRequest {
    /// `outstanding`, `good`, `requires-improvement` or `inadequate` (any case).
    public var grade: String
    public var findings: String

    enum CodingKeys: String, CodingKey, CaseIterable { case grade, findings }

    public static let invalidTitle = "Invalid audit"

    public init(_ command: AuditCommand) {
        (grade, findings) = (command.grade.rawValue, command.findings.text)
    }

    public func command() throws(InvalidCommand) -> AuditCommand {
        try AuditCommand(grade: grade, findings: findings)
    }
}

/// `POST /v1/cases/{caseId}/assignment`: `{"to": "WORKER", "role": "lead"|"co-worker"}` (role
/// defaults to lead). WORKER is a staff token's id or name: its qualification decides which
/// roles they may hold at the case's level.
public struct AssignmentRequest: StaffRequest {
    public var to: String
    public var role: String?

    enum CodingKeys: String, CodingKey, CaseIterable { case to, role }

    public static let invalidTitle = "Invalid assignment"

    public init(_ command: AssignCommand) {
        to = command.worker.text
        role = command.role == .lead ? nil : command.role.rawValue
    }

    public func command() throws(InvalidCommand) -> AssignCommand {
        try AssignCommand(worker: to, role: role)
    }
}

/// `POST /v1/cases/{caseId}/migration`: `{"level": …, "rationale": …}`, moving a case on the
/// migration review list to the new pathway version (no level for a case awaiting its decision).
public struct MigrationRequest: StaffRequest {
    public var level: String?
    public var rationale: String?

    enum CodingKeys: String, CodingKey, CaseIterable { case level, rationale }

    public static let invalidTitle = "Invalid migration"

    public init(_ command: MigrateCaseCommand) {
        (level, rationale) = (command.level, command.rationale.text)
    }

    public func command() throws(InvalidCommand) -> MigrateCaseCommand {
        try MigrateCaseCommand(level: level, rationale: rationale)
    }
}

/// `POST /v1/decisions/{id}/approval`: `{"approve": true|false, "rationale": …}` (required to reject).
public struct ApprovalRequest: StaffRequest {
    public var approve: Bool
    public var rationale: String?

    enum CodingKeys: String, CodingKey, CaseIterable { case approve, rationale }

    public static let invalidTitle = "Invalid approval"

    public init(_ command: ApprovalCommand) {
        (approve, rationale) = (command.approves, command.rationale?.text)
    }

    public func command() throws(InvalidCommand) -> ApprovalCommand {
        try ApprovalCommand(approve: approve, rationale: rationale)
    }
}

/// `POST /v1/matches/{matchId}/link` and `…/different`: `{"rationale": …}`.
public struct MatchDecisionRequest: StaffRequest {
    public var rationale: String

    enum CodingKeys: String, CodingKey, CaseIterable { case rationale }

    public static let invalidTitle = "Invalid match decision"

    public init(_ command: MatchDecisionCommand) { rationale = command.rationale.text }

    public func command() throws(InvalidCommand) -> MatchDecisionCommand {
        try MatchDecisionCommand(rationale: rationale)
    }
}

/// `POST /v1/cases/{caseId}/unlink`: `{"referralId": …, "rationale": …}`.
public struct UnlinkRequest: StaffRequest {
    public var referralId: String
    public var rationale: String

    enum CodingKeys: String, CodingKey, CaseIterable { case referralId, rationale }

    public static let invalidTitle = "Invalid unlink"

    public init(_ command: UnlinkCommand) {
        (referralId, rationale) = (command.referralId, command.rationale.text)
    }

    public func command() throws(InvalidCommand) -> UnlinkCommand {
        try UnlinkCommand(referralId: referralId, rationale: rationale)
    }
}
