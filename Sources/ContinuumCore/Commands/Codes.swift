import ContinuumJSON

/// Codes people type at the front door (level and milestone ids, RC codes, transition kinds,
/// grades): accepted in any case and with stray spaces, always written in their canonical form,
/// and, when unknown, refused with the known ones and a "did you mean".
public enum Codes {
    /// The canonical code `text` names among `known` (exact first, then ignoring case).
    public static func canonical(_ text: String, among known: [String]) -> String? {
        let trimmed = String(text.trimmingWhitespace)
        if known.contains(trimmed) { return trimmed }
        let lowered = trimmed.lowercased()
        return known.first { $0.lowercased() == lowered }
    }

    /// `unknown level "intensive-suport"; did you mean "intensive-support"? (one of: …)`.
    public static func unknown(_ what: String, _ text: String, among known: [String]) -> String {
        "unknown \(what) \"\(text)\"" + Suggestion.didYouMean(text, among: known) + " (one of: \(known.joined(separator: ", ")))"
    }

    /// A code of a fixed list (an enum), in any case.
    public static func parse<Code: RawRepresentable<String> & CaseIterable>(_ text: String, as type: Code.Type) -> Code? {
        canonical(text, among: Code.allCases.map(\.rawValue)).flatMap(Code.init(rawValue:))
    }
}

extension ClosureReason {
    /// The CIN census meaning of the code, as the census guide words it.
    public var title: String {
        switch self {
        case .adopted: "Adopted"
        case .died: "Died"
        case .childArrangementsOrder: "Child arrangements order"
        case .specialGuardianshipOrder: "Special guardianship order"
        case .transferredToOtherAuthority: "Transferred to services of another local authority"
        case .transferredToAdultServices: "Transferred to adult social care services"
        case .servicesCeased: "Services ceased for any other reason, including child no longer in need"
        case .noFurtherActionAfterAssessment: "Case closed after assessment, no further action"
        case .referredToEarlyHelp: "Case closed after assessment, referred to early help"
        }
    }

    /// Every code with its meaning, one per line ("RC1 Adopted"), for help text and prompts.
    public static var explained: String {
        allCases.map { "\($0.rawValue)  \($0.title)" }.joined(separator: "\n")
    }
}
