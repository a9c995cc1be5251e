import ContinuumAPI
import ContinuumCore

// The system of record behind the HTTP API and the CLI, split by who uses it: partners' intake,
// staff actions, reads, tokens, indicator facts and maintenance. ``SQLiteCaseStore`` is the
// embedded conformer; a second store (PostgreSQL) conforms to the same protocols. Every write
// appends hash-chained events and updates the projections in one transaction, and returns only
// after that transaction is durable.

/// Partners' referrals in, and what a partner may know of them.
public protocol ReferralIntake: Sendable {
    /// Stores a validated referral, matches its child, routes it and queues it.
    /// The same partner and `messageId` with the same body returns the first answer
    /// (`replayed`); with another body it throws ``StoreError/messageIdConflict(messageId:referralId:)``.
    func submit(_ referral: Referral, partnerId: String, actor: Actor, receivedAt: Timestamp) async throws -> Submission
    func referralStatus(_ referralId: String) async throws -> (status: ReferralStatus, partnerId: String)
    /// A partner's own referral as its referrer sees it (nil: none, or another partner's).
    func partnerReferral(_ referralId: String, partnerId: String) async throws -> PartnerReferral?
    /// A partner's own referral found by the partner's `messageId`.
    func partnerReferral(messageId: String, partnerId: String) async throws -> PartnerReferral?
    /// A page of a partner's own referrals, newest first.
    func partnerReferrals(partnerId: String, since: Timestamp?, status: ReferralStatus.Status?, cursor: String?, limit: Int) async throws -> PartnerReferralPage
}

/// What front-door staff and managers do to cases. Commands arrive valid (``DecisionCommand``
/// and the rest cannot be built otherwise); the pathway may still refuse them
/// (``StoreError/refused(_:)``).
public protocol StaffActions: Sendable {
    /// The front-door decision on the case's latest referral.
    func decide(caseId: String, _ command: DecisionCommand, actor: Actor, at: Timestamp) async throws -> ChangeOutcome
    /// A step-up, step-down, escalation or closure.
    func transition(caseId: String, _ command: TransitionCommand, actor: Actor, at: Timestamp) async throws -> ChangeOutcome
    /// Records a pathway milestone that happened on `command.on` (today when nil; London date;
    /// not in the future, not before the case's latest referral): the clocks it stops are judged on that date.
    func recordMilestone(caseId: String, _ command: MilestoneCommand, actor: Actor, at: Timestamp) async throws -> ChangeOutcome
    /// Records staff's addition or correction of the census details on a case (the child's UPN,
    /// ethnicity, sex; the episode's primary need).
    func recordChildDetails(caseId: String, _ command: ChildDetailsCommand, actor: Actor, at: Timestamp) async throws -> ChangeOutcome
    /// Records a manager's case-file audit grade and findings.
    func recordAudit(caseId: String, _ command: AuditCommand, actor: Actor, at: Timestamp) async throws -> ChangeOutcome
    /// Gives the case to a worker (recorded as an `assigned` event).
    func assign(caseId: String, _ command: AssignCommand, actor: Actor, at: Timestamp) async throws -> ChangeOutcome
    func resolveApproval(_ id: String, _ command: ApprovalCommand, actor: Actor, at: Timestamp) async throws -> ChangeOutcome
    /// Confirms a possible match (the same child); joins the child's open case when it can.
    func linkMatch(_ matchId: String, _ command: MatchDecisionCommand, actor: Actor, at: Timestamp) async throws -> MatchOutcome
    /// Records a possible match as two different children.
    func distinguishMatch(_ matchId: String, _ command: MatchDecisionCommand, actor: Actor, at: Timestamp) async throws -> MatchOutcome
    /// Moves a wrongly linked referral to a case of its own (a manager's approval is needed).
    func unlink(caseId: String, _ command: UnlinkCommand, actor: Actor, at: Timestamp) async throws -> ChangeOutcome
    /// Records a `clock-breached` event for every running clock past its due date; returns how
    /// many. Runs in transactions of at most `batchSize` breaches, so a long catch-up (after
    /// downtime, or a first start on an imported log) never holds the single writer for longer
    /// than one batch: referrals keep being committed in between. `progress` is told the running
    /// total after each batch. Stops between batches when the task is cancelled.
    func recordBreaches(at now: Timestamp, batchSize: Int, progress: @escaping @Sendable (Int) async -> Void) async throws -> Int
}

