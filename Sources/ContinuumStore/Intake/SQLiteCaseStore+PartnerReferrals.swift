import ContinuumAPI
import ContinuumCore
import ContinuumJSON
import GRDB

// What partners hear back (issue 24): their own referrals, by id, by their messageId, or listed;
// each with what the front door decided about *that* referral and when, in plain words.

extension SQLiteCaseStore {
    /// The partner's referral `referralId`; nil when there is none or it is another partner's
    /// (the caller answers both the same way).
    public func partnerReferral(_ referralId: String, partnerId: String) async throws -> PartnerReferral? {
        try await read { db in
            try Row.fetchOne(db, sql: "\(Self.partnerColumns) WHERE referral_id = ? AND partner_id = ?", arguments: [referralId, partnerId])
                .map { try self.partnerView($0, db) }
        }
    }

    /// The partner's referral sent with `messageId` (the partner's own id for it).
    public func partnerReferral(messageId: String, partnerId: String) async throws -> PartnerReferral? {
        try await read { db in
            try Row.fetchOne(db, sql: "\(Self.partnerColumns) WHERE partner_id = ? AND message_id = ?", arguments: [partnerId, messageId])
                .map { try self.partnerView($0, db) }
        }
    }

    /// The partner's referrals received at or after `since`, newest first, `limit` a page. With
    /// a `status`, referrals in other states are skipped (at most 20 pages' worth are read for
    /// one answer; `nextCursor` then continues where the reading stopped).
    /// - Parameter cursor: `nextCursor` of the page before.
    public func partnerReferrals(partnerId: String, since: Timestamp?, status: ReferralStatus.Status?, cursor: String?, limit: Int) async throws -> PartnerReferralPage {
        let after = try cursor.map(Self.decodeCursor)
        return try await read { db in
            var items: [PartnerReferral] = []
            var position = after
            var read = 0
            let budget = limit * 20
            while items.count < limit, read < budget {
                let rows = try Row.fetchAll(db, sql: """
                    SELECT referral_id, case_id, message_id, received_at, decision, rowid FROM referrals
                    WHERE partner_id = ? AND received_at >= ? AND (? IS NULL OR received_at < ? OR (received_at = ? AND rowid < ?))
                    ORDER BY received_at DESC, rowid DESC LIMIT ?
                    """,
                    arguments: [partnerId, since?.description ?? "", position?.at, position?.at, position?.at, position?.row, limit])
                if rows.isEmpty { return PartnerReferralPage(items: items, nextCursor: nil) }
                for row in rows {
                    read += 1
                    position = (row["received_at"], row["rowid"])
                    let view = try self.partnerView(row, db)
                    if status == nil || view.status == status { items.append(view) }
                    if items.count == limit || read == budget { break }
                }
                if rows.count < limit, items.count < limit, read < budget { return PartnerReferralPage(items: items, nextCursor: nil) }
            }
            return PartnerReferralPage(items: items, nextCursor: position.map(Self.encodeCursor))
        }
    }

    static let partnerColumns = "SELECT referral_id, case_id, message_id, received_at, decision FROM referrals"

    /// `2026-11-30T09:00:00Z~1234`: where a page stopped (receipt, then row), opaque to partners.
    static func encodeCursor(_ position: (at: String, row: Int64)) -> String { "\(position.at)~\(position.row)" }

    static func decodeCursor(_ text: String) throws -> (at: String, row: Int64) {
        let parts = text.split(separator: "~")
        guard parts.count == 2, Timestamp(rfc3339: String(parts[0])) != nil, let row = Int64(parts[1]) else {
            throw StoreError.invalidCommand(.unknownCode(.cursor, "cursor \"\(text)\" is not one this service gave; start again without it"))
        }
        return (String(parts[0]), row)
    }

    /// One referral as its referrer sees it, from its row and its case's history.
    func partnerView(_ row: Row, _ db: Database) throws -> PartnerReferral {
        try partnerViewAndHistory(row, db).view
    }

