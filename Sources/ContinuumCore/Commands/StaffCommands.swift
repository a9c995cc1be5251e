/// Staff actions as values that cannot be built invalid: every decision has its rationale, a
/// move its target level, a closure its census reason, a rejection its reason. Each is checked
/// once, here, when it is built; the HTTP routes and the CLI build them and only translate a
/// ``CommandField`` into a JSON path or a flag.

/// Text a person must write for the record (a rationale, an override reason, findings, a
/// worker): never empty or only spaces.
public struct RequiredText: Sendable, Hashable, CustomStringConvertible {
    public let text: String

    /// Nil when `text` is blank.
    public init?(_ text: String) {
        guard !text.allSatisfy(\.isWhitespace) else { return nil }
        self.text = text
    }

    public var description: String { text }
}

/// The part of a staff command a problem is about.
public enum CommandField: String, Sendable, Hashable, CaseIterable {
    case rationale, level, overrideReason, accept, to, reason, milestone, on, grade, findings, worker, referralId, role, kind, noted
    case factors, primaryNeed, category, outcome, upn, ethnicity, sex
}

/// One thing wrong with a staff command, and where.
public struct CommandFieldProblem: Sendable, Hashable, CustomStringConvertible {
    public var field: CommandField
    public var message: String

    public init(_ field: CommandField, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field.rawValue): \(message)" }
}

/// A staff command that could not be built: every problem found, each naming its field.
public struct InvalidCommand: Error, Sendable, Hashable, CustomStringConvertible {
    public var problems: [CommandFieldProblem]

    public init(_ problems: [CommandFieldProblem]) { self.problems = problems }

    public var description: String { problems.map(\.description).joined(separator: "; ") }
}

/// Collects a command's problems, then builds it only if there were none.
struct CommandChecker {
    var problems: [CommandFieldProblem] = []

    mutating func required(_ text: String?, _ field: CommandField, _ message: String) -> RequiredText? {
        guard let value = text.flatMap(RequiredText.init) else {
            problems.append(CommandFieldProblem(field, message))
            return nil
        }
        return value
    }

    mutating func fail(_ field: CommandField, _ message: String) { problems.append(CommandFieldProblem(field, message)) }

    func finish<T>(_ build: () -> T?) throws(InvalidCommand) -> T {
        guard problems.isEmpty, let value = build() else { throw InvalidCommand(problems) }
        return value
    }
}

/// The front door's decision on a referral: accept the recommendation, choose a level, or, for
/// a referral that joined an open case, note it at the case's current level.
///
/// On a case already open, the store reads accept and choose as a decision about the referral:
/// accepting a recommendation at or below the case's level notes it (a joining referral never
/// lowers a case by itself), and naming another level asks for that move under the pathway's
/// rules and approvals.
public enum DecisionCommand: Sendable, Hashable {
    case accept(rationale: RequiredText)
    /// An override gives its reason (the state machine refuses one without it when the level
    /// differs from the recommendation; choosing the recommended level needs none).
    case choose(level: String, overrideReason: RequiredText?, rationale: RequiredText)
    /// A joined referral noted at the case's level; the override reason is needed when the
    /// recommendation is higher.
    case note(overrideReason: RequiredText?, rationale: RequiredText)

    public init(accept: Bool, level: String?, overrideReason: String?, rationale: String?, noted: Bool = false) throws(InvalidCommand) {
        var check = CommandChecker()
        let rationale = check.required(rationale, .rationale, "a rationale is required")
        switch (accept, level, noted) {
        case (true, .some, _): check.fail(.level, "give either \"accept\": true or a \"level\", not both")
        case (true, nil, true): check.fail(.noted, "give either \"accept\": true or \"noted\": true, not both")
        case (false, .some, true): check.fail(.noted, "give either \"noted\": true or a \"level\", not both")
        case (false, nil, false):
            check.fail(.accept, "give \"accept\": true to accept the recommendation, a \"level\" (with an \"overrideReason\" when it differs), or \"noted\": true for a referral that joined an open case")
        default: break
        }
        if let level, level.allSatisfy(\.isWhitespace) { check.fail(.level, "name the level") }
        self = try check.finish { () -> DecisionCommand? in
            guard let rationale else { return nil }
            if noted { return .note(overrideReason: overrideReason.flatMap(RequiredText.init), rationale: rationale) }
            guard let level else { return .accept(rationale: rationale) }
            return .choose(level: level, overrideReason: overrideReason.flatMap(RequiredText.init), rationale: rationale)
        }
    }

