import ContinuumCore

/// How a referral's child is recognised again: hashed keys, so matching never needs names,
/// dates of birth or NHS numbers in an index.
///
/// A child matches an earlier referral on the NHS number when both have one, else on
/// normalised given and family names with the date of birth (or expected date of birth).
enum ChildKeys {
    static func keys(for child: Child) -> [String] {
        var keys: [String] = []
        if let nhs = child.nhsNumber {
            keys.append(Hex.sha256(Array("nhs:\(nhs)".utf8)))
        }
        if let date = child.dateOfBirth ?? child.expectedDateOfBirth {
            let text = "name:\(normalise(child.givenName))|\(normalise(child.familyName))|\(date)"
            keys.append(Hex.sha256(Array(text.utf8)))
        }
        return keys
    }

    /// Lower case letters only: "O'Brien-Smith " and "obrien smith" are the same name.
    static func normalise(_ name: String) -> String {
        String(name.lowercased().unicodeScalars.filter { $0.properties.isAlphabetic }.map(Character.init))
    }
}
