import CJSONC
import Synchronization

/// Reusable json-c tokeners, so a parse does not allocate and free one each time (a tokener
/// carries a parse stack as deep as its depth limit). Tokeners are handed out one per parse
/// and returned only after a successful one (``JSONParser`` frees a tokener whose parse failed,
/// because `json_tokener_reset` leaves a pending surrogate behind); json-c objects never outlive
/// the parse's own document.
final class TokenerPool: Sendable {
    static let shared = TokenerPool()

    /// An idle tokener. `@unchecked Sendable` is safe because a tokener is owned by exactly one
    /// side at a time: the pool (only touched under the mutex) or the one parse that took it.
    private struct Idle: @unchecked Sendable {
        let pointer: UnsafeMutablePointer<json_tokener>
        let depth: Int
    }

    /// Idle tokeners, most recently returned last. A flat list searched from the end (nearly
    /// every parse uses the default depth, so the last one fits): a dictionary of lists by
    /// depth cost about 800 instructions a parse, 0.6% of reading a referral.
    private let idle = Mutex<[Idle]>([])
    /// More idle tokeners than cores are never needed at once (whatever their depths).
    private let capacity = 16

    /// A tokener with `depth` and `flags`, fresh or reset.
    func take(depth: Int, flags: Int32) -> UnsafeMutablePointer<json_tokener>? {
        let reused = idle.withLock { pool -> UnsafeMutablePointer<json_tokener>? in
            guard let index = pool.lastIndex(where: { $0.depth == depth }) else { return nil }
            return pool.remove(at: index).pointer
        }
        guard let tokener = reused ?? json_tokener_new_ex(Int32(clamping: depth)) else { return nil }
        json_tokener_reset(tokener)
        json_tokener_set_flags(tokener, flags)
        return tokener
    }

    /// Hands a tokener back (or frees it when the pool is full).
    func give(_ tokener: UnsafeMutablePointer<json_tokener>, depth: Int) {
        let entry = Idle(pointer: tokener, depth: depth)
        let kept = idle.withLock { pool -> Bool in
            guard pool.count < capacity else { return false }
            pool.append(entry)
            return true
        }
        if !kept { json_tokener_free(tokener) }
    }
}
