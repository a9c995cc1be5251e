import ContinuumAPI
import ContinuumCore
import ContinuumJSON

/// The improvement board's data set for a period: each indicator with its monthly values,
/// computed from the event log alone (docs/indicators.md defines each one and its source).
public struct IndicatorReport: Sendable {
    public struct Indicator: Sendable {
        public var id: String
        public var title: String
        public var value: Double?
        public var unit: String
        public var months: [(month: String, value: Double?)]
        /// A count per category (source, level), for the indicators that have one.
        public var breakdown: [String: Double]?
        /// The categories' names for people ("Police" for source `6`, a level's title); a
        /// category without one is shown by its code.
        public var breakdownTitles: [String: String] = [:]
        public var definition: String
        public var source: String
        public var target: Double?
        public var rag: String?
        /// `improving`, `worsening` or `flat` over the last three months of the period.
        public var trend: String?
    }

    /// A day within the period on which a new pathway version came into force.
    public struct PathwayChange: Sendable, Hashable {
        public var date: CalendarDate
        /// The version that came into force, `id@version`.
        public var pathway: String
        public var title: String
    }

    public var from: CalendarDate
    public var to: CalendarDate
    public var indicators: [Indicator]
    /// Changes of pathway version within the period (the board pack marks them); nil when none.
    public var pathwayChanges: [PathwayChange]?

    public init(from: CalendarDate, to: CalendarDate, indicators: [Indicator]) {
        self.from = from
        self.to = to
        self.indicators = indicators
    }

    /// Indicators slow to progress, listed first for the board: those with a target that are
    /// off it (amber or red), or worsening over the last three months. A green indicator that
    /// is flat or improving is on track and not listed (docs/indicators.md).
    public var slowToProgress: [String] {
        indicators.filter { $0.target != nil && ($0.rag == "amber" || $0.rag == "red" || $0.trend == "worsening") }.map(\.id)
    }

    public var json: JSONValue {
        func number(_ value: Double?) -> JSONValue { value.map { .double(($0 * 1000).rounded() / 1000) } ?? .null }
        var period: [String: JSONValue] = ["from": .string(from.description), "to": .string(to.description)]
        if let changes = pathwayChanges {
            period["pathwayChanges"] = .array(changes.map { .object(["date": .string($0.date.description), "pathway": .string($0.pathway), "title": .string($0.title)]) })
        }
        return .object([
            "period": .object(period),
            "slowToProgress": .array(slowToProgress.map(JSONValue.string)),
            "indicators": .array(indicators.map { indicator in
                var fields: [String: JSONValue] = [
                    "id": .string(indicator.id), "title": .string(indicator.title), "value": number(indicator.value), "unit": .string(indicator.unit),
                    "months": .array(indicator.months.map { .object(["month": .string($0.month), "value": number($0.value)]) }),
                    "definition": .string(indicator.definition), "source": .string(indicator.source),
                ]
                if let target = indicator.target { fields["target"] = .double(target) }
                if let rag = indicator.rag { fields["rag"] = .string(rag) }
                if let trend = indicator.trend { fields["trend"] = .string(trend) }
                if let breakdown = indicator.breakdown { fields["breakdown"] = .object(breakdown.mapValues { number($0) }) }
                return .object(fields)
            }),
        ])
    }

    /// `indicators.csv` (RFC 4180): one row per indicator and month, then the period's value,
    /// rounded to one decimal (full precision is in the JSON).
    public var csv: String {
        var records: [[String]] = []
        for indicator in indicators {
            for month in indicator.months {
                records.append([indicator.id, month.month, CSV.number(month.value), indicator.unit, "", "", indicator.title])
            }
            records.append([indicator.id, "period", CSV.number(indicator.value), indicator.unit, CSV.number(indicator.target), indicator.rag ?? "", indicator.title])
        }
        return CSV.file(header: ["id", "month", "value", "unit", "target", "rag", "title"], records: records)
    }
}

/// Targets and tolerances per indicator, from a versioned JSON file
/// (`Pathways/indicator-targets.json`): `{"version", "childPopulation", "targets": {id: {"target", "better": "higher"|"lower", "tolerance"}}}`.
public struct IndicatorTargets: Sendable, Decodable {
    public struct Target: Sendable, Decodable {
        public var target: Double
        /// Whether higher values are better (timeliness) or lower (overrides, re-referrals).
        public var better: String
        /// How far on the wrong side of the target is amber rather than red.
        public var tolerance: Double

        enum CodingKeys: String, CodingKey, CaseIterable { case target, better, tolerance }

        public init(target: Double, better: String, tolerance: Double) {
            self.target = target
            self.better = better
            self.tolerance = tolerance
        }
    }

    public var version: String
    /// Children aged 0 to 17 in the area (for the rate per 10,000).
    public var childPopulation: Double?
    public var targets: [String: Target]

    enum CodingKeys: String, CodingKey, CaseIterable { case version, childPopulation, targets }

    public init(version: String = "none", childPopulation: Double? = nil, targets: [String: Target] = [:]) {
        self.version = version
        self.childPopulation = childPopulation
        self.targets = targets
    }
}
