import ContinuumCore
import ContinuumJSON
import GRDB

extension SQLiteCaseStore {
    public func submit(_ referral: Referral, partnerId: String, actor: Actor, receivedAt: Timestamp) async throws -> Submission {
        let messageJSON = try JSONValueEncoder().encode(referral)
        let messageText = messageJSON.serialized()
        let bodyHash = Hex.sha256(Array(messageText.utf8))
        let keys = ChildKeys.keys(for: referral.child)
        // Read first, on any core: a repeat is answered without writing, and for a new child the
        // events, the case state and every text are prepared here, so the single writer only
        // re-checks the two lookups and inserts (see docs/performance.md).
        let seen = try await read { db in
            (try Self.existing(partnerId: partnerId, messageId: referral.messageId, bodyHash: bodyHash, db), try ChildMatcher.match(referral.child, receivedAt: receivedAt, db))
        }
        if let replay = seen.0 { return replay }
        let plan = try seen.1.openCase == nil
            ? prepare(referral, messageJSON: messageJSON, messageText: messageText, bodyHash: bodyHash, keys: keys, partnerId: partnerId,
                      actor: actor, receivedAt: receivedAt, match: seen.1)
            : nil
        let pathway = self.pathway
        return try await write { db in
            if let replay = try Self.existing(partnerId: partnerId, messageId: referral.messageId, bodyHash: bodyHash, db) { return replay }
            let match = try ChildMatcher.match(referral.child, receivedAt: receivedAt, db)
            if let plan, match == seen.1 {
                try self.record(plan.received, bodyText: plan.receivedText, prepared: plan.first, caseId: plan.submission.caseId, actor: actor, at: receivedAt, db)
                try self.record(plan.routed, bodyText: plan.routedText, prepared: plan.second, caseId: plan.submission.caseId, actor: actor, at: receivedAt, db)
                return plan.submission
            }
            // The child was matched meanwhile (or joins an open case): decide here, against the stored case.
            let caseId = match.openCase ?? Identifier.caseId()
            let referralId = Identifier.referralId()
            let received = ReceivedReferral(referralId: referralId, partnerId: partnerId, receivedAt: receivedAt, bodyHash: bodyHash,
                                            message: referral, messageJSON: messageJSON, reReferral: match.reReferral,
                                            previousReferralId: match.previousReferral, childKeys: keys, identity: match.outcome)
            let decision = route(referral, pathway: pathway, receivedAt: receivedAt, reReferral: match.reReferral)
            try self.record(EventBody(referral: received), caseId: caseId, actor: actor, at: receivedAt, db)
            try self.record(EventBody(routed: RoutedReferral(referralId: referralId, decision: decision, decisionJSON: try JSONValueEncoder().encode(decision))),
                            caseId: caseId, actor: actor, at: receivedAt, db)
            return Submission(referralId: referralId, caseId: caseId, status: "awaiting-decision", decision: decision,
                              reReferral: match.reReferral, joinedOpenCase: match.openCase != nil, replayed: false)
        }
    }

    /// A new case's two events, prepared outside the write transaction.
    struct SubmissionPlan: Sendable {
        let submission: Submission
        let received: EventBody
        let receivedText: String
        let first: Projector.Prepared
        let routed: EventBody
        let routedText: String
        let second: Projector.Prepared
    }

    private func prepare(_ referral: Referral, messageJSON: JSONValue, messageText: String, bodyHash: String, keys: [String], partnerId: String,
                         actor: Actor, receivedAt: Timestamp, match: ChildMatch) throws -> SubmissionPlan {
        let caseId = Identifier.caseId()
        let referralId = Identifier.referralId()
        let decision = route(referral, pathway: pathway, receivedAt: receivedAt, reReferral: match.reReferral)
        let decisionJSON = try JSONValueEncoder().encode(decision)
        let received = EventBody(referral: ReceivedReferral(
            referralId: referralId, partnerId: partnerId, receivedAt: receivedAt, bodyHash: bodyHash, message: referral, messageJSON: messageJSON,
            reReferral: match.reReferral, previousReferralId: match.previousReferral, childKeys: keys, identity: match.outcome))
        let routed = EventBody(routed: RoutedReferral(referralId: referralId, decision: decision, decisionJSON: decisionJSON))
        let machine = projector.machine
        let start = CaseState()
        let first: CaseTransition, second: CaseTransition
        do {
            first = try machine.apply(.referralReceived(at: receivedAt, consent: referral.consent), to: start)
            second = try machine.apply(.routed(decision), to: first.state)
        } catch {
            throw StoreError.refused(error)
        }
        let encoder = JSONValueEncoder()
        return SubmissionPlan(
            submission: Submission(referralId: referralId, caseId: caseId, status: "awaiting-decision", decision: decision,
                                   reReferral: match.reReferral, joinedOpenCase: false, replayed: false),
            received: received, receivedText: try encoder.encode(received).serialized(),
            first: Projector.Prepared(before: start, transition: first, stateText: try encoder.encode(first.state).serialized(),
                                      messageText: messageText, decisionText: nil),
            routed: routed, routedText: try encoder.encode(routed).serialized(),
            second: Projector.Prepared(before: first.state, transition: second, stateText: try encoder.encode(second.state).serialized(),
                                       messageText: nil, decisionText: decisionJSON.serialized()))
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
        let decisionText: String = existing["decision"] ?? "null"
        let decision = try JSONParser().parse(decisionText).decode(Decision.self)
        return Submission(referralId: referralId, caseId: existing["case_id"], status: "awaiting-decision", decision: decision,
                          reReferral: existing["re_referral"], joinedOpenCase: false, replayed: true)
    }

    public func referralStatus(_ referralId: String) async throws -> (status: ReferralStatus, partnerId: String) {
        let pathway = self.pathway
        return try await read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT r.referral_id, r.case_id, r.partner_id, r.message_id, r.received_at, r.decision, c.phase, c.level, c.state,
                       c.latest_referral, c.awaiting_decision
                FROM referrals r JOIN cases c ON c.case_id = r.case_id WHERE r.referral_id = ?
                """, arguments: [referralId]) else {
                throw StoreError.referralNotFound(referralId)
            }
            let decision = try (row["decision"] as String?).map { try JSONParser().parse($0).decode(Decision.self) }
            let phase: String = row["phase"]
            let awaiting = (row["awaiting_decision"] as Bool) && (row["latest_referral"] as String?) == referralId
            var status = awaiting || phase == CaseState.Phase.awaitingDecision.rawValue ? "awaiting-decision" : phase
            var outcome: ReferralStatus.Outcome?
            if phase == CaseState.Phase.closed.rawValue {
                status = "closed"
                let state = try Projector.decodeState(row["state"])
                outcome = .init(level: state.level, levelTitle: nil, closureReason: state.closure)
            } else if !awaiting, let level = row["level"] as String? {
                outcome = .init(level: level, levelTitle: pathway.definition.level(level)?.title, closureReason: nil)
            }
            let status_ = ReferralStatus(referralId: referralId, caseId: row["case_id"], messageId: row["message_id"],
                                         receivedAt: try StoredValues.timestamp(row, "received_at", table: "referrals", id: referralId),
                                         status: status, decision: decision, outcome: outcome)
            return (status_, row["partner_id"])
        }
    }
}
