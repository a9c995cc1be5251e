import ContinuumAPI
import ContinuumCore
import ContinuumJSON
import GRDB

/// Who a new referral's child is to the store: the same child as some earlier referrals, maybe
/// the same as others, and from the confirmed ones the open case to join and the re-referral
/// flag (docs/identity.md).
///
/// The cost is an index lookup: the hashed candidate keys are read from `child_keys` through
/// its index (never a scan), at most ``maximumCandidates`` candidates are compared, and only
/// their stored messages are read.
struct ChildMatch: Sendable, Equatable {
    /// The open case of the child to join (the latest, when confirmed referrals have several).
    var openCase: String?
    /// A confirmed earlier referral was received within the 12 months before (CIN census).
    var reReferral: Bool
    /// The latest confirmed earlier referral.
    var previousReferral: String?
    var outcome: IdentityOutcome

    static let none = ChildMatch(openCase: nil, reReferral: false, previousReferral: nil, outcome: IdentityOutcome(sameAs: [], possible: []))
}

enum ChildMatcher {
    /// Candidates compared per referral at most: children sharing a birth date and a name part
    /// are few; this bounds the work a referral can cause whatever the data.
    static let maximumCandidates = 200

    /// Rows read per key at most (the latest): bounds the lookup whatever one key is shared by.
    static let rowsPerKey = 1000

    /// One key's lookup: its latest ``rowsPerKey`` referrals, through `child_keys_key` (a test
    /// checks the plan: an index search, never a scan).
    static let keySQL = "SELECT referral_id FROM child_keys WHERE key = ? ORDER BY received_at DESC LIMIT \(rowsPerKey)"

    /// The candidates: referrals sharing any of `keys`, those sharing the most first (then by
    /// id), at most ``maximumCandidates``. A common family name with a birth date can share one
    /// key with hundreds of children; the child itself shares them all (its NHS number and every
    /// name part), so the limit never drops it in favour of namesakes. Each key reads at most
    /// ``rowsPerKey`` rows (its latest), so the work per referral stays bounded even when a
    /// hostile sender makes thousands of namesakes (issue 22).
    ///
    /// One cached statement per key, counted here: most children share no key with anyone, and
    /// three index probes cost them a fraction of one statement that unions, groups and sorts
    /// in temporary b-trees (docs/performance.md).
    static func candidates(_ keys: [String], _ db: Database) throws -> [String] {
        let statement = try db.cachedStatement(sql: keySQL)
        var shared: [String: Int] = [:]
        for key in keys {
            for referralId in try String.fetchAll(statement, arguments: [key]) { shared[referralId, default: 0] += 1 }
        }
        guard !shared.isEmpty else { return [] }
        return shared.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(maximumCandidates).map(\.key)
    }

