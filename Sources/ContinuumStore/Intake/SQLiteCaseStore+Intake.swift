import ContinuumAPI
import ContinuumCore
import ContinuumJSON
import GRDB

extension SQLiteCaseStore {
    public func submit(_ referral: Referral, partnerId: String, actor: Actor, receivedAt: Timestamp) async throws -> Submission {
        // Planned here, on the request's own task, as for a child not seen before (most are):
        // the single writer then only checks the plan still holds, and inserts.
        let projector = self.projector
        let vault = projector.vault
        let message = try EncodedReferral(referral, vault: vault)
        let referralId = Identifier.referralId()
        let key = try vault.newKey(for: referralId)
        let wrapped = try vault.wrapped(key)
        let planned = try SubmissionPlan(message, referralId: referralId, partnerId: partnerId, receivedAt: receivedAt,
                                         match: .none, caseId: Identifier.caseId(), before: CaseState(), key: key, caseKey: nil, projector: projector)
        return try await write { db in
            if let replay = try Self.existing(partnerId: partnerId, messageId: referral.messageId, bodyHash: message.hash, db) { return replay }
            let match = try ChildMatcher.match(message.keys, child: referral.child, receivedAt: receivedAt, vault, db)
            var plan = planned
            if match != planned.match {
                // The child is known: plan again against the stored case it joins (if any).
                let joined = try match.openCase.map { caseId in (caseId, try projector.state(of: caseId, db), try vault.key(for: caseId, db)) }
                plan = try SubmissionPlan(message, referralId: referralId, partnerId: partnerId, receivedAt: receivedAt,
                                          match: match, caseId: joined?.0 ?? planned.submission.caseId, before: joined?.1 ?? CaseState(),
                                          key: key, caseKey: joined?.2, projector: projector)
            }
            try vault.insert(wrapped, db)
            try self.record(plan.events, actor: actor, at: receivedAt, db)
            return plan.submission
        }
    }

    /// The stored answer for a repeat of (partner, messageId): the first answer when the body is
    /// the same, a conflict when it is not, nil when the message is new.
    static func existing(partnerId: String, messageId: String, bodyHash: String, _ db: Database) throws -> Submission? {
        guard let existing = try Row.fetchOne(db.cachedStatement(sql: "SELECT referral_id, case_id, body_hash, decision, re_referral FROM referrals WHERE partner_id = ? AND message_id = ?"),
                                              arguments: [partnerId, messageId]) else { return nil }
        let referralId: String = existing["referral_id"]
        guard existing["body_hash"] == bodyHash else {
            throw StoreError.messageIdConflict(messageId: messageId, referralId: referralId)
        }
        guard let decisionText = existing["decision"] as String?,
              let decision = try? JSONParser().parse(decisionText).decode(Decision.self) else {
            throw StoreError.projectionBroken(table: "referrals", sequence: 0, reason: "referral \(referralId) has no readable decision; run `continuum rebuild`")
        }
        return Submission(referralId: referralId, caseId: existing["case_id"], decision: decision, decisionText: decisionText,
                          reReferral: existing["re_referral"], joinedOpenCase: false, replayed: true)
    }

    public func referralStatus(_ referralId: String) async throws -> (status: ReferralStatus, partnerId: String) {
        let versions = self.pathways
        let projector = self.projector
        return try await read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT r.referral_id, r.case_id, r.partner_id, r.message_id, r.received_at, r.decision, c.phase, c.level, c.state,
                       c.latest_referral, c.awaiting_decision
                FROM referrals r JOIN cases c ON c.case_id = r.case_id WHERE r.referral_id = ?
                """, arguments: [referralId]) else {
                throw StoreError.referralNotFound(referralId)
            }
            let decision = try (row["decision"] as String?).map { try JSONParser().parse($0).decode(Decision.self) }
            let phase = try StoredValues.phase(row, "phase", table: "cases", id: row["case_id"])
            let awaiting = (row["awaiting_decision"] as Bool) && (row["latest_referral"] as String?) == referralId
            let status: ReferralStatus.Status = switch phase {
            case .closed: .closed
            case .open: awaiting ? .awaitingDecision : .open
            case .new, .awaitingDecision, .merged: .awaitingDecision
            }
            var outcome: ReferralStatus.Outcome?
            if phase == .closed {
                let state = try projector.decodeState(row["state"], db)
                outcome = .init(level: state.level, levelTitle: nil, closureReason: state.closure)
            } else if !awaiting, let level = row["level"] as String? {
                let state = try projector.decodeState(row["state"], db)
                outcome = .init(level: level, levelTitle: versions.definition(of: state).level(level)?.title, closureReason: nil)
            }
            let status_ = ReferralStatus(referralId: referralId, caseId: row["case_id"], messageId: row["message_id"],
                                         receivedAt: try StoredValues.timestamp(row, "received_at", table: "referrals", id: referralId),
                                         status: status, decision: decision, outcome: outcome)
            return (status_, row["partner_id"])
        }
    }
}
