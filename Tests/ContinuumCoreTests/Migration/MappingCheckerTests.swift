import ContinuumCore
import ContinuumTesting
import Testing

/// `continuum check --mapping`: a mapping is proved total before it runs (issue 15).
@Suite("Migration mappings")
struct MappingCheckerTests {
    func check(_ edit: (inout PathwayMapping) -> Void) throws -> [PathwayProblem] {
        var mapping = try TestFixtures.familiesFirstMapping().mapping
        edit(&mapping)
        return MappingChecker.check(mapping, from: try TestFixtures.surrey(), to: try TestFixtures.familiesFirst()).errors
    }

    @Test("the shipped mapping is total")
    func shipped() throws {
        #expect(try check { _ in }.isEmpty)
    }

    @Test("an unmapped level, an unknown target, a consent level without consent, an uncovered level and an unaccounted clock are each named")
    func gaps() throws {
        let unmapped = try check { $0.levels.removeAll { $0.from == "intensive-support" } }
        #expect(unmapped.map(\.rule) == ["intensive-support"] && unmapped[0].message.contains("not mapped"))

        let unknown = try check { $0.levels[0].rules[0].to = "family-hub" }
        #expect(unknown.count == 1 && unknown[0].path == "$.levels[0].rules[0].to" && unknown[0].message.contains("no level \"family-hub\""))

        let noConsent = try check { mapping in
            let index = mapping.levels.firstIndex { $0.from == "targeted-support" } ?? 0
            mapping.levels[index].rules = [MappingRule(id: "all", when: nil, to: "family-help-targeted", review: nil, description: "everyone")]
        }
        #expect(noConsent.count == 1 && noConsent[0].message.contains("needs consent"))

        let uncovered = try check { mapping in
            let index = mapping.levels.firstIndex { $0.from == "child-protection" } ?? 0
            mapping.levels[index].rules.removeLast()
        }
        #expect(uncovered.count == 1 && uncovered[0].message.contains("not covered"))

        let clock = try check { $0.clocks.removeAll { $0.from == "assessment" } }
        #expect(clock.map(\.rule) == ["assessment"] && clock[0].message.contains("not accounted for"))
    }

    @Test("planning: consent decides targeted cases; pending approvals and uncovered child protection cases go to review")
    func plan() throws {
        let mapping = try TestFixtures.familiesFirstMapping()
        var state = CaseState()
        state.phase = .open
        state.pathway = "surrey@2026-11"
        state.level = "targeted-support"
        state.consent = .given
        guard case .move(let migration) = mapping.plan(state) else { Issue.record("not moved"); return }
        #expect(migration.level == LevelChange(from: "targeted-support", to: "family-help-targeted") && migration.rule == "M-TGT-01")
        state.consent = .refused
        guard case .review(let review) = mapping.plan(state) else { Issue.record("not reviewed"); return }
        #expect(review.to == "surrey-families-first@2027-04")
        var reviewed = state
        reviewed.migrationReview = review
        #expect(mapping.plan(reviewed) == .unchanged)
        state.pathway = "surrey-families-first@2027-04"
        #expect(mapping.plan(state) == .unchanged)
    }
}
