/// A statutory or local timescale: started and stopped by case events, due after one or
/// more intervals (a repeating review clock lists its intervals; the last repeats).
public struct ClockDefinition: Sendable, Hashable, Codable {
    public var id: String
    public var title: String
    /// The statutory basis: "Working Together to Safeguard Children 2023, …".
    public var source: String
    public var startsOn: [ClockTrigger]
    /// Count from the referral's receipt rather than from the starting event (the 45-day
    /// assessment runs "from the point of referral").
    public var measuredFrom: ClockAnchor?
    /// First interval, then the next on each restart; the last one repeats.
    public var due: [ClockInterval]
    /// Events that meet the current due date and start the next interval (a review held).
    public var restartsOn: [ClockTrigger]?
    /// Events that stop the clock for good.
    public var stopsOn: [ClockTrigger]
    /// The national indicator this clock's timeliness is reported as, if any: reports and the
    /// simulator find "the assessment clock" here, never by a clock id written in code.
    public var indicator: ClockIndicator?
    /// Whether the timescale is statute, national guidance or the council's own choice.
    public var basis: RuleBasis?
    public enum CodingKeys: String, CodingKey, CaseIterable { case id, title, source, startsOn, measuredFrom, due, restartsOn, stopsOn, indicator, basis }

    /// The interval that applies after `restarts` restarts.
    public func interval(after restarts: Int) -> ClockInterval? {
        due.isEmpty ? nil : due[min(restarts, due.count - 1)]
    }
}

/// The national timeliness measures a clock can stand for (at most one clock each).
public enum ClockIndicator: String, Sendable, Hashable, Codable, CaseIterable {
    /// A decision on a referral within one working day (Working Together 2023).
    case frontDoorDecision = "front-door-decision"
    /// The single assessment within 45 working days of the referral (CIN census C2).
    case assessment
    /// The initial child protection conference within 15 working days of the strategy discussion.
    case initialConference = "initial-child-protection-conference"
}

extension Pathway {
    /// The clock standing for `indicator`, if the pathway names one.
    public func clock(for indicator: ClockIndicator) -> ClockDefinition? {
        clocks.first { $0.indicator == indicator }
    }
}

/// What a rule rests on: the law, national guidance, or a local default the council chose.
public enum RuleBasis: String, Sendable, Hashable, Codable, CaseIterable {
    case statute
    case guidance
    case local
}

/// Where a clock counts from.
public enum ClockAnchor: String, Sendable, Hashable, Codable, CaseIterable {
    /// The starting event (default).
    case trigger
    /// The referral's receipt.
    case referralReceived = "referral-received"
}

/// A length of time: working days (Monday-Friday less bank holidays), calendar days, or months.
public struct ClockInterval: Sendable, Hashable, Codable, CustomStringConvertible {
    public var workingDays: Int?
    public var days: Int?
    public var months: Int?
    public enum CodingKeys: String, CodingKey, CaseIterable { case workingDays, days, months }

    public init(workingDays: Int? = nil, days: Int? = nil, months: Int? = nil) {
        self.workingDays = workingDays
        self.days = days
        self.months = months
    }

    /// The due date for a clock counted from `start`.
    public func due(from start: CalendarDate, calendar: WorkingDayCalendar) -> CalendarDate {
        if let workingDays { return calendar.deadline(workingDays: workingDays, receivedOn: start) }
        if let months { return start.adding(months: months) }
        return start.adding(days: days ?? 0)
    }

    public var description: String {
        if let workingDays { return "\(workingDays) working day\(workingDays == 1 ? "" : "s")" }
        if let months { return "\(months) month\(months == 1 ? "" : "s")" }
        let days = days ?? 0
        return "\(days) day\(days == 1 ? "" : "s")"
    }
}

/// A case event that starts, restarts or stops a clock.
public struct ClockTrigger: Sendable, Hashable, Codable, CustomStringConvertible {
    public var event: ClockEvent
    /// For `level-entered` / `level-left`: which levels (absent: any).
    public var levels: [String]?
    /// For `milestone`: which one.
    public var milestone: String?
    public enum CodingKeys: String, CodingKey, CaseIterable { case event, levels, milestone }

    public init(event: ClockEvent, levels: [String]? = nil, milestone: String? = nil) {
        self.event = event
        self.levels = levels
        self.milestone = milestone
    }

    public var description: String {
        switch event {
        case .milestone: "milestone \(milestone ?? "?")"
        case .levelEntered, .levelLeft: "\(event.rawValue) \((levels ?? ["any"]).joined(separator: "/"))"
        default: event.rawValue
        }
    }
}

public enum ClockEvent: String, Sendable, Hashable, Codable, CaseIterable {
    case referralReceived = "referral-received"
    /// The front-door decision is recorded.
    case decided
    case levelEntered = "level-entered"
    case levelLeft = "level-left"
    case milestone
    case closed
}
