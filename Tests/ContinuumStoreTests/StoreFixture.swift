import ContinuumAPI
import ContinuumCore
import ContinuumJSON
import ContinuumStore
import ContinuumTesting
import Foundation

/// A fresh SQLite store in a temporary folder, and helpers to feed it referrals.
struct StoreFixture {
    let store: SQLiteCaseStore
    let path: String
    let pathway: VerifiedPathway

    static let partner = Actor(id: "T-PARTNER", role: .partner)
    static let practitioner = Actor(id: "T-PRACT", role: .practitioner)
    static let manager = Actor(id: "T-MANAGER", role: .manager)
    static let start = TestFixtures.at("2026-11-26T12:00:00Z")

    init() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("continuum-store-\(UUID().uuidString)")
        path = folder.appendingPathComponent("continuum.sqlite").path
        pathway = try TestFixtures.surrey()
        store = try SQLiteCaseStore(path: path, pathway: pathway, masterKey: TestFixtures.masterKey)
    }

    /// A referral decoded as the server would, from a JSON tree.
    static func referral(_ value: JSONValue, receivedAt: Timestamp = start) throws -> Referral {
        try ReferralReader().read(value.serializedBytes(), receivedAt: receivedAt)
    }

    func submit(_ messageId: String, child: Int? = nil, nhs: Bool = true, example: String = "police-domestic-abuse", at: Timestamp = start,
                partner: String = "partner-a") async throws -> Submission {
        let referral = try Self.referral(TestFixtures.referral(messageId, child: child, nhs: nhs, from: example), receivedAt: at)
        return try await store.submit(referral, partnerId: partner, actor: Self.partner, receivedAt: at)
    }
}

/// The staff actions with their fields spelled out, as the tests write them: each builds the
/// Core command (so an invalid one fails here, as it would at the edge) and calls the store.
extension SQLiteCaseStore {
    func decide(caseId: String, level: String?, rationale: String, overrideReason: String?, actor: Actor, at: Timestamp) async throws -> ChangeOutcome {
        try await decide(caseId: caseId, DecisionCommand(accept: level == nil, level: level, overrideReason: overrideReason, rationale: rationale), actor: actor, at: at)
    }

    func transition(caseId: String, kind: TransitionKind, to: String?, reason: ClosureReason?, rationale: String, actor: Actor, at: Timestamp) async throws -> ChangeOutcome {
        try await transition(caseId: caseId, TransitionCommand(kind: kind, to: to, reason: reason, rationale: rationale), actor: actor, at: at)
    }

    func recordMilestone(caseId: String, milestone: String, on date: CalendarDate, rationale: String, actor: Actor, at: Timestamp) async throws -> ChangeOutcome {
        try await recordMilestone(caseId: caseId, MilestoneCommand(milestone: milestone, on: date.description, rationale: rationale), actor: actor, at: at)
    }

    func recordAudit(caseId: String, grade: AuditGrade, findings: String, actor: Actor, at: Timestamp) async throws -> ChangeOutcome {
        try await recordAudit(caseId: caseId, AuditCommand(grade: grade, findings: findings), actor: actor, at: at)
    }

    func resolveApproval(_ id: String, approve: Bool, rationale: String?, actor: Actor, at: Timestamp) async throws -> ChangeOutcome {
        try await resolveApproval(id, ApprovalCommand(approve: approve, rationale: rationale), actor: actor, at: at)
    }

    func linkMatch(_ matchId: String, rationale: String, actor: Actor, at: Timestamp) async throws -> MatchOutcome {
        try await linkMatch(matchId, MatchDecisionCommand(rationale: rationale), actor: actor, at: at)
    }

    func distinguishMatch(_ matchId: String, rationale: String, actor: Actor, at: Timestamp) async throws -> MatchOutcome {
        try await distinguishMatch(matchId, MatchDecisionCommand(rationale: rationale), actor: actor, at: at)
    }

    func unlink(caseId: String, referralId: String, rationale: String, actor: Actor, at: Timestamp) async throws -> ChangeOutcome {
        try await unlink(caseId: caseId, UnlinkCommand(referralId: referralId, rationale: rationale), actor: actor, at: at)
    }
}
