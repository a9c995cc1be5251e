import Dispatch
import Foundation
import GRDB
import Synchronization

/// Group commit: writes that arrive while a transaction is committing wait and then share the
/// next transaction, so many concurrent requests pay for one `fsync` together.
///
/// Each write runs in its own savepoint: one that throws is rolled back alone and its caller
/// gets the error, while the rest of the batch commits. A caller resumes only after the
/// transaction holding its write has committed (with `synchronous=FULL`, after the fsync), so
/// an acknowledgement always means durable.
///
/// On a replica of a shared store, ``Replica`` brackets each transaction: it catches up first
/// and, before the commit, appends to the shared log; when another router appended first the
/// transaction rolls back and the whole batch runs again on the caught-up replica.
///
/// The batches are committed one after another by a loop on a dispatch queue of its own, which
/// calls GRDB's blocking `write`: the writer is the one resource every referral waits for, and
/// a loop on Swift's cooperative pool (two threads on two cores) waited behind the requests'
/// own tasks after every commit, about 2 ms of a 10 ms cycle with the writer idle
/// (docs/performance.md).
final class GroupCommit: Sendable {
    private let writer: any DatabaseWriter
    private let replica: Replica?
    private let state = Mutex(Pending())
    /// Where the commit loop runs while writes are waiting.
    private let queue = DispatchQueue(label: "continuum.group-commit", qos: .userInitiated)
    /// Upper bound on writes per transaction, to bound the wait of the first one in a batch.
    private let maximumBatch: Int

    private struct Pending {
        var jobs: [Job] = []
        var draining = false
    }

    /// One caller's write: `run` does the work inside the batch's transaction and returns how
    /// to answer the caller once the commit succeeded; `abort` answers it if the commit failed.
    private struct Job: Sendable {
        let run: @Sendable (Database) -> @Sendable () -> Void
        let abort: @Sendable (any Error) -> Void
    }

    /// Conflicts with other routers a batch may meet before its writers are told to retry.
    static let maximumConflicts = 100

    init(writer: any DatabaseWriter, replica: Replica? = nil, maximumBatch: Int = 256) {
        self.writer = writer
        self.replica = replica
        self.maximumBatch = maximumBatch
    }

    /// Runs `work` in the next shared transaction; returns once that transaction committed.
    func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job(
                run: { db in
                    let result = Result { try Self.inSavepoint(db) { try work(db) } }
                    return { continuation.resume(with: result) }
                },
                abort: { error in continuation.resume(throwing: error) }
            )
            let startDrain = state.withLock { pending in
                pending.jobs.append(job)
                if pending.draining { return false }
                pending.draining = true
                return true
            }
            if startDrain {
                queue.async { self.drain() }
            }
        }
    }

    /// Runs `work` in a savepoint of the batch's transaction: undone alone when it throws.
    /// Its statements are cached on the connection: GRDB's `inSavepoint` prepares `SAVEPOINT`
    /// and `RELEASE` anew for every write, on the single writer every referral waits for.
    static func inSavepoint<T>(_ db: Database, _ work: () throws -> T) throws -> T {
        try db.cachedStatement(sql: "SAVEPOINT continuum_write").execute()
        do {
            let output = try work()
            try db.cachedStatement(sql: "RELEASE SAVEPOINT continuum_write").execute()
            return output
        } catch {
            // Undone and closed; when SQLite has already rolled the whole transaction back
            // (a full disk, say) there is nothing to undo, and the commit reports it.
            try? db.cachedStatement(sql: "ROLLBACK TO SAVEPOINT continuum_write").execute()
            try? db.cachedStatement(sql: "RELEASE SAVEPOINT continuum_write").execute()
            throw error
        }
    }

    /// Commits batches until no write is waiting (blocking: on ``queue``).
    private func drain() {
        while true {
            let batch: [Job] = state.withLock { pending in
                if pending.jobs.isEmpty {
                    pending.draining = false
                    return []
                }
                let count = min(pending.jobs.count, maximumBatch)
                let batch = Array(pending.jobs.prefix(count))
                pending.jobs.removeFirst(count)
                return batch
            }
            if batch.isEmpty { return }
            let replica = self.replica
            var conflicts = 0
            while true {
                do {
                    let answers = try writer.write { db in
                        do {
                            try replica?.begin(db)
                            let answers = batch.map { $0.run(db) }
                            try replica?.end(db)
                            return answers
                        } catch {
                            replica?.abandon()
                            throw error
                        }
                    }
                    for answer in answers { answer() }
                } catch let error as SharedLogError {
                    if case .conflict = error, conflicts < Self.maximumConflicts {
                        // Another router committed first: run the batch again on the caught-up
                        // replica, after a short random pause so two routers do not collide again.
                        conflicts += 1
                        usleep(UInt32.random(in: 0...UInt32(200 * min(conflicts, 20))))
                        continue
                    }
                    for job in batch { job.abort(StoreError.unavailable("the shared log kept moving: \(error)")) }
                } catch {
                    for job in batch { job.abort(error) }
                }
                break
            }
        }
    }
}
