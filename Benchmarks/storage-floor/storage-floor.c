/*
 * `make bench`: the storage floor of a durable referral (issue 16).
 *
 * Replays the rows a server stored (a database the HTTP bench wrote) into a new database with
 * the same schema and settings (WAL, synchronous=FULL, SQLite's automatic checkpoint), through
 * SQLite's C API alone: no Swift, no GRDB, no HTTP, no encoding or encryption. Each referral's
 * share of every table is inserted with a prepared statement, referrals are committed in
 * transactions of BATCH (as the group commit does), and the process's CPU time (user + system,
 * checkpoints included) is divided by the referrals replayed.
 *
 * It is a lower bound of what the server's writer does for the same rows: the server also
 * reads (the idempotency check, the child match, the event log's head, the case row), writes
 * the case row twice and the referral's decision in a second statement, and its rows are bound
 * through GRDB. What it shows is how much of a referral's CPU is SQLite's own work on the
 * bytes Continuum keeps, whatever the code around it.
 *
 * Usage: storage-floor SOURCE.sqlite WORK_FOLDER [BATCH ...]
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

typedef struct {
    char *name;
    int columns;
    int count;
    sqlite3_value **values; /* count * columns */
} Table;

static void die(sqlite3 *db, const char *what) {
    fprintf(stderr, "storage-floor: %s: %s\n", what, db ? sqlite3_errmsg(db) : "out of memory");
    exit(1);
}

static void run(sqlite3 *db, const char *sql) {
    char *error = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &error) != SQLITE_OK) {
        fprintf(stderr, "storage-floor: %s: %s\n", sql, error ? error : "?");
        exit(1);
    }
}

static double cpu_seconds(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static double wall_seconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec + now.tv_nsec / 1e9;
}

/* Every row of every table the server writes per referral, in rowid order, held in memory. */
static Table *load(sqlite3 *source, int *tables, int *referrals) {
    sqlite3_stmt *list;
    if (sqlite3_prepare_v2(source, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                                   "AND name NOT IN ('grdb_migrations', 'tokens', 'key_store', 'projection_version', 'projection_rebuilds')",
                           -1, &list, NULL) != SQLITE_OK) die(source, "listing tables");
    Table *result = NULL;
    int n = 0;
    while (sqlite3_step(list) == SQLITE_ROW) {
        Table table = {strdup((const char *)sqlite3_column_text(list, 0)), 0, 0, NULL};
        char sql[256];
        /* In the order stored; a table without rowid (an experiment's schema) in order of receipt. */
        snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" ORDER BY rowid", table.name);
        sqlite3_stmt *rows;
        if (sqlite3_prepare_v2(source, sql, -1, &rows, NULL) != SQLITE_OK) {
            snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" ORDER BY received_at", table.name);
            if (sqlite3_prepare_v2(source, sql, -1, &rows, NULL) != SQLITE_OK) die(source, sql);
        }
        table.columns = sqlite3_column_count(rows);
        int capacity = 0;
        while (sqlite3_step(rows) == SQLITE_ROW) {
            if (table.count == capacity) {
                capacity = capacity ? capacity * 2 : 1024;
                table.values = realloc(table.values, sizeof(sqlite3_value *) * capacity * table.columns);
                if (!table.values) die(NULL, "loading rows");
            }
            for (int c = 0; c < table.columns; c++) table.values[table.count * table.columns + c] = sqlite3_value_dup(sqlite3_column_value(rows, c));
            table.count++;
        }
        sqlite3_finalize(rows);
        if (strcmp(table.name, "referrals") == 0) *referrals = table.count;
        result = realloc(result, sizeof(Table) * (n + 1));
        result[n++] = table;
    }
    sqlite3_finalize(list);
    *tables = n;
    return result;
}