    func partnerViewAndHistory(_ row: Row, _ db: Database) throws -> (view: PartnerReferral, history: ReferralHistory) {
        let referralId: String = row["referral_id"]
        let receivedAt = try StoredValues.timestamp(row, "received_at", table: "referrals", id: referralId)
        let decision = try (row["decision"] as String?).map { try JSONParser().parse($0).decode(Decision.self) }
        let history = try referralHistory(referralId, caseId: row["case_id"], db)
        let definition = (history.pathway.flatMap(pathways.version) ?? pathways.latest).definition
        var outcome: PartnerOutcome?
        let status: ReferralStatus.Status
        if let decidedAt = history.decidedAt {
            outcome = PartnerOutcome(level: history.level, levelTitle: history.level.flatMap { definition.level($0)?.title }, decidedAt: decidedAt,
                                     joinedOpenCase: history.joined, closedAt: history.closedAt, closureReason: history.closure)
            status = history.closedAt == nil ? .open : .closed
        } else {
            status = .awaitingDecision
        }
        let words = PartnerWording.describe(status: status, outcome: outcome, tier: history.level.flatMap { definition.level($0)?.tier },
                                            due: decision?.deadlines.first { $0.clock == "referral-decision" }?.due)
        return (PartnerReferral(referralId: referralId, messageId: row["message_id"], receivedAt: receivedAt, status: status, decision: decision,
                                outcome: outcome, summary: words.summary, nextSteps: words.nextSteps), history)
    }

    /// What the front door decided about one referral, read from its case's history replayed
    /// through the state machine: the first decision after the referral arrived on the case (the
    /// level then, not the case's level now), and a closure after it.
    func referralHistory(_ referralId: String, caseId: String, _ db: Database) throws -> ReferralHistory {
        var history = ReferralHistory()
        var state = CaseState()
        var received = false
        for event in try EventLog.events(of: caseId, projector.vault, db, as: .shape) {
            guard let change = event.body.caseEvent else { continue }
            let before = state
            guard let machine = try? projector.machine(for: change, before: state), let next = try? machine.apply(change, to: state) else { break }
            state = next.state
            if !received {
                var arrives = event.body.referral?.referralId == referralId
                if case .referralMoved(let moved, _, _, _, _, _, _, _)? = event.body.change, moved == referralId { arrives = true }
                if arrives {
                    received = true
                    history.joined = before.phase == .open
                    history.pathway = state.pathway
                }
                continue
            }
            if history.decidedAt == nil {
                guard !state.decisionOutstanding, state.phase == .open || state.phase == .closed else { continue }
                history.decidedAt = event.at
                history.decidedSequence = event.sequence
                history.level = state.phase == .open ? state.level : nil
                history.pathway = state.pathway
            }
            if history.closedAt == nil, state.phase == .closed {
                history.closedAt = event.at
                history.closedSequence = event.sequence
                history.closure = state.closure
            }
        }
        return history
    }

    struct ReferralHistory {
        var decidedAt: Timestamp?
        var decidedSequence: Int64?
        var closedSequence: Int64?
        var level: String?
        var pathway: String?
        var joined = false
        var closedAt: Timestamp?
        var closure: ClosureReason?
    }
}

/// The plain words a referrer reads about its referral (no personal data, no staff rationale).
enum PartnerWording {
    static func describe(status: ReferralStatus.Status, outcome: PartnerOutcome?, tier: Tier?, due: CalendarDate?) -> (summary: String, nextSteps: String?) {
        guard let outcome, let decided = outcome.decidedAt.map({ UKTime.londonDate(of: $0) }) else {
            return ("Received; the front door decides within one working day" + (due.map { " (by \($0))" } ?? "") + ".",
                    "If the child is at immediate risk, call the police (999) or the front door now: do not wait for this decision.")
        }
        var summary: String
        if let level = outcome.levelTitle ?? outcome.level {
            summary = "Decided on \(decided): \(level)."
            if outcome.joinedOpenCase { summary += " The child was already known: your referral was added to the work with the family." }
        } else {
            summary = "Closed at the front door on \(decided)."
        }
        if let closed = outcome.closedAt.map({ UKTime.londonDate(of: $0) }), let reason = outcome.closureReason {
            summary += outcome.level == nil ? " \(reason.title) (\(reason.rawValue))." : " Closed on \(closed): \(reason.title) (\(reason.rawValue))."
        }
        let next: String? = switch (status, outcome.closureReason, tier) {
        case (.closed, .noFurtherActionAfterAssessment?, _), (.closed, .servicesCeased?, _):
            "No further action by children's social care. Keep supporting the child in your service; refer again if things change or get worse."
        case (.closed, .referredToEarlyHelp?, _):
            "Closed to children's social care and passed to early help: the early help team will contact the family."
        case (.closed, _, _):
            nil
        case (_, _, .earlyHelp?), (_, _, .universal?):
            "The family is offered early help with their consent; you may be asked to join a team around the family. Refer again if things get worse."
        case (_, _, .statutory?):
            "A social worker leads; you may be asked for information or to a meeting. Share any new concern with the front door straight away."
        default:
            nil
        }
        return (summary, next)
    }
}
