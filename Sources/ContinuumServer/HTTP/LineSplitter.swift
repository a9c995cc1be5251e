import NIOCore

/// Splits a streamed NDJSON body into lines as its chunks arrive, holding at most one line
/// (up to `maxLineBytes`; a longer one is skipped to its end and reported by its length).
struct LineSplitter {
    struct Line {
        /// 1-based, counting blank lines too (as an editor shows them).
        let number: Int
        let bytes: [UInt8]
        /// Set, with the bytes seen, when the line was longer than the limit (its bytes are dropped).
        let tooLong: Int?

        var isBlank: Bool { tooLong == nil && bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D } }
    }

    let maxLineBytes: Int
    private var current: [UInt8] = []
    private var skipped = 0
    /// Lines completed so far.
    private(set) var number = 0

    init(maxLineBytes: Int) {
        self.maxLineBytes = maxLineBytes
    }

    /// The lines `chunk` completes.
    mutating func feed(_ chunk: ByteBufferView) -> [Line] {
        var lines: [Line] = []
        var start = chunk.startIndex
        while let newline = chunk[start...].firstIndex(of: 0x0A) {
            append(chunk[start..<newline])
            lines.append(take())
            start = chunk.index(after: newline)
        }
        append(chunk[start...])
        return lines
    }

    /// The last line, when the body did not end with a newline.
    mutating func finish() -> Line? {
        current.isEmpty && skipped == 0 ? nil : take()
    }

    private mutating func append(_ bytes: ByteBufferView.SubSequence) {
        if skipped > 0 || current.count + bytes.count > maxLineBytes {
            skipped += current.count + bytes.count
            current = []
        } else {
            current.append(contentsOf: bytes)
        }
    }

    private mutating func take() -> Line {
        number += 1
        var bytes = current
        if bytes.last == 0x0D { bytes.removeLast() }
        let line = Line(number: number, bytes: skipped > 0 ? [] : bytes, tooLong: skipped > 0 ? skipped : nil)
        current = []
        skipped = 0
        return line
    }
}

/// Turns per key: one holder at a time, the others waiting in order (one batch per partner).
actor KeyedTurns {
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]
    private var held: Set<String> = []

    func enter(_ key: String) async {
        guard held.contains(key) else {
            held.insert(key)
            return
        }
        await withCheckedContinuation { waiting[key, default: []].append($0) }
    }

    func leave(_ key: String) {
        if var queue = waiting[key], !queue.isEmpty {
            let next = queue.removeFirst()
            waiting[key] = queue.isEmpty ? nil : queue
            next.resume()
        } else {
            held.remove(key)
        }
    }
}
