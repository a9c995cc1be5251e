import ContinuumCore
import ContinuumJSON
import ContinuumStore
import ContinuumTesting
import Foundation
import Testing

/// `continuum triage …` run as a user runs it, against a real server on loopback.
@Suite("Triage CLI")
struct TriageCommandTests {
    /// Runs `continuum triage arguments…` with the server and a token in the environment.
    static func triage(_ server: TestServer, _ arguments: [String], token: String? = nil) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await ServerProcess.runAsync(["triage"] + arguments, environment: [
            "CONTINUUM_SERVER": "http://127.0.0.1:\(server.port)", "CONTINUUM_TOKEN": token ?? server.practitioner, "NO_COLOR": "1",
        ])
    }

    @Test("queue: a heading with totals, most urgent first, flags in full, overdue marked, --json for scripts")
    func queue() async throws {
        try await TestServer.with { server in
            _ = try await server.refer(try TestFixtures.referral("Q-1", child: 1))
            _ = try await server.refer(try TestFixtures.referral("Q-2", child: 2, from: "school-neglect-immediate-risk"))
            server.clock.set(TestFixtures.at("2026-11-30T09:00:00Z"))
            let table = try await Self.triage(server, ["queue"])
            #expect(table.status == 0, "\(table.stderr)")
            let lines = table.stdout.split(separator: "\n").map(String.init)
            #expect(lines.count == 6, "\(table.stdout)")
            #expect(lines[0] == "Front-door queue: 2 waiting, 2 overdue (as of 2026-11-30)")
            #expect(lines[1].contains("Childc Sample (7)") && lines[3].contains("RISK"))
            #expect(lines[5].contains("targeted-support") && lines[5].contains("due 2026-11-27 (OVERDUE 3 days)") && lines[5].contains("received 2026-11-26"))
            #expect(lines.allSatisfy { $0.count <= 80 })
            #expect(!table.stdout.contains("\u{1B}["), "no colour without a terminal")
            let json = try await Self.triage(server, ["queue", "--json"])
            let page = try JSONParser().parse(json.stdout).value()
            #expect(page["total"] == .integer(2) && page["overdue"] == .integer(2))
            let rows = page["items"]?.items ?? []
            #expect(rows.count == 2 && rows[0]["immediateRisk"] == .bool(true) && rows[1]["overdue"] == .bool(true))
            let first = try await Self.triage(server, ["queue", "--limit", "1"])
            #expect(first.status == 0, "\(first.stderr)")
            let shown = first.stdout.split(separator: "\n").map(String.init)
            #expect(shown.count == 5 && shown[3].contains("RISK") && shown[4] == "... and 1 more waiting, less urgent")
            let zero = try await Self.triage(server, ["queue", "--limit", "0"])
            #expect(zero.status == 64 && zero.stderr.contains("--limit"))
        }
    }

    @Test("queue columns are display columns: wide characters line up, a long name keeps the age, flags are never cut")
    func queueColumns() async throws {
        try await TestServer.with { server in
            let wide = try TestFixtures.referral("W-1", child: 1).setting("child.givenName", .string("小明")).setting("child.familyName", .string("王"))
            let long = try TestFixtures.referral("W-2", child: 2).setting("child.familyName", .string("Montgomery-Featherstonehaugh-Smythe"))
            for referral in [wide, long] { #expect(try await server.refer(referral).status == 201) }
            let caseId = try #require(try await server.caseId(of: try await server.refer(try TestFixtures.referral("W-3", child: 3))))
            _ = try await server.post("/v1/cases/\(caseId)/decisions", token: server.practitioner,
                                      json: .object(["level": .string("child-in-need"), "overrideReason": .string("History"), "rationale": .string("Pattern")]))
            let table = try await Self.triage(server, ["queue"])
            let lines = table.stdout.split(separator: "\n").map(String.init)
            let heads = lines.filter { $0.contains("Surrey Police") }
            #expect(heads.count == 3, "\(table.stdout)")
            // The agency starts in the same display column on every row (小明 王 is 5 columns wide, 3 characters).
            let columns = heads.map { line in TerminalWidth.columns(String(line[..<line.range(of: "Surrey Police")!.lowerBound])) }
            #expect(Set(columns).count == 1, "\(table.stdout)")
            #expect(heads.contains { $0.contains("小明 王 (8)") } && heads.contains { $0.contains("…") && $0.contains("(8)") })
            #expect(table.stdout.contains("APPROVAL PENDING"))
            #expect(lines.allSatisfy { TerminalWidth.columns($0) <= 80 })
        }
    }

    @Test("show: referral, recommendation with each rule, consent, clocks, timeline")
    func show() async throws {
        try await TestServer.with { server in
            let caseId = try #require(try await server.caseId(of: try await server.refer(try TestFixtures.referral("S-1"))))
            let shown = try await Self.triage(server, ["show", caseId])
            #expect(shown.status == 0)
            for text in ["Recommendation: targeted-support", "FD-TGT-01: Medium-impact", "consent: given", "Front-door decision on a referral due 2026-11-27",
                         "referral-received by", "routed by", "concern 3B (medium)"] {
                #expect(shown.stdout.contains(text), "missing \(text)")
            }
            #expect(try await Self.triage(server, ["show", "C-NOSUCHCASE"]).status == 65)
        }
    }

    @Test("an erased case: the API gives erasure and nulls for the personal data; triage show says so")
    func erased() async throws {
        try await TestServer.with { server in
            let caseId = try #require(try await server.caseId(of: try await server.refer(try TestFixtures.referral("E-1"))))
            let decided = try await server.post("/v1/cases/\(caseId)/decisions", token: server.manager,
                                                json: .object(["accept": .bool(true), "rationale": .string("Agreed at the front door")]))
            #expect(decided.status == 201, "\(decided.json?.serialized() ?? "")")
            let closed = try await server.post("/v1/cases/\(caseId)/transitions", token: server.manager,
                                               json: .object(["kind": .string("close"), "reason": .string("RC7"), "rationale": .string("Support ended well")]))
            #expect(closed.status == 201, "\(closed.text)")
            let erased = try await server.store.applyRetention(asOf: try #require(CalendarDate("2034-01-01")), actor: Actor(id: "T-ADMIN", role: .admin),
                                                               at: TestFixtures.at("2034-01-01T09:00:00Z"))
            #expect(erased.events.count == 1)
            let record = try await server.get("/v1/cases/\(caseId)", token: server.practitioner)
            #expect(record.status == 200 && record.json?.lookup("erasure.rule")?.stringValue == "6 years after closure")
            #expect(record.json?.lookup("referrals.0.message.child.givenName") == .null && record.json?.lookup("referrals.0.message.summary") == .null)
            #expect(record.json?.lookup("referrals.0.message.referrer.agency") == .string("Surrey Police") && record.json?.lookup("level") == .string("targeted-support"))
            let shown = try await Self.triage(server, ["show", caseId])
            #expect(shown.status == 0 && shown.stdout.contains("Personal data erased under the retention schedule") && !shown.stdout.contains("Agreed at the front door"),
                    "\(shown.stdout)\(shown.stderr)")
        }
    }

    @Test("show prints free text's line breaks and tabs as spaces, so a carriage return cannot overwrite a line")
    func terminalSafeText() async throws {
        try await TestServer.with { server in
            let referral = try TestFixtures.referral("T-CR").setting("summary", .string("Seen at school\rHIDDEN\u{85}\ttext"))
            let created = try await server.refer(referral)
            #expect(created.status == 400, "C1 control U+0085 is refused")
            let allowed = try await server.refer(try TestFixtures.referral("T-CR2").setting("summary", .string("Seen at school\rOVERWRITE\ttext")))
            let caseId = try #require(try await server.caseId(of: allowed))
            let shown = try await Self.triage(server, ["show", caseId])
            #expect(shown.status == 0)
            #expect(!shown.stdout.unicodeScalars.contains { $0 == "\r" || $0 == "\u{1B}" || $0 == "\t" })
            #expect(shown.stdout.contains("Seen at school OVERWRITE text"))
        }
    }

    @Test("decide, override and approval, step up, step down, assign, close; refusals print the reason and exit 65")
    func actions() async throws {
        try await TestServer.with { server in
            let first = try #require(try await server.caseId(of: try await server.refer(try TestFixtures.referral("A-1", child: 1))))
            let second = try #require(try await server.caseId(of: try await server.refer(try TestFixtures.referral("A-2", child: 2))))

            let accepted = try await Self.triage(server, ["decide", first, "--accept", "--rationale", "Agree"])
            #expect(accepted.status == 0 && accepted.stdout.contains("is open at targeted-support"))
            let refused = try await Self.triage(server, ["step-up", first, "--to", "looked-after", "--rationale", "x"])
            #expect(refused.status == 65 && refused.stderr.contains("up-intensive"))
            #expect(try await Self.triage(server, ["step-up", first, "--to", "intensive-support", "--rationale", "Worse"]).stdout.contains("open at intensive-support"))
            #expect(try await Self.triage(server, ["step-down", first, "--to", "targeted-support", "--rationale", "Better"]).stdout.contains("open at targeted-support"))
            let assigned = try await Self.triage(server, ["assign", first, "--to", "A. Worker"])
            #expect(assigned.status == 0 && assigned.stdout.contains("assigned to A. Worker"))
            #expect(try await Self.triage(server, ["show", first]).stdout.contains("lead: A. Worker"))
            let closed = try await Self.triage(server, ["close", first, "--reason", "RC7", "--rationale", "Plan complete"])
            #expect(closed.status == 0 && closed.stdout.contains("is closed"))

            let noReason = try await Self.triage(server, ["decide", second, "--level", "intensive-support", "--rationale", "Pattern"])
            #expect(noReason.status == 65 && noReason.stderr.contains("override reason"))
            let pending = try await Self.triage(server, ["decide", second, "--level", "intensive-support", "--override-reason", "Third incident", "--rationale", "Pattern"])
            #expect(pending.stdout.contains("waiting for a manager's approval"))
            let approvalId = try #require(pending.stdout.split(separator: " ").first { $0.hasPrefix("E") && $0.hasSuffix(":") }.map { String($0.dropLast()) })
            #expect(try await Self.triage(server, ["approvals"]).status == 77, "practitioners cannot list approvals")
            let list = try await Self.triage(server, ["approvals"], token: server.manager)
            #expect(list.stdout.contains(approvalId) && list.stdout.contains("override: Third incident"))
            let rejected = try await Self.triage(server, ["reject", approvalId, "--rationale", "Threshold not met"], token: server.manager)
            #expect(rejected.status == 0)
            let again = try await Self.triage(server, ["decide", second, "--level", "intensive-support", "--override-reason", "New information", "--rationale", "Pattern"])
            let secondId = try #require(again.stdout.split(separator: " ").first { $0.hasPrefix("E") && $0.hasSuffix(":") }.map { String($0.dropLast()) })
            let approved = try await Self.triage(server, ["approve", secondId, "--rationale", "Agreed"], token: server.manager)
            #expect(approved.status == 0 && approved.stdout.contains("open at intensive-support"))
            #expect(try await Self.triage(server, ["approve", secondId], token: server.manager).status == 65)
        }
    }

    @Test("escalate, a joined referral noted, codes in any case, caseloads, find, people by name, RC codes explained")
    func frontDoorCommands() async throws {
        try await TestServer.with { server in
            let sam = try await server.store.createToken(role: .practitioner, partnerId: nil, name: "Sam Patel", qualification: .socialWorker, at: TestServer.start)
            let caseId = try #require(try await server.caseId(of: try await server.refer(try TestFixtures.referral("F-1", child: 1))))
            // A wrong primary need is refused before anything is sent: the decision is not made.
            let wrongNeed = try await Self.triage(server, ["decide", caseId, "--level", "child-in-need", "--override-reason", "History", "--rationale", "Assessed",
                                                           "--primary-need", "N0"], token: server.manager)
            #expect(wrongNeed.status == 64 && wrongNeed.stderr.contains("--primary-need") && wrongNeed.stderr.contains("N1, N2"), "\(wrongNeed.stderr)")
            let chosen = try await Self.triage(server, ["decide", caseId.lowercased(), "--level", "CHILD-IN-NEED", "--override-reason", "History", "--rationale", "Assessed",
                                                        "--primary-need", "n4"], token: server.manager)
            #expect(chosen.status == 0 && chosen.stdout.contains("open at child-in-need") && chosen.stdout.contains("Primary need N4: Recorded"), "\(chosen.stderr)")
            let events = try await server.get("/v1/cases/\(caseId)", token: server.practitioner).json?["events"]?.items ?? []
            #expect(events.filter { $0["type"] == .string("child-details") }.map { $0.lookup("detail.childDetailsRecorded._0.primaryNeed") } == [.string("N4")])
            #expect(events.firstIndex { $0["type"] == .string("decided") } ?? 0 < events.firstIndex { $0["type"] == .string("child-details") } ?? 0, "after the decision")
            let stepUp = try await Self.triage(server, ["step-up", caseId, "--to", "child-protection", "--rationale", "Harm"], token: sam.secret)
            #expect(stepUp.status == 65 && stepUp.stderr.contains("use escalate"), "\(stepUp.stderr)")
            // A second referral for the child joins the open case: noted at the case's level.
            _ = try await server.refer(try TestFixtures.referral("F-2", child: 1))
            let queue = try await Self.triage(server, ["queue"], token: sam.secret)
            #expect(queue.stdout.contains("joined open case at child-in-need"), "\(queue.stdout)")
            let noted = try await Self.triage(server, ["decide", caseId, "--noted", "--rationale", "Known to the allocated worker"], token: sam.secret)
            #expect(noted.status == 0 && noted.stdout.contains("open at child-in-need"), "\(noted.stderr)")
            let escalated = try await Self.triage(server, ["escalate", caseId, "--to", "child-protection", "--rationale", "Strategy discussion: s47"], token: sam.secret)
            #expect(escalated.status == 0 && escalated.stdout.contains("open at child-protection"), "\(escalated.stderr)")
            #expect(try await Self.triage(server, ["assign", caseId, "--to", "Sam Patel"], token: server.manager).status == 0)

            let shown = try await Self.triage(server, ["show", caseId], token: server.manager)
            #expect(shown.stdout.contains("escalate by Sam Patel (\(sam.info.tokenId), practitioner)"), "\(shown.stdout)")
            #expect(shown.stdout.contains("referral-noted by Sam Patel"), "\(shown.stdout)")
            #expect(shown.stdout.contains("lead: Sam Patel"))
            let mine = try await Self.triage(server, ["cases", "--mine"], token: sam.secret)
            #expect(mine.status == 0 && mine.stdout.contains("Your cases: 1 case") && mine.stdout.contains(caseId) && mine.stdout.contains("child-protection"),
                    "\(mine.stdout)\(mine.stderr)")
            let found = try await Self.triage(server, ["find", "--nhs-number", TestFixtures.nhsNumber(1)])
            #expect(found.status == 0 && found.stdout.contains(caseId) && found.stdout.contains("the same child"), "\(found.stdout)\(found.stderr)")
            // Where the case is, whole, however long the id: on the second line, in 80 columns.
            #expect(found.stdout.contains("open at child-protection, referral "), "\(found.stdout)")
            #expect(found.stdout.split(separator: "\n").allSatisfy { $0.count <= 80 }, "\(found.stdout)")
            let half = try await Self.triage(server, ["find", "--given-name", "Childb"])
            #expect(half.status == 64 && half.stderr.contains("--born"))

            // Close refused at this level for RC7 (named in any case), then closed with rc5.
            let wrong = try await Self.triage(server, ["close", caseId, "--reason", "rc7", "--rationale", "x"], token: server.manager)
            #expect(wrong.status == 65 && wrong.stderr.contains("not RC7"))
            let bogus = try await Self.triage(server, ["close", caseId, "--reason", "RC10", "--rationale", "x"], token: server.manager)
            #expect(bogus.status == 64 && bogus.stderr.contains("RC1"))
            let closed = try await Self.triage(server, ["close", caseId, "--reason", "rc5", "--rationale", "Moved to Kent"], token: server.manager)
            #expect(closed.status == 0 && closed.stdout.contains("is closed"), "\(closed.stderr)")
            let help = try await ServerProcess.runAsync(["triage", "close", "--help"])
            #expect(help.stdout.contains("RC8  Case closed after assessment, no further action"))
        }
    }

    @Test("record: a milestone stops the clock it ends (assessment completed stops the 45-working-day clock)")
    func record() async throws {
        try await TestServer.with { server in
            let created = try await server.refer(try TestFixtures.referral("R-1", child: 1, from: "school-neglect-immediate-risk"))
            let caseId = try #require(try await server.caseId(of: created))
            _ = try await Self.triage(server, ["decide", caseId, "--accept", "--rationale", "Significant harm"])
            #expect(try await Self.triage(server, ["show", caseId]).stdout.contains("Single assessment due"))
            server.clock.set(TestFixtures.at("2026-12-15T09:00:00Z"))
            let future = try await Self.triage(server, ["record", caseId, "assessment-completed", "--at", "2026-12-20", "--rationale", "x"])
            #expect(future.status == 65 && future.stderr.contains("in the future"))
            let unknown = try await Self.triage(server, ["record", caseId, "tea-break", "--rationale", "x"])
            #expect(unknown.status == 65 && unknown.stderr.contains("unknown milestone"))
            let done = try await Self.triage(server, ["record", caseId, "assessment-completed", "--on", "2026-12-14", "--rationale", "Assessment signed off"])
            #expect(done.status == 0, "\(done.stderr)")
            let shown = try await Self.triage(server, ["show", caseId]).stdout
            #expect(!shown.contains("Single assessment due"))
            #expect(shown.contains("milestone by") && shown.contains("Assessment signed off"))
        }
    }

    @Test("a refused token exits 77, an unreachable server 69, a bad invocation 64")
    func connectionFailures() async throws {
        try await TestServer.with { server in
            let refused = try await Self.triage(server, ["queue"], token: "cnt_NOTATOKEN")
            #expect(refused.status == 77 && refused.stderr.contains("refused the token"))
            let partner = try await Self.triage(server, ["queue"], token: server.partnerA)
            #expect(partner.status == 77)
        }
        let unreachable = try await ServerProcess.runAsync(["triage", "queue", "--server", "http://127.0.0.1:9", "--token", "x"])
        #expect(unreachable.status == 69 && unreachable.stderr.contains("cannot reach the server"))
        let usage = try await ServerProcess.runAsync(["triage", "decide", "C-1", "--rationale", "x"])
        #expect(usage.status == 64)
    }
}

