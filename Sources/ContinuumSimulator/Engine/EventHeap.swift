/// A binary min-heap of events ordered by time, then by the order they were scheduled (so
/// simultaneous events are processed first-scheduled first, deterministically).
final class EventHeap {
    struct Event {
        /// The time's bits above the scheduling order: one unsigned compare orders events by
        /// time, then first-scheduled first. Times are never negative (the clock starts at 0 and
        /// service times are 0 or more), and for those a `Double`'s bit pattern orders as the
        /// number does; an infinite (or NaN) time from an extreme service distribution orders
        /// after every finite one, so it is never reached before the horizon. One compare
        /// instead of two lets the compiler pick a heap child without a branch, which random
        /// times would mispredict half the time.
        let key: UInt128
        /// `arrival`: `index` is the arrival stream; `completion`: `index` is the stage, `job` the
        /// job; `renege`: a job waiting at stage `index` runs out of patience (if still waiting).
        var kind: Kind
        var index: Int32
        var job: Int32

        enum Kind: UInt8 { case arrival, completion, renege }

        init(time: Double, order: UInt64, kind: Kind, index: Int32, job: Int32) {
            self.init(key: UInt128(time.bitPattern) << 64 | UInt128(order), kind: kind, index: index, job: job)
        }

        init(key: UInt128, kind: Kind, index: Int32, job: Int32) {
            self.key = key
            self.kind = kind
            self.index = index
            self.job = job
        }

        var time: Double { Double(bitPattern: UInt64(truncatingIfNeeded: key >> 64)) }

        @inline(__always) func precedes(_ other: Event) -> Bool { key < other.key }
    }

    /// The heap's own buffer (grown by doubling): like ``Slots``, no copy-on-write check per
    /// push and pop, which an `Array` inside the engine's struct paid on every event.
    private var items: UnsafeMutablePointer<Event>
    private var capacity: Int
    private var count = 0
    private var scheduled: UInt64 = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        items = .allocate(capacity: self.capacity)
    }

    deinit { items.deallocate() }  // Event is plain data: nothing to deinitialise

    private func grow() {
        var larger = capacity  // a local, not `&capacity`: see Slots.grow()
        items = doubling(items, count: count, capacity: &larger)
        capacity = larger
    }

    /// Whether the root is the event ``next()`` last handed out, not yet removed: the first
    /// push after it takes its place, so handling an event that schedules another (nearly
    /// every one) costs one sift down instead of a sift down and a sift up.
    private var rootTaken = false

    /// The earliest event. It is removed by the next push (which replaces it) or the next call.
    @inline(__always)
    func next() -> Event? {
        guard peekKey() != nil else { return nil }
        return take()
    }

    /// The earliest event's key (nil when there is none), without taking it.
    @inline(__always)
    func peekKey() -> UInt128? {
        if rootTaken {  // the last event taken scheduled nothing: remove it now
            rootTaken = false
            count -= 1
            if count > 0 { siftDown(items[count]) }
        }
        return count > 0 ? items[0].key : nil
    }

    /// Takes the earliest event, after ``peekKey()`` said there is one. It is removed by the
    /// next push (which replaces it) or the next peek.
    @inline(__always)
    func take() -> Event {
        rootTaken = true
        return items[0]
    }

    /// The key an event at `time` would have if it were pushed now, for an event kept outside
    /// the heap (each arrival stream's next arrival): compared with ``peekKey()``, it is
    /// ordered exactly as it would be inside.
    @inline(__always)
    func key(time: Double) -> UInt128 {
        scheduled &+= 1
        return UInt128(time.bitPattern) << 64 | UInt128(scheduled)
    }

    /// Schedules an event; its key (unique: the scheduling order is part of it) lets the engine
    /// tell later whether the event is still the one it is waiting for.
    @inline(__always) @discardableResult
    func push(time: Double, kind: Event.Kind, index: Int, job: Int = 0) -> UInt128 {
        scheduled &+= 1
        let event = Event(time: time, order: scheduled, kind: kind, index: Int32(truncatingIfNeeded: index), job: Int32(truncatingIfNeeded: job))
        if rootTaken {
            rootTaken = false
            siftDown(event)
            return event.key
        }
        if count == capacity { grow() }
        // Sift up (Event is plain data, so assigning into the free slot needs no initialisation).
        var child = count
        count += 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard event.precedes(items[parent]) else { break }
            items[child] = items[parent]
            child = parent
        }
        items[child] = event
        return event.key
    }

    /// Puts `event` at the root, in place of the one there, and moves it down to its place
    /// among the `count` events.
    @inline(__always)
    private func siftDown(_ event: Event) {
        var parent = 0
        while true {
            let left = 2 * parent + 1
            if left >= count { break }
            let right = left + 1
            let child = right < count && items[right].precedes(items[left]) ? right : left
            guard items[child].precedes(event) else { break }
            items[parent] = items[child]
            parent = child
        }
        items[parent] = event
    }
}
