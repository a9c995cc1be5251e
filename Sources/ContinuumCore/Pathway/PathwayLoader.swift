import ContinuumJSON

/// Reads a pathway file and the bank-holiday calendar it names.
///
/// The file system stays at the edge: the caller passes `read`, which returns a file's bytes
/// (the CLI and the server pass a real file read; tests can pass a dictionary lookup).
public struct PathwayLoader: Sendable {
    public var limits: JSONLimits

    public init(limits: JSONLimits = JSONLimits(maxBytes: 8 << 20, maxDepth: 32)) {
        self.limits = limits
    }

    /// Loads `path` and its calendar (relative to the pathway's folder).
    public func load(path: String, read: (String) throws -> [UInt8]) throws(PathwayLoadError) -> Pathway {
        var pathway = try decode(bytes(path, read), path: path)
        let calendarPath = Self.resolve(pathway.calendar.bankHolidays, relativeTo: path)
        let feedBytes: [UInt8]
        do {
            feedBytes = try read(calendarPath)
        } catch {
            throw .calendar("\(path): $.calendar.bankHolidays: cannot read the bank holiday file \(calendarPath): \(error)")
        }
        pathway.workingDays = try Self.calendar(feedBytes, path: calendarPath, division: pathway.calendar.division)
        return pathway
    }

    /// Decodes a pathway definition (without its calendar).
    public func decode(_ bytes: [UInt8], path: String) throws(PathwayLoadError) -> Pathway {
        try decode(Pathway.self, bytes, path: path)
    }

    /// Decodes one of the pathway's files (a definition, a migration mapping) strictly: a syntax
    /// error or an unknown or missing field names the file and its JSON path.
    public func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], path: String) throws(PathwayLoadError) -> T {
        let document: JSONDocument
        do {
            document = try JSONParser(limits: limits).parse(bytes)
        } catch {
            throw .syntax(path: path, error)
        }
        do {
            return try document.decode(type, rejectUnknownKeys: true)
        } catch let error as DecodingError {
            throw .invalid(path: path, JSONProblem(error))
        } catch {
            throw .invalid(path: path, JSONProblem(path: "$", message: "\(error)"))
        }
    }

    /// The working-day calendar from a GOV.UK `bank-holidays.json` document.
    public static func calendar(_ bytes: [UInt8], path: String, division: String) throws(PathwayLoadError) -> WorkingDayCalendar {
        let feed: BankHolidayFeed
        do {
            feed = try JSONParser(limits: JSONLimits(maxBytes: 8 << 20)).parse(bytes).decode(BankHolidayFeed.self)
        } catch let error as JSONSyntaxError {
            throw .calendar("\(path): \(error)")
        } catch let error as DecodingError {
            throw .calendar("\(path): \(JSONProblem(error))")
        } catch {
            throw .calendar("\(path): \(error)")
        }
        return try feed.calendar(division: division)
    }

    private func bytes(_ path: String, _ read: (String) throws -> [UInt8]) throws(PathwayLoadError) -> [UInt8] {
        do {
            return try read(path)
        } catch {
            throw .unreadable(path: path, reason: "\(error)")
        }
    }

    /// `name` relative to the folder holding `file` (absolute names are kept).
    static func resolve(_ name: String, relativeTo file: String) -> String {
        guard !name.hasPrefix("/"), let slash = file.lastIndex(of: "/") else { return name }
        return String(file[...slash]) + name
    }
}
