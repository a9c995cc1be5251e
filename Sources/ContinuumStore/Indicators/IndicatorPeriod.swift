import ContinuumAPI
import ContinuumCore
import ContinuumJSON

/// The period a report covers, checked before any work is done: both ends real dates between
/// 1900 and 2199, `from` not after `to`, and at most ``maximumMonths`` months long. The report
/// loops over the period's months, so a caller's range must be bounded (issue 22: a year-9999
/// period once made that loop endless and took gigabytes).
public struct IndicatorPeriod: Sendable, Hashable {
    public var from: CalendarDate
    public var to: CalendarDate

    /// Ten years: longer than any board looks back, small enough to answer in seconds.
    public static let maximumMonths = 120
    public static let earliest = CalendarDate(daysSinceEpoch: -25_567)  // 1900-01-01
    public static let latest = CalendarDate(daysSinceEpoch: 84_005)  // 2199-12-31

    /// The period from the texts given (`to` defaults to `today`, `from` to 12 months before
    /// `to`), or every problem, each naming its field (`from`, `to`).
    public static func resolve(from fromText: String?, to toText: String?, today: CalendarDate) -> Result<IndicatorPeriod, MessageInvalid> {
        var problems: [JSONProblem] = []
        func date(_ name: String, _ text: String?) -> CalendarDate? {
            guard let text else { return nil }
            guard let date = CalendarDate(text) else {
                problems.append(JSONProblem(path: name, message: "must be a date, YYYY-MM-DD"))
                return nil
            }
            guard date >= earliest, date <= latest else {
                problems.append(JSONProblem(path: name, message: "must be between \(earliest) and \(latest)"))
                return nil
            }
            return date
        }
        let givenTo = date("to", toText)
        let givenFrom = date("from", fromText)
        guard problems.isEmpty else { return .failure(MessageInvalid(problems)) }
        let to = givenTo ?? today
        let from = givenFrom ?? to.adding(months: -12).adding(days: 1)
        if from > to {
            problems.append(JSONProblem(path: "from", message: "\(from) is after to (\(to))"))
        } else if from < to.adding(months: -maximumMonths).adding(days: 1) {
            problems.append(JSONProblem(path: "from", message: "the period is longer than \(maximumMonths / 12) years; ask for at most \(maximumMonths) months at a time"))
        }
        return problems.isEmpty ? .success(IndicatorPeriod(from: from, to: to)) : .failure(MessageInvalid(problems))
    }
}
