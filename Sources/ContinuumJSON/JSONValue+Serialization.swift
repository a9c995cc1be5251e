#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension JSONValue {
    /// The value as JSON text: object keys sorted (byte order), so equal values always
    /// serialise to the same bytes (for hashing, idempotency checks and tests).
    ///
    /// - Parameter pretty: two-space indentation and one member per line.
    public func serialized(pretty: Bool = false) -> String {
        String(decoding: serializedBytes(pretty: pretty), as: UTF8.self)
    }

    /// The same text as ``serialized(pretty:)``, as UTF-8 bytes (for hashing and HTTP bodies).
    public func serializedBytes(pretty: Bool = false) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        var captured: Range<Int>?
        write(to: &output, pretty: pretty, indent: 0, capture: nil, captured: &captured)
        return output
    }

    /// The compact text, and the text of the member at `path` (object keys from this value), or
    /// nil when there is none: the same as `self[path[0]]?[path[1]]….serialized()`, cut from
    /// the one text (a member's text is part of its parent's) instead of written twice.
    public func serialized(capturing path: [String]) -> (text: String, member: String?) {
        var output: [UInt8] = []
        output.reserveCapacity(1024)
        var captured: Range<Int>?
        write(to: &output, pretty: false, indent: 0, capture: path[...], captured: &captured)
        return (String(decoding: output, as: UTF8.self), captured.map { String(decoding: output[$0], as: UTF8.self) })
    }

    /// - Parameters:
    ///   - capture: the keys still to follow to the member to capture (empty: this value is
    ///     it); nil when nothing is captured below here.
    ///   - captured: where the captured member's text was written.
    private func write(to output: inout [UInt8], pretty: Bool, indent: Int, capture: ArraySlice<String>?, captured: inout Range<Int>?) {
        let start = output.count
        defer { if capture?.isEmpty == true { captured = start..<output.count } }
        switch self {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .integer(let number): output.append(contentsOf: String(number).utf8)
        case .double(let number): output.append(contentsOf: Self.format(number).utf8)
        case .string(let text): Self.writeString(text, to: &output)
        case .array(let items):
            guard !items.isEmpty else { return output.append(contentsOf: "[]".utf8) }
            output.append(0x5B)
            for (index, item) in items.enumerated() {
                if index > 0 { output.append(0x2C) }
                Self.newline(&output, pretty, indent + 1)
                item.write(to: &output, pretty: pretty, indent: indent + 1, capture: nil, captured: &captured)
            }
            Self.newline(&output, pretty, indent)
            output.append(0x5D)
        case .object(let members):
            guard !members.isEmpty else { return output.append(contentsOf: "{}".utf8) }
            output.append(0x7B)
            // The dictionary's positions sorted by their keys: moving a position is a plain copy,
            // where sorting (key, value) pairs copied (and retained) strings and values, and
            // reading a member at its position needs no second hashed lookup.
            var order = Array(members.indices)
            order.sort { Self.utf8Precedes(members[$0].key, members[$1].key) }
            for (index, position) in order.enumerated() {
                let member = members[position]
                if index > 0 { output.append(0x2C) }
                Self.newline(&output, pretty, indent + 1)
                Self.writeString(member.key, to: &output)
                output.append(0x3A)
                if pretty { output.append(0x20) }
                let next = capture.flatMap { $0.first == member.key ? $0.dropFirst() : nil }
                member.value.write(to: &output, pretty: pretty, indent: indent + 1, capture: next, captured: &captured)
            }
            Self.newline(&output, pretty, indent)
            output.append(0x7D)
        }
    }

    private static func newline(_ output: inout [UInt8], _ pretty: Bool, _ indent: Int) {
        guard pretty else { return }
        output.append(0x0A)
        output.append(contentsOf: repeatElement(0x20, count: indent * 2))
    }

    /// Shortest round-tripping form; whole numbers keep a ".0" so they read back as doubles.
    static func format(_ number: Double) -> String {
        number.isFinite ? "\(number)" : "null"
    }

    /// Whether `a` sorts before `b` in UTF-8 byte order: `memcmp` on the contiguous bytes, where
    /// `utf8.lexicographicallyPrecedes` stepped through both views a byte at a time (sorting keys
    /// was the largest single cost of serialising an event). Same order either way.
    static func utf8Precedes(_ a: String, _ b: String) -> Bool {
        let fast = a.utf8.withContiguousStorageIfAvailable { left in
            b.utf8.withContiguousStorageIfAvailable { right -> Bool in
                let common = min(left.count, right.count)
                if common > 0, let l = left.baseAddress, let r = right.baseAddress {
                    let order = memcmp(l, r, common)
                    if order != 0 { return order < 0 }
                }
                return left.count < right.count
            }
        }
        return (fast ?? nil) ?? a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    static func writeString(_ text: String, to output: inout [UInt8]) {
        output.append(0x22)
        // Most strings need no escape: copy them whole (one bounds check and a memcpy, where
        // appending byte by byte checked capacity per byte of a 10,000-character summary).
        var text = text
        let plain = text.withUTF8 { bytes -> Bool in
            guard !bytes.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) else { return false }
            output.append(contentsOf: bytes)
            return true
        }
        if !plain { writeEscaped(text, to: &output) }
        output.append(0x22)
    }

    private static func writeEscaped(_ text: String, to output: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case 0x22: output.append(contentsOf: [0x5C, 0x22])
            case 0x5C: output.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: output.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: output.append(contentsOf: [0x5C, 0x72])
            case 0x09: output.append(contentsOf: [0x5C, 0x74])
            case 0x08: output.append(contentsOf: [0x5C, 0x62])
            case 0x0C: output.append(contentsOf: [0x5C, 0x66])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                output.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: output.append(byte)
            }
        }
    }
}
