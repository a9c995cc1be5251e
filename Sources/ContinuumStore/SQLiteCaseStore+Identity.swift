import ContinuumAPI
import ContinuumCore
import ContinuumJSON
import GRDB

/// Possible matches and their decisions, and undoing a wrong link (docs/identity.md).
extension SQLiteCaseStore {
    public func possibleMatches(limit: Int) async throws -> PossibleMatches {
        try await read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM match_reviews WHERE status = 'open'") ?? 0
            let rows = try Row.fetchAll(db, sql: """
                SELECT match_id, referral_id, candidate_referral_id, reasons, raised_at FROM match_reviews
                WHERE status = 'open' ORDER BY raised_at, match_id LIMIT ?
                """, arguments: [max(1, limit)])
            let items = try rows.map { row in
                let reasons = (row["reasons"] as String).split(separator: ",").map { code in
                    MatchReason(rawValue: String(code))?.explanation ?? String(code)
                }
                return PossibleMatch(matchId: row["match_id"],
                                     raisedAt: try StoredValues.timestamp(row, "raised_at", table: "match_reviews", id: row["match_id"]),
                                     reasons: reasons, referral: try Self.matchRecord(row["referral_id"], self.projector.vault, db),
                                     candidate: try Self.matchRecord(row["candidate_referral_id"], self.projector.vault, db))
            }
            return PossibleMatches(total: total, items: items)
        }
    }

    static func matchRecord(_ referralId: String, _ vault: PersonalDataVault, _ db: Database) throws -> MatchRecord {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT r.case_id, r.received_at, \(LoggedMessage.body), c.phase, c.level FROM referrals r JOIN cases c ON c.case_id = r.case_id WHERE r.referral_id = ?
            """, arguments: [referralId]) else { throw StoreError.referralNotFound(referralId) }
        let message = try LoggedMessage.referral(row, referralId: referralId, vault, db, as: .shape)
        return MatchRecord(referralId: referralId, caseId: row["case_id"], casePhase: try StoredValues.phase(row, "phase", table: "cases", id: row["case_id"]), caseLevel: row["level"],
                           receivedAt: try StoredValues.timestamp(row, "received_at", table: "referrals", id: referralId),
                           referrer: ReferrerSummary(agency: message.referrer.agency, source: message.referrer.source.rawValue),
                           child: MatchChild(message.child))
    }

    /// Confirms a possible match: the new referral is the earlier referral's child. When the
    /// child's case is open and the referral's own case still awaits its first decision, the
    /// referral joins the open case and its own case is merged into it; otherwise the link is
    /// recorded and the cases stay apart (the referral becomes a re-referral when the rule says).
    public func linkMatch(_ matchId: String, _ command: MatchDecisionCommand, actor: Actor, at: Timestamp) async throws -> MatchOutcome {
        let rationale = command.rationale.text
        return try await write { db in
            let review = try Self.openReview(matchId, db)
            let (event, _) = try self.record(EventBody.change(.childLinked(match: matchId, referralId: review.referralId, to: review.candidateId,
                                                                              by: actor, at: at, rationale: rationale)),
                                             caseId: review.caseId, actor: actor, at: at, db)
            var caseId = review.caseId
            let own = try Row.fetchOne(db, sql: "SELECT state, (SELECT COUNT(*) FROM referrals WHERE case_id = ?) AS referrals FROM cases WHERE case_id = ?",
                                       arguments: [review.caseId, review.caseId])
            let target = try Row.fetchOne(db, sql: "SELECT state FROM cases WHERE case_id = ?", arguments: [review.candidateCaseId])
            if let own, let target, review.candidateCaseId != review.caseId, (own["referrals"] as Int) == 1 {
                let ownState = try self.projector.decodeState(own["state"], db)
                let targetState = try self.projector.decodeState(target["state"], db)
                if ownState.phase == .awaitingDecision, ownState.pending == nil, !targetState.hasEnded {
                    try self.record(EventBody.change(.merged(into: review.candidateCaseId, referralId: review.referralId, by: actor, at: at,
                                                              rationale: rationale)),
                                    caseId: review.caseId, actor: actor, at: at, db)
                    try self.moveIn(review.referralId, from: review.caseId, to: review.candidateCaseId, rationale: rationale, actor: actor, at: at, db)
                    caseId = review.candidateCaseId
                }
            }
            return MatchOutcome(matchId: matchId, status: .linked, eventId: event.id,
                                referralId: review.referralId, caseId: caseId, joined: caseId != review.caseId)
        }
    }

    /// Records that a possible match is two different children; the pair is not offered again.
    public func distinguishMatch(_ matchId: String, _ command: MatchDecisionCommand, actor: Actor, at: Timestamp) async throws -> MatchOutcome {
        let rationale = command.rationale.text
        return try await write { db in
            let review = try Self.openReview(matchId, db)
            let (event, _) = try self.record(EventBody.change(.childrenDistinguished(match: matchId, referralId: review.referralId, from: review.candidateId,
                                                                                        by: actor, at: at, rationale: rationale)),
                                             caseId: review.caseId, actor: actor, at: at, db)
            return MatchOutcome(matchId: matchId, status: .different, eventId: event.id,
                                referralId: review.referralId, caseId: review.caseId, joined: false)
        }
    }

    /// Undoes a wrong link: the referral leaves the case for a case of its own. A manager's
    /// unlink applies at once; a practitioner's waits for a manager (`GET /v1/approvals`).
    public func unlink(caseId: String, _ command: UnlinkCommand, actor: Actor, at: Timestamp) async throws -> ChangeOutcome {
        let (referralId, rationale) = (command.referralId, command.rationale.text)
        return try await write { db in
            let onCase = try String.fetchAll(db, sql: "SELECT referral_id FROM referrals WHERE case_id = ?", arguments: [caseId])
            guard !onCase.isEmpty else { throw StoreError.caseNotFound(caseId) }
            guard onCase.contains(referralId) else {
                throw StoreError.cannotUnlink(caseId: caseId, referralId: referralId, reason: "it is not on this case (its referrals: \(onCase.sorted().joined(separator: ", ")))")
            }
            guard onCase.count > 1 else {
                throw StoreError.cannotUnlink(caseId: caseId, referralId: referralId, reason: "it is the case's only referral, so it already has a case of its own")
            }
            let (event, transition) = try self.record(EventBody.change(.unlinkRequested(referralId: referralId, by: actor, at: at, rationale: rationale)),
                                                      caseId: caseId, actor: actor, at: at, db)
            try self.completeUnlinks(transition, from: caseId, rationale: rationale, actor: actor, at: at, db)
            let pending = transition.effects.contains { if case .approvalRequested = $0 { true } else { false } }
            let state = try self.projector.decodeState(try String.fetchOne(db, sql: "SELECT state FROM cases WHERE case_id = ?", arguments: [caseId]) ?? "{}", db)
            return ChangeOutcome(eventId: event.id, status: pending ? .pendingApproval : .applied, caseId: caseId,
                                 phase: state.phase, level: state.level)
        }
    }

    /// For each referral an event unlinked from `caseId`, a new case that takes it in.
    func completeUnlinks(_ transition: CaseTransition, from caseId: String, rationale: String, actor: Actor, at: Timestamp, _ db: Database) throws {
        for case .referralUnlinked(let referralId) in transition.effects {
            try moveIn(referralId, from: caseId, to: Identifier.caseId(), rationale: rationale, actor: actor, at: at, db)
        }
    }

    /// Records the referral's arrival on `to`, as if received there, with its recommendation.
    private func moveIn(_ referralId: String, from: String, to: String, rationale: String, actor: Actor, at: Timestamp, _ db: Database) throws {
        guard let row = try Row.fetchOne(db, sql: "SELECT received_at, \(LoggedMessage.body), decision FROM referrals r WHERE referral_id = ?", arguments: [referralId]),
              let receivedAt = Timestamp(rfc3339: row["received_at"] as String) else {
            throw StoreError.referralNotFound(referralId)
        }
        let parser = JSONParser(limits: JSONLimits(maxBytes: 16 << 20))
        let message = try LoggedMessage.referral(row, referralId: referralId, projector.vault, db, as: .shape)
        let recommendation = try (row["decision"] as String?).map { try parser.parse($0).decode(Decision.self).level }
        try record(EventBody.change(.referralMoved(referralId: referralId, from: from, receivedAt: receivedAt, consent: message.consent,
                                                    recommendation: recommendation, by: actor, at: at, rationale: rationale)),
                   caseId: to, actor: actor, at: at, db)
    }

    private struct Review {
        var referralId: String
        var caseId: String
        var candidateId: String
        var candidateCaseId: String
    }

    private static func openReview(_ matchId: String, _ db: Database) throws -> Review {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT m.status, m.referral_id, r.case_id, m.candidate_referral_id, c.case_id AS candidate_case_id
            FROM match_reviews m JOIN referrals r ON r.referral_id = m.referral_id JOIN referrals c ON c.referral_id = m.candidate_referral_id
            WHERE m.match_id = ?
            """, arguments: [matchId]) else { throw StoreError.matchNotFound(matchId) }
        let status: String = row["status"]
        guard status == IdentityTables.Status.open.rawValue else { throw StoreError.matchResolved(id: matchId, status: status) }
        return Review(referralId: row["referral_id"], caseId: row["case_id"], candidateId: row["candidate_referral_id"],
                      candidateCaseId: row["candidate_case_id"])
    }

    /// The plan SQLite uses for the matcher's candidate lookup (`EXPLAIN QUERY PLAN`): an index
    /// search, never a scan of `child_keys` (checked by a test; docs/identity.md).
    public func matchingQueryPlan() async throws -> [String] {
        try await read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + ChildMatcher.keySQL, arguments: ["a"]).map { $0["detail"] as String }
        }
    }
}
