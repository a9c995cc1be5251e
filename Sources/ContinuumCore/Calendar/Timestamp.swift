/// An instant with the UTC offset it was written in: RFC 3339 `date-time`
/// (`2026-11-26T09:30:00Z`, `2026-06-01T10:00:00.250+01:00`).
///
/// Equality and order are by instant; the offset is kept only to write the value back as sent.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Seconds since 1970-01-01T00:00:00Z.
    public let secondsSinceEpoch: Int64
    /// Milliseconds within the second (RFC 3339 fractions beyond milliseconds are truncated).
    public let milliseconds: Int
    /// The offset from UTC, in minutes, that the value was written with.
    public let utcOffsetMinutes: Int

    public init(secondsSinceEpoch: Int64, milliseconds: Int = 0, utcOffsetMinutes: Int = 0) {
        self.secondsSinceEpoch = secondsSinceEpoch
        self.milliseconds = max(0, min(999, milliseconds))
        self.utcOffsetMinutes = utcOffsetMinutes
    }

    /// Parses RFC 3339 `date-time`; the offset (`Z` or `±HH:MM`) is required.
    public init?(rfc3339 text: some StringProtocol) {
        var string = String(text)
        guard let parsed = string.withUTF8({ Self.parse(UnsafeRawBufferPointer($0)) }) else { return nil }
        self = parsed
    }

    private static func parse(_ b: UnsafeRawBufferPointer) -> Timestamp? {
        guard b.count >= 20, b[10] == 0x54 || b[10] == 0x74 || b[10] == 0x20, b[13] == 0x3A, b[16] == 0x3A,
              let date = CalendarDate.parse(b, at: 0),
              let hour = Digits.parse(b, 11, 2), let minute = Digits.parse(b, 14, 2), let second = Digits.parse(b, 17, 2),
              hour < 24, minute < 60, second <= 60 else { return nil }
        var index = 19
        var millis = 0
        if b[index] == 0x2E {  // fraction: milliseconds kept, finer digits dropped
            index += 1
            let start = index
            while index < b.count, b[index] &- 0x30 < 10 {
                if index - start < 3 { millis = millis * 10 + Int(b[index] - 0x30) }
                index += 1
            }
            guard index > start else { return nil }
            for _ in min(index - start, 3)..<3 { millis *= 10 }
        }
        guard index < b.count else { return nil }
        var offset = 0
        switch b[index] {
        case 0x5A, 0x7A:  // Z z
            guard index + 1 == b.count else { return nil }
        case 0x2B, 0x2D:  // + -
            guard index + 6 == b.count, b[index + 3] == 0x3A,
                  let oh = Digits.parse(b, index + 1, 2), let om = Digits.parse(b, index + 4, 2),
                  oh < 24, om < 60 else { return nil }
            offset = (oh * 60 + om) * (b[index] == 0x2D ? -1 : 1)
        default:
            return nil
        }
        // A leap second (:60) is read as :59; nothing here needs sub-second truth at that edge.
        let seconds = Int64(date.daysSinceEpoch) * 86_400 + Int64(hour * 3600 + minute * 60 + min(second, 59)) - Int64(offset * 60)
        return Timestamp(secondsSinceEpoch: seconds, milliseconds: millis, utcOffsetMinutes: offset)
    }

    /// The UTC calendar date of this instant.
    public var utcDate: CalendarDate {
        CalendarDate(daysSinceEpoch: Int((secondsSinceEpoch - Self.floorMod(secondsSinceEpoch, 86_400)) / 86_400))
    }

    /// The instant `seconds` later, written in the same offset.
    public func adding(seconds: Int64) -> Timestamp {
        Timestamp(secondsSinceEpoch: secondsSinceEpoch + seconds, milliseconds: milliseconds, utcOffsetMinutes: utcOffsetMinutes)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        (lhs.secondsSinceEpoch, lhs.milliseconds) < (rhs.secondsSinceEpoch, rhs.milliseconds)
    }

    public static func == (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.secondsSinceEpoch == rhs.secondsSinceEpoch && lhs.milliseconds == rhs.milliseconds
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(secondsSinceEpoch)
        hasher.combine(milliseconds)
    }

    /// RFC 3339 in the original offset: `2026-11-26T09:30:00Z`, `…T10:00:00.250+01:00`.
    public var description: String {
        let local = secondsSinceEpoch + Int64(utcOffsetMinutes * 60)
        let secondOfDay = Int(Self.floorMod(local, 86_400))
        let date = CalendarDate(daysSinceEpoch: Int((local - Int64(secondOfDay)) / 86_400))
        let magnitude = abs(utcOffsetMinutes)
        if (0...9999).contains(date.year), (0...999).contains(milliseconds), magnitude < 100 * 60 {
            // Written in place (at most 29 bytes), as ``CalendarDate/description`` is.
            return Digits.ascii(29) { out in
                date.write(to: out)
                out[10] = 0x54  // T
                Digits.put(secondOfDay / 3600, 2, out, 11)
                out[13] = 0x3A
                Digits.put(secondOfDay / 60 % 60, 2, out, 14)
                out[16] = 0x3A
                Digits.put(secondOfDay % 60, 2, out, 17)
                var end = 19
                if milliseconds > 0 {
                    out[end] = 0x2E
                    Digits.put(milliseconds, 3, out, end + 1)
                    end += 4
                }
                if utcOffsetMinutes == 0 {
                    out[end] = 0x5A  // Z
                    return end + 1
                }
                out[end] = utcOffsetMinutes < 0 ? 0x2D : 0x2B
                Digits.put(magnitude / 60, 2, out, end + 1)
                out[end + 3] = 0x3A
                Digits.put(magnitude % 60, 2, out, end + 4)
                return end + 6
            }
        }
        var text = "\(date)T" + Digits.pad(secondOfDay / 3600, 2) + ":" + Digits.pad(secondOfDay / 60 % 60, 2) + ":" + Digits.pad(secondOfDay % 60, 2)
        if milliseconds > 0 { text += "." + Digits.pad(milliseconds, 3) }
        if utcOffsetMinutes == 0 { return text + "Z" }
        return text + (utcOffsetMinutes < 0 ? "-" : "+") + Digits.pad(magnitude / 60, 2) + ":" + Digits.pad(magnitude % 60, 2)
    }

    static func floorMod(_ value: Int64, _ modulus: Int64) -> Int64 {
        let remainder = value % modulus
        return remainder < 0 ? remainder + modulus : remainder
    }
}

extension Timestamp: Codable, StringParsedFieldValue {
    static func parse(_ text: String) throws(ValidationProblem) -> Timestamp {
        guard let timestamp = Timestamp(rfc3339: text) else {
            throw ValidationProblem("\"\(text)\" is not an RFC 3339 date-time with an offset, e.g. 2026-11-26T09:30:00Z")
        }
        return timestamp
    }

    public init(from decoder: any Decoder) throws {
        self = try Self.decodeString(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
