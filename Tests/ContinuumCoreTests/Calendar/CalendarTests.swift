import ContinuumCore
import Testing

@Suite("Dates, timestamps and London time")
struct CalendarTests {
    @Test func parsesAndRejectsDates() {
        #expect(CalendarDate("2024-02-29")?.description == "2024-02-29")
        #expect(CalendarDate("2023-02-29") == nil)
        #expect(CalendarDate("2023-13-01") == nil)
        #expect(CalendarDate("2023-1-01") == nil)
        #expect(CalendarDate("20230101") == nil)
    }

    @Test func dayArithmeticRoundTrips() throws {
        for days in stride(from: -30_000, to: 40_000, by: 37) {
            let date = CalendarDate(daysSinceEpoch: days)
            #expect(date.daysSinceEpoch == days)
            #expect(CalendarDate(date.description) == date)
        }
        #expect(CalendarDate(daysSinceEpoch: 0).description == "1970-01-01")
        #expect(Fixtures.date("2026-11-26").weekday == 4)  // a Thursday
    }

    @Test func monthsClampToTheEndOfTheMonth() {
        #expect(Fixtures.date("2026-01-31").adding(months: 1) == Fixtures.date("2026-02-28"))
        #expect(Fixtures.date("2024-01-31").adding(months: 1) == Fixtures.date("2024-02-29"))
        #expect(Fixtures.date("2026-11-26").adding(months: 3) == Fixtures.date("2027-02-26"))
        #expect(Fixtures.date("2026-09-30").adding(months: 6) == Fixtures.date("2027-03-30"))
    }

    @Test func ages() {
        let birth = Fixtures.date("2008-11-27")
        #expect(birth.wholeYears(until: Fixtures.date("2026-11-26")) == 17)
        #expect(birth.wholeYears(until: Fixtures.date("2026-11-27")) == 18)
    }

    @Test func rfc3339() throws {
        let utc = try #require(Timestamp(rfc3339: "2026-11-26T09:30:00Z"))
        let offset = try #require(Timestamp(rfc3339: "2026-11-26T10:30:00.250+01:00"))
        #expect(offset.secondsSinceEpoch == utc.secondsSinceEpoch)
        #expect(offset.milliseconds == 250)
        #expect(offset.description == "2026-11-26T10:30:00.250+01:00")
        #expect(utc.description == "2026-11-26T09:30:00Z")
        #expect(Timestamp(rfc3339: "2026-11-26T09:30:00") == nil, "an offset is required")
        #expect(Timestamp(rfc3339: "2026-11-26 09:30:00z") != nil)
        #expect(Timestamp(rfc3339: "2026-11-31T09:30:00Z") == nil)
        #expect(Timestamp(rfc3339: "2026-11-26T24:00:00Z") == nil)
    }

    /// `value` zero-padded to `width` digits.
    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// The text a timestamp had before it was written in place: the reference its fast path
    /// must match (written here from scratch, through the public API only).
    static func reference(_ t: Timestamp) -> String {
        let local = t.secondsSinceEpoch + Int64(t.utcOffsetMinutes * 60)
        let secondOfDay = Int(((local % 86_400) + 86_400) % 86_400)
        let date = CalendarDate(daysSinceEpoch: Int((local - Int64(secondOfDay)) / 86_400))
        let day = Self.pad(date.year, 4) + "-" + Self.pad(date.month, 2) + "-" + Self.pad(date.day, 2)
        var text = day + "T" + Self.pad(secondOfDay / 3600, 2) + ":" + Self.pad(secondOfDay / 60 % 60, 2) + ":" + Self.pad(secondOfDay % 60, 2)
        if t.milliseconds > 0 { text += "." + Self.pad(t.milliseconds, 3) }
        if t.utcOffsetMinutes == 0 { return text + "Z" }
        let magnitude = abs(t.utcOffsetMinutes)
        return text + (t.utcOffsetMinutes < 0 ? "-" : "+") + Self.pad(magnitude / 60, 2) + ":" + Self.pad(magnitude % 60, 2)
    }

