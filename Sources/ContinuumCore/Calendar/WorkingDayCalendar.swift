/// Working days for statutory timescales: Monday to Friday, excluding bank holidays.
///
/// Working Together to Safeguard Children counts timescales in working days. The rule used
/// here: a deadline of N working days falls on the Nth working day after the day of receipt;
/// receipt on a weekend or bank holiday counts as receipt on the next working day. So a
/// referral received on Monday has a 1-working-day decision due on Tuesday, and one received
/// on Saturday is treated as received on Monday and is also due on Tuesday.
public struct WorkingDayCalendar: Sendable, Hashable {
    /// Bank holidays, as day numbers since 1970-01-01.
    private let holidays: Set<Int>
    /// Those falling Monday to Friday, sorted (for counting them in a range).
    private let weekdayHolidays: [Int]
    /// The years the holiday list covers; outside them only weekends are known.
    public let coveredYears: ClosedRange<Int>?

    public init(bankHolidays: some Sequence<CalendarDate>) {
        let dates = Array(bankHolidays)
        holidays = Set(dates.map(\.daysSinceEpoch))
        weekdayHolidays = holidays.filter { !CalendarDate(daysSinceEpoch: $0).isWeekend }.sorted()
        if let first = dates.min(), let last = dates.max() {
            coveredYears = first.year...last.year
        } else {
            coveredYears = nil
        }
    }

    /// A calendar with weekends only (tests, or before a holiday list is loaded).
    public static let weekendsOnly = WorkingDayCalendar(bankHolidays: [])

    public func isBankHoliday(_ date: CalendarDate) -> Bool { holidays.contains(date.daysSinceEpoch) }

    public func isWorkingDay(_ date: CalendarDate) -> Bool { !date.isWeekend && !isBankHoliday(date) }

    /// The first working day on or after `date`.
    public func workingDay(onOrAfter date: CalendarDate) -> CalendarDate {
        var day = date
        while !isWorkingDay(day) { day = day.adding(days: 1) }
        return day
    }

    /// The Nth working day after the (effective) day of receipt; see the type's rule.
    public func deadline(workingDays count: Int, receivedOn date: CalendarDate) -> CalendarDate {
        // Jump by weekday arithmetic, then again by the number of bank holidays jumped over,
        // until a jump crosses none: a few steps, whatever the count.
        var day = workingDay(onOrAfter: date).daysSinceEpoch
        var remaining = count
        while remaining > 0 {
            let target = Self.addingWeekdays(remaining, to: day)
            remaining = holidayCount(after: day, through: target)
            day = target
        }
        return CalendarDate(daysSinceEpoch: day)
    }

    /// The day `count` weekdays after `day` (a weekday).
    static func addingWeekdays(_ count: Int, to day: Int) -> Int {
        let weekday = CalendarDate(daysSinceEpoch: day).weekday  // 1…5
        let rest = count % 5
        return day + count / 5 * 7 + rest + (weekday + rest > 5 ? 2 : 0)
    }

    /// Bank holidays on weekdays in `(start, end]`.
    private func holidayCount(after start: Int, through end: Int) -> Int {
        lowerBound(end + 1) - lowerBound(start + 1)
    }

    private func lowerBound(_ value: Int) -> Int {
        var low = 0
        var high = weekdayHolidays.count
        while low < high {
            let middle = (low + high) / 2
            if weekdayHolidays[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Working days elapsed from `start` to `end`: 0 on the same effective day, 1 on the next
    /// working day, and so on (the inverse of ``deadline(workingDays:receivedOn:)``).
    public func workingDays(from start: CalendarDate, to end: CalendarDate) -> Int {
        var day = workingDay(onOrAfter: start)
        var count = 0
        while day < end {
            day = day.adding(days: 1)
            if isWorkingDay(day) { count += 1 }
        }
        return count
    }

}