/// What staff read: the queue, cases, approvals, possible matches, and counts for metrics.
public protocol CaseReads: Sendable {
    /// The most urgent `limit` referrals awaiting a decision (all of them when nil), and how
    /// many await one in all.
    func queue(today: CalendarDate, limit: Int?) async throws -> (items: [QueueItem], total: Int)
    /// The queue as the API pages it: items, totals (overdue too) and workers' names.
    func queuePage(today: CalendarDate, limit: Int) async throws -> QueuePage
    func caseRecord(_ caseId: String, today: CalendarDate) async throws -> CaseRecord
    /// A case for a reader in `role`: with what that role may do to it now (`options`).
    func caseRecord(_ caseId: String, today: CalendarDate, role: Role?) async throws -> CaseRecord
    func approvals() async throws -> [ApprovalItem]
    /// The oldest `limit` approvals, how many wait, and the names of those who asked.
    func approvalsPage(limit: Int) async throws -> ApprovalsPage
    /// The case a typed id names (any case; a referral's id names its case for a read).
    func resolveCase(_ text: String, forChange: Bool) async throws -> String
    /// A caseload page, nearest deadline first.
    func cases(_ filter: CaseFilter, today: CalendarDate, limit: Int, offset: Int) async throws -> CasePage
    /// A child's cases through the keyed matching index.
    func searchChildren(_ search: ChildSearch, today: CalendarDate, limit: Int) async throws -> ChildSearchPage
    /// The level ids of every pathway version the store judges cases by.
    var levelIds: [String] { get }
    /// The ids a worker's cases are assigned under: their token id and their name.
    func workerKeys(tokenId: String) async throws -> [String]
    /// The oldest `limit` possible matches waiting for a person, and how many wait in all.
    func possibleMatches(limit: Int) async throws -> PossibleMatches
    /// Counts for metrics: open referrals awaiting a decision, and running clocks past due.
    func gauges(today: CalendarDate) async throws -> (queueLength: Int, overdueClocks: Int)
    /// A random sample of `size` cases for case-file audit, the same for the same seed and log.
    func auditSample(size: Int, seed: UInt64) async throws -> [(caseId: String, phase: CaseState.Phase, level: String?)]
}

/// Bearer tokens: created and revoked by an administrator, checked on every request.
public protocol TokenStore: Sendable {
    /// - Parameter qualification: for a person's token, what they are qualified as: it decides
    ///   which case roles they may hold (a social worker may lead at child protection).
    func createToken(role: Role, partnerId: String?, name: String?, qualification: Qualification?, at: Timestamp) async throws -> (info: TokenInfo, secret: String)
    func listTokens() async throws -> [TokenInfo]
    func revokeToken(_ tokenId: String, at: Timestamp) async throws
    func authenticate(secret: String) async throws -> Principal?
}

/// The improvement board's indicators, computed from the log's indicator facts.
public protocol IndicatorSource: Sendable {
    func indicators(from: CalendarDate, to: CalendarDate, targets: IndicatorTargets) async throws -> IndicatorReport
}

/// Keeping the log honest and the projections whole: verify, checkpoints, rebuild.
public protocol StoreMaintenance: Sendable {
    /// Checks the whole hash chain (`continuum audit verify`).
    func verifyChain() async throws -> ChainReport
    /// The log's head, signed with the checkpoint key (verified first when `verify`).
    func checkpoint(key: CheckpointKey, at: Timestamp, verify: Bool) async throws -> Checkpoint
    /// What contradicts a signed checkpoint: a shorter log, or another hash at its last event.
    func problems(against checkpoint: Checkpoint) async throws -> [String]
    /// What differs between the projections and a replay of the log into fresh ones.
    func problemsAgainstReplay() async throws -> [String]
    /// Drops the projections and replays every event into them (`continuum rebuild`).
    func rebuild() async throws -> RebuildReport
}

/// Carrying open cases across a change of pathway version (docs/families-first.md).
public protocol PathwayMigrations: Sendable {
    /// Plans every open case on the mapping's old version and, unless `dryRun`, records one
    /// `pathway-migrated` or `migration-review` event per case that changes, in one transaction.
    /// Running it again moves nothing more.
    /// `progress` is told (cases planned, cases on the old version) every 1,000 cases.
    func migrate(_ mapping: VerifiedMapping, dryRun: Bool, actor: Actor, at: Timestamp,
                 progress: @escaping @Sendable (Int, Int) -> Void) async throws -> MigrationReport
    /// The cases on the migration review list, oldest change first.
    func migrationReview(limit: Int) async throws -> MigrationReviewPage
    /// A person moves a case on the review list to the new version, at the level they chose.
    func migrateReviewed(caseId: String, _ command: MigrateCaseCommand, actor: Actor, at: Timestamp) async throws -> ChangeOutcome
}

