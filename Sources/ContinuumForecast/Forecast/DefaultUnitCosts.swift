/// Unit costs `continuum calibrate` writes into a calibrated scenario until a council gives its
/// own (docs/forecast.md has the table and the reasoning). Each says where it comes from; each
/// is a default to replace.
///
/// Two published figures underlie them: the cost per child per week in foster care, £646
/// (PSSRU, Unit Costs of Health and Social Care 2017, 2016/17 prices: allowances,
/// administration, social workers and support staff), for looked-after children; and a
/// children's social worker's cost per hour of client-related work, £55 (PSSRU, Unit Costs of
/// Health and Social Care 2014, 2013/14 prices), for the other levels, times a number of hours a
/// week that is Continuum's assumption, not the source's.
public enum DefaultUnitCosts {
    public struct Cost: Sendable, Hashable {
        public var perDay: Double
        public var source: String
    }

    static let hourly = 55.0
    static let worker = "PSSRU Unit Costs of Health and Social Care 2014 (2013/14 prices): a children's social worker at £55 per hour of client-related work"

    static func hours(_ perWeek: Double) -> Cost {
        let text = perWeek == perWeek.rounded() ? String(Int(perWeek)) : String(perWeek)
        return Cost(perDay: (hourly * perWeek / 7 * 100).rounded() / 100,
                    source: "default: \(worker), for \(text) hours a week (Continuum's assumption, not the source's); replace with the council's own")
    }

    /// By level id of the Surrey pathway and Families First (levels not listed have none).
    public static let byLevel: [String: Cost] = [
        "looked-after": Cost(perDay: 92.29, source: "default: PSSRU Unit Costs of Health and Social Care 2017 (2016/17 prices): foster care at £646 per child per week; replace with the council's own placement mix"),
        "child-protection": hours(4),
        "child-in-need": hours(2),
        "intensive-support": hours(2),
        "targeted-support": hours(1),
        "emerging-needs": hours(0.5),
        "family-help-targeted": hours(1),
        "family-help-cin": hours(2),
        "pre-proceedings": hours(5),
    ]
}
