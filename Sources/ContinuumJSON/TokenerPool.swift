import CJSONC
import Synchronization

/// Reusable json-c tokeners, so a parse does not allocate and free one each time (a tokener
/// carries a parse stack as deep as its depth limit). Tokeners are handed out one per parse
/// and returned after it; json-c objects never outlive the parse's own document.
final class TokenerPool: Sendable {
    static let shared = TokenerPool()

    /// An idle tokener. `@unchecked Sendable` is safe because a tokener is owned by exactly one
    /// side at a time: the pool (only touched under the mutex) or the one parse that took it.
    private struct Idle: @unchecked Sendable {
        let pointer: UnsafeMutablePointer<json_tokener>
    }

    /// Idle tokeners by depth limit.
    private let idle = Mutex<[Int: [Idle]]>([:])
    /// More idle tokeners than cores are never needed at once.
    private let capacity = 16

    /// A tokener with `depth` and `flags`, fresh or reset.
    func take(depth: Int, flags: Int32) -> UnsafeMutablePointer<json_tokener>? {
        let reused = idle.withLock { $0[depth]?.popLast()?.pointer }
        guard let tokener = reused ?? json_tokener_new_ex(Int32(clamping: depth)) else { return nil }
        json_tokener_reset(tokener)
        json_tokener_set_flags(tokener, flags)
        return tokener
    }

    /// Hands a tokener back (or frees it when the pool is full).
    func give(_ tokener: UnsafeMutablePointer<json_tokener>, depth: Int) {
        let entry = Idle(pointer: tokener)
        let kept = idle.withLock { pool -> Bool in
            guard pool[depth, default: []].count < capacity else { return false }
            pool[depth, default: []].append(entry)
            return true
        }
        if !kept { json_tokener_free(tokener) }
    }
}
