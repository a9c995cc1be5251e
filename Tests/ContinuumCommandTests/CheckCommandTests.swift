import ContinuumJSON
import Foundation
import Testing

@Suite("continuum check")
struct CheckCommandTests {
    /// Writes a copy of the Surrey pathway with one fault (and its calendar) and returns its path.
    func broken(_ edit: (JSONValue) -> JSONValue) throws -> String {
        let folder = try CommandRunner.temporaryFolder()
        let pathways = CommandRunner.root.appendingPathComponent("Pathways")
        let surrey = try JSONParser().parse(Array(Data(contentsOf: pathways.appendingPathComponent("surrey.json")))).value()
        try FileManager.default.copyItem(at: pathways.appendingPathComponent("bank-holidays-england-and-wales.json"),
                                         to: folder.appendingPathComponent("bank-holidays-england-and-wales.json"))
        let file = folder.appendingPathComponent("broken.json")
        try Data(edit(surrey).serialized(pretty: true).utf8).write(to: file)
        return file.path
    }

    @Test func theDefaultPathwayPasses() throws {
        let outcome = try CommandRunner.run(["check"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("Pathways/surrey.json: OK: surrey@2026-11, 7 levels, 27 transitions, 15 rules, 5 clocks"))
    }

    @Test func aFaultNamesFilePathAndRuleAndExits65() throws {
        let file = try broken { surrey in
            guard case .object(var root) = surrey, case .array(var transitions)? = root["transitions"], case .object(var first) = transitions[0] else { return surrey }
            first["to"] = .string("emergingneeds")
            transitions[0] = .object(first)
            root["transitions"] = .array(transitions)
            return .object(root)
        }
        let outcome = try CommandRunner.run(["check", file])
        #expect(outcome.status == 65)
        #expect(outcome.stderr.contains("\(file): $.transitions[0].to (up-emerging): error: unknown level \"emergingneeds\"; did you mean \"emerging-needs\"?"))
        #expect(outcome.stderr.contains("\(file): 1 error(s)"))
    }

    @Test func aCoverageGapIsReportedWithAnExample() throws {
        let file = try broken { surrey in
            guard case .object(var root) = surrey, case .array(var criteria)? = root["criteria"], case .object(var table) = criteria[0],
                  case .array(let rules)? = table["rules"] else { return surrey }
            table["rules"] = .array(rules.filter { $0["id"] != .string("FD-UNI-01") })
            criteria[0] = .object(table)
            root["criteria"] = .array(criteria)
            return .object(root)
        }
        let outcome = try CommandRunner.run(["check", file])
        #expect(outcome.status == 65)
        #expect(outcome.stderr.contains("$.criteria[0].rules (front-door): error: no rule covers immediateRisk=false"))
    }

    @Test func checksSeveralFilesAndReportsEach() throws {
        let good = CommandRunner.root.appendingPathComponent("Pathways/surrey.json").path
        let bad = try broken { $0.setting(format: "continuum-pathway/9") }
        let outcome = try CommandRunner.run(["check", good, bad])
        #expect(outcome.status == 65)
        #expect(outcome.stdout.contains("surrey.json: OK"))
        #expect(outcome.stderr.contains("\(bad): $.format: error:"))
    }

    @Test func notJSONGivesLineAndColumn() throws {
        let folder = try CommandRunner.temporaryFolder()
        let file = folder.appendingPathComponent("bad.json")
        try Data("{\n  \"format\": 'x'\n}".utf8).write(to: file)
        let outcome = try CommandRunner.run(["check", file.path])
        #expect(outcome.status == 65)
        #expect(outcome.stderr.contains("line 2, column 13"))
    }

    @Test func missingCalendarIsNamed() throws {
        let folder = try CommandRunner.temporaryFolder()
        let file = folder.appendingPathComponent("surrey.json")
        try FileManager.default.copyItem(at: CommandRunner.root.appendingPathComponent("Pathways/surrey.json"), to: file)
        let outcome = try CommandRunner.run(["check", file.path])
        #expect(outcome.status == 65)
        #expect(outcome.stderr.contains("$.calendar.bankHolidays: cannot read the bank holiday file \(folder.path)/bank-holidays-england-and-wales.json: no such file"))
    }

    @Test func missingFileExits66() throws {
        let outcome = try CommandRunner.run(["check", "no/such/pathway.json"])
        #expect(outcome.status == 66)
        #expect(outcome.stderr.contains("no/such/pathway.json: no such file"))
    }
}

extension JSONValue {
    func setting(format: String) -> JSONValue {
        guard case .object(var root) = self else { return self }
        root["format"] = .string(format)
        return .object(root)
    }
}
