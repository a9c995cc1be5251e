/// A binary min-heap of events ordered by time, then by the order they were scheduled (so
/// simultaneous events are processed first-scheduled first, deterministically).
struct EventHeap {
    struct Event {
        var time: Double
        var order: UInt64
        /// `arrival`: `index` is the arrival stream; `completion`: `index` is the stage, `job` the job.
        var kind: Kind
        var index: Int32
        var job: Int32

        enum Kind: UInt8 { case arrival, completion }

        @inline(__always) func precedes(_ other: Event) -> Bool {
            time < other.time || (time == other.time && order < other.order)
        }
    }

    private var items: [Event] = []
    private var scheduled: UInt64 = 0

    init(capacity: Int) { items.reserveCapacity(capacity) }

    var isEmpty: Bool { items.isEmpty }

    @inline(__always)
    mutating func push(time: Double, kind: Event.Kind, index: Int, job: Int = 0) {
        scheduled &+= 1
        let event = Event(time: time, order: scheduled, kind: kind, index: Int32(truncatingIfNeeded: index), job: Int32(truncatingIfNeeded: job))
        items.append(event)
        // Sift up inside one buffer access: the indices stay within 0..<count by construction.
        items.withUnsafeMutableBufferPointer { items in
            var child = items.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard event.precedes(items[parent]) else { break }
                items[child] = items[parent]
                child = parent
            }
            items[child] = event
        }
    }

    @inline(__always)
    mutating func pop() -> Event? {
        guard let last = items.popLast() else { return nil }
        guard !items.isEmpty else { return last }
        return items.withUnsafeMutableBufferPointer { items in
            let top = items[0]
            var parent = 0
            let count = items.count
            while true {
                let left = 2 * parent + 1
                if left >= count { break }
                let right = left + 1
                let child = right < count && items[right].precedes(items[left]) ? right : left
                guard items[child].precedes(last) else { break }
                items[parent] = items[child]
                parent = child
            }
            items[parent] = last
            return top
        }
    }
}