/* A new database with the source's schema and the store's settings. */
static sqlite3 *create(sqlite3 *source, const char *path) {
    remove(path);
    char wal[4200];
    snprintf(wal, sizeof wal, "%s-wal", path);
    remove(wal);
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) die(db, path);
    run(db, "PRAGMA journal_mode = WAL");
    run(db, "PRAGMA synchronous = FULL");
    sqlite3_stmt *schema;
    if (sqlite3_prepare_v2(source, "SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type = 'index', rowid",
                           -1, &schema, NULL) != SQLITE_OK) die(source, "reading the schema");
    while (sqlite3_step(schema) == SQLITE_ROW) run(db, (const char *)sqlite3_column_text(schema, 0));
    sqlite3_finalize(schema);
    return db;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: storage-floor SOURCE.sqlite WORK_FOLDER [BATCH ...]\n");
        return 2;
    }
    sqlite3 *source;
    if (sqlite3_open_v2(argv[1], &source, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) die(source, argv[1]);
    int count = 0, referrals = 0;
    Table *tables = load(source, &count, &referrals);
    if (referrals == 0) {
        fprintf(stderr, "storage-floor: %s holds no referrals\n", argv[1]);
        return 1;
    }
    int rows = 0;
    for (int t = 0; t < count; t++) rows += tables[t].count;
    printf("storage floor: %d referrals' rows (%.1f rows each) replayed through SQLite's C API, WAL, synchronous=FULL\n",
           referrals, (double)rows / referrals);
    int defaults[] = {8, 32};
    int batches = argc > 3 ? argc - 3 : 2;
    for (int b = 0; b < batches; b++) {
        int batch = argc > 3 ? atoi(argv[3 + b]) : defaults[b];
        if (batch < 1) batch = 1;
        char path[4096];
        snprintf(path, sizeof path, "%s/floor.sqlite", argv[2]);
        sqlite3 *db = create(source, path);
        sqlite3_stmt **inserts = calloc(count, sizeof(sqlite3_stmt *));
        for (int t = 0; t < count; t++) {
            char sql[4096];
            int at = snprintf(sql, sizeof sql, "INSERT INTO \"%s\" VALUES (", tables[t].name);
            for (int c = 0; c < tables[t].columns; c++) at += snprintf(sql + at, sizeof sql - at, c ? ", ?" : "?");
            snprintf(sql + at, sizeof sql - at, ")");
            if (sqlite3_prepare_v2(db, sql, -1, &inserts[t], NULL) != SQLITE_OK) die(db, sql);
        }
        double cpu = cpu_seconds(), wall = wall_seconds();
        for (int k = 0; k < referrals; k++) {
            if (k % batch == 0) run(db, "BEGIN IMMEDIATE");
            /* Referral k's share of each table: the rows between k/R and (k+1)/R of it. */
            for (int t = 0; t < count; t++) {
                long first = (long)tables[t].count * k / referrals, end = (long)tables[t].count * (k + 1) / referrals;
                for (long r = first; r < end; r++) {
                    for (int c = 0; c < tables[t].columns; c++) sqlite3_bind_value(inserts[t], c + 1, tables[t].values[r * tables[t].columns + c]);
                    if (sqlite3_step(inserts[t]) != SQLITE_DONE) die(db, tables[t].name);
                    sqlite3_reset(inserts[t]);
                }
            }
            if (k % batch == batch - 1 || k == referrals - 1) run(db, "COMMIT");
        }
        cpu = cpu_seconds() - cpu;
        wall = wall_seconds() - wall;
        printf("  committed %3d referrals at a time: %6.1f µs of CPU per referral (%.0f referrals/s on one core)\n",
               batch, cpu * 1e6 / referrals, referrals / wall);
        for (int t = 0; t < count; t++) sqlite3_finalize(inserts[t]);
        free(inserts);
        sqlite3_close(db);
        remove(path);
        char wal[4200];
        snprintf(wal, sizeof wal, "%s-wal", path);
        remove(wal);
        snprintf(wal, sizeof wal, "%s-shm", path);
        remove(wal);
    }
    sqlite3_close(source);
    return 0;
}