@Suite("Triage interactive session")
struct TriageSessionTests {
    static func session(_ server: TestServer, token: String) throws -> PseudoTerminal {
        try PseudoTerminal(executable: try #require(ServerProcess.executable), arguments: ["triage"], environment: [
            "CONTINUUM_SERVER": "http://127.0.0.1:\(server.port)", "CONTINUUM_TOKEN": token,
        ], unset: ["NO_COLOR"])
    }

    @Test("on a terminal: the queue with totals, pick a case, decide with a rationale, confirm, back to the queue, q leaves")
    func session() async throws {
        try await TestServer.with { server in
            _ = try await server.refer(try TestFixtures.referral("I-1", child: 1))
            _ = try await server.refer(try TestFixtures.referral("I-2", child: 2, from: "school-neglect-immediate-risk"))
            let terminal = try Self.session(server, token: server.practitioner)
            #expect(await terminal.waitFor("> "))
            #expect(terminal.screen.contains("Front-door queue: 2 waiting, 0 overdue"))
            #expect(terminal.screen.contains("\u{1B}[1m"), "bold on a terminal")
            // Case 2 is the police referral (the immediate-risk one is first).
            terminal.type("2\n")
            #expect(await terminal.waitFor("Action for C-"))
            #expect(terminal.screen.contains("FD-TGT-01"))
            #expect(terminal.screen.contains("[a] accept targeted-support  [l] choose level"))
            #expect(!terminal.screen.contains("[u] step up"), "no move is offered on a case awaiting its decision")
            let mark = terminal.screen.count
            terminal.type("a\n")
            #expect(await terminal.waitFor("Rationale: ", after: mark))
            terminal.type("\n")  // empty: insisted on
            #expect(await terminal.waitFor("Rationale is required.", after: mark))
            terminal.type("Agree with the recommendation\n")
            #expect(await terminal.waitFor("Accept targeted-support for C-", after: mark))
            terminal.type("y\n")
            #expect(await terminal.waitFor("is open at targeted-support", after: mark))
            #expect(await terminal.waitFor("1 waiting", after: mark), "back to a refreshed queue")
            terminal.type("q\n")
            #expect(await terminal.wait() == 0)
            let wide = Self.lines(terminal.screen).filter { TerminalWidth.columns($0) > 80 }
            #expect(wide.isEmpty, "fits 80 columns: \(wide)")
            let queue = try await server.get("/v1/queue", token: server.practitioner)
            #expect(queue.json?["items"]?.items.count == 1)
        }
    }

    @Test("escalate from child in need; a refused action keeps the typed rationale for the next try; a case opened by its id in lower case")
    func escalateAndRefusal() async throws {
        try await TestServer.with { server in
            let caseId = try #require(try await server.caseId(of: try await server.refer(try TestFixtures.referral("E-1", child: 1))))
            _ = try await server.post("/v1/cases/\(caseId)/decisions", token: server.manager,
                                      json: .object(["level": .string("child-in-need"), "overrideReason": .string("History"), "rationale": .string("Assessed")]))
            let terminal = try Self.session(server, token: server.practitioner)
            #expect(await terminal.waitFor("> "))
            terminal.type("\(caseId.lowercased())\n")
            #expect(await terminal.waitFor("Action for \(caseId): "))
            #expect(terminal.screen.contains("[e] escalate") && terminal.screen.contains("escalate to child-protection"))
            // Meanwhile a colleague asks for a step-down, which waits for a manager: the escalation will be refused.
            let stepDown = try await server.post("/v1/cases/\(caseId)/transitions", token: server.practitioner,
                                                 json: .object(["kind": .string("step-down"), "to": .string("targeted-support"), "rationale": .string("Better")]))
            let stepDownId = try #require(stepDown.json?["eventId"]?.stringValue)
            var mark = terminal.screen.count
            terminal.type("e\n")
            #expect(await terminal.waitFor("escalate to (number or name", after: mark))
            terminal.type("1\n")
            #expect(await terminal.waitFor("Rationale: ", after: mark))
            terminal.type("Section 47 threshold met\n")
            #expect(await terminal.waitFor("[y/N]", after: mark))
            terminal.type("y\n")
            #expect(await terminal.waitFor("Not recorded: ", after: mark))
            #expect(await terminal.waitFor("What you typed is kept", after: mark))
            #expect(await terminal.waitFor("Action for \(caseId): ", after: mark))
            // The manager rejects the step-down; the escalation is offered again with the rationale kept.
            _ = try await server.post("/v1/decisions/\(stepDownId)/approval", token: server.manager,
                                      json: .object(["approve": .bool(false), "rationale": .string("Not yet")]))
            mark = terminal.screen.count
            terminal.type("?\n")   // the case is read again
            #expect(await terminal.waitFor("[e] escalate", after: mark))
            #expect(await terminal.waitFor("Action for \(caseId): ", after: mark))
            mark = terminal.screen.count
            terminal.type("e\n")
            #expect(await terminal.waitFor("(number or name", after: mark))
            terminal.type("child-protection\n")
            #expect(await terminal.waitFor("Rationale [Enter keeps \"Section 47 threshold met\"]: ", after: mark))
            terminal.type("\n")
            #expect(await terminal.waitFor("[y/N]", after: mark))
            terminal.type("y\n")
            #expect(await terminal.waitFor("is open at child-protection", after: mark))
            #expect(await terminal.waitFor("> ", after: mark))
            terminal.type("q\n")
            #expect(await terminal.wait() == 0)
            let record = try await server.get("/v1/cases/\(caseId)", token: server.practitioner)
            let escalation = record.json?["events"]?.items.last { $0["type"] == .string("decided") || $0["type"] == .string("escalate") }
            #expect(escalation?["type"] == .string("escalate") && record.json?["level"] == .string("child-protection"))
            let wide = Self.lines(terminal.screen).filter { TerminalWidth.columns($0) > 80 }
            #expect(wide.isEmpty, "fits 80 columns: \(wide)")
        }
    }

    @Test("census codes: triage record --factors --primary-need, a wrong code named by flag, triage child, and the session asks for the codes")
    func censusCodes() async throws {
        try await TestServer.with { server in
            let caseId = try #require(try await server.caseId(of: try await server.refer(try TestFixtures.referral("CC-1", child: 1))))
            _ = try await server.post("/v1/cases/\(caseId)/decisions", token: server.manager,
                                      json: .object(["level": .string("child-in-need"), "overrideReason": .string("History"), "rationale": .string("Assessed")]))
            let wrong = try await TriageCommandTests.triage(server, ["record", caseId, "assessment-completed", "--primary-need", "N10", "--rationale", "x"])
            #expect(wrong.status == 64 && wrong.stderr.contains("--primary-need") && wrong.stderr.contains("N1, N2"), "\(wrong.stderr)")
            let notTaken = try await TriageCommandTests.triage(server, ["record", caseId, "assessment-completed", "--category", "NEG", "--rationale", "x"])
            #expect(notTaken.status == 65 && notTaken.stderr.contains("takes factors, primaryNeed"), "\(notTaken.stderr)")
            let child = try await TriageCommandTests.triage(server, ["child", caseId, "--upn", "a950000178301", "--ethnicity", "wbri", "--rationale", "School record"])
            #expect(child.status == 0, "\(child.stderr)")
            let badUPN = try await TriageCommandTests.triage(server, ["child", caseId, "--upn", "B950000178301", "--rationale", "x"])
            #expect(badUPN.status == 64 && badUPN.stderr.contains("--upn") && badUPN.stderr.contains("check letter"))
            let need = try await TriageCommandTests.triage(server, ["child", caseId, "--primary-need", "n4", "--rationale", "Front door"])
            #expect(need.status == 0, "\(need.stderr)")
            let badNeed = try await TriageCommandTests.triage(server, ["child", caseId, "--primary-need", "N0", "--rationale", "x"])
            #expect(badNeed.status == 64 && badNeed.stderr.contains("--primary-need") && badNeed.stderr.contains("N1, N2"), "\(badNeed.stderr)")

            let terminal = try Self.session(server, token: server.practitioner)
            #expect(await terminal.waitFor("> "))
            terminal.type("\(caseId)\n")
            #expect(await terminal.waitFor("Action for \(caseId): "))
            #expect(terminal.screen.contains("[i] census details"))
            let mark = terminal.screen.count
            terminal.type("r\n")
            #expect(await terminal.waitFor("(number or name", after: mark))
            terminal.type("assessment-completed\n")
            #expect(await terminal.waitFor("Day it happened", after: mark))
            terminal.type("\n")
            #expect(await terminal.waitFor("Factors identified at assessment", after: mark))
            terminal.type("3B, 4B\n")
            #expect(await terminal.waitFor("Primary need", after: mark))
            terminal.type("n1\n")
            #expect(await terminal.waitFor("Rationale", after: mark))
            terminal.type("Signed off\n")
            #expect(await terminal.waitFor("[y/N]", after: mark))
            terminal.type("y\n")
            #expect(await terminal.waitFor("> ", after: mark))
            terminal.type("q\n")
            #expect(await terminal.wait() == 0)
            let record = try await server.get("/v1/cases/\(caseId)", token: server.practitioner)
            let milestone = record.json?["events"]?.items.last { $0["type"] == .string("milestone") }
            #expect(milestone?.lookup("detail.milestone.census.primaryNeed") == .string("N1"), "\(record.text)")
            #expect(milestone?.lookup("detail.milestone.census.factors") == .array([.string("3B"), .string("4B")]))
            let details = record.json?["events"]?.items.filter { $0["type"] == .string("child-details") } ?? []
            #expect(details.first?.lookup("detail.childDetailsRecorded._0.ethnicity") == .string("WBRI"), "\(record.text)")
            #expect(details.last?.lookup("detail.childDetailsRecorded._0.primaryNeed") == .string("N4"), "\(record.text)")
        }
    }

    @Test("a referral that joined an open case: the session offers note and move, and a move decides the referral")
    func joinedReferral() async throws {
        try await TestServer.with { server in
            let caseId = try #require(try await server.caseId(of: try await server.refer(try TestFixtures.referral("J-1", child: 1))))
            _ = try await server.post("/v1/cases/\(caseId)/decisions", token: server.practitioner,
                                      json: .object(["accept": .bool(true), "rationale": .string("Agree")]))
            // Significant harm: this referral recommends child protection.
            let harm = try TestFixtures.referral("J-2", child: 1).setting("immediateRisk", .bool(true))
                .setting("concerns", .array([.object(["factor": .string("16A"), "impact": .string("high")])]))
            _ = try await server.refer(harm)
            let terminal = try Self.session(server, token: server.practitioner)
            #expect(await terminal.waitFor("> "))
            #expect(terminal.screen.contains("joined open case at targeted-support"))
            terminal.type("1\n")
            #expect(await terminal.waitFor("Action for \(caseId): "))
            #expect(terminal.screen.contains("[n] note at targeted-support") && terminal.screen.contains("[l] move the case (decides the referral)"))
            #expect(terminal.screen.contains("[a] accept child-protection"))
            let mark = terminal.screen.count
            terminal.type("l\n")
            #expect(await terminal.waitFor("Level (number or name", after: mark))
            terminal.type("child-protection\n")
            #expect(await terminal.waitFor("Rationale: ", after: mark))
            terminal.type("Strategy discussion: section 47\n")
            #expect(await terminal.waitFor("[y/N]", after: mark))
            terminal.type("y\n")
            #expect(await terminal.waitFor("is open at child-protection", after: mark))
            #expect(await terminal.waitFor("0 waiting", after: mark), "the referral is decided")
            terminal.type("q\n")
            #expect(await terminal.wait() == 0)
        }
    }

    @Test("a manager opens approvals, picks one and approves it from the session")
    func managerApproves() async throws {
        try await TestServer.with { server in
            let caseId = try #require(try await server.caseId(of: try await server.refer(try TestFixtures.referral("M-1", child: 1))))
            let asked = try await server.post("/v1/cases/\(caseId)/decisions", token: server.practitioner,
                                              json: .object(["level": .string("intensive-support"), "overrideReason": .string("Third incident"), "rationale": .string("Pattern")]))
            #expect(asked.json?["status"] == .string("pending-approval"))
            let terminal = try Self.session(server, token: server.manager)
            #expect(await terminal.waitFor("> "))
            #expect(terminal.screen.contains("[a] approvals"))
            terminal.type("a\n")
            #expect(await terminal.waitFor("Number or case id to open"))
            #expect(terminal.screen.contains("decision intensive-support") && terminal.screen.contains("override: Third incident"))
            var mark = terminal.screen.count
            terminal.type("1\n")
            #expect(await terminal.waitFor("Action for \(caseId): ", after: mark))
            #expect(terminal.screen.contains("[v] approve  [j] reject"))
            mark = terminal.screen.count
            terminal.type("v\n")
            #expect(await terminal.waitFor("Rationale (optional for an approval): ", after: mark))
            terminal.type("Agreed: pattern of incidents\n")
            #expect(await terminal.waitFor("[y/N]", after: mark))
            terminal.type("y\n")
            #expect(await terminal.waitFor("is open at intensive-support", after: mark))
            terminal.type("q\n")
            #expect(await terminal.wait() == 0)
        }
    }

    /// The screen's lines without colour codes.
    static func lines(_ screen: String) -> [String] {
        var text = screen
        while let start = text.range(of: "\u{1B}[") {
            let rest = text[start.upperBound...]
            guard let end = rest.firstIndex(where: { $0.isLetter }) else { break }
            text.removeSubrange(start.lowerBound...end)
        }
        return text.split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }).map(String.init)
    }
}