    @Test func timestampTextMatchesItsReferenceEverywhere() throws {
        let offsets = [0, 60, -60, 330, -330, 59, -59, 14 * 60, -12 * 60, 99 * 60 + 59]
        for seconds in stride(from: Int64(-62_135_596_800), through: 253_402_300_799, by: 77_777_777) {  // years 1 to 9999
            for (index, offset) in offsets.enumerated() {
                let t = Timestamp(secondsSinceEpoch: seconds, milliseconds: [0, 1, 7, 250, 999][index % 5], utcOffsetMinutes: offset)
                #expect(t.description == Self.reference(t))
                // The text reads back as the same instant (where the local year stays in 1...9999).
                if let back = Timestamp(rfc3339: t.description) { #expect(back == t) }
            }
        }
        // Outside the four-digit years and two-digit offset hours, the general path.
        let far = Timestamp(secondsSinceEpoch: 253_402_300_800 + 86_400)  // 10000-01-02
        #expect(far.description == Self.reference(far))
        #expect(far.description.hasPrefix("10000-01-02T"))
        let wide = Timestamp(secondsSinceEpoch: 0, utcOffsetMinutes: 100 * 60)
        #expect(wide.description == "1970-01-05T04:00:00+100:00")
        #expect(CalendarDate(daysSinceEpoch: -800_000).description == Self.pad(CalendarDate(daysSinceEpoch: -800_000).year, 4) + "-"
                + Self.pad(CalendarDate(daysSinceEpoch: -800_000).month, 2) + "-" + Self.pad(CalendarDate(daysSinceEpoch: -800_000).day, 2))
    }

    @Test func londonDatesFollowBritishSummerTime() {
        // BST 2026: 29 March 01:00 UTC to 25 October 01:00 UTC.
        #expect(UKTime.londonDate(of: Fixtures.at("2026-06-30T23:30:00Z")) == Fixtures.date("2026-07-01"))
        #expect(UKTime.londonDate(of: Fixtures.at("2026-12-31T23:30:00Z")) == Fixtures.date("2026-12-31"))
        #expect(!UKTime.isSummerTime(Fixtures.at("2026-03-29T00:59:59Z")))
        #expect(UKTime.isSummerTime(Fixtures.at("2026-03-29T01:00:00Z")))
        #expect(UKTime.isSummerTime(Fixtures.at("2026-10-25T00:59:59Z")))
        #expect(!UKTime.isSummerTime(Fixtures.at("2026-10-25T01:00:00Z")))
        #expect(UKTime.londonDate(of: Fixtures.at("2026-11-26T23:59:00-05:00")) == Fixtures.date("2026-11-27"))
    }
}

@Suite("Working days on the bank-holiday calendar")
struct WorkingDayCalendarTests {
    let calendar: WorkingDayCalendar

    init() throws {
        calendar = try Fixtures.surrey().workingDays
    }

    @Test func loadsTheGovUKFeed() {
        #expect(calendar.coveredYears == 2018...2028)
        #expect(calendar.isBankHoliday(Fixtures.date("2026-12-28")))  // Boxing Day substitute
        #expect(calendar.isBankHoliday(Fixtures.date("2022-09-19")))  // state funeral
        #expect(!calendar.isWorkingDay(Fixtures.date("2026-11-28")))  // Saturday
    }

    @Test("Nth working day after receipt", arguments: [
        ("2026-11-23", 1, "2026-11-24"),   // Monday → Tuesday
        ("2026-11-27", 1, "2026-11-30"),   // Friday → Monday
        ("2026-11-28", 1, "2026-12-01"),   // Saturday counts as Monday → Tuesday
        ("2026-12-24", 1, "2026-12-29"),   // Christmas, Boxing Day substitute (28th)
        ("2026-12-26", 1, "2026-12-30"),   // Boxing Day (Saturday): effective receipt 29th
        ("2027-03-26", 1, "2027-03-31"),   // Good Friday; Easter Monday follows
        ("2026-11-26", 45, "2027-02-02"),  // the assessment over Christmas
        ("2026-11-26", 0, "2026-11-26"),
    ])
    func deadlines(received: String, days: Int, due: String) {
        #expect(calendar.deadline(workingDays: days, receivedOn: Fixtures.date(received)) == Fixtures.date(due))
    }

    @Test func fastDeadlinesMatchCountingDayByDay() {
        // Every start day from 2017 to the end of 2028, for the pathway's intervals and more.
        var start = Fixtures.date("2017-12-01")
        while start < Fixtures.date("2028-12-31") {
            for days in [0, 1, 2, 4, 5, 6, 10, 15, 20, 45, 60] {
                var day = calendar.workingDay(onOrAfter: start)
                var remaining = days
                while remaining > 0 {
                    day = day.adding(days: 1)
                    if calendar.isWorkingDay(day) { remaining -= 1 }
                }
                #expect(calendar.deadline(workingDays: days, receivedOn: start) == day, "\(start) + \(days)")
            }
            start = start.adding(days: 1)
        }
    }

    @Test func countingIsTheInverseOfDeadlines() {
        let start = Fixtures.date("2026-12-20")
        for days in 0..<60 {
            let due = calendar.deadline(workingDays: days, receivedOn: start)
            #expect(calendar.workingDays(from: start, to: due) == days)
        }
    }
}
