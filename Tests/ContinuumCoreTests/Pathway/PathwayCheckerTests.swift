import ContinuumCore
import ContinuumJSON
import ContinuumTesting
import Testing

/// Broken pathways, one fault each: the checker must name the JSON path and rule.
@Suite("Static verification of pathways")
struct PathwayCheckerTests {
    let surrey: JSONValue
    let calendar: WorkingDayCalendar

    init() throws {
        surrey = try Fixtures.surreyJSON()
        calendar = try Fixtures.surrey().workingDays
    }

    func check(_ value: JSONValue) throws -> PathwayChecker.Report {
        var pathway = try PathwayLoader().decode(Fixtures.bytes(value), path: "broken.json")
        pathway.workingDays = calendar
        return PathwayChecker.check(pathway)
    }

    /// Asserts the report has an error at `path` whose message contains `text` (and the rule, if given).
    func expectError(_ value: JSONValue, at path: String, rule: String? = nil, _ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let report = try check(value)
        #expect(report.verified == nil, sourceLocation: sourceLocation)
        let match = report.errors.contains { $0.path == path && $0.message.contains(text) && (rule == nil || $0.rule == rule) }
        #expect(match, "no error at \(path) containing \"\(text)\"; got:\n\(report.errors.map(\.description).joined(separator: "\n"))", sourceLocation: sourceLocation)
    }

    func index(of id: String, in array: String) -> Int? {
        guard case .array(let items)? = surrey.lookup(array) else { return nil }
        return items.firstIndex { $0["id"] == .string(id) }
    }

    @Test func theDefaultPathwayIsClean() throws {
        let report = try check(surrey)
        #expect(report.errors.isEmpty, "\(report.errors)")
        #expect(report.warnings.isEmpty, "\(report.warnings)")
        #expect(report.verified != nil)
    }

    @Test func unknownLevelInATransition() throws {
        try expectError(surrey.setting("transitions.0.to", .string("emergingneeds")), at: "$.transitions[0].to", rule: "up-emerging",
                        "unknown level \"emergingneeds\"; did you mean \"emerging-needs\"?")
    }

    @Test func duplicateIds() throws {
        try expectError(surrey.setting("levels.1.id", .string("thriving")), at: "$.levels[1].id", "duplicate level id \"thriving\"")
    }

    @Test func oneClockPerIndicator() throws {
        let assessment = try #require(index(of: "assessment", in: "clocks"))
        let conference = try #require(index(of: "initial-child-protection-conference", in: "clocks"))
        try expectError(surrey.setting("clocks.\(conference).indicator", .string("assessment")), at: "$.clocks[\(conference)].indicator",
                        rule: "initial-child-protection-conference", "clock \"assessment\" already stands for the indicator \"assessment\"")
        // Surrey names its three timeliness clocks; reports find them by this field.
        let pathway = try Fixtures.surrey()
        #expect(pathway.clock(for: .assessment)?.id == "assessment")
        #expect(pathway.clock(for: .frontDoorDecision)?.id == "referral-decision")
        #expect(pathway.clocks[assessment].indicator == .assessment)
    }

    @Test func unreachableLevel() throws {
        let orphan: JSONValue = .object(["id": .string("orphan"), "title": .string("Orphan"), "tier": .string("universal"),
                                         "description": .string("x"), "heldBy": .string("x"), "consentRequired": .bool(false)])
        let close: JSONValue = .object(["id": .string("close-orphan"), "from": .string("orphan"), "kind": .string("close"),
                                        "roles": .array([.string("manager")]), "reasons": .array([.string("RC7")]), "description": .string("x")])
        try expectError(surrey.appending("levels", orphan).appending("transitions", close), at: "$.levels[7]", rule: "orphan", "cannot be reached from the front door")
    }

    @Test func levelWithNoPathToClosure() throws {
        let limbo: JSONValue = .object(["id": .string("limbo"), "title": .string("Limbo"), "tier": .string("universal"),
                                        "description": .string("x"), "heldBy": .string("x"), "consentRequired": .bool(false)])
        let value = surrey.appending("levels", limbo).appending("intake.outcomes", .string("limbo"))
        try expectError(value, at: "$.levels[7]", rule: "limbo", "no path to closure")
    }

    @Test func stepUpWithNoStepDownBack() throws {
        let position = try #require(index(of: "down-emerging-to-thriving", in: "transitions"))
        try expectError(surrey.setting("transitions.\(position)", nil), at: "$.transitions[0]", rule: "up-emerging", "has no step-down back")
    }

    @Test func stepUpThatGoesDown() throws {
        try expectError(surrey.setting("transitions.0.kind", .string("step-down")), at: "$.transitions[0].kind", rule: "up-emerging",
                        "goes up the continuum but is a step-down")
    }

    @Test func overlappingRulesUnderUnique() throws {
        try expectError(surrey.setting("criteria.0.hitPolicy", .string("unique")), at: "$.criteria[0].rules[2]", rule: "FD-CP-02",
                        "rules FD-CP-01 and FD-CP-02 overlap under the unique hit policy; both match immediateRisk=true, harm=high")
    }

