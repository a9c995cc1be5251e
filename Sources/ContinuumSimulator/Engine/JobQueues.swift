/// The engine's FIFO queues of job ids, all in one object: per stage, one queue per priority
/// level. Each queue is a circular buffer (capacity a power of two, doubled when full).
///
/// One class for every queue, not a class per queue in an array: taking a class element out of
/// an array retains and releases it.
/// A queue is a plain struct here, so pushing and popping touch no reference count; the
/// container frees the buffers. Like ``Slots``, indices are checked and the engine never
/// shares its queues.
final class JobQueues {
    private struct Ring {
        var items: UnsafeMutablePointer<Int32>
        var mask: Int
        var head = 0
        var count = 0

        init() {
            mask = 15
            items = .allocate(capacity: mask + 1)
        }

        mutating func grow() {
            let capacity = (mask + 1) * 2
            let larger = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
            for offset in 0..<count { larger[offset] = items[(head + offset) & mask] }
            items.deallocate()
            items = larger
            mask = capacity - 1
            head = 0
        }
    }

    private let rings: UnsafeMutablePointer<Ring>
    private let ringCount: Int

    /// `count` empty queues, numbered from 0.
    init(count: Int) {
        ringCount = max(count, 0)
        rings = .allocate(capacity: max(ringCount, 1))
        for index in 0..<ringCount { (rings + index).initialize(to: Ring()) }
    }

    deinit {
        for index in 0..<ringCount { rings[index].items.deallocate() }
        rings.deinitialize(count: ringCount)
        rings.deallocate()
    }

    @inline(__always) private func check(_ queue: Int) {
        precondition(queue >= 0 && queue < ringCount, "queue \(queue) outside 0..<\(ringCount)")
    }

    /// Adds `job` at the back of `queue`.
    @inline(__always) func push(_ job: Int32, to queue: Int) {
        check(queue)
        if rings[queue].count > rings[queue].mask { rings[queue].grow() }
        rings[queue].items[(rings[queue].head + rings[queue].count) & rings[queue].mask] = job
        rings[queue].count += 1
    }

    /// Takes the job at the front of `queue`, if any.
    @inline(__always) func pop(_ queue: Int) -> Int32? {
        check(queue)
        guard rings[queue].count > 0 else { return nil }
        let job = rings[queue].items[rings[queue].head]
        rings[queue].head = (rings[queue].head + 1) & rings[queue].mask
        rings[queue].count -= 1
        return job
    }

    /// How many jobs wait in `queue`.
    @inline(__always) func count(_ queue: Int) -> Int {
        check(queue)
        return rings[queue].count
    }
}