@Suite("Case-file audits")
struct AuditCommandTests {
    @Test("audit sample draws the same cases for the same seed; audit grade needs a manager and feeds auditGrades")
    func sampleAndGrade() async throws {
        try await TestServer.with { server in
            var cases: [String] = []
            for index in 0..<6 {
                cases.append(try #require(try await server.caseId(of: try await server.refer(try TestFixtures.referral("AU-\(index)", child: index)))))
            }
            let database = server.database
            let first = try await ServerProcess.runAsync(["audit", "sample", "--size", "3", "--seed", "7", "--database", database])
            let again = try await ServerProcess.runAsync(["audit", "sample", "--size", "3", "--seed", "7", "--database", database])
            #expect(first.status == 0 && first.stdout == again.stdout)
            let sampled = first.stdout.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
            #expect(sampled.count == 3 && Set(sampled).isSubset(of: Set(cases)))
            let environment = ["CONTINUUM_SERVER": "http://127.0.0.1:\(server.port)"]
            let refused = try await ServerProcess.runAsync(["audit", "grade", sampled[0], "--grade", "good", "--findings", "Clear plan", "--token", server.practitioner],
                                                           environment: environment)
            #expect(refused.status == 77)
            for (caseId, grade) in zip(sampled, ["good", "outstanding", "inadequate"]) {
                let graded = try await ServerProcess.runAsync(["audit", "grade", caseId, "--grade", grade, "--findings", "Audited", "--token", server.manager],
                                                              environment: environment)
                #expect(graded.status == 0, "\(graded.stderr)")
            }
            let indicators = try await server.get("/v1/indicators?from=2026-11-01&to=2026-11-30", token: server.manager).json
            let audit = indicators?["indicators"]?.items.first { $0["id"]?.stringValue == "auditGrades" }
            #expect(audit?["breakdown"]?["inadequate"] == .double(1))
            if case .double(let share)? = audit?["value"] { #expect(abs(share - 66.667) < 0.01) } else { Issue.record("no value") }
        }
    }
}

@Suite("Board pack")
struct BoardPackTests {
    @Test("report --out writes a board pack that headless Chromium renders with every indicator and no script errors")
    func rendersInChromium() async throws {
        try await TestServer.with { server in
            let created = try await server.refer(try TestFixtures.referral("BP-1"))
            let caseId = try #require(try await server.caseId(of: created))
            _ = try await server.post("/v1/cases/\(caseId)/decisions", token: server.practitioner,
                                      json: .object(["accept": .bool(true), "rationale": .string("Agree")]))
            let out = server.folder.appendingPathComponent("board")
            let report = try await ServerProcess.runAsync(["report", "--database", server.database,
                                                           "--from", "2026-01-01", "--to", "2026-12-31", "--out", out.path])
            #expect(report.status == 0, "\(report.stderr)")
            // The table on stdout: titles, counts whole, shares to one decimal, months by name.
            let table = try await ServerProcess.runAsync(["report", "--database", server.database,
                                                          "--from", "2026-01-01", "--to", "2026-12-31"])
            let lines = table.stdout.split(separator: "\n")
            #expect(lines.contains { $0 == "Referrals received: 1" }, "\(table.stdout)")
            #expect(lines.contains { $0.hasPrefix("Decisions that differ from the recommendation: 0%, target ") }, "\(table.stdout)")
            #expect(lines.contains { $0.hasPrefix("  Jan 2026 0 · Feb 2026 0") }, "\(table.stdout)")
            #expect(lines.contains { $0.contains("Police 1") }, "referral sources by name: \(table.stdout)")
            // indicators.csv per RFC 4180: every record has the header's seven fields.
            let csv = try String(contentsOf: out.appendingPathComponent("indicators.csv"), encoding: .utf8)
            let records = csv.components(separatedBy: "\r\n").dropLast()
            #expect(records.first == "id,month,value,unit,target,rag,title")
            for record in records { #expect(Self.csvFields(record).count == 7, "\(record)") }
            #expect(records.contains { $0.hasPrefix("referralRatePer10k,period,") && $0.contains(",\"per 10,000\",") }, "the unit quoted")
            // The board pack: months by name on the charts, sources by name, titles in legends.
            let pack = try String(contentsOf: out.appendingPathComponent("board-pack.html"), encoding: .utf8)
            #expect(pack.contains(">Jan 2026</text>") && pack.contains(">Jun</text>") && !pack.contains("month of the period"))
            #expect(pack.contains("<td>Police</td>") && !pack.contains("<td>6</td>"))
            #expect(pack.range(of: #"class="legend"[^>]*>Referrals received</text>"#, options: .regularExpression) != nil, "legend by title")
            let json = try JSONParser().parse(TestFixtures.read(out.appendingPathComponent("indicators.json").path)).value()
            let titles = (json["indicators"]?.items ?? []).compactMap { $0["title"]?.stringValue }
            #expect(titles.count >= 19)
            let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
            let browser = try #require(chromium, "chromium is needed (make test installs it)")
            let rendered = try await ServerProcess.runAsync(["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
                                                        "--dump-dom", out.appendingPathComponent("board-pack.html").absoluteString],
                                                            program: URL(fileURLWithPath: browser))
            for title in titles {
                let escaped = title.replacingOccurrences(of: "&", with: "&amp;")
                #expect(rendered.stdout.contains(escaped), "missing \(title)")
            }
            #expect(!rendered.stderr.contains("CONSOLE"), "console messages: \(rendered.stderr)")
            let html = try String(contentsOf: out.appendingPathComponent("board-pack.html"), encoding: .utf8)
            #expect(!html.contains("<script") && !html.contains("src=\"http") && !html.contains("href=\"http"))
        }
    }

    /// The fields of one CSV record (RFC 4180 quoting).
    static func csvFields(_ record: String) -> [String] {
        var fields: [String] = [], current = "", quoted = false, previous: Character?
        for character in record {
            if character == "\"" {
                if quoted, previous == "\"" { current.append("\"") }
                quoted.toggle()
            } else if character == ",", !quoted {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
            previous = character
        }
        return fields + [current]
    }
}