    public var rationale: RequiredText {
        switch self {
        case .accept(let rationale), .choose(_, _, let rationale), .note(_, let rationale): rationale
        }
    }
}

/// A step-up, step-down or escalation to a level, or a closure with its census reason.
public enum TransitionCommand: Sendable, Hashable {
    case move(TransitionKind, to: String, rationale: RequiredText)
    case close(ClosureReason, rationale: RequiredText)

    public init(kind: TransitionKind, to: String?, reason: ClosureReason?, rationale: String?) throws(InvalidCommand) {
        var check = CommandChecker()
        let rationale = check.required(rationale, .rationale, "a rationale is required")
        if kind == .close, reason == nil { check.fail(.reason, "closing needs a CIN census closure reason, RC1 to RC9") }
        if kind != .close, to.flatMap(RequiredText.init) == nil { check.fail(.to, "a \(kind.rawValue) needs the level to move to") }
        self = try check.finish { () -> TransitionCommand? in
            guard let rationale else { return nil }
            if kind == .close { return reason.map { .close($0, rationale: rationale) } }
            return to.map { .move(kind, to: $0, rationale: rationale) }
        }
    }

    /// From the words sent (the API's body, a prompt's answer): the kind and the closure
    /// reason in any case; an unknown one is named with the known ones and the nearest.
    public init(kind: String, to: String?, reason: String?, rationale: String?) throws(InvalidCommand) {
        var check = CommandChecker()
        let parsedKind = Codes.parse(kind, as: TransitionKind.self)
        if parsedKind == nil { check.fail(.kind, Codes.unknown("kind", kind, among: TransitionKind.allCases.map(\.rawValue))) }
        let parsedReason = reason.flatMap { Codes.parse($0, as: ClosureReason.self) }
        if let reason, parsedReason == nil {
            check.fail(.reason, Codes.unknown("CIN census closure reason", reason, among: ClosureReason.allCases.map(\.rawValue)))
        }
        guard let parsedKind, check.problems.isEmpty else {
            _ = check.required(rationale, .rationale, "a rationale is required")
            throw InvalidCommand(check.problems)
        }
        do {
            try self.init(kind: parsedKind, to: to, reason: parsedReason, rationale: rationale)
        } catch {
            throw InvalidCommand(check.problems + error.problems)
        }
    }

    public var kind: TransitionKind {
        switch self {
        case .move(let kind, _, _): kind
        case .close: .close
        }
    }
}

/// A pathway milestone that happened on a day (today when not given), with the census codes
/// a census milestone takes (whether this milestone takes them is the pathway's to say: the
/// state machine checks it).
public struct MilestoneCommand: Sendable, Hashable {
    public let milestone: String
    public let on: CalendarDate?
    public let rationale: RequiredText
    public let census: MilestoneCensus?

