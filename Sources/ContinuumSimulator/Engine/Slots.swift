/// Values the event loop updates in place: per-stage counters and per-day counts (a fixed
/// number), per-job state and the free-job list (grown by appending). A class around one
/// allocation, so a write is a bounds check and a store: through a struct's `Array` property
/// every write also asks the runtime whether the buffer is uniquely referenced (the measured
/// difference is in docs/performance.md).
///
/// Indices are always checked, as `Array` checks them: a bad index would be a bug in the
/// engine, never input (stage, priority, day and bin indices come from the validated scenario
/// and are bounded where they are computed), and the check stops it rather than let it write
/// outside the buffer. The engine owns its slots and never shares them.
final class Slots<Element> {
    private var base: UnsafeMutablePointer<Element>
    private var capacity: Int
    private(set) var count: Int

    init(repeating value: Element, count: Int) {
        self.count = max(count, 0)
        capacity = max(count, 16)
        base = .allocate(capacity: capacity)
        base.initialize(repeating: value, count: self.count)
    }

    /// The values of `values`, in order.
    convenience init(_ values: [Element]) {
        self.init(capacity: values.count)
        for value in values { append(value) }
    }

    /// Empty, with room for `capacity` values before it grows.
    init(capacity: Int = 16) {
        count = 0
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    subscript(index: Int) -> Element {
        @inline(__always) get {
            precondition(index >= 0 && index < count, "slot \(index) outside 0..<\(count)")
            return base[index]
        }
        @inline(__always) _modify {
            // In place, so updating one field of a struct element touches only that field.
            precondition(index >= 0 && index < count, "slot \(index) outside 0..<\(count)")
            yield &base[index]
        }
    }

    /// The address of slot `index`, checked once: for a run of reads and writes to one
    /// element (a stage's counters on each event) without a bounds check and a reload of the
    /// buffer per field. Valid until the next `append` (which may move the buffer); the engine
    /// takes it only for fixed-size slots, or uses it before appending.
    @inline(__always) func pointer(_ index: Int) -> UnsafeMutablePointer<Element> {
        precondition(index >= 0 && index < count, "slot \(index) outside 0..<\(count)")
        return base + index
    }

    @inline(__always) func append(_ value: Element) {
        if count == capacity { grow() }
        (base + count).initialize(to: value)
        count += 1
    }

    @inline(__always) func append(_ value: Element, times: Int) {
        for _ in 0..<times { append(value) }
    }

    @inline(__always) func popLast() -> Element? {
        guard count > 0 else { return nil }
        count -= 1
        return (base + count).move()
    }

    private func grow() {
        // Through a local: an `inout` access to the stored property would be a long access,
        // and then every read of `capacity` in the loop needs a run-time exclusivity check.
        var larger = capacity
        base = doubling(base, count: count, capacity: &larger)
        capacity = larger
    }

    /// Slots `range`, copied out as an array.
    func array(_ range: Range<Int>) -> [Element] {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "slots \(range) outside 0..<\(count)")
        return Array(UnsafeBufferPointer(start: base + range.lowerBound, count: range.count))
    }
}

/// Moves the first `count` values of `base` into a new allocation twice `capacity` long, frees
/// the old one and doubles `capacity`: how ``Slots`` and ``EventHeap`` grow.
@inline(__always)
func doubling<Element>(_ base: UnsafeMutablePointer<Element>, count: Int, capacity: inout Int) -> UnsafeMutablePointer<Element> {
    let larger = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
    larger.moveInitialize(from: base, count: count)
    base.deallocate()
    capacity *= 2
    return larger
}
