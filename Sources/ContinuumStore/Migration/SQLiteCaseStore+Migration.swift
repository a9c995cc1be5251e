import ContinuumAPI
import ContinuumCore
import ContinuumJSON
import GRDB

extension SQLiteCaseStore {
    public func migrate(_ mapping: VerifiedMapping, dryRun: Bool, actor: Actor, at: Timestamp,
                        progress: @escaping @Sendable (Int, Int) -> Void) async throws -> MigrationReport {
        let target = mapping.to.definition.reference
        guard pathways.version(target) != nil else { throw StoreError.pathwayVersionMissing(target, loaded: pathways.references) }
        let work: @Sendable (Database) throws -> MigrationReport = { db in
            var report = MigrationReport(from: mapping.mapping.from, to: mapping.mapping.to, dryRun: dryRun, cases: 0, moved: 0, review: [], byLevel: [], clocksStopped: [])
            var levels: [String: Int] = [:], stops: [String: Int] = [:]
            let reasons = Dictionary(mapping.mapping.clocks.compactMap { clock in clock.stopped.map { (clock.from, $0) } }, uniquingKeysWith: { first, _ in first })
            // Every open case, in case id order (stable for the review list and the log).
            let rows = try Row.fetchAll(db, sql: "SELECT case_id, state FROM cases WHERE pathway = ? AND phase IN (?, ?) ORDER BY case_id",
                                        arguments: [mapping.mapping.from, CaseState.Phase.open.rawValue, CaseState.Phase.awaitingDecision.rawValue])
            for (index, row) in rows.enumerated() {
                if index > 0 && index % 1000 == 0 { progress(index, rows.count) }
                let caseId: String = row["case_id"]
                let state = try self.projector.decodeState(row["state"], db)
                guard state.pathway == mapping.mapping.from else { continue }
                report.cases += 1
                switch mapping.plan(state) {
                case .move(let migration):
                    report.moved += 1
                    let from = migration.level?.from ?? "awaiting-decision", to = migration.level?.to ?? "awaiting-decision"
                    levels["\(from)\u{1F}\(to)", default: 0] += 1
                    for clock in state.clocks { if let reason = reasons[clock.clock] { stops["\(clock.clock)\u{1F}\(reason)", default: 0] += 1 } }
                    guard !dryRun else { continue }
                    let rule = migration.rule.flatMap { id in mapping.mapping.levels.flatMap(\.rules).first { $0.id == id } }
                    let rationale = "Pathway migration \(migration.from) → \(migration.to)" + (rule.map { " by mapping rule \($0.id): \($0.description)" } ?? "")
                    let (_, transition) = try self.record(.change(.pathwayMigrated(migration, by: actor, at: at, rationale: rationale)),
                                                         caseId: caseId, actor: actor, at: at, db)
                    try self.routeAgain(caseId, after: transition, actor: actor, at: at, db)
                case .review(let review):
                    report.review.append(caseId)
                    guard !dryRun else { continue }
                    try self.record(.change(.migrationReviewRequested(review, by: actor, at: at)), caseId: caseId, actor: actor, at: at, db)
                case .unchanged:
                    // Already on the review list for this move: it stays there.
                    if state.migrationReview != nil { report.review.append(caseId) }
                }
            }
            report.byLevel = levels.map { key, count in
                let parts = key.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
                return MigrationReport.LevelCount(from: parts[0], to: parts.count > 1 ? parts[1] : "", count: count)
            }.sorted { ($0.from, $0.to) < ($1.from, $1.to) }
            report.clocksStopped = stops.map { key, count in
                let parts = key.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
                return MigrationReport.ClockStopCount(clock: parts[0], reason: parts.count > 1 ? parts[1] : "", count: count)
            }.sorted { $0.clock < $1.clock }
            return report
        }
        return dryRun ? try await read(work) : try await write(work)
    }

    public func migrationReview(limit: Int) async throws -> MigrationReviewPage {
        try await read { db in
            // The review is part of the state; cases on the list are few (those the mapping
            // would not place), so the open cases are read and filtered here.
            let rows = try Row.fetchAll(db, sql: "SELECT case_id, state FROM cases WHERE phase IN (?, ?) AND state LIKE '%\"migrationReview\"%' ORDER BY updated_at, case_id",
                                        arguments: [CaseState.Phase.open.rawValue, CaseState.Phase.awaitingDecision.rawValue])
            let items = try rows.compactMap { row -> MigrationReviewItem? in
                let state = try self.projector.decodeState(row["state"], db)
                guard let review = state.migrationReview else { return nil }
                return MigrationReviewItem(caseId: row["case_id"], pathway: state.pathway ?? "", phase: state.phase, level: state.level,
                                           consent: state.consent, review: review)
            }
            return MigrationReviewPage(total: items.count, items: Array(items.prefix(max(0, limit))))
        }
    }

    public func migrateReviewed(caseId: String, _ command: MigrateCaseCommand, actor: Actor, at: Timestamp) async throws -> ChangeOutcome {
        try await write { db in
            let state = try self.projector.state(of: caseId, db)
            guard let review = state.migrationReview, let from = state.pathway else { throw StoreError.notUnderReview(caseId) }
            var level: LevelChange?
            if state.phase == .open, let current = state.level {
                guard let chosen = command.level else { throw StoreError.invalidCommand(.migrationLevelRequired(caseId)) }
                level = LevelChange(from: current, to: chosen)
            }
            let migration = PathwayMigration(from: from, to: review.to, level: level, clocks: review.clocks, rule: nil)
            let (event, transition) = try self.record(.change(.pathwayMigrated(migration, by: actor, at: at, rationale: command.rationale.text)),
                                                      caseId: caseId, actor: actor, at: at, db)
            try self.routeAgain(caseId, after: transition, actor: actor, at: at, db)
            return ChangeOutcome(eventId: event.id, status: .applied, caseId: caseId, phase: transition.state.phase, level: transition.state.level)
        }
    }

    /// A referral still awaiting its front-door decision when its case moved is routed again by
    /// the case's new version (a `routed` event): the recommendation, the rules that fired and
    /// the deadlines the front door sees are then the new version's, as for a referral that
    /// arrived under it. Its receipt and re-referral standing are as recorded.
    func routeAgain(_ caseId: String, after transition: CaseTransition, actor: Actor, at: Timestamp, _ db: Database) throws {
        guard transition.state.decisionOutstanding, let version = transition.state.pathway.flatMap(pathways.version) else { return }
        guard let row = try Row.fetchOne(db, sql: """
            SELECT r.referral_id, \(LoggedMessage.body), r.received_at, r.re_referral FROM cases c JOIN referrals r ON r.referral_id = c.latest_referral
            WHERE c.case_id = ?
            """, arguments: [caseId]) else { return }
        let referralId: String = row["referral_id"]
        let referral = try LoggedMessage.referral(row, referralId: referralId, projector.vault, db)
        let receivedAt = try StoredValues.timestamp(row, "received_at", table: "referrals", id: referralId)
        let decision = route(referral, pathway: version, receivedAt: receivedAt, reReferral: row["re_referral"])
        try record(.routed(RoutedReferral(referralId: referralId, decision: decision)), caseId: caseId, actor: actor, at: at, db)
    }
}
