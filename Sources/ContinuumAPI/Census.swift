import ContinuumCensus
import ContinuumCore

/// `GET /v1/census/quality?year=2026-27` (managers), and `continuum census --json`: the census
/// return's counts and its data-quality list (issue 18). Children are named by LA child id only.
public struct CensusQuality: Codable, Sendable, Hashable {
    public var year: String
    public var la: String
    public var referenceDate: CalendarDate
    public var children: Int
    public var episodes: Int
    public var errors: Int
    public var queries: Int
    public var issues: [CensusIssue]

    public init(_ census: CensusReturn, issues: [CensusIssue]) {
        year = census.year.description
        la = census.la
        referenceDate = census.year.referenceDate
        children = census.children.count
        episodes = census.children.reduce(0) { $0 + $1.episodes.count }
        errors = issues.count { $0.severity == .error }
        queries = issues.count - errors
        self.issues = issues
    }
}
