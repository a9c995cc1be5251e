import Dispatch
import GRDB
import GRDBSQLite
import Synchronization

/// Moves most of the store's WAL checkpoint work off the writer.
///
/// SQLite's automatic checkpoint runs inside the commit that takes the WAL past 1,000 pages:
/// that commit copies every page of the WAL into the database file and fsyncs it before it
/// returns, and every referral of the batch, and every batch behind it, waits. Under load a
/// group commit writes about 400 pages, so one commit in two or three paid for a checkpoint:
/// commits took 3.8-5 ms on average, a third to a half of the writer's cycle
/// (docs/performance.md).
///
/// Here the writer connection's WAL hook (which replaces the automatic checkpoint) does two
/// things, in turn, each time the WAL is past the same 1,000 pages:
/// 1. it queues a `PASSIVE` checkpoint on this checkpointer's own connection, which copies the
///    bulk of the WAL while the writer goes on (a passive checkpoint never waits for the writer
///    or readers, and SQLite lets one checkpointer and one writer work at once);
/// 2. once that is done, the next commit runs a `PASSIVE` checkpoint itself, as SQLite's
///    automatic one would, but it copies only the pages written meanwhile. That pass is what
///    lets the next transaction start the WAL again from the beginning: a checkpoint beside a
///    writer that never pauses never catches up with it, and the WAL grew without end (1.2 GB
///    in a 10 s bench) when the background pass ran alone.
///
/// Durability is unchanged: a commit is durable when its WAL frames are synced
/// (`synchronous=FULL`), whoever copies them into the database file later. Every checkpoint
/// started here runs on one queue, so an erasure's `TRUNCATE` (``truncate(_:)``) never meets
/// a background one half-way (SQLite would answer it busy).
final class WALCheckpointer: Sendable {
    /// WAL pages after which a checkpoint starts: SQLite's own default for its automatic one.
    static let threshold: Int32 = 1_000

    private let queue = DispatchQueue(label: "continuum.wal-checkpoint", qos: .utility)
    /// The checkpointer's own connection, opened by ``attach(path:configuration:)``.
    private let connection = Mutex<DatabaseQueue?>(nil)
    /// Where the WAL's checkpoint stands.
    private let stage = Mutex(Stage.idle)

    private enum Stage {
        /// Nothing under way.
        case idle
        /// The background pass is queued or running.
        case copying
        /// The background pass is done: the next commit past the threshold copies the rest.
        case copied
    }

    /// Opens the checkpointer's connection to the store's file (which the pool has created, in
    /// WAL mode). Until then commits are checkpointed in the writer, as SQLite's would be.
    func attach(path: String, configuration: Configuration) throws {
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        connection.withLock { $0 = queue }
    }

    /// Replaces SQLite's automatic checkpoint on `db`'s connection. Called on every connection
    /// the pool opens: only the writer commits, so only its hook ever fires.
    func install(on db: Database) {
        // The hook gets an unretained pointer: the pool's configuration, which holds the closure
        // that calls this, holds the checkpointer as long as any of its connections is open.
        let context = Unmanaged.passUnretained(self).toOpaque()
        sqlite3_wal_hook(db.sqliteConnection, { context, connection, name, pages in
            guard let context, pages >= WALCheckpointer.threshold else { return SQLITE_OK }
            if Unmanaged<WALCheckpointer>.fromOpaque(context).takeUnretainedValue().committed() {
                // In the writer's commit, as SQLite's automatic checkpoint does; busy (another
                // process checkpointing) or blocked by a reader, it is tried at the next commit.
                _ = sqlite3_wal_checkpoint_v2(connection, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            }
            return SQLITE_OK
        }, context)
    }

    /// A commit left the WAL past the threshold (in the writer, so cheap and non-blocking):
    /// queues the background pass, or answers true when it is done and the writer should copy
    /// the rest now.
    private func committed() -> Bool {
        let attached = connection.withLock { $0 != nil }
        let next: Stage = stage.withLock { stage in
            let now = stage
            switch stage {
            case .idle: stage = attached ? .copying : .idle
            case .copying: break
            case .copied: stage = .idle
            }
            return now
        }
        switch next {
        case .idle:
            guard attached else { return true }
            queue.async { self.copy() }
            return false
        case .copying: return false
        case .copied: return true
        }
    }

    /// The background pass, on ``queue``. When it fails (another process checkpointing, say),
    /// the writer's next pass copies the whole WAL, as SQLite's own checkpoint would have.
    private func copy() {
        if let connection = connection.withLock({ $0 }) {
            _ = try? connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
        }
        stage.withLock { $0 = .copied }
    }

    /// Runs a `TRUNCATE` checkpoint on the store's writer (no write runs meanwhile) after any
    /// background checkpoint under way: the WAL is copied into the database file and emptied.
    /// Best effort, as before: a reader holding an old snapshot can keep part of the WAL.
    func truncate(_ writer: any DatabaseWriter) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            queue.async {
                _ = try? writer.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
                done.resume()
            }
        }
    }
}
