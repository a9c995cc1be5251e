import ContinuumAPI
import ContinuumCore
import GRDB

/// The identity projections (docs/identity.md): possible matches waiting for a person, the
/// links that say two referrals are one child, and the pairs staff said are different children.
/// Like every projection they hold nothing the log does not; `continuum rebuild` recreates them.
enum IdentityTables {
    static let tables = ["match_reviews", "identity_links", "identity_distinctions"]

    /// Creates the tables, and the `referrals.received_sequence` column that finds a referral's
    /// `referral-received` event (its indicator fact changes when a link or an unlink changes
    /// whether it is a re-referral).
    static func create(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE referrals ADD COLUMN received_sequence INTEGER;
            CREATE TABLE match_reviews (
                match_id TEXT PRIMARY KEY,
                referral_id TEXT NOT NULL,
                candidate_referral_id TEXT NOT NULL,
                reasons TEXT NOT NULL,
                status TEXT NOT NULL,
                raised_at TEXT NOT NULL,
                resolved_event TEXT
            );
            CREATE INDEX match_reviews_status ON match_reviews(status, raised_at);
            CREATE INDEX match_reviews_referral ON match_reviews(referral_id);
            CREATE TABLE identity_links (
                referral_id TEXT NOT NULL,
                other_referral_id TEXT NOT NULL,
                how TEXT NOT NULL,
                PRIMARY KEY (referral_id, other_referral_id)
            );
            CREATE TABLE identity_distinctions (
                referral_id TEXT NOT NULL,
                other_referral_id TEXT NOT NULL,
                PRIMARY KEY (referral_id, other_referral_id)
            );
            """)
    }

    /// Status of a possible match.
    enum Status: String {
        case open, linked, different
        /// Linked, then the link was undone by an approved unlink.
        case unlinked
    }

    /// The id of the `index`th possible match raised by the referral logged at `sequence`:
    /// derived from the log, so a rebuild gives the same ids.
    static func matchId(sequence: Int64, index: Int) -> String { "M\(sequence)-\(index + 1)" }

    static func raise(_ outcome: IdentityOutcome, referralId: String, sequence: Int64, at: Timestamp, _ db: Database) throws {
        let link = try db.cachedStatement(sql: "INSERT OR IGNORE INTO identity_links (referral_id, other_referral_id, how) VALUES (?, ?, ?)")
        for other in outcome.sameAs {
            try link.execute(arguments: [referralId, other, "nhs-number"])
            try link.execute(arguments: [other, referralId, "nhs-number"])
        }
        let review = try db.cachedStatement(sql: """
            INSERT INTO match_reviews (match_id, referral_id, candidate_referral_id, reasons, status, raised_at) VALUES (?, ?, ?, ?, ?, ?)
            """)
        for (index, candidate) in outcome.possible.enumerated() {
            try review.execute(arguments: [matchId(sequence: sequence, index: index), referralId, candidate.referralId,
                                           candidate.reasons.map(\.rawValue).joined(separator: ","), Status.open.rawValue, at.description])
        }
    }

    static func resolve(_ matchId: String, _ status: Status, eventId: String, _ db: Database) throws {
        try db.execute(sql: "UPDATE match_reviews SET status = ?, resolved_event = ? WHERE match_id = ?",
                       arguments: [status.rawValue, eventId, matchId])
    }

    /// Records that `a` and `b` are one child (a staff link), forgetting any "different" between them.
    static func link(_ a: String, _ b: String, _ db: Database) throws {
        try pair(a, b, into: "identity_links (referral_id, other_referral_id, how) VALUES (?, ?, 'staff')", replacing: true, removingFrom: "identity_distinctions", db)
    }

    /// Records that `a` and `b` are different children, forgetting any link between them.
    static func distinguish(_ a: String, _ b: String, _ db: Database) throws {
        try pair(a, b, into: "identity_distinctions (referral_id, other_referral_id) VALUES (?, ?)", replacing: false, removingFrom: "identity_links", db)
    }

    /// Both directions of a pair into one table, and out of the other.
    private static func pair(_ a: String, _ b: String, into insert: String, replacing: Bool, removingFrom other: String, _ db: Database) throws {
        let statement = try db.cachedStatement(sql: "INSERT OR \(replacing ? "REPLACE" : "IGNORE") INTO \(insert)")
        try statement.execute(arguments: [a, b])
        try statement.execute(arguments: [b, a])
        try db.execute(sql: "DELETE FROM \(other) WHERE (referral_id = ? AND other_referral_id = ?) OR (referral_id = ? AND other_referral_id = ?)",
                       arguments: [a, b, b, a])
    }

    /// The referrals linked to any of `referrals` (both directions are stored).
    static func linked(to referrals: [String], _ db: Database) throws -> Set<String> {
        guard !referrals.isEmpty else { return [] }
        return Set(try String.fetchAll(db, sql: "SELECT other_referral_id FROM identity_links WHERE referral_id IN (\(placeholders(referrals.count)))",
                                       arguments: StatementArguments(referrals)))
    }

    /// The pairs among or against `referrals` that staff marked as different children.
    static func distinctions(of referrals: [String], _ db: Database) throws -> [(String, String)] {
        guard !referrals.isEmpty else { return [] }
        return try Row.fetchAll(db, sql: "SELECT referral_id, other_referral_id FROM identity_distinctions WHERE referral_id IN (\(placeholders(referrals.count)))",
                                arguments: StatementArguments(referrals)).map { ($0[0], $0[1]) }
    }

    static func placeholders(_ count: Int) -> String { Array(repeating: "?", count: count).joined(separator: ", ") }
}
