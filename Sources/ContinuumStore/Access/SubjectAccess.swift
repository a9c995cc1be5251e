import ContinuumAPI
import ContinuumCore
import ContinuumJSON
import GRDB

/// Everything held about one child, for a subject access request (UK GDPR Article 15; issue 20):
/// each case of the child (the case asked for, and those holding referrals confirmed to be the
/// same child), with its referrals, decisions and rationales, transitions, clocks, milestones and
/// the record of who looked at it. Third-party data is marked for a person's redaction review,
/// never silently kept or dropped.
public struct SubjectAccessReport: Sendable {
    public static let format = "continuum-sar/1"

    /// A value a person must review before it is disclosed, and why.
    public struct Review: Sendable, Hashable {
        /// JSON path of the value in ``json``.
        public var path: String
        public var reason: String
    }

    public let caseId: String
    public let generatedAt: Timestamp
    public let cases: [CaseRecord]
    public let access: [String: [AccessEntry]]

    public init(caseId: String, generatedAt: Timestamp, cases: [CaseRecord], access: [String: [AccessEntry]]) {
        self.caseId = caseId
        self.generatedAt = generatedAt
        self.cases = cases
        self.access = access
    }

    /// Third-party data in the export: every referrer (their name and contact details), every
    /// household member (people other than the child), and free text that may name others.
    public var reviews: [Review] {
        var reviews: [Review] = []
        for (caseIndex, record) in cases.enumerated() {
            for (referralIndex, referral) in record.referrals.enumerated() {
                let base = "$.cases[\(caseIndex)].referrals[\(referralIndex)].message"
                if referral.message["referrer"] != nil {
                    reviews.append(Review(path: "\(base).referrer", reason: "third party: the person who referred (name and contact details)"))
                }
                for (index, _) in (referral.message["household"]?.arrayValue ?? []).enumerated() {
                    reviews.append(Review(path: "\(base).household[\(index)]", reason: "third party: a household member other than the child"))
                }
                for (index, concern) in (referral.message["concerns"]?.arrayValue ?? []).enumerated() where concern["detail"] != nil {
                    reviews.append(Review(path: "\(base).concerns[\(index)].detail", reason: "free text: may name or describe other people"))
                }
                if referral.message["summary"] != nil {
                    reviews.append(Review(path: "\(base).summary", reason: "free text: may name or describe other people"))
                }
            }
        }
        return reviews
    }

    /// `sar.json`: the cases as the staff API shows them, each with its access log, and the
    /// values marked for redaction review.
    public func json() throws -> JSONValue {
        let encoder = JSONValueEncoder()
        let cases: [JSONValue] = try cases.map { record in
            guard case .object(var fields) = try encoder.encode(record) else { return .null }
            fields["accessLog"] = try encoder.encode(access[record.caseId] ?? [])
            return .object(fields)
        }
        return .object([
            "format": .string(Self.format),
            "caseId": .string(caseId),
            "generatedAt": .string(generatedAt.description),
            "cases": .array(cases),
            "redactionReview": .array(reviews.map { .object(["path": .string($0.path), "reason": .string($0.reason)]) }),
        ])
    }
}

extension SQLiteCaseStore {
    /// The case and every other case holding a referral confirmed as the same child (by NHS
    /// number or a practitioner's link), oldest first.
    public func casesOfChild(_ caseId: String) async throws -> [String] {
        try await read { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM cases WHERE case_id = ?", arguments: [caseId]) != nil else { throw StoreError.caseNotFound(caseId) }
            let own = try String.fetchAll(db, sql: "SELECT referral_id FROM referrals WHERE case_id = ?", arguments: [caseId])
            // Two steps of links, as re-referrals are found.
            let direct = try IdentityTables.linked(to: own, db)
            let child = Set(own).union(direct).union(try IdentityTables.linked(to: Array(direct), db))
            var cases = try Projector.currentCases(of: Array(child).sorted(), db)
            if !cases.contains(caseId) { cases.append(caseId) }
            return try String.fetchAll(db, sql: "SELECT case_id FROM cases WHERE case_id IN (\(IdentityTables.placeholders(cases.count))) ORDER BY opened_at, case_id",
                                       arguments: StatementArguments(cases))
        }
    }
}