    /// - Parameters:
    ///   - on: `YYYY-MM-DD`, or nil for today.
    ///   - factors: `FactorsIdentifiedAtAssessment` codes; `primaryNeed` `N1`-`N9`; `category`
    ///     of abuse `NEG`, `PHY`, `SAB`, `EMO`, `MUL`; pre-proceedings `outcome` `A`, `B`, `C`.
    public init(milestone: String, on: String?, rationale: String?, factors: [String]? = nil, primaryNeed: String? = nil,
                category: String? = nil, outcome: String? = nil) throws(InvalidCommand) {
        var check = CommandChecker()
        let name = check.required(milestone, .milestone, "name the milestone")
        let rationale = check.required(rationale, .rationale, "a rationale is required")
        let date = on.flatMap { CalendarDate($0) }
        if on != nil, date == nil { check.fail(.on, "must be a date, YYYY-MM-DD") }
        var census = MilestoneCensus()
        if let factors {
            var parsed: [AssessmentFactor] = []
            for code in factors {
                if let factor = Codes.parse(code, as: AssessmentFactor.self) {
                    if !parsed.contains(factor) { parsed.append(factor) }
                } else {
                    check.fail(.factors, Codes.unknown("assessment factor", code, among: AssessmentFactor.allCases.map(\.rawValue)))
                }
            }
            if parsed.isEmpty, check.problems.allSatisfy({ $0.field != .factors }) {
                check.fail(.factors, "give at least one factor, or \"21\" for no factors identified")
            }
            if parsed.contains(.noFactors), parsed.count > 1 {
                check.fail(.factors, "\"21\" (no factors identified) cannot be combined with other factors")
            }
            census.factors = parsed
        }
        census.primaryNeed = Self.code(primaryNeed, .primaryNeed, "primary need code", &check)
        census.category = Self.code(category, .category, "category of abuse", &check)
        census.outcome = Self.code(outcome, .outcome, "pre-proceedings outcome", &check)
        (self.milestone, self.on, self.rationale) = try check.finish { () -> (String, CalendarDate?, RequiredText)? in
            guard let name, let rationale else { return nil }
            return (name.text, date, rationale)
        }
        self.census = census.isEmpty ? nil : census
    }

    private static func code<Code: CensusCode>(_ text: String?, _ field: CommandField, _ what: String, _ check: inout CommandChecker) -> Code? {
        guard let text else { return nil }
        guard let code = Codes.parse(text, as: Code.self) else {
            check.fail(field, Codes.unknown(what, text, among: Code.allCases.map(\.rawValue)))
            return nil
        }
        return code
    }
}

/// Staff adding or correcting the census details on a case: the child's, and the open
/// episode's primary need.
public struct ChildDetailsCommand: Sendable, Hashable {
    public let details: ChildDetails
    public let rationale: RequiredText

    /// - Parameter primaryNeed: `N1`-`N9`, the episode's primary need (``ChildDetails/primaryNeed``).
    public init(upn: String?, ethnicity: String?, sex: String?, primaryNeed: String? = nil, rationale: String?) throws(InvalidCommand) {
        var check = CommandChecker()
        let rationale = check.required(rationale, .rationale, "a rationale is required")
        var details = ChildDetails()
        if let upn {
            let trimmed = String(upn.trimmingWhitespace).uppercased()
            details.upn = UPN(trimmed)
            if details.upn == nil { check.fail(.upn, "is not a unique pupil number: \(UPN.validate(trimmed) ?? "")") }
        }
        if let ethnicity {
            details.ethnicity = Codes.parse(ethnicity, as: Ethnicity.self)
            if details.ethnicity == nil { check.fail(.ethnicity, Codes.unknown("CIN census ethnicity", ethnicity, among: Ethnicity.allCases.map(\.rawValue))) }
        }
        if let sex {
            details.sex = Codes.parse(sex, as: Sex.self)
            if details.sex == nil { check.fail(.sex, Codes.unknown("CIN census sex", sex, among: Sex.allCases.map(\.rawValue))) }
        }
        if let primaryNeed {
            details.primaryNeed = Codes.parse(primaryNeed, as: PrimaryNeed.self)
            if details.primaryNeed == nil { check.fail(.primaryNeed, Codes.unknown("primary need code", primaryNeed, among: PrimaryNeed.allCases.map(\.rawValue))) }
        }
        if upn == nil, ethnicity == nil, sex == nil, primaryNeed == nil { check.fail(.upn, "give at least one of upn, ethnicity, sex and primary need") }
        self.details = details
        self.rationale = try check.finish { rationale }
    }
}

/// A manager's case-file audit: a grade and findings.
public struct AuditCommand: Sendable, Hashable {
    public let grade: AuditGrade
    public let findings: RequiredText

