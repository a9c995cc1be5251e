import ContinuumCore
import Testing

/// The matching rules of docs/identity.md, one by one, with the name variations real records have.
@Suite("Child identity")
struct ChildIdentityTests {
    static func child(_ given: String, _ family: String, born: String? = "2016-06-06", due: String? = nil, nhs: String? = nil,
                      previous: [String]? = nil) -> ChildIdentity {
        ChildIdentity(child: Child(givenName: given, familyName: family, dateOfBirth: born.flatMap { CalendarDate($0) },
                                   expectedDateOfBirth: due.flatMap { CalendarDate($0) },
                                   nhsNumber: nhs.flatMap { try? NHSNumber(validating: $0) }, previousNames: previous))
    }

    @Test("different NHS numbers are never the same child, whatever the names and dates")
    func differentNHSNumbers() {
        let a = Self.child("Oliver", "Smith", nhs: "4000000004")
        let b = Self.child("Oliver", "Smith", nhs: "4000000020")
        #expect(a.compare(with: b) == .different)
        #expect(b.compare(with: a) == .different)
    }

    @Test("the same NHS number and the same demographics are the same child, folded for case, accents and punctuation")
    func sameNumberSameDemographics() {
        let a = Self.child("Zoë", "O'Brien-Smith", nhs: "4000000004")
        #expect(a.compare(with: Self.child("ZOE", "obrien smith", nhs: "4000000004")) == .same)
        #expect(a.compare(with: Self.child("zoe", "O’Brien Smith", nhs: "4000000004")) == .same)
    }

    @Test("the same NHS number with another date of birth or another family name is only a possible match")
    func sameNumberConflicts() {
        let a = Self.child("Oliver", "Smith", nhs: "4000000004")
        #expect(a.compare(with: Self.child("Oliver", "Smith", born: "2016-06-07", nhs: "4000000004")) == .possible([.sameNHSNumberBirthDateDiffers]))
        #expect(a.compare(with: Self.child("Amelia", "Jones", nhs: "4000000004")) == .possible([.sameNHSNumberNamesDiffer]))
        #expect(a.compare(with: Self.child("Oliver", "Jones", nhs: "4000000004")) == .possible([.sameNHSNumberNamesDiffer]))
    }

    @Test("with the same NHS number, transposed, double-barrelled, first-name-only and previous names support it")
    func sameNumberNormalisedNames() {
        let a = Self.child("Oliver James", "Smith-Jones", nhs: "4000000004", previous: ["Brown"])
        #expect(a.compare(with: Self.child("Smith-Jones", "Oliver James", nhs: "4000000004")) == .same)
        #expect(a.compare(with: Self.child("Oliver", "Jones", nhs: "4000000004")) == .same)
        #expect(a.compare(with: Self.child("Oliver", "Brown", nhs: "4000000004")) == .same)
    }

    @Test("names and date of birth alike without an NHS number on both sides: a possible match, never a match")
    func demographicsOnly() {
        let known = Self.child("Oliver", "Smith", nhs: "4000000004")
        #expect(known.compare(with: Self.child("Oliver", "Smith")) == .possible([.demographicsWithoutNHSNumber]))
        #expect(Self.child("Oliver", "Smith").compare(with: Self.child("OLIVER", "SMITH")) == .possible([.demographicsWithoutNHSNumber]))
    }

    @Test("normalisation finds real variations without making them strong: each stays possible, with its reason")
    func weakVariationsStayPossible() {
        let a = Self.child("Oliver", "Smith-Jones")
        #expect(a.compare(with: Self.child("Smith-Jones", "Oliver")) == .possible([.demographicsWithoutNHSNumber, .namesTransposed]))
        #expect(a.compare(with: Self.child("Oliver", "Jones")) == .possible([.demographicsWithoutNHSNumber, .familyNamePartial]))
        #expect(a.compare(with: Self.child("Oliver Benjamin", "Smith-Jones")) == .possible([.demographicsWithoutNHSNumber, .givenNamePartial]))
        let renamed = Self.child("Oliver", "Brown", previous: ["Smith-Jones"])
        #expect(a.compare(with: renamed) == .possible([.demographicsWithoutNHSNumber, .previousName]))
    }

    @Test("twins, siblings and namesakes are different children")
    func differentChildren() {
        let a = Self.child("Oliver", "Smith")
        #expect(a.compare(with: Self.child("Olivia", "Smith")) == .different)            // twin
        #expect(a.compare(with: Self.child("Oliver", "Smith", born: "2018-02-01")) == .different)  // another child
        #expect(a.compare(with: Self.child("Oliver", "Patel")) == .different)
        #expect(a.compare(with: Self.child("Oliver", "Smith", born: nil, due: "2026-12-01")) == .different)
    }

    @Test("an unborn child's expected date near the later date of birth is possible, not certain")
    func unbornThenBorn() {
        let unborn = Self.child("Baby", "Smith", born: nil, due: "2026-12-01")
        #expect(unborn.compare(with: Self.child("Baby", "Smith", born: "2026-11-20")) == .possible([.demographicsWithoutNHSNumber, .birthDateNear]))
    }

    @Test("candidate keys cover every name part with the birth date, so variations are found")
    func candidateKeys() {
        let keys = Set(Self.child("Zoë", "O'Brien-Smith", nhs: "4000000004", previous: ["Brown"]).candidateKeys)
        #expect(keys == ["nhs:4000000004", "birth-name:2016-06-06|zoe", "birth-name:2016-06-06|obrien", "birth-name:2016-06-06|smith",
                         "birth-name:2016-06-06|brown"])
        let transposed = Set(Self.child("Smith", "Zoe").candidateKeys)
        #expect(!transposed.isDisjoint(with: keys))
    }

    @Test("folding: accents, apostrophes, hyphens and case; other scripts are kept")
    func folding() {
        #expect(NameFolding.tokens("  Zoë  O'Brien-Smith ") == ["zoe", "obrien", "smith"])
        #expect(NameFolding.tokens("ŁUKASZ Øster Straße") == ["lukasz", "oster", "strasse"])
        #expect(NameFolding.tokens("Ålesund") == ["alesund"])
        #expect(NameFolding.tokens("Анна") == ["анна"])
        #expect(NameFolding.tokens("Zoe\u{0308}") == ["zoe"])
    }

    @Test("every ASCII character folds by the same rules as the rest: letters lower-cased, digits kept, apostrophes dropped, the rest separates")
    func asciiFolding() {
        for value in UInt8(0x20)...UInt8(0x7E) {
            let character = Character(Unicode.Scalar(value))
            let tokens = NameFolding.tokens("ab\(character)cd")
            switch character {
            case "A"..."Z", "a"..."z", "0"..."9": #expect(tokens == ["ab" + String(character).lowercased() + "cd"], "\(character)")
            case "'", "`": #expect(tokens == ["abcd"], "\(character)")
            default: #expect(tokens == ["ab", "cd"], "\(character)")
            }
        }
        // Mixed with other scripts, ASCII letters fold the same.
        #expect(NameFolding.tokens("MÜLLER-Smith") == ["muller", "smith"])
    }
}
