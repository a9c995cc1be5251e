import Synchronization

/// Recently checked tokens, so a busy partner does not cost a database read per request.
///
/// An entry lives for `lifetime` (one second by default): a token revoked by `continuum token
/// revoke` in another process is refused within that second; one revoked through this store is
/// refused at once (the cache is cleared). Bounded, so random bad tokens cannot grow it.
final class TokenCache: Sendable {
    private let entries = Mutex<[String: Entry]>([:])
    private let lifetime: Duration
    private let capacity: Int

    private struct Entry {
        let principal: Principal?
        let expires: ContinuousClock.Instant
    }

    init(lifetime: Duration = .seconds(1), capacity: Int = 10_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// `.some(nil)` is a cached refusal; `nil` means not cached.
    func lookup(_ hash: String, now: ContinuousClock.Instant = .now) -> Principal?? {
        entries.withLock { entries in
            guard let entry = entries[hash], entry.expires > now else { return nil }
            return .some(entry.principal)
        }
    }

    func store(_ principal: Principal?, for hash: String, now: ContinuousClock.Instant = .now) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[hash] = Entry(principal: principal, expires: now + lifetime)
        }
    }

    func clear() { entries.withLock { $0.removeAll() } }
}
