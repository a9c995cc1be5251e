/// A day in the proleptic Gregorian calendar, with no time or zone: a date of birth, a due date.
///
/// Written and read as `YYYY-MM-DD` (ISO 8601 / RFC 3339 `full-date`). Impossible dates such as
/// `2023-02-29` are rejected. Arithmetic is on a day count from 1970-01-01.
public struct CalendarDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Creates a date, or nil when the day does not exist in that month.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              day >= 1, day <= Self.daysIn(month: month, year: year) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date `days` days after 1970-01-01 (Howard Hinnant's civil-from-days algorithm).
    public init(daysSinceEpoch days: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        month = m
        day = d
    }

    /// Parses exactly `YYYY-MM-DD` (a `String`'s bytes are read in place).
    public init?(_ text: String) {
        var text = text  // `withUTF8` is mutating: it makes a non-native string contiguous first
        guard let date = text.withUTF8({ $0.count == 10 ? Self.parse(UnsafeRawBufferPointer($0), at: 0) : nil }) else { return nil }
        self = date
    }

    /// Parses exactly `YYYY-MM-DD`.
    public init?(_ text: some StringProtocol) {
        var bytes: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        for byte in text.utf8 {
            guard count < 10 else { return nil }
            withUnsafeMutableBytes(of: &bytes) { $0[count] = byte }
            count += 1
        }
        guard count == 10 else { return nil }
        let parsed = withUnsafeBytes(of: bytes) { raw in Self.parse(raw, at: 0) }
        guard let parsed else { return nil }
        self = parsed
    }

    /// Reads `YYYY-MM-DD` at `offset` of `bytes` (no allocation).
    static func parse(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> CalendarDate? {
        guard bytes.count >= offset + 10, bytes[offset + 4] == 0x2D, bytes[offset + 7] == 0x2D,
              let year = Digits.parse(bytes, offset, 4), let month = Digits.parse(bytes, offset + 5, 2),
              let day = Digits.parse(bytes, offset + 8, 2) else { return nil }
        return CalendarDate(year: year, month: month, day: day)
    }

    /// Days since 1970-01-01 (negative before).
    public var daysSinceEpoch: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// ISO weekday: 1 Monday … 7 Sunday.
    public var weekday: Int {
        let days = daysSinceEpoch
        return ((days % 7 + 7 + 3) % 7) + 1  // 1970-01-01 was a Thursday
    }

    public var isWeekend: Bool { weekday >= 6 }

    public func adding(days: Int) -> CalendarDate {
        CalendarDate(daysSinceEpoch: daysSinceEpoch + days)
    }

    /// The same day `months` later, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb).
    /// Always moves, past year 9999 too: a loop over the months of a caller's range relies on it
    /// to end.
    public func adding(months: Int) -> CalendarDate {
        let index = year * 12 + (month - 1) + months
        let newYear = index >= 0 ? index / 12 : (index - 11) / 12
        let newMonth = index - newYear * 12 + 1
        let newDay = min(day, Self.daysIn(month: newMonth, year: newYear))
        return CalendarDate(unchecked: newYear, newMonth, newDay)
    }

    /// A date already known to exist (arithmetic may leave the years 1 to 9999 behind).
    private init(unchecked year: Int, _ month: Int, _ day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Whole years from `self` to `date` (an age: birthdays on 29 February count on 1 March).
    public func wholeYears(until date: CalendarDate) -> Int {
        var years = date.year - year
        if (date.month, date.day) < (month, day) { years -= 1 }
        return years
    }

    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public var description: String {
        guard (0...9999).contains(year) else { return Digits.pad(year, 4) + "-" + Digits.pad(month, 2) + "-" + Digits.pad(day, 2) }
        // Ten ASCII bytes written in place: the router service writes dates into every stored
        // event, and concatenating padded strings was a tenth of encoding one (docs/performance.md).
        return Digits.ascii(10) { out in
            write(to: out)
            return 10
        }
    }

    /// Writes `YYYY-MM-DD` (10 bytes) for a year in 0...9999.
    func write(to out: UnsafeMutableBufferPointer<UInt8>) {
        Digits.put(year, 4, out, 0)
        out[4] = 0x2D
        Digits.put(month, 2, out, 5)
        out[7] = 0x2D
        Digits.put(day, 2, out, 8)
    }

    static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

extension CalendarDate: Codable, StringParsedFieldValue {
    static func parse(_ text: String) throws(ValidationProblem) -> CalendarDate {
        guard let date = CalendarDate(text) else { throw ValidationProblem("is not a real date in the form YYYY-MM-DD") }
        return date
    }

    public init(from decoder: any Decoder) throws {
        self = try Self.decodeString(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Small helpers for fixed-width decimal fields.
enum Digits {
    static func parse(_ bytes: UnsafeRawBufferPointer, _ offset: Int, _ length: Int) -> Int? {
        guard length > 0, offset + length <= bytes.count else { return nil }
        var value = 0
        for index in offset..<(offset + length) {
            let digit = bytes[index] &- 0x30
            guard digit < 10 else { return nil }
            value = value * 10 + Int(digit)
        }
        return value
    }

    /// Writes `value` (0 or more, below 10^width) as `width` decimal digits at `offset`.
    @inline(__always)
    static func put(_ value: Int, _ width: Int, _ out: UnsafeMutableBufferPointer<UInt8>, _ offset: Int) {
        var rest = value
        for index in stride(from: offset + width - 1, through: offset, by: -1) {
            out[index] = UInt8(truncatingIfNeeded: 0x30 + rest % 10)
            rest /= 10
        }
    }

    /// A string of at most `capacity` ASCII bytes written by `body`, which returns how many it wrote.
    @inline(__always)
    static func ascii(_ capacity: Int, _ body: (UnsafeMutableBufferPointer<UInt8>) -> Int) -> String {
        String(unsafeUninitializedCapacity: capacity, initializingUTF8With: body)
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
