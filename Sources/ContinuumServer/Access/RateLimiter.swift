import Synchronization

/// A token bucket per bearer token: `burst` requests at once, refilled at `rate` per second.
/// In memory, per process: a restart forgives everyone, which is the right way round.
final class RateLimiter: Sendable {
    private let rate: Double
    private let burst: Double
    private let buckets = Mutex<[String: Bucket]>([:])

    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = max(1, burst)
    }

    /// Buckets kept at most; full buckets (their keys quiet for a while) are dropped first,
    /// so keys an attacker invents (source addresses, bad tokens) cannot grow memory for ever.
    static let maximumKeys = 100_000

    /// Takes one request from `key`'s bucket; returns nil when allowed, else seconds to wait.
    func acquire(_ key: String, now: ContinuousClock.Instant = .now) -> Int? {
        take(key, now: now, consume: true)
    }

    /// Seconds to wait when `key`'s bucket is empty, without taking from it; nil when it is not.
    func blocked(_ key: String, now: ContinuousClock.Instant = .now) -> Int? {
        take(key, now: now, consume: false)
    }

    private func take(_ key: String, now: ContinuousClock.Instant, consume: Bool) -> Int? {
        guard rate > 0 else { return nil }
        return buckets.withLock { buckets in
            if buckets.count >= Self.maximumKeys, buckets[key] == nil { prune(&buckets, now: now) }
            var bucket = buckets[key] ?? Bucket(tokens: burst, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(burst, bucket.tokens + seconds * rate)
            bucket.updated = now
            defer { buckets[key] = bucket }
            if bucket.tokens >= 1 {
                if consume { bucket.tokens -= 1 }
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up)))
        }
    }

    /// Drops the buckets that have refilled (nothing owed); if none has, the oldest half.
    private func prune(_ buckets: inout [String: Bucket], now: ContinuousClock.Instant) {
        let refill = Duration.seconds(burst / rate)
        buckets = buckets.filter { now - $0.value.updated < refill }
        if buckets.count >= Self.maximumKeys {
            let kept = buckets.sorted { $0.value.updated > $1.value.updated }.prefix(Self.maximumKeys / 2)
            buckets = Dictionary(uniqueKeysWithValues: kept.map { ($0.key, $0.value) })
        }
    }
}
