import ContinuumCore

/// The system of record behind the HTTP API: referrals in, decisions and transitions recorded
/// as hash-chained events, projections read back.
///
/// ``SQLiteCaseStore`` is the embedded conformer. Every write appends events and updates the
/// projections in one transaction, and returns only after that transaction is durable.
public protocol CaseStore: Sendable {
    /// Stores a validated referral, matches its child, routes it and queues it.
    /// The same partner and `messageId` with the same body returns the first answer
    /// (`replayed`); with another body it throws ``StoreError/messageIdConflict(messageId:referralId:)``.
    func submit(_ referral: Referral, partnerId: String, actor: Actor, receivedAt: Timestamp) async throws -> Submission
    func referralStatus(_ referralId: String) async throws -> (status: ReferralStatus, partnerId: String)
    /// The most urgent `limit` referrals awaiting a decision (all of them when nil), and how
    /// many await one in all.
    func queue(today: CalendarDate, limit: Int?) async throws -> (items: [QueueItem], total: Int)
    func caseRecord(_ caseId: String, today: CalendarDate) async throws -> CaseRecord
    /// The front-door decision; `level` nil accepts the recommendation.
    func decide(caseId: String, level: String?, rationale: String, overrideReason: String?, actor: Actor, at: Timestamp) async throws -> ChangeOutcome
    /// A step-up, step-down, escalation (`to` a level) or closure (`reason`).
    func transition(caseId: String, kind: TransitionKind, to: String?, reason: ClosureReason?, rationale: String, actor: Actor, at: Timestamp) async throws -> ChangeOutcome
    /// Records a pathway milestone that happened on `on` (London date; not in the future, not
    /// before the case's latest referral): the clocks it stops are judged on that date.
    func recordMilestone(caseId: String, milestone: String, on date: CalendarDate, rationale: String, actor: Actor, at: Timestamp) async throws -> ChangeOutcome
    /// Records a manager's case-file audit grade and findings.
    func recordAudit(caseId: String, grade: AuditGrade, findings: String, actor: Actor, at: Timestamp) async throws -> ChangeOutcome
    /// Gives the case to a worker (recorded as an `assigned` event).
    func assign(caseId: String, to worker: String, actor: Actor, at: Timestamp) async throws -> ChangeOutcome
    func resolveApproval(_ id: String, approve: Bool, rationale: String?, actor: Actor, at: Timestamp) async throws -> ChangeOutcome
    func approvals() async throws -> [ApprovalItem]
    /// The oldest `limit` possible matches waiting for a person, and how many wait in all.
    func possibleMatches(limit: Int) async throws -> PossibleMatches
    /// Confirms a possible match (the same child); joins the child's open case when it can.
    func linkMatch(_ matchId: String, rationale: String, actor: Actor, at: Timestamp) async throws -> MatchOutcome
    /// Records a possible match as two different children.
    func distinguishMatch(_ matchId: String, rationale: String, actor: Actor, at: Timestamp) async throws -> MatchOutcome
    /// Moves a wrongly linked referral to a case of its own (a manager's approval is needed).
    func unlink(caseId: String, referralId: String, rationale: String, actor: Actor, at: Timestamp) async throws -> ChangeOutcome
    /// Records a `clock-breached` event for every running clock past its due date; returns how
    /// many. Runs in transactions of at most `batchSize` breaches, so a long catch-up (after
    /// downtime, or a first start on an imported log) never holds the single writer for longer
    /// than one batch: referrals keep being committed in between. `progress` is told the running
    /// total after each batch. Stops between batches when the task is cancelled.
    func recordBreaches(at now: Timestamp, batchSize: Int, progress: @escaping @Sendable (Int) async -> Void) async throws -> Int
    func authenticate(secret: String) async throws -> Principal?
    /// The log's head, signed with the checkpoint key (verified first when `verify`).
    func checkpoint(key: CheckpointKey, at: Timestamp, verify: Bool) async throws -> Checkpoint
    /// What contradicts a signed checkpoint: a shorter log, or another hash at its last event.
    func problems(against checkpoint: Checkpoint) async throws -> [String]
    /// The improvement board's indicators for a period, computed from the event log.
    func indicators(from: CalendarDate, to: CalendarDate, targets: IndicatorTargets) async throws -> IndicatorReport
    /// Counts for metrics: open referrals awaiting a decision, and running clocks past due.
    func gauges(today: CalendarDate) async throws -> (queueLength: Int, overdueClocks: Int)
}

extension CaseStore {
    /// Every referral awaiting a decision, most urgent first.
    public func queue(today: CalendarDate) async throws -> [QueueItem] {
        try await queue(today: today, limit: nil).items
    }

    /// ``recordBreaches(at:batchSize:progress:)`` in batches of 200 (about 40 ms of writing
    /// each on the project's machine), without progress reports.
    public func recordBreaches(at now: Timestamp) async throws -> Int {
        try await recordBreaches(at: now, batchSize: 200, progress: { _ in })
    }
}
