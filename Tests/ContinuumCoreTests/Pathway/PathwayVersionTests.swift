import ContinuumCore
import ContinuumTesting
import Testing

/// Pathway versions in force by date (issue 15).
@Suite("Pathway versions")
struct PathwayVersionTests {
    @Test("the version in force is the latest effectiveFrom not after the day; the earliest governs before it")
    func inForce() throws {
        let versions = try PathwaySet([try TestFixtures.familiesFirst(), try TestFixtures.surrey()])
        #expect(versions.references == ["surrey@2026-11", "surrey-families-first@2027-04"])
        #expect(versions.inForce(on: Fixtures.date("2027-03-31")).definition.reference == "surrey@2026-11")
        #expect(versions.inForce(on: Fixtures.date("2027-04-01")).definition.reference == "surrey-families-first@2027-04")
        #expect(versions.inForce(on: Fixtures.date("2026-01-01")).definition.reference == "surrey@2026-11")
        #expect(versions.version("surrey-families-first@2027-04") != nil && versions.version("surrey@1999") == nil)
    }

    @Test("two files with the same id@version or effectiveFrom, or one without a date among several, are refused naming both")
    func refusedSets() throws {
        let surrey = try Fixtures.surrey()
        var copy = surrey
        copy.effectiveFrom = Fixtures.date("2027-01-01")
        #expect(PathwaySet.problems([surrey, copy]) == [.sameReference("surrey@2026-11", first: 0, second: 1)])
        var sameDay = try TestFixtures.familiesFirst().definition
        sameDay.effectiveFrom = surrey.effectiveFrom
        #expect(PathwaySet.problems([surrey, sameDay]).map(\.indices) == [[0, 1]])
        var undated = sameDay
        undated.effectiveFrom = nil
        #expect(PathwaySet.problems([surrey, undated]) == [.effectiveFromMissing("surrey-families-first@2027-04", index: 1)])
        #expect(PathwaySet.problems([undated]).isEmpty)
        #expect(throws: PathwaySetError.self) { try PathwaySet([try TestFixtures.surrey(), try TestFixtures.surrey()]) }
    }

    @Test("Families First passes the checker; a reclassification between levels with different case roles does not")
    func familiesFirstSound() throws {
        let pathway = try TestFixtures.familiesFirst().definition
        #expect(PathwayChecker.check(pathway).problems.isEmpty)
        #expect(pathway.levels.map(\.id) == ["universal", "family-help-targeted", "family-help-cin", "child-protection", "pre-proceedings", "looked-after"])
        var broken = pathway
        broken.transitions.append(PathwayTransition(id: "sideways", from: "family-help-cin", to: "child-protection", kind: .reclassify,
                                                    roles: [.manager], description: "wrong"))
        let problems = PathwayChecker.check(broken).errors
        #expect(problems.contains { $0.rule == "sideways" && $0.message.contains("different case roles") })
    }
}
