import GRDB

/// The SQLite schema, as GRDB migrations (append new ones; never edit a shipped one).
enum Schema {
    /// The migrations: frozen SQL, never application code, so what a shipped migration does
    /// never changes when the projector does. A migration that needs the projections replayed
    /// from the log says so with a row in `projection_rebuilds`; the store then rebuilds them
    /// with the projector of the version running (``Projector/version``), as `continuum rebuild` does.
    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            // The source of truth. Everything below it is a projection `continuum rebuild` recreates.
            try db.execute(sql: """
                CREATE TABLE events (
                    sequence INTEGER PRIMARY KEY,
                    case_id TEXT NOT NULL,
                    type TEXT NOT NULL,
                    actor_id TEXT NOT NULL,
                    actor_role TEXT NOT NULL,
                    at TEXT NOT NULL,
                    body TEXT NOT NULL,
                    previous_hash TEXT NOT NULL,
                    hash TEXT NOT NULL
                );
                CREATE INDEX events_case ON events(case_id, sequence);

                CREATE TABLE tokens (
                    token_id TEXT PRIMARY KEY,
                    secret_hash TEXT NOT NULL UNIQUE,
                    role TEXT NOT NULL,
                    partner_id TEXT,
                    name TEXT,
                    created_at TEXT NOT NULL,
                    revoked_at TEXT
                );
                CREATE TABLE cases (
                    case_id TEXT PRIMARY KEY,
                    state TEXT NOT NULL,
                    phase TEXT NOT NULL,
                    level TEXT,
                    recommendation TEXT,
                    awaiting_decision INTEGER NOT NULL,
                    immediate_risk INTEGER NOT NULL,
                    re_referral INTEGER NOT NULL,
                    next_due TEXT,
                    received_at TEXT,
                    latest_referral TEXT,
                    pending_event TEXT,
                    opened_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL,
                    last_sequence INTEGER NOT NULL
                );
                CREATE INDEX cases_queue ON cases(awaiting_decision, immediate_risk, next_due);
                CREATE INDEX cases_pending ON cases(pending_event);

                CREATE TABLE referrals (
                    referral_id TEXT PRIMARY KEY,
                    case_id TEXT NOT NULL,
                    partner_id TEXT NOT NULL,
                    message_id TEXT NOT NULL,
                    body_hash TEXT NOT NULL,
                    received_at TEXT NOT NULL,
                    re_referral INTEGER NOT NULL,
                    previous_referral TEXT,
                    message TEXT NOT NULL,
                    decision TEXT,
                    UNIQUE (partner_id, message_id)
                );
                CREATE INDEX referrals_case ON referrals(case_id);

                CREATE TABLE child_keys (
                    key TEXT NOT NULL,
                    referral_id TEXT NOT NULL,
                    case_id TEXT NOT NULL,
                    received_at TEXT NOT NULL
                );
                CREATE INDEX child_keys_key ON child_keys(key, received_at);

                CREATE TABLE clocks (
                    case_id TEXT NOT NULL,
                    clock TEXT NOT NULL,
                    from_date TEXT NOT NULL,
                    due TEXT NOT NULL,
                    breached INTEGER NOT NULL,
                    PRIMARY KEY (case_id, clock)
                );
                CREATE INDEX clocks_due ON clocks(breached, due);
                """)
        }
        // The indicator facts (issue 7's speed): the projections are replayed from the log.
        migrator.registerMigration("v2-indicator-facts") { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS projection_rebuilds (migration TEXT NOT NULL);
                INSERT INTO projection_rebuilds (migration) VALUES ('v2-indicator-facts');
                """)
        }
        migrator.registerMigration("v3-queue-order") { db in
            try db.execute(sql: """
                DROP INDEX IF EXISTS cases_queue;
                CREATE INDEX IF NOT EXISTS cases_queue_order ON cases(awaiting_decision, immediate_risk DESC, next_due IS NULL, next_due, received_at);
                """)
        }
        // Identity matching (docs/identity.md): every referral indexed under the new keys and
        // the match tables filled, by a replay of the log (old events keep their decisions).
        migrator.registerMigration("v4-identity") { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS projection_rebuilds (migration TEXT NOT NULL);
                INSERT INTO projection_rebuilds (migration) VALUES ('v4-identity');
                """)
        }
        // Which projector wrote the projections (issue 16): 4, the one of v4-identity. A store
        // whose projector is newer rebuilds them once.
        migrator.registerMigration("v5-projection-version") { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS projection_rebuilds (migration TEXT NOT NULL);
                CREATE TABLE projection_version (version INTEGER NOT NULL);
                INSERT INTO projection_version (version) VALUES (4);
                """)
        }
        // Qualifications on people's tokens, and cases' pathway versions and workers (issue
        // 15): the projections are replayed by the new projector (Projector.version 5).
        migrator.registerMigration("v6-pathway-versions") { db in
            try db.execute(sql: """
                ALTER TABLE tokens ADD COLUMN qualification TEXT;
                ALTER TABLE cases ADD COLUMN pathway TEXT;
                CREATE INDEX IF NOT EXISTS cases_pathway ON cases(pathway);
                """)
        }
        // Who looked at which case (issue 20): a source of truth of its own, never rebuilt.
        migrator.registerMigration("v7-access-log") { db in
            try db.execute(sql: """
                CREATE TABLE access_log (
                    sequence INTEGER PRIMARY KEY,
                    at TEXT NOT NULL,
                    token_id TEXT NOT NULL,
                    token_name TEXT,
                    role TEXT NOT NULL,
                    case_id TEXT NOT NULL,
                    view TEXT NOT NULL,
                    previous_hash TEXT NOT NULL,
                    hash TEXT NOT NULL
                );
                CREATE INDEX access_log_case ON access_log(case_id, sequence);
                """)
        }
        // Personal data encrypted at rest (issue 20): the wrapped data keys, which master key
        // wraps them, the erasures (a projection), and the old hashes of events the upgrade
        // re-sealed. The encrypting itself is application code (it needs the master key), so a
        // database with personal data in the clear is marked for it here and encrypted when it
        // is next opened with a key (``PersonalDataUpgrade``).
        migrator.registerMigration("v8-encryption") { db in
            try db.execute(sql: """
                CREATE TABLE key_store (name TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE data_keys (key_id TEXT PRIMARY KEY, wrapped TEXT NOT NULL, master_id TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS erasures (case_id TEXT PRIMARY KEY, event_id TEXT NOT NULL, erased_at TEXT NOT NULL, rule TEXT NOT NULL);
                ALTER TABLE events ADD COLUMN legacy_hash TEXT;
                CREATE TABLE chain_anchors (at TEXT NOT NULL, events INTEGER NOT NULL, legacy_head TEXT NOT NULL, head TEXT NOT NULL);
                INSERT INTO key_store (name, value)
                    SELECT 'encrypt_pending', 'v8' WHERE EXISTS (SELECT 1 FROM events WHERE type NOT IN ('token-created', 'token-revoked'));
                """)
        }
        migrator.registerMigration("v9-caseloads") { db in
            // Caseloads (issue 23) filter on the case's workers: columns from the state, which
            // holds worker ids in the clear (only free text is sealed).
            try db.execute(sql: """
                ALTER TABLE cases ADD COLUMN lead TEXT;
                ALTER TABLE cases ADD COLUMN co_worker TEXT;
                UPDATE cases SET lead = json_extract(state, '$.lead.id'), co_worker = json_extract(state, '$.coWorker.id') WHERE json_valid(state);
                """)
            try createCaseloadIndexes(db)
        }
        migrator.registerMigration("v10-partner-referrals") { db in
            // A partner's own referrals, newest first (issue 24).
            try db.execute(sql: "CREATE INDEX IF NOT EXISTS referrals_partner ON referrals(partner_id, received_at)")
        }
        migrator.registerMigration("v11-webhooks") { db in
            // Partners' endpoints and the outbox (issue 24): records, not projections.
            try WebhookTables.create(db)
        }
        migrator.registerMigration("v12-referrals-by-sequence") { db in
            // The referrals a range of events received (issue 17: what a replica's transaction
            // claims in the shared log, what `store copy` reads per part): without it, a scan of
            // every referral per transaction. A database that has not been rebuilt since v4 gets
            // the column, and the index, from its pending rebuild.
            if try db.columns(in: "referrals").contains(where: { $0.name == "received_sequence" }) {
                try db.execute(sql: "CREATE INDEX IF NOT EXISTS referrals_received_sequence ON referrals(received_sequence)")
            }
        }
        migrator.registerMigration("v13-message-in-log") { db in
            // A referral's message is read from the event that logged it (LoggedMessage), not
            // from a copy beside it: a third of the file, and of what each referral fsyncs
            // (issue 16, docs/performance.md). The column is dropped, its pages freed for reuse.
            try db.execute(sql: "ALTER TABLE referrals DROP COLUMN message")
        }
        return migrator
    }

    /// The caseload lists' indexes: by lead, by co-worker, by level and phase.
    static func createCaseloadIndexes(_ db: Database) throws {
        try db.execute(sql: """
            CREATE INDEX IF NOT EXISTS cases_lead ON cases(lead, phase);
            CREATE INDEX IF NOT EXISTS cases_co_worker ON cases(co_worker, phase);
            CREATE INDEX IF NOT EXISTS cases_level ON cases(phase, level);
            """)
    }

    /// Whether the projections must be replayed from the log: a migration asked, or they were
    /// written by an older projector.
    static func projectionsStale(_ db: Database) throws -> Bool {
        let asked = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM projection_rebuilds") ?? 0
        let version = try Int.fetchOne(db, sql: "SELECT version FROM projection_version") ?? 0
        return asked > 0 || version < Projector.version
    }

    /// Records that the projections are the current projector's.
    static func markProjectionsCurrent(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM projection_rebuilds; UPDATE projection_version SET version = ?", arguments: [Projector.version])
    }

    /// Every projection table: all of them are recreated from the log by `continuum rebuild`.
    static let projectionTables = ["cases", "referrals", "child_keys", "clocks"] + IndicatorFactTable.tables + IdentityTables.tables + ["erasures"]
        + CensusFactTable.tables

    static func createProjections(_ db: Database) throws {
        try createCaseProjections(db)
        try IndicatorFactTable.create(db)
        try CensusFactTable.create(db)
        try createQueueOrderIndex(db)
        try createCaseloadIndexes(db)
        try IdentityTables.create(db)
        try db.execute(sql: "CREATE INDEX IF NOT EXISTS referrals_received_sequence ON referrals(received_sequence)")
        try db.execute(sql: "CREATE TABLE erasures (case_id TEXT PRIMARY KEY, event_id TEXT NOT NULL, erased_at TEXT NOT NULL, rule TEXT NOT NULL)")
    }

    /// The queue's order as an index, so `GET /v1/queue?limit=N` reads N entries: with v1's
    /// index (no `next_due IS NULL`, no `received_at`) SQLite sorted every waiting case, and on
    /// the million-referral log (36,530 waiting) the 50 most urgent took 0.4 s; 5 ms with this.
    /// Idempotent, so a rebuild and the migration can both run it.
    static func createQueueOrderIndex(_ db: Database) throws {
        try db.execute(sql: """
            DROP INDEX IF EXISTS cases_queue;
            CREATE INDEX IF NOT EXISTS cases_queue_order ON cases(awaiting_decision, immediate_risk DESC, next_due IS NULL, next_due, received_at);
            """)
    }

    /// The case projections as `rebuild` creates them today (cases, referrals, queue columns,
    /// clocks, child keys). Migration v1 holds its own frozen copy of the text it shipped with:
    /// this one may change with the projector, that one never does.
    private static func createCaseProjections(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE cases (
                case_id TEXT PRIMARY KEY,
                state TEXT NOT NULL,
                phase TEXT NOT NULL,
                level TEXT,
                recommendation TEXT,
                awaiting_decision INTEGER NOT NULL,
                immediate_risk INTEGER NOT NULL,
                re_referral INTEGER NOT NULL,
                next_due TEXT,
                received_at TEXT,
                latest_referral TEXT,
                pending_event TEXT,
                opened_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                last_sequence INTEGER NOT NULL,
                pathway TEXT,
                lead TEXT,
                co_worker TEXT
            );
            CREATE INDEX cases_queue ON cases(awaiting_decision, immediate_risk, next_due);
            CREATE INDEX cases_pending ON cases(pending_event);
            CREATE INDEX cases_pathway ON cases(pathway);

            CREATE TABLE referrals (
                referral_id TEXT PRIMARY KEY,
                case_id TEXT NOT NULL,
                partner_id TEXT NOT NULL,
                message_id TEXT NOT NULL,
                body_hash TEXT NOT NULL,
                received_at TEXT NOT NULL,
                re_referral INTEGER NOT NULL,
                previous_referral TEXT,
                decision TEXT,
                UNIQUE (partner_id, message_id)
            );
            CREATE INDEX referrals_case ON referrals(case_id);
            CREATE INDEX referrals_partner ON referrals(partner_id, received_at);

            CREATE TABLE child_keys (
                key TEXT NOT NULL,
                referral_id TEXT NOT NULL,
                case_id TEXT NOT NULL,
                received_at TEXT NOT NULL
            );
            CREATE INDEX child_keys_key ON child_keys(key, received_at);

            CREATE TABLE clocks (
                case_id TEXT NOT NULL,
                clock TEXT NOT NULL,
                from_date TEXT NOT NULL,
                due TEXT NOT NULL,
                breached INTEGER NOT NULL,
                PRIMARY KEY (case_id, clock)
            );
            CREATE INDEX clocks_due ON clocks(breached, due);
            """)
    }
}
