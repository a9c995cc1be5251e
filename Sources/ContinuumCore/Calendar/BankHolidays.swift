import ContinuumJSON

/// The GOV.UK `bank-holidays.json` feed shape: `{"england-and-wales": {"division", "events":
/// [{"title", "date", "notes", "bunting"}]}, …}`.
public struct BankHolidayFeed: Sendable, Decodable {
    public struct Division: Sendable, Decodable {
        public let division: String
        public let events: [Event]
    }

    public struct Event: Sendable, Decodable {
        public let title: String
        public let date: CalendarDate
    }

    public let divisions: [String: Division]

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: JSONKey.self)
        var divisions: [String: Division] = [:]
        for key in container.allKeys {
            divisions[key.stringValue] = try container.decode(Division.self, forKey: key)
        }
        self.divisions = divisions
    }

    /// The working-day calendar for one division (`england-and-wales`).
    public func calendar(division: String) throws(PathwayLoadError) -> WorkingDayCalendar {
        guard let found = divisions[division] else {
            throw .calendar("the bank holiday file has no division \"\(division)\"; it has \(divisions.keys.sorted().joined(separator: ", "))")
        }
        return WorkingDayCalendar(bankHolidays: found.events.map(\.date))
    }
}
