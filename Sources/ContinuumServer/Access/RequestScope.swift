import Synchronization

/// What the access checks learn about one request, set up by ``RequestMiddleware`` for the
/// request's task: where it came from (failed authentication is limited per source address)
/// and the token's slot among its requests at once, given back when the request ends.
final class RequestScope: Sendable {
    @TaskLocal static var current: RequestScope?

    let source: String
    private let release = Mutex<(@Sendable () -> Void)?>(nil)

    init(source: String) {
        self.source = source
    }

    /// Remembers how to give back the slot taken for this request.
    func hold(_ giveBack: @escaping @Sendable () -> Void) {
        release.withLock { $0 = giveBack }
    }

    /// Gives back the slot, once.
    func end() {
        let giveBack = release.withLock { held -> (@Sendable () -> Void)? in
            defer { held = nil }
            return held
        }
        giveBack?()
    }
}

/// At most `limit` requests at once per key (a token): one more is refused (429), so one
/// client cannot hold every worker while others wait (issue 22). 0 turns it off.
final class ConcurrencyLimiter: Sendable {
    private let limit: Int
    private let inFlight = Mutex<[String: Int]>([:])

    init(limit: Int) {
        self.limit = limit
    }

    /// Takes a slot for `key`; nil when `key` already has `limit` requests under way.
    func enter(_ key: String) -> (@Sendable () -> Void)? {
        guard limit > 0 else { return {} }
        let entered = inFlight.withLock { counts -> Bool in
            let count = counts[key, default: 0]
            guard count < limit else { return false }
            counts[key] = count + 1
            return true
        }
        guard entered else { return nil }
        return { [self] in
            inFlight.withLock { counts in
                let count = counts[key, default: 1] - 1
                counts[key] = count > 0 ? count : nil
            }
        }
    }
}