    public init(grade: AuditGrade, findings: String?) throws(InvalidCommand) {
        var check = CommandChecker()
        let findings = check.required(findings, .findings, "findings are required")
        self.grade = grade
        self.findings = try check.finish { findings }
    }

    /// The grade in any case; an unknown one is named with the four grades.
    public init(grade: String, findings: String?) throws(InvalidCommand) {
        var check = CommandChecker()
        let parsed = Codes.parse(grade, as: AuditGrade.self)
        if parsed == nil { check.fail(.grade, Codes.unknown("grade", grade, among: AuditGrade.allCases.map(\.rawValue))) }
        let findings = check.required(findings, .findings, "findings are required")
        (self.grade, self.findings) = try check.finish { () -> (AuditGrade, RequiredText)? in
            guard let parsed, let findings else { return nil }
            return (parsed, findings)
        }
    }
}

/// Gives a case to a worker.
public struct AssignCommand: Sendable, Hashable {
    public let worker: RequiredText
    /// Lead practitioner (the default) or co-worker.
    public let role: CaseRole

    /// - Parameter role: `lead` or `co-worker`; nil for lead.
    public init(worker: String?, role: String? = nil) throws(InvalidCommand) {
        var check = CommandChecker()
        let worker = check.required(worker, .worker, "name the worker to assign the case to")
        let parsed = role.map { Codes.parse($0, as: CaseRole.self) } ?? .lead
        if parsed == nil { check.fail(.role, "must be \(CaseRole.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " or "))") }
        (self.worker, self.role) = try check.finish { () -> (RequiredText, CaseRole)? in
            guard let worker, let parsed else { return nil }
            return (worker, parsed)
        }
    }
}

/// Moves a case on the migration review list to the new pathway version: the level a person
/// chose for it there (none for a case still awaiting its first decision), and why.
public struct MigrateCaseCommand: Sendable, Hashable {
    public let level: String?
    public let rationale: RequiredText

    public init(level: String?, rationale: String?) throws(InvalidCommand) {
        var check = CommandChecker()
        let rationale = check.required(rationale, .rationale, "a rationale is required: why the case goes to this level")
        if let level, level.allSatisfy(\.isWhitespace) { check.fail(.level, "name a level of the new version, or leave it out for a case awaiting its decision") }
        (self.level, self.rationale) = try check.finish { rationale.map { (level, $0) } }
    }
}

/// A manager's answer to a change waiting for approval: a rejection says why.
public enum ApprovalCommand: Sendable, Hashable {
    case approve(rationale: RequiredText?)
    case reject(rationale: RequiredText)

    public init(approve: Bool, rationale: String?) throws(InvalidCommand) {
        var check = CommandChecker()
        if approve {
            self = .approve(rationale: rationale.flatMap(RequiredText.init))
            return
        }
        let reason = check.required(rationale, .rationale, "rejecting a change needs a rationale")
        self = try check.finish { reason.map { .reject(rationale: $0) } }
    }

    public var approves: Bool { if case .approve = self { true } else { false } }
    public var rationale: RequiredText? {
        switch self {
        case .approve(let rationale): rationale
        case .reject(let rationale): rationale
        }
    }
}

/// A practitioner's decision on a possible match (the same child, or two): why.
public struct MatchDecisionCommand: Sendable, Hashable {
    public let rationale: RequiredText

    public init(rationale: String?) throws(InvalidCommand) {
        var check = CommandChecker()
        let rationale = check.required(rationale, .rationale, "a rationale is required")
        self.rationale = try check.finish { rationale }
    }
}

/// Moves a wrongly linked referral off a case.
public struct UnlinkCommand: Sendable, Hashable {
    public let referralId: String
    public let rationale: RequiredText

    public init(referralId: String?, rationale: String?) throws(InvalidCommand) {
        var check = CommandChecker()
        let referral = check.required(referralId, .referralId, "name the referral to unlink")
        let rationale = check.required(rationale, .rationale, "a rationale is required")
        (self.referralId, self.rationale) = try check.finish { () -> (String, RequiredText)? in
            guard let referral, let rationale else { return nil }
            return (referral.text, rationale)
        }
    }
}