/// Children's personal data (issue 20): the record of who looked at which case (the server records
/// every staff read before answering it; `audit verify` checks the record's own hash chain), what
/// a subject access request covers, and who is past retention.
public protocol DataProtection: Sendable {
    /// Appends one line per case shown, durably; a read that cannot be recorded must not be answered.
    func recordAccess(_ reads: [AccessRead], by principal: Principal, at: Timestamp) async throws
    /// Who looked at the case, oldest first (`continuum audit access`).
    func accessLog(caseId: String) async throws -> [AccessEntry]
    /// The case and every other case holding a referral confirmed as the same child, oldest
    /// first: what a subject access request for the child covers (`continuum sar`).
    func casesOfChild(_ caseId: String) async throws -> [String]
    /// Whose records are past retention on `asOf` (the longest rule of any level each child's
    /// cases reached). Reads only.
    func retention(asOf: CalendarDate) async throws -> RetentionReport
    /// Erases the personal data of every child past retention on `asOf` (their data keys
    /// destroyed), one `personal-data-erased` event per child.
    func applyRetention(asOf: CalendarDate, actor: Actor, at: Timestamp) async throws -> ErasureReport
}

/// Everything a router service needs of its store.
/// Partners' endpoints and the outbox of deliveries to them (issue 24; docs/partners.md).
public protocol WebhookStore: Sendable {
    func addWebhook(partnerId: String, url: String, secret: [UInt8]?, allowHTTP: Bool, at: Timestamp) async throws -> (info: WebhookInfo, secret: [UInt8])
    func webhooks(partnerId: String?) async throws -> [WebhookInfo]
    func removeWebhook(_ webhookId: String, at: Timestamp) async throws
    /// Deliveries due at `now`, oldest first.
    func dueDeliveries(now: Timestamp, limit: Int) async throws -> [DueDelivery]
    /// One attempt's result: delivered, or failed with its next attempt (nil: given up).
    func recordAttempt(_ deliveryId: String, delivered: Bool, error: String?, nextAttempt: Timestamp?, at: Timestamp) async throws
    func deliveries(status: DeliveryInfo.Status?, limit: Int) async throws -> [DeliveryInfo]
    func retryDelivery(_ deliveryId: String, at: Timestamp) async throws
}

/// Several routers on one store (issue 17): work that one of them does at a time, and whether
/// the store answers.
public protocol RouterCoordination: Sendable {
    /// Whether this process may do `duty` now: always on the embedded store; on a shared store,
    /// while it holds the duty's lock (taken here when free; released when the process dies, so
    /// another router takes over at its next call). Ask before each round of the duty.
    func mayPerform(_ duty: RouterDuty) async -> Bool
    /// The store's kind and whether its database answers (`/healthz`).
    func health() async -> StoreHealth
}

/// Work one router does at a time.
public enum RouterDuty: String, Sendable, CaseIterable {
    /// Recording clock breaches (``StaffActions/recordBreaches(at:batchSize:progress:)``).
    case clockWatcher = "clock-watcher"
    /// Delivering partners' webhooks.
    case webhookDispatcher = "webhook-dispatcher"
}

/// What `/healthz` says of the store.
public struct StoreHealth: Sendable, Hashable {
    /// `sqlite` or `postgresql`.
    public var kind: String
    /// Whether the database answered (nil: answering; else why not).
    public var problem: String?

    public init(kind: String, problem: String?) {
        self.kind = kind
        self.problem = problem
    }
}

public typealias CaseStore = ReferralIntake & StaffActions & CaseReads & TokenStore & IndicatorSource & StoreMaintenance & PathwayMigrations & WebhookStore
    & DataProtection & RouterCoordination & CensusSource & HistorySource

extension PathwayMigrations {
    /// ``migrate(_:dryRun:actor:at:progress:)`` without progress reports.
    public func migrate(_ mapping: VerifiedMapping, dryRun: Bool, actor: Actor, at: Timestamp) async throws -> MigrationReport {
        try await migrate(mapping, dryRun: dryRun, actor: actor, at: at, progress: { _, _ in })
    }
}

extension TokenStore {
    /// A token without a qualification (partners, planners, administrators).
    public func createToken(role: Role, partnerId: String?, name: String?, at: Timestamp) async throws -> (info: TokenInfo, secret: String) {
        try await createToken(role: role, partnerId: partnerId, name: name, qualification: nil, at: at)
    }
}

extension CaseReads {
    /// Every referral awaiting a decision, most urgent first.
    public func queue(today: CalendarDate) async throws -> [QueueItem] {
        try await queue(today: today, limit: nil).items
    }
}

extension StaffActions {
    /// ``recordBreaches(at:batchSize:progress:)`` in batches of 200 (about 40 ms of writing
    /// each on the project's machine), without progress reports.
    public func recordBreaches(at now: Timestamp) async throws -> Int {
        try await recordBreaches(at: now, batchSize: 200, progress: { _ in })
    }
}
