/// Control characters (C0, DEL, C1) in text that will be printed: they can move a terminal's
/// cursor, erase lines or hide text, so names, ids and every field a person reads refuse them
/// (issue 22). Free text may keep tabs and line breaks.
public enum ControlCharacters {
    /// The first control character in `text` as `U+XXXX` (C0, DEL, C1), or nil. Plain ASCII
    /// text is settled by one pass over its bytes.
    public static func first(in text: String, allowingLineBreaks: Bool) -> String? {
        // Over the contiguous bytes, eight at a time: this runs on every text field of every
        // referral, on the wire path (its cost is in docs/performance.md).
        let (control, sawNonASCII) = UTF8Scan.withBytes(text) { bytes -> (UInt8?, Bool) in
            var nonASCII: UInt8 = 0
            var index = 0
            // Eight plain bytes at a time (no byte below 0x20, no DEL): the usual case. As in
            // StrictLexer, a byte b < n sets the high bit of (b - n) & ~b; non-ASCII is kept aside.
            if let base = bytes.baseAddress {
                let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
                while index + 8 <= bytes.count {
                    let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                    let delete = word ^ (ones &* 0x7F)
                    if ((word &- ones &* 0x20) & ~word | (delete &- ones) & ~delete) & highs != 0 { break }
                    if word & highs != 0 { nonASCII = 0x80 }
                    index += 8
                }
            }
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                nonASCII |= byte
                if byte < 0x20 || byte == 0x7F {
                    if allowingLineBreaks && (byte == 0x09 || byte == 0x0A || byte == 0x0D) { continue }
                    return (byte, false)
                }
            }
            return (nil, nonASCII >= 0x80)
        }
        if let control { return Self.codePoint(UInt32(control)) }
        guard sawNonASCII else { return nil }
        return text.unicodeScalars.first { (0x80...0x9F).contains($0.value) }.map { Self.codePoint($0.value) }
    }

    static func codePoint(_ value: UInt32) -> String {
        let hex = String(value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
