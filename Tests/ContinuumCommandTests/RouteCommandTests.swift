import ContinuumJSON
import Foundation
import Testing

@Suite("continuum route")
struct RouteCommandTests {
    let receivedAt = "--received-at=2026-11-26T12:00:00Z"

    func decisions(_ stdout: String) throws -> [JSONValue] {
        try stdout.split(separator: "\n").map { try JSONParser().parse(String($0)).value() }
    }

    @Test func routesOneReferral() throws {
        let outcome = try CommandRunner.run(["route", receivedAt, "docs/examples/school-neglect-immediate-risk.json"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let decision = try #require(try decisions(outcome.stdout).first)
        #expect(decision["level"] == .string("child-protection"))
        #expect(decision["tier"] == .string("statutory"))
        #expect(decision["rules"] == .array([.string("FD-CP-01"), .string("FD-CP-02")]))
        #expect(decision["messageId"] == .string("STMARYS-0091"))
        guard case .array(let deadlines)? = decision["deadlines"] else {
            Issue.record("no deadlines")
            return
        }
        #expect(deadlines.contains { $0["clock"] == .string("referral-decision") && $0["due"] == .string("2026-11-27") })
        #expect(deadlines.contains { $0["clock"] == .string("assessment") && $0["due"] == .string("2027-02-02") })
    }

    @Test func readsStandardInput() throws {
        let body = try String(contentsOf: CommandRunner.root.appendingPathComponent("docs/examples/school-emerging-needs.json"), encoding: .utf8)
        let outcome = try CommandRunner.run(["route", receivedAt, "-"], stdin: body)
        #expect(outcome.status == 0)
        #expect(try decisions(outcome.stdout).first?["level"] == .string("emerging-needs"))
    }

    @Test func invalidReferralExits65WithEveryPath() throws {
        let outcome = try CommandRunner.run(["route", receivedAt, "docs/examples/invalid-referral.json"])
        #expect(outcome.status == 65)
        #expect(outcome.stdout.isEmpty)
        for path in ["$.messageId", "$.referrer.sorce", "$.child.dateOfBirth", "$.child.nhsNumber", "$.child.postcode",
                     "$.concerns[0].factor", "$.concerns[1].impact", "$.consent"] {
            #expect(outcome.stderr.contains("docs/examples/invalid-referral.json: \(path): "), "\(path)")
        }
    }

    @Test func outputNeverEchoesPersonalData() throws {
        let invalid = try CommandRunner.run(["route", receivedAt, "docs/examples/invalid-referral.json"])
        #expect(invalid.status == 65)
        for personal in ["2031-02-30", "9434765918", "GUILDFORD", "Jamie", "Example", "Sam", "Alex Morgan", "verbal argument"] {
            #expect(!invalid.stderr.contains(personal), "stderr echoes \(personal)")
        }
        let valid = try CommandRunner.run(["route", receivedAt, "docs/examples/police-domestic-abuse.json"])
        #expect(valid.status == 0)
        for personal in ["2018-03-14", "9434765919", "GU1 4LH", "Jamie", "Example", "Alex Morgan", "alex.morgan", "verbal argument"] {
            #expect(!valid.stdout.contains(personal) && !valid.stderr.contains(personal), "output contains \(personal)")
        }
    }

    @Test func ndjsonRoutesGoodLinesAndNamesBadOnes() throws {
        let outcome = try CommandRunner.run(["route", receivedAt, "docs/examples/referrals.ndjson"])
        #expect(outcome.status == 65)
        let routed = try decisions(outcome.stdout)
        #expect(routed.map { $0["line"] } == [.integer(1), .integer(3), .integer(4)])
        #expect(routed.map { $0["level"] } == [.string("targeted-support"), .string("emerging-needs"), .string("thriving")])
        #expect(outcome.stderr.contains("docs/examples/referrals.ndjson:2: $.sentAt: \"yesterday\" is not an RFC 3339 date-time"))
        #expect(outcome.stderr.contains("3 referral(s) routed, 1 line(s) rejected"))
    }

    @Test func ndjsonFromStandardInputWithABrokenLine() throws {
        let good = try String(contentsOf: CommandRunner.root.appendingPathComponent("docs/examples/gp-consent-refused.json"), encoding: .utf8)
        let compact = try JSONParser().parse(good).value().serialized()
        let outcome = try CommandRunner.run(["route", receivedAt, "-"], stdin: compact + "\n{\"messageId\": \n\n" + compact + "\n")
        #expect(outcome.status == 65)
        #expect(try decisions(outcome.stdout).count == 2)
        #expect(outcome.stderr.contains("stdin:2: $: line 1, column"))
    }

    @Test func notJSONExits65WithPosition() throws {
        let outcome = try CommandRunner.run(["route", receivedAt, "-"], stdin: "{\"messageId\": 'x'}")
        #expect(outcome.status == 65)
        #expect(outcome.stderr.contains("stdin: $: line 1, column 15 (byte offset 14): strings must use double quotes"))
    }

    @Test func badReceivedAtIsAUsageError() throws {
        let outcome = try CommandRunner.run(["route", "--received-at", "tomorrow", "docs/examples/school-emerging-needs.json"])
        #expect(outcome.status == 64)
        #expect(outcome.stderr.contains("--received-at \"tomorrow\" is not an RFC 3339 date-time"))
    }

    @Test func missingInputExits66() throws {
        let outcome = try CommandRunner.run(["route", "nope.json"])
        #expect(outcome.status == 66)
        let folder = try CommandRunner.run(["route", "docs"])
        #expect(folder.status == 66)
        #expect(folder.stderr.contains("docs: cannot read: is a folder, not a file"))
    }

    @Test func oversizedInputIsRefusedByItsSize() throws {
        let outcome = try CommandRunner.run(["route", receivedAt, "-"], stdin: "[\"" + String(repeating: "x", count: 1 << 20) + "\"]")
        #expect(outcome.status == 65)
        #expect(outcome.stderr.contains("stdin: $: the document is 1048580 bytes; the limit is 1048576"))
    }

    @Test func missingPathwayExits66WithAHint() throws {
        let outcome = try CommandRunner.run(["route", "--pathway", "nowhere.json", "docs/examples/school-emerging-needs.json"])
        #expect(outcome.status == 66)
        #expect(outcome.stderr.contains("pass --pathway FILE"))
    }
}

@Suite("continuum graph and help")
struct GraphCommandTests {
    @Test func dot() throws {
        let outcome = try CommandRunner.run(["graph"])
        #expect(outcome.status == 0)
        #expect(outcome.stdout.hasPrefix("digraph pathway {"))
        #expect(outcome.stdout.contains("n_child_protection -> n_child_in_need [color=\"#27ae60\", style=dashed, label=\"step-down ✓mgr\"];"))
        #expect(outcome.stdout.contains("subgraph cluster_n_early_help"))
    }

    @Test func mermaid() throws {
        let outcome = try CommandRunner.run(["graph", "--format", "mermaid"])
        #expect(outcome.status == 0)
        #expect(outcome.stdout.hasPrefix("flowchart LR"))
        #expect(outcome.stdout.contains("n_thriving -->|step-up| n_emerging_needs"))
        #expect(outcome.stdout.contains("n_child_in_need ==>|escalate| n_child_protection"))
    }

    @Test func unknownFormatIsAUsageError() throws {
        let outcome = try CommandRunner.run(["graph", "--format", "png"])
        #expect(outcome.status == 64)
    }

    @Test func helpHasExamples() throws {
        for command in ["check", "route", "graph"] {
            let outcome = try CommandRunner.run([command, "--help"])
            #expect(outcome.status == 0)
            #expect(outcome.stdout.contains("continuum \(command)"), "\(command)")
        }
    }
}