    @Test func inputCombinationNoRuleCovers() throws {
        let position = try #require(surrey.lookup("criteria.0.rules").flatMap { value -> Int? in
            guard case .array(let rules) = value else { return nil }
            return rules.firstIndex { $0["id"] == .string("FD-UNI-01") }
        })
        try expectError(surrey.setting("criteria.0.rules.\(position)", nil), at: "$.criteria[0].rules", rule: "front-door", "no rule covers immediateRisk=false")
    }

    @Test func consentOnlyLevelRecommendedWithoutConsent() throws {
        // FD-TGT-01 is rules[9]; drop its consent condition.
        try expectError(surrey.setting("criteria.0.rules.9.when.consent", nil), at: "$.criteria[0].rules[9].when.consent", rule: "FD-TGT-01",
                        "needs consent, even when consent is refused")
    }

    @Test func conditionValueOutsideTheDomain() throws {
        try expectError(surrey.setting("criteria.0.rules.2.when.harm", .string("severe")), at: "$.criteria[0].rules[2].when.harm", rule: "FD-CP-02",
                        "\"severe\" is not a value of highestImpact; expected one of \"none\", \"low\", \"medium\", \"high\"")
    }

    @Test func ruleOutputTheFrontDoorCannotChoose() throws {
        guard case .array(let outcomes)? = surrey.lookup("intake.outcomes") else { return }
        let value = surrey.setting("intake.outcomes", .array(outcomes.filter { $0 != .string("looked-after") }))
        try expectError(value, at: "$.criteria[0].rules[0].then", rule: "FD-LAC-01", "not one of the front door's outcomes")
    }

    @Test func clockThatNeverStops() throws {
        try expectError(surrey.setting("clocks.0.stopsOn", .array([])), at: "$.clocks[0].stopsOn", rule: "referral-decision", "never stops")
    }

    @Test func clockStoppedOnlyByAnUnknownMilestone() throws {
        let value = surrey.setting("clocks.1.stopsOn", .array([.object(["event": .string("milestone"), "milestone": .string("assesment-completed")])]))
        try expectError(value, at: "$.clocks[1].stopsOn[0].milestone", rule: "assessment", "did you mean \"assessment-completed\"")
        try expectError(value, at: "$.clocks[1].stopsOn", rule: "assessment", "never stops")
    }

    @Test func clockThatNeverStarts() throws {
        try expectError(surrey.setting("clocks.2.startsOn", .array([])), at: "$.clocks[2].startsOn", rule: "initial-child-protection-conference", "never starts")
    }

    @Test func closeWithoutReasons() throws {
        let position = try #require(index(of: "close-cin", in: "transitions"))
        try expectError(surrey.setting("transitions.\(position).reasons", nil), at: "$.transitions[\(position)].reasons", rule: "close-cin", "closure reasons")
    }

    @Test func shadowedRulesUnderFirstAreWarnings() throws {
        let catchAll: JSONValue = .object(["id": .string("FD-ALL"), "description": .string("Everything to child in need."),
                                           "when": .object([:]), "then": .string("child-in-need")])
        guard case .array(let rules)? = surrey.lookup("criteria.0.rules") else { return }
        let value = surrey.setting("criteria.0.hitPolicy", .string("first")).setting("criteria.0.rules", .array([catchAll] + rules))
        let report = try check(value)
        #expect(report.errors.isEmpty)
        #expect(report.warnings.contains { $0.path == "$.criteria[0].rules[1]" && $0.rule == "FD-LAC-01" && $0.message.contains("can never fire") })
    }

    @Test func missingClosedStopIsAWarning() throws {
        let report = try check(surrey.setting("clocks.0.stopsOn", .array([.object(["event": .string("decided")])])))
        #expect(report.errors.isEmpty)
        #expect(report.warnings.contains { $0.rule == "referral-decision" && $0.message.contains("after the case closes") })
    }

    @Test func calendarRunningOutIsAWarning() throws {
        var pathway = try Fixtures.surrey()
        pathway.workingDays = calendar
        let report = PathwayChecker.check(pathway, today: Fixtures.date("2028-03-01"))
        #expect(report.warnings.contains { $0.path == "$.calendar.bankHolidays" && $0.message.contains("only to 2028") })
    }

    @Test func unknownFieldInTheFileIsRejectedWhenLoading() throws {
        let value = surrey.setting("levels.0.consentRequried", .bool(false))
        #expect(throws: PathwayLoadError.invalid(path: "x.json", JSONProblem(path: "$.levels[0].consentRequried",
                message: "unknown field \"consentRequried\"; did you mean \"consentRequired\"?"))) {
            try PathwayLoader().decode(Fixtures.bytes(value), path: "x.json")
        }
    }

    @Test func wrongFormatTag() throws {
        try expectError(surrey.setting("format", .string("continuum-pathway/2")), at: "$.format", "continuum-pathway/1")
    }
}
