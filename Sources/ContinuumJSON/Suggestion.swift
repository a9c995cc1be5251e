/// "did you mean …" for misspelt names.
public enum Suggestion {
    /// `: did you mean "dateOfBirth"?` when a known name is close to `name`, else "".
    public static func didYouMean(_ name: String, among candidates: [String]) -> String {
        let lowered = name.lowercased()
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(lowered, candidate.lowercased())
            if distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
        }
        guard let best, best.distance <= max(2, name.count / 3) else { return "" }
        return "; did you mean \"\(best.name)\"?"
    }

    /// Levenshtein distance over Unicode scalars (ids one typo apart are 1).
    public static func distance(_ a: String, _ b: String) -> Int { editDistance(a, b) }

    /// Levenshtein distance over Unicode scalars.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars)
        let b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        for (i, ca) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, cb) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (ca == cb ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
