import ContinuumCore

/// A census collection year: 1 April to 31 March, named `2026-27`; the reference date is its
/// last day.
public struct CensusYear: Sendable, Hashable, CustomStringConvertible {
    /// The calendar year the collection starts in (2026 for `2026-27`).
    public let startYear: Int

    public init(startYear: Int) { self.startYear = startYear }

    /// `2026-27` (or `2026-2027`); nil with no valid year.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, let start = Int(parts[0]), (2000...2099).contains(start) else { return nil }
        let end = parts[1]
        guard let endValue = Int(end), (end.count == 2 && endValue == (start + 1) % 100) || (end.count == 4 && endValue == start + 1) else { return nil }
        startYear = start
    }

    /// 1 April.
    public var from: CalendarDate { CalendarDate(year: startYear, month: 4, day: 1) ?? CalendarDate(daysSinceEpoch: 0) }
    /// 31 March: the census reference date.
    public var referenceDate: CalendarDate { CalendarDate(year: startYear + 1, month: 3, day: 31) ?? CalendarDate(daysSinceEpoch: 0) }
    /// The `Year` the header carries: the year the collection ends.
    public var collectionYear: Int { startYear + 1 }

    public var description: String { "\(startYear)-\(String(format2: (startYear + 1) % 100))" }

    /// Whether `date` falls in the year (1 April to 31 March).
    public func contains(_ date: CalendarDate) -> Bool { date >= from && date <= referenceDate }

    /// The year containing `date`.
    public static func containing(_ date: CalendarDate) -> CensusYear { CensusYear(startYear: date.month >= 4 ? date.year : date.year - 1) }
}

extension String {
    /// Two digits, zero-padded.
    init(format2 value: Int) { self = value < 10 ? "0\(value)" : "\(value)" }
}
