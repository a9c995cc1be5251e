import ContinuumAPI
import ContinuumCore
import ContinuumJSON
import GRDB

extension SQLiteCaseStore {
    public func decide(caseId: String, _ command: DecisionCommand, actor: Actor, at: Timestamp) async throws -> ChangeOutcome {
        try await change(caseId: caseId, actor: actor, at: at) { state, definition in
            // A referral that joined an open case is a decision about the referral, never an
            // order to move the case: accepting a recommendation at or below the case's level
            // notes it there; a move is asked for by naming the level (issue 23).
            if state.joinedReferralOutstanding, let current = state.level {
                switch command {
                case .note(let overrideReason, let rationale):
                    return .referralNoted(level: current, by: actor, at: at, rationale: rationale.text, overrideReason: overrideReason?.text)
                case .accept(let rationale):
                    guard let recommended = state.recommendation, Self.ranks(recommended, above: current, in: definition) else {
                        return .referralNoted(level: current, by: actor, at: at, rationale: rationale.text, overrideReason: nil)
                    }
                    return .decided(level: recommended, by: actor, at: at, rationale: rationale.text, overrideReason: nil)
                case .choose(let text, let overrideReason, let rationale):
                    let level = try Self.level(text, in: definition, field: .level)
                    if level == current {
                        return .referralNoted(level: current, by: actor, at: at, rationale: rationale.text, overrideReason: overrideReason?.text)
                    }
                    return .decided(level: level, by: actor, at: at, rationale: rationale.text, overrideReason: overrideReason?.text)
                }
            }
            switch command {
            case .accept(let rationale):
                guard let chosen = state.recommendation else { throw StoreError.invalidCommand(.noRecommendationToAccept) }
                return .decided(level: chosen, by: actor, at: at, rationale: rationale.text, overrideReason: nil)
            case .choose(let text, let overrideReason, let rationale):
                let level = try Self.level(text, in: definition, field: .level)
                return .decided(level: level, by: actor, at: at, rationale: rationale.text, overrideReason: overrideReason?.text)
            case .note:
                throw StoreError.invalidCommand(.nothingToNote(state.phase))
            }
        }
    }

    public func transition(caseId: String, _ command: TransitionCommand, actor: Actor, at: Timestamp) async throws -> ChangeOutcome {
        try await change(caseId: caseId, actor: actor, at: at) { _, definition in
            switch command {
            case .close(let reason, let rationale): .closed(reason: reason, by: actor, at: at, rationale: rationale.text)
            case .move(let kind, let to, let rationale):
                .moved(kind: kind, to: try Self.level(to, in: definition, field: .to), by: actor, at: at, rationale: rationale.text)
            }
        }
    }

    public func recordMilestone(caseId: String, _ command: MilestoneCommand, actor: Actor, at: Timestamp) async throws -> ChangeOutcome {
        let today = UKTime.londonDate(of: at)
        let date = command.on ?? today
        let rationale = command.rationale.text
        guard date <= today else {
            throw StoreError.invalidCommand(.milestoneInTheFuture(date))
        }
        return try await change(caseId: caseId, actor: actor, at: at) { state, definition in
            let known = definition.milestones.map(\.id)
            guard let milestone = Codes.canonical(command.milestone, among: known) else {
                throw StoreError.invalidCommand(.unknownCode(.milestone, Codes.unknown("milestone", command.milestone, among: known)))
            }
            if let received = state.receivedAt.map(UKTime.londonDate), date < received {
                throw StoreError.invalidCommand(.milestoneBeforeReferral(date, received: received))
            }
            // Midday UTC on the day: its London date is that day in summer and winter alike.
            let when = Timestamp(secondsSinceEpoch: Int64(date.daysSinceEpoch) * 86_400 + 43_200)
            return .milestone(milestone, by: actor, at: when, rationale: rationale, census: command.census)
        }
    }

    /// Records staff's addition or correction of the child's census details on the case.
    public func recordChildDetails(caseId: String, _ command: ChildDetailsCommand, actor: Actor, at: Timestamp) async throws -> ChangeOutcome {
        try await change(caseId: caseId, actor: actor, at: at) { _, _ in
            .childDetailsRecorded(command.details, by: actor, at: at, rationale: command.rationale.text)
        }
    }

    /// The level `text` names in the case's pathway, in any case; unknown, a problem naming the
    /// levels there are and the nearest.
    static func level(_ text: String, in definition: Pathway, field: CommandProblem.Field) throws -> String {
        let known = definition.levels.map(\.id)
        guard let level = Codes.canonical(text, among: known) else { throw StoreError.invalidCommand(.unknownCode(field, Codes.unknown("level", text, among: known))) }
        return level
    }

    static func ranks(_ level: String, above current: String, in definition: Pathway) -> Bool {
        guard let rank = definition.rank(of: level), let currentRank = definition.rank(of: current) else { return false }
        return rank > currentRank
    }

    public func recordAudit(caseId: String, _ command: AuditCommand, actor: Actor, at: Timestamp) async throws -> ChangeOutcome {
        try await change(caseId: caseId, actor: actor, at: at) { _, _ in .audited(grade: command.grade, findings: command.findings.text, by: actor, at: at) }
    }

