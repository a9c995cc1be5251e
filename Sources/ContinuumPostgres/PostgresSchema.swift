import Logging
import NIOCore
import PostgresNIO

/// The PostgreSQL schema, as versioned migrations applied at start by one router at a time
/// (under an advisory lock) and frozen once shipped, like the SQLite store's.
///
/// The tables are the store's records; the projections live in each router's replica:
/// - `events`: the hash-chained log, column for column as SQLite has it;
/// - `record_changes`: the records beside the log (tokens, data keys, key store, access log,
///   webhooks and their outbox), as an ordered feed of rows (``ReplicatedTables``);
/// - `referral_messages`: one row per partner and messageId, unique: the backstop against two
///   referrals for one message;
/// - `log_head`: one row, where the log ends; appends lock it, which serialises them across
///   every router (one chain);
/// - `continuum_meta`: this database's store id;
/// - `continuum_append_v1(...)`: the append itself (``PostgresSharedLog/append(_:)``), a function
///   so that its statements are planned once per connection.
enum PostgresSchema {
    /// The advisory lock key migrations hold ("continuum" in ASCII, folded to 63 bits).
    static let migrationLock: Int64 = 0x636F_6E74_696E_7575

    static let migrations: [(version: String, sql: [String])] = [
        ("v1", [
            """
            CREATE TABLE events (
                sequence BIGINT PRIMARY KEY,
                case_id TEXT NOT NULL,
                type TEXT NOT NULL,
                actor_id TEXT NOT NULL,
                actor_role TEXT NOT NULL,
                at TEXT NOT NULL,
                body TEXT NOT NULL,
                previous_hash TEXT NOT NULL,
                hash TEXT NOT NULL,
                legacy_hash TEXT
            )
            """,
            "CREATE INDEX events_case ON events (case_id, sequence)",
            "CREATE TABLE record_changes (sequence BIGINT PRIMARY KEY, tbl TEXT NOT NULL, key TEXT NOT NULL, row TEXT)",
            "CREATE TABLE referral_messages (partner_id TEXT NOT NULL, message_id TEXT NOT NULL, referral_id TEXT NOT NULL, PRIMARY KEY (partner_id, message_id))",
            "CREATE TABLE log_head (id INTEGER PRIMARY KEY CHECK (id = 1), events BIGINT NOT NULL, changes BIGINT NOT NULL)",
            "INSERT INTO log_head (id, events, changes) VALUES (1, 0, 0)",
            "CREATE TABLE continuum_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
            "INSERT INTO continuum_meta (name, value) VALUES ('store_id', md5(random()::text || clock_timestamp()::text))",
        ]),
        // Only a record's latest version is kept (PostgresSharedLog.append scrubs the older
        // ones): found by this index.
        ("v2-record-versions", [
            "CREATE INDEX record_changes_record ON record_changes (tbl, key, sequence)",
        ]),
        // An event's body is mostly sealed personal data (base64 of ciphertext), which
        // compression hardly shrinks: stored out of line as before, but not compressed, which
        // cost PostgreSQL about a sixth of its CPU per referral (docs/performance.md). Rows
        // already written keep their form; both read back the same.
        ("v3-event-bodies-uncompressed", [
            "ALTER TABLE events ALTER COLUMN body SET STORAGE EXTERNAL",
        ]),
        // The append as a function (PostgresSharedLog.append): its statements are parsed and
        // planned once per connection, where the one statement it replaces was parsed, analysed
        // and planned again for every group commit (docs/performance.md). Same effect, row for
        // row. A later change of the append is a new function in a new migration: this one is frozen.
        ("v4-append-function", [
            """
            CREATE FUNCTION continuum_append_v1(
                after_events BIGINT, after_changes BIGINT, end_events BIGINT, end_changes BIGINT,
                e_sequence BIGINT[], e_case TEXT[], e_type TEXT[], e_actor TEXT[], e_role TEXT[], e_at TEXT[],
                e_body TEXT[], e_previous TEXT[], e_hash TEXT[], e_legacy TEXT[],
                c_sequence BIGINT[], c_table TEXT[], c_key TEXT[], c_row TEXT[], c_deleted BOOLEAN[],
                m_partner TEXT[], m_message TEXT[], m_referral TEXT[]
            ) RETURNS BOOLEAN LANGUAGE plpgsql AS $$
            DECLARE
                head_events BIGINT;
                head_changes BIGINT;
            BEGIN
                -- Lock the head row and check it still ends where the replica read it: under a
                -- concurrent append the lock waits, the head has moved, and nothing is written.
                SELECT events, changes INTO head_events, head_changes FROM log_head WHERE id = 1 FOR UPDATE;
                IF head_events IS DISTINCT FROM after_events OR head_changes IS DISTINCT FROM after_changes THEN
                    RETURN FALSE;
                END IF;
                INSERT INTO events (sequence, case_id, type, actor_id, actor_role, at, body, previous_hash, hash, legacy_hash)
                SELECT s, c, t, ai, ar, a, b, p, h, NULLIF(l, '')
                FROM unnest(e_sequence, e_case, e_type, e_actor, e_role, e_at, e_body, e_previous, e_hash, e_legacy)
                    AS e(s, c, t, ai, ar, a, b, p, h, l);
                -- Only a record's latest version is kept: an erased data key, or a key's wrapping
                -- under a rotated-out master key, must not stay readable in the feed's history.
                -- One index probe per change (a set-based join's cached plan could scan the table).
                FOR i IN 1 .. coalesce(array_length(c_sequence, 1), 0) LOOP
                    UPDATE record_changes SET row = NULL
                    WHERE tbl = c_table[i] AND key = c_key[i] AND sequence < c_sequence[i] AND row IS NOT NULL;
                END LOOP;
                INSERT INTO record_changes (sequence, tbl, key, row)
                SELECT s, t, k, CASE WHEN d THEN NULL ELSE r END
                FROM unnest(c_sequence, c_table, c_key, c_row, c_deleted) AS r(s, t, k, r, d);
                INSERT INTO referral_messages (partner_id, message_id, referral_id)
                SELECT p, m, r FROM unnest(m_partner, m_message, m_referral) AS m(p, m, r);
                UPDATE log_head SET events = end_events, changes = end_changes WHERE id = 1;
                RETURN TRUE;
            END
            $$
            """,
        ]),
    ]

    /// Applies the migrations this database lacks, holding the advisory lock so that routers
    /// starting together apply each once. Blocking (runs before the store opens).
    static func migrate(_ connection: PostgresConnection, logger: Logger) throws {
        _ = try connection.query("SELECT pg_advisory_lock(\(migrationLock))", logger: logger).wait()
        defer { _ = try? connection.query("SELECT pg_advisory_unlock(\(migrationLock))", logger: logger).wait() }
        _ = try connection.query("CREATE TABLE IF NOT EXISTS continuum_migrations (version TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
                                 logger: logger).wait()
        let applied = Set(try connection.query("SELECT version FROM continuum_migrations", logger: logger).wait().rows.map { try $0.decode(String.self) })
        for migration in migrations where !applied.contains(migration.version) {
            _ = try connection.query("BEGIN", logger: logger).wait()
            do {
                for statement in migration.sql {
                    _ = try connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).wait()
                }
                _ = try connection.query("INSERT INTO continuum_migrations (version) VALUES (\(migration.version))", logger: logger).wait()
                _ = try connection.query("COMMIT", logger: logger).wait()
            } catch {
                _ = try? connection.query("ROLLBACK", logger: logger).wait()
                throw error
            }
        }
    }
}
