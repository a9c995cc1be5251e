/// Civil time in England (Europe/London) without a time-zone database.
///
/// British Summer Time runs from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last
/// Sunday of October (The Summer Time Order 2002, harmonised with EU Directive 2000/84/EC);
/// GMT otherwise. This is exact for every date since 1996 and keeps the core free of the host's
/// tzdata. Statutory clocks count London dates, so this is the one conversion the core needs.
public enum UKTime {
    /// The date in London at `instant`.
    public static func londonDate(of instant: Timestamp) -> CalendarDate {
        let local = instant.secondsSinceEpoch + (isSummerTime(instant) ? 3600 : 0)
        return CalendarDate(daysSinceEpoch: Int((local - Timestamp.floorMod(local, 86_400)) / 86_400))
    }

    /// Whether London keeps British Summer Time (UTC+1) at `instant`.
    public static func isSummerTime(_ instant: Timestamp) -> Bool {
        let date = instant.utcDate
        // Only March and October need the exact changeover; the other months are settled.
        switch date.month {
        case 4...9: return true
        case 3, 10: break
        default: return false
        }
        let year = date.year
        let start = Int64(lastSunday(month: 3, year: year).daysSinceEpoch) * 86_400 + 3600
        let end = Int64(lastSunday(month: 10, year: year).daysSinceEpoch) * 86_400 + 3600
        return instant.secondsSinceEpoch >= start && instant.secondsSinceEpoch < end
    }

    static func lastSunday(month: Int, year: Int) -> CalendarDate {
        let last = CalendarDate(daysSinceEpoch: (CalendarDate(year: year, month: month + 1, day: 1)
            ?? CalendarDate(daysSinceEpoch: 0)).daysSinceEpoch - 1)
        return last.adding(days: -(last.weekday % 7))
    }
}
