import ContinuumCore
import ContinuumJSON
import GRDB

extension SQLiteCaseStore {
    public func submit(_ referral: Referral, partnerId: String, actor: Actor, receivedAt: Timestamp) async throws -> Submission {
        let messageJSON = try JSONValueEncoder().encode(referral)
        let bodyHash = Hex.sha256(messageJSON.serializedBytes())
        let keys = ChildKeys.keys(for: referral.child)
        let pathway = self.pathway
        return try await write { db in
            if let existing = try Row.fetchOne(db.cachedStatement(sql: "SELECT referral_id, case_id, body_hash, decision, re_referral FROM referrals WHERE partner_id = ? AND message_id = ?"),
                                               arguments: [partnerId, referral.messageId]) {
                let referralId: String = existing["referral_id"]
                guard existing["body_hash"] == bodyHash else {
                    throw StoreError.messageIdConflict(messageId: referral.messageId, referralId: referralId)
                }
                let decisionText: String = existing["decision"] ?? "null"
                let decision = try JSONParser().parse(decisionText).decode(Decision.self)
                return Submission(referralId: referralId, caseId: existing["case_id"], status: "awaiting-decision", decision: decision,
                                  reReferral: existing["re_referral"], joinedOpenCase: false, replayed: true)
            }
            let match = try Self.match(keys: keys, receivedAt: receivedAt, db)
            let caseId = match.openCase ?? Identifier.caseId()
            let referralId = Identifier.referralId()
            let received = ReceivedReferral(referralId: referralId, partnerId: partnerId, receivedAt: receivedAt, bodyHash: bodyHash,
                                            message: referral, messageJSON: messageJSON, reReferral: match.reReferral, previousReferralId: match.previousReferral,
                                            childKeys: keys)
            let decision = route(referral, pathway: pathway, receivedAt: receivedAt, reReferral: match.reReferral)
            try self.record(EventBody(referral: received), caseId: caseId, actor: actor, at: receivedAt, db)
            try self.record(EventBody(routed: RoutedReferral(referralId: referralId, decision: decision,
                                                                      decisionJSON: try JSONValueEncoder().encode(decision))), caseId: caseId, actor: actor, at: receivedAt, db)
            return Submission(referralId: referralId, caseId: caseId, status: "awaiting-decision", decision: decision,
                              reReferral: match.reReferral, joinedOpenCase: match.openCase != nil, replayed: false)
        }
    }

    /// The same child seen before: an open case to join, and whether it was referred within
    /// the 12 months before `receivedAt` (a re-referral, CIN census definition).
    static func match(keys: [String], receivedAt: Timestamp, _ db: Database) throws -> (openCase: String?, reReferral: Bool, previousReferral: String?) {
        guard !keys.isEmpty else { return (nil, false, nil) }
        let placeholders = Array(repeating: "?", count: keys.count).joined(separator: ", ")
        let rows = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT k.referral_id, k.case_id, k.received_at, c.phase FROM child_keys k JOIN cases c ON c.case_id = k.case_id
            WHERE k.key IN (\(placeholders)) ORDER BY k.received_at DESC, k.rowid DESC
            """), arguments: StatementArguments(keys))
        guard let latest = rows.first else { return (nil, false, nil) }
        let yearBefore = UKTime.londonDate(of: receivedAt).adding(months: -12)
        let reReferral = rows.contains { row in
            Timestamp(rfc3339: row["received_at"] as String).map { UKTime.londonDate(of: $0) >= yearBefore } ?? false
        }
        let open = rows.first { ($0["phase"] as String) != CaseState.Phase.closed.rawValue }
        return (open?["case_id"], reReferral, latest["referral_id"])
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
            let receivedText: String = row["received_at"]
            let status_ = ReferralStatus(referralId: referralId, caseId: row["case_id"], messageId: row["message_id"],
                                         receivedAt: Timestamp(rfc3339: receivedText) ?? Timestamp(secondsSinceEpoch: 0),
                                         status: status, decision: decision, outcome: outcome)
            return (status_, row["partner_id"])
        }
    }
}
