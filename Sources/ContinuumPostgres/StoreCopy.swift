import ContinuumStore
import Synchronization

/// `continuum store copy`: a council's move from the embedded file to PostgreSQL (issue 17).
/// The event log and the records beside it are appended to an empty shared log, in parts, from
/// one snapshot of the source; then the chain is walked in PostgreSQL and must end where the
/// source's did (same event count, same last hash).
public enum StoreCopy {
    /// What was copied, and the chain as PostgreSQL holds it afterwards.
    public struct Report: Sendable, Hashable {
        public var events: Int64
        public var records: Int64
        public var lastHash: String
    }

    /// Why a copy was refused or did not arrive whole.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// The target holds events already (a copy goes into an empty database only).
        case targetNotEmpty(location: String, events: Int64, records: Int64)
        /// The chain in the target does not end as the source's did.
        case chainDiffers(source: (Int64, String), target: (Int64, String))

        public var description: String {
            switch self {
            case .targetNotEmpty(let location, let events, let records):
                "\(location) already holds \(events) events and \(records) records; copy into a new, empty database (createdb) so nothing there is mixed or lost"
            case .chainDiffers(let source, let target):
                "the chain did not arrive intact: the source ends at E\(source.0) with hash \(source.1), the target at E\(target.0) with hash \(target.1)"
            }
        }
    }

    /// Copies `source` into the empty shared log `target`.
    /// - Parameter progress: told (events copied so far) after each part.
    public static func run(from source: SQLiteCaseStore, to target: PostgresSharedLog, chunkSize: Int = 2_000,
                           progress: @escaping @Sendable (Int64) -> Void = { _ in }) async throws -> Report {
        let head = try await target.head()
        guard head == .start else { throw Failure.targetNotEmpty(location: target.location, events: head.events, records: head.changes) }
        let position = Mutex(ReplicaPosition.start)
        let copied = try await source.export(chunkSize: chunkSize) { part in
            let after = position.withLock { $0 }
            let append = switch part {
            case .changes(let changes): SharedLogAppend(after: after, events: [], changes: changes, messages: [])
            case .events(let events, let messages): SharedLogAppend(after: after, events: events, changes: [], messages: messages)
            }
            try target.append(append)
            position.withLock { $0 = append.end }
            if case .events = part { progress(append.end.events) }
        }
        let arrived = try await target.verifyChain()
        guard arrived.events == copied.events, arrived.lastHash == copied.lastHash else {
            throw Failure.chainDiffers(source: (copied.events, copied.lastHash), target: (arrived.events, arrived.lastHash))
        }
        return Report(events: arrived.events, records: position.withLock { $0.changes }, lastHash: arrived.lastHash)
    }
}