    /// - Parameter keys: the child's keyed hashes (``ChildKeys/keys(for:_:)``).
    static func match(_ keys: [String], child: Child, receivedAt: Timestamp, _ vault: PersonalDataVault, _ db: Database) throws -> ChildMatch {
        guard !keys.isEmpty else { return .none }
        let ids = try candidates(keys, db)
        guard !ids.isEmpty else { return .none }
        let identity = ChildIdentity(child: child)
        var records = try Record.fetch(ids, vault, db)
        var same: [String] = []
        var possible: [String: [MatchReason]] = [:]
        for record in records.values {
            switch identity.compare(with: record.identity) {
            case .same: same.append(record.referralId)
            case .possible(let reasons): possible[record.referralId] = reasons
            case .different: break
            }
        }
        // What staff decided before: a referral linked to a confirmed one is the same child too;
        // a pair marked different is never offered again, and confirmed records that staff said
        // are different children make the NHS number itself uncertain: a person decides.
        let linked = try IdentityTables.linked(to: same, db).subtracting(same)
        if !linked.isEmpty {
            for (id, record) in try Record.fetch(Array(linked), vault, db) { records[id] = record }
            same += linked.filter { records[$0] != nil }.sorted()
        }
        let distinctions = try IdentityTables.distinctions(of: same + possible.keys, db)
        let sameSet = Set(same)
        if distinctions.contains(where: { sameSet.contains($0.0) && sameSet.contains($0.1) }) {
            for id in same { possible[id] = (possible[id] ?? []) + [.conflictingRecords] }
            same = []
        } else {
            for (a, b) in distinctions where sameSet.contains(a) { possible[b] = nil }
            for id in same { possible[id] = nil }
        }
        // One possible match per earlier case (its latest referral), not one per referral on it.
        // (A case the child is confirmed on needs no question about it.)
        let confirmedCases = Set(same.compactMap { records[$0]?.caseId })
        var latestPerCase: [String: Record] = [:]
        for id in possible.keys {
            guard let record = records[id], !confirmedCases.contains(record.caseId) else { continue }
            if let kept = latestPerCase[record.caseId], kept.order >= record.order { continue }
            latestPerCase[record.caseId] = record
        }
        let candidates = latestPerCase.values.sorted { $0.order < $1.order }
            .map { PossibleCandidate(referralId: $0.referralId, reasons: possible[$0.referralId] ?? []) }

        let confirmed = same.compactMap { records[$0] }.sorted { $0.order > $1.order }
        return ChildMatch(
            openCase: confirmed.first { !$0.caseEnded }?.caseId,
            reReferral: confirmed.contains { isReReferral(earlier: $0.receivedAt, of: receivedAt) },
            previousReferral: confirmed.first?.referralId,
            outcome: IdentityOutcome(sameAs: confirmed.map(\.referralId).sorted(), possible: candidates))
    }

    /// The CIN census rule: a referral is a re-referral when the same child was referred in
    /// the 12 months before it (London dates).
    static func isReReferral(earlier: Timestamp, of received: Timestamp) -> Bool {
        UKTime.londonDate(of: earlier) >= UKTime.londonDate(of: received).adding(months: -12)
    }

    /// A stored referral as the matcher needs it.
    struct Record {
        var referralId: String
        var caseId: String
        var receivedAt: Timestamp
        var caseEnded: Bool
        var identity: ChildIdentity
        /// Receipt, then the order stored (referrals received in the same second).
        var order: Order

        struct Order: Comparable {
            var receivedAt: Timestamp
            var row: Int64
            static func < (a: Order, b: Order) -> Bool { (a.receivedAt, a.row) < (b.receivedAt, b.row) }
        }

        /// The referrals' records; one whose child's personal data was erased is no candidate.
        static func fetch(_ ids: [String], _ vault: PersonalDataVault, _ db: Database) throws -> [String: Record] {
            guard !ids.isEmpty else { return [:] }
            let rows = try Row.fetchAll(db, sql: """
                SELECT r.rowid AS row, r.referral_id, r.case_id, r.received_at, \(LoggedMessage.body), c.phase FROM referrals r JOIN cases c ON c.case_id = r.case_id
                WHERE r.referral_id IN (\(IdentityTables.placeholders(ids.count)))
                """, arguments: StatementArguments(ids))
            var records: [String: Record] = [:]
            for row in rows {
                let id: String = row["referral_id"]
                let received: String = row["received_at"]
                guard let at = Timestamp(rfc3339: received) else {
                    throw StoreError.projectionBroken(table: "referrals", sequence: 0, reason: "referral \(id) has received_at \"\(received)\"")
                }
                let message = try LoggedMessage.opened(row, referralId: id, vault, db, as: .shape)
                if message.erased { continue }
                let child = try JSONParser(limits: JSONLimits(maxBytes: 16 << 20)).parse(message.value.serialized()).decode(Referral.self).child
                let phase: String = row["phase"]
                records[id] = Record(referralId: id, caseId: row["case_id"], receivedAt: at,
                                     caseEnded: phase == CaseState.Phase.closed.rawValue || phase == CaseState.Phase.merged.rawValue,
                                     identity: ChildIdentity(child: child), order: Order(receivedAt: at, row: row["row"]))
            }
            return records
        }
    }
}
