/// A pathway that passed ``PathwayChecker`` with no errors: the only form the router and the
/// case state machine accept, so nothing can route on an unverified definition.
public struct VerifiedPathway: Sendable {
    public let definition: Pathway
    /// What the checker warned about (the pathway is usable).
    public let warnings: [PathwayProblem]
    let routing: CompiledTable

    init(definition: Pathway, routing: CompiledTable, warnings: [PathwayProblem]) {
        self.definition = definition
        self.routing = routing
        self.warnings = warnings
    }

    /// Builds and verifies in one step.
    public init(_ pathway: Pathway) throws(PathwayInvalid) {
        let report = PathwayChecker.check(pathway)
        guard let verified = report.verified else { throw PathwayInvalid(problems: report.problems) }
        self = verified
    }

    public var calendar: WorkingDayCalendar { definition.workingDays }
}

/// The checker's errors for a pathway that cannot be used.
public struct PathwayInvalid: Error, Sendable, Hashable, CustomStringConvertible {
    public let problems: [PathwayProblem]
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