    /// A random sample of `size` cases for case-file audit, the same for the same seed and log:
    /// case ids sorted, then shuffled by a seeded SplitMix64.
    public func auditSample(size: Int, seed: UInt64) async throws -> [(caseId: String, phase: CaseState.Phase, level: String?)] {
        let rows = try await read { db in
            try Row.fetchAll(db, sql: "SELECT case_id, phase, level FROM cases WHERE phase != ? ORDER BY case_id", arguments: [CaseState.Phase.new.rawValue])
                .map { row in (caseId: row["case_id"] as String, phase: try StoredValues.phase(row, "phase", table: "cases", id: row["case_id"]), level: row["level"] as String?) }
        }
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        var shuffled = rows
        for index in stride(from: shuffled.count - 1, to: 0, by: -1) {
            shuffled.swapAt(index, Int(next() % UInt64(index + 1)))
        }
        return Array(shuffled.prefix(max(0, size)))
    }

    public func assign(caseId: String, _ command: AssignCommand, actor: Actor, at: Timestamp) async throws -> ChangeOutcome {
        // The worker's qualification is their staff token's, read now and recorded in the event,
        // so a replay judges the assignment as it was judged today.
        // The worker's qualification is their staff token's, read now and recorded in the event,
        // so a replay judges the assignment as it was judged today. The worker is recorded as
        // named (a token's id or name); caseloads find both, and staff read the name.
        let worker = command.worker.text
        let qualification: Qualification? = try await read { db in
            let text = try String.fetchOne(db, sql: """
                SELECT qualification FROM tokens WHERE (token_id = ? OR name = ?) AND revoked_at IS NULL AND role IN ('practitioner', 'manager')
                ORDER BY token_id = ? DESC, created_at DESC LIMIT 1
                """, arguments: [worker, worker, worker])
            return text.flatMap(Qualification.init(rawValue:))
        }
        let role: CaseRole? = command.role == .lead ? nil : command.role
        return try await change(caseId: caseId, actor: actor, at: at) { _, _ in
            .assigned(to: worker, by: actor, at: at, role: role, qualification: qualification)
        }
    }

    public func resolveApproval(_ id: String, _ command: ApprovalCommand, actor: Actor, at: Timestamp) async throws -> ChangeOutcome {
        // Approval ids are event ids (`E42`): typed in any case.
        let id = id.uppercased()
        let caseId: String = try await read { db in
            guard let caseId = try String.fetchOne(db, sql: "SELECT case_id FROM cases WHERE pending_event = ?", arguments: [id]) else {
                throw StoreError.approvalNotFound(id)
            }
            return caseId
        }
        return try await change(caseId: caseId, actor: actor, at: at, expectPending: id) { _, _ in
            switch command {
            case .approve(let rationale): return .approved(by: actor, at: at, rationale: rationale?.text)
            case .reject(let rationale): return .rejected(by: actor, at: at, rationale: rationale.text)
            }
        }
    }

    /// Loads the case, builds the event from its state, and records it if the pathway allows.
    private func change(caseId: String, actor: Actor, at: Timestamp, expectPending: String? = nil,
                        _ makeEvent: @escaping @Sendable (CaseState, Pathway) throws -> CaseEvent) async throws -> ChangeOutcome {
        try await write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT state, pending_event FROM cases WHERE case_id = ?", arguments: [caseId]) else {
                throw StoreError.caseNotFound(caseId)
            }
            // The approval may have been decided by another manager between lookup and write.
            if let expectPending, (row["pending_event"] as String?) != expectPending { throw StoreError.approvalNotFound(expectPending) }
            let state = try self.projector.decodeState(row["state"], db)
            let (event, transition) = try self.record(EventBody.change(try makeEvent(state, self.pathways.definition(of: state))), caseId: caseId, actor: actor, at: at, db)
            // An approved unlink gives the referral its case in the same transaction.
            try self.completeUnlinks(transition, from: caseId, rationale: state.pending?.rationale ?? "", actor: actor, at: at, db)
            let pending = transition.effects.contains { if case .approvalRequested = $0 { true } else { false } }
            return ChangeOutcome(eventId: event.id, status: pending ? .pendingApproval : .applied, caseId: caseId,
                                 phase: transition.state.phase, level: transition.state.level)
        }
    }

    public func recordBreaches(at now: Timestamp, batchSize: Int, progress: @escaping @Sendable (Int) async -> Void) async throws -> Int {
        let today = UKTime.londonDate(of: now).description
        let limit = max(1, batchSize)
        let system = Actor(id: "clock-watcher", role: .admin)
        // A cursor over (due, rowid), the order of the clocks_due index: each batch is a range
        // read of that index (a cursor over other columns made SQLite scan and sort every
        // overdue clock per batch: quadratic in a long catch-up), and every batch moves past
        // what it read, so the loop ends even if a breach left its row unchanged.
        var after: (due: String, row: Int64)? = nil
        var total = 0
        while !Task.isCancelled {
            let cursor = after
            let batch = try await write { db -> (count: Int, last: (due: String, row: Int64)?) in
                let rows = try Row.fetchAll(db, sql: """
                    SELECT due, rowid, case_id, clock FROM clocks
                    WHERE breached = 0 AND due < ? AND (due, rowid) > (?, ?)
                    ORDER BY due, rowid LIMIT ?
                    """, arguments: [today, cursor?.due ?? "", cursor?.row ?? Int64.min, limit])
                for row in rows {
                    try self.record(EventBody.change(.clockBreached(clock: row["clock"], at: now)), caseId: row["case_id"], actor: system, at: now, db)
                }
                return (rows.count, rows.last.map { (due: $0["due"], row: $0["rowid"]) })
            }
            total += batch.count
            guard let last = batch.last else { break }
            after = last
            await progress(total)
            if batch.count < limit { break }
        }
        return total
    }
}
