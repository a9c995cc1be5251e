import ContinuumCore

// A store shared by several routers (issue 17; docs/postgresql.md). The shared database holds
// what is recorded: the hash-chained event log, and the records beside it that no replay can
// recreate (tokens, data keys, the key store, the access log, partners' webhooks and their
// outbox). Each router keeps the projections (cases, queue, clocks, indicators) in a local
// SQLite *replica* it fills by replaying the shared log through the same projector: the one
// code path that `continuum rebuild` already proves equal to the live store.
//
// A write runs in the replica's transaction as on the embedded store; before it commits, what it
// appended is appended to the shared log, which accepts it only if nothing was appended since
// the replica last caught up (the chain head row, locked). On a conflict the replica's
// transaction rolls back, catches up and runs the writes again. So appends are serialised across
// every router: one hash chain, one referral per messageId, one open case per child.

/// How far a replica has read the shared log: its last event, and its last change to the records
/// beside the log.
public struct ReplicaPosition: Sendable, Hashable, CustomStringConvertible {
    public var events: Int64
    public var changes: Int64

    public init(events: Int64, changes: Int64) {
        self.events = events
        self.changes = changes
    }

    public static let start = ReplicaPosition(events: 0, changes: 0)

    public var description: String { "E\(events)/C\(changes)" }
}

/// One event as the log stores it, column for column (what the chain hashes, and its type).
public struct SharedEvent: Sendable, Hashable {
    public var sequence: Int64
    public var caseId: String
    public var type: String
    public var actorId: String
    public var actorRole: String
    public var at: String
    public var body: String
    public var previousHash: String
    public var hash: String
    /// The hash before the encryption upgrade re-sealed the event (issue 20), if it was.
    public var legacyHash: String?

    public init(sequence: Int64, caseId: String, type: String, actorId: String, actorRole: String, at: String, body: String,
                previousHash: String, hash: String, legacyHash: String?) {
        (self.sequence, self.caseId, self.type, self.actorId, self.actorRole, self.at, self.body) = (sequence, caseId, type, actorId, actorRole, at, body)
        (self.previousHash, self.hash, self.legacyHash) = (previousHash, hash, legacyHash)
    }
}

/// One change to a record beside the log: the row as it is now (a JSON object of its columns),
/// or nil when it was deleted (an erased data key, a removed token row never is).
public struct RowChange: Sendable, Hashable {
    public var sequence: Int64
    /// One of ``ReplicatedTables/all``.
    public var table: String
    /// The row's key columns, as a JSON object.
    public var key: String
    public var row: String?

    public init(sequence: Int64, table: String, key: String, row: String?) {
        (self.sequence, self.table, self.key, self.row) = (sequence, table, key, row)
    }
}

/// A partner's `messageId` claimed by a referral: the shared log's unique constraint on it is
/// the backstop against two referrals for one message, whatever the routers do.
public struct MessageClaim: Sendable, Hashable {
    public var partnerId: String
    public var messageId: String
    public var referralId: String

    public init(partnerId: String, messageId: String, referralId: String) {
        (self.partnerId, self.messageId, self.referralId) = (partnerId, messageId, referralId)
    }
}

/// What a replica reads from the shared log: everything after its position, in order.
public struct SharedLogTail: Sendable {
    public var events: [SharedEvent]
    public var changes: [RowChange]

    public init(events: [SharedEvent], changes: [RowChange]) {
        self.events = events
        self.changes = changes
    }

    public var isEmpty: Bool { events.isEmpty && changes.isEmpty }
}

/// What a replica's transaction appends: accepted only when the log still ends at `after`.
public struct SharedLogAppend: Sendable {
    public var after: ReplicaPosition
    public var events: [SharedEvent]
    public var changes: [RowChange]
    public var messages: [MessageClaim]

    public init(after: ReplicaPosition, events: [SharedEvent], changes: [RowChange], messages: [MessageClaim]) {
        (self.after, self.events, self.changes, self.messages) = (after, events, changes, messages)
    }

    public var isEmpty: Bool { events.isEmpty && changes.isEmpty }
    /// Where the log ends once this is appended.
    public var end: ReplicaPosition {
        ReplicaPosition(events: events.last?.sequence ?? after.events, changes: changes.last?.sequence ?? after.changes)
    }
}

/// Why the shared log refused an append or a read.
public enum SharedLogError: Error, Sendable, CustomStringConvertible {
    /// Another router appended first: catch up and run the writes again.
    case conflict(expected: ReplicaPosition, found: ReplicaPosition)
    /// The database does not answer (down, unreachable, or refusing connections).
    case unavailable(String)
    /// The shared log holds something this version cannot accept (a broken chain, a bad row).
    case damaged(String)
    /// The database refused this router's user: no such role or database, a wrong password, or
    /// no right to what the store does. A setting to change; nothing stored is wrong.
    case refused(String)

    public var description: String {
        switch self {
        case .conflict(let expected, let found): "the shared log moved on (expected it to end at \(expected), it ends at \(found))"
        case .unavailable(let reason): "the database does not answer: \(reason)"
        case .refused(let reason): "the database refused this router: \(reason)"
        case .damaged(let reason): "the shared log is damaged: \(reason)"
        }
    }
}

/// The database several routers share (PostgreSQL: `ContinuumPostgres`). The blocking methods
/// run inside the replica's SQLite write transaction (on GRDB's writer queue, never on a Swift
/// concurrency thread), which must not commit before the shared log has.
public protocol SharedLog: Sendable {
    /// Where the log is, for messages (a URL without its password).
    var location: String { get }
    /// This shared database's id, made when it was first set up: a replica of another is discarded.
    var storeId: String { get }
    /// Everything after `position`, oldest first, from one snapshot. Blocking.
    func tail(after position: ReplicaPosition) throws(SharedLogError) -> SharedLogTail
    /// Takes the appenders' lock (held until ``append(_:)`` commits or ``unlock()``) and returns
    /// everything after `position`: the next append cannot conflict. For a router that met
    /// another's appends lately; otherwise appends are optimistic (no lock until the append).
    func lock(after position: ReplicaPosition) throws(SharedLogError) -> SharedLogTail
    /// Appends and commits (durable when it returns), or throws ``SharedLogError/conflict(expected:found:)``
    /// when the log no longer ends at `append.after` (never while the lock is held). Blocking.
    func append(_ append: SharedLogAppend) throws(SharedLogError)
    /// Gives the lock back without appending (a transaction with nothing to append, or one that failed).
    func unlock()
    /// Where the log ends now.
    func head() async throws(SharedLogError) -> ReplicaPosition
    /// Whether this process holds `duty`'s lock (taken now when free; held until the process
    /// or its connection dies).
    func lead(_ duty: RouterDuty) async -> Bool
    /// Walks the whole chain in the shared database (every hash recomputed from the stored
    /// text, no key needed): how many events, and the last hash.
    func verifyChain() async throws(SharedLogError) -> (events: Int64, lastHash: String)
    /// The database's kind, for `/healthz` (`postgresql`).
    var kind: String { get }
}

/// The records beside the log, with their key columns: what a replica sends to the shared log
/// when its transaction changes them, and applies when another router did.
public enum ReplicatedTables {
    public static let all: [(table: String, key: [String])] = [
        ("key_store", ["name"]),
        ("data_keys", ["key_id"]),
        ("tokens", ["token_id"]),
        ("access_log", ["sequence"]),
        ("chain_anchors", ["events"]),
        ("webhooks", ["webhook_id"]),
        ("webhook_deliveries", ["delivery_id"]),
    ]

    static func key(of table: String) -> [String]? {
        all.first { $0.table == table }?.key
    }
}
