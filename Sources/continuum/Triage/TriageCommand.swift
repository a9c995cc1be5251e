import ArgumentParser
import ContinuumAPI
import ContinuumClient
import ContinuumCore
import ContinuumJSON

/// `continuum triage`: the front door's queue, in the terminal, as a client of the staff API.
struct TriageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "triage",
        abstract: "Work the front-door queue: read referrals, decide, step up, step down, escalate, close.",
        discussion: """
            With no subcommand, starts an interactive session: the queue a screen at a time, most \
            urgent first; open a case by its number or id, or from your caseload or a search; every \
            action your role may take on it (decide, note, step up or down, escalate, close, record a \
            milestone, assign; approvals for managers); back to a refreshed queue (q leaves). See \
            docs/triage.md.

            Connects to --server (or $CONTINUUM_SERVER, default http://127.0.0.1:8080) with a \
            practitioner or manager token (--token or $CONTINUUM_TOKEN). Exit codes: 65 the \
            server refused the action (its reason is printed), 69 server unreachable, 77 token refused.

            Examples:
              export CONTINUUM_TOKEN=$(continuum token create --role practitioner)
              continuum triage
              continuum triage queue
              continuum triage decide C-JB3HJTFTRE --accept --rationale \\
                "Agree: consent given, medium-impact factors"
            """,
        subcommands: [Queue.self, Cases.self, Find.self, Show.self, Decide.self, StepUp.self, StepDown.self, Escalate.self, Reclassify.self,
                      Close.self, Assign.self, Record.self, Child.self,
                      Approvals.self, Approve.self, Reject.self, Matches.self, Link.self, Different.self, Unlink.self,
                      Review.self, Migrate.self]
    )

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        try await InteractiveSession(client: connection.client()).run()
    }

    struct Queue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Referrals awaiting a decision, most urgent first (immediate risk, then nearest deadline).",
            discussion: """
                A heading gives how many wait and how many are overdue. Each referral shows the child (name and age), \
                the referrer, the recommendation, the deadline and time left; a third line its flags: RISK, RE-REFERRAL, \
                APPROVAL PENDING, and "joined open case at LEVEL" for a referral about a child whose case is open (decide \
                it with `decide --noted`, or move the case). Overdue rows are in red on a terminal (never with NO_COLOR).

                Examples:
                  continuum triage queue
                  continuum triage queue --limit 20
                  continuum triage queue --json | jq '.items[] | select(.overdue)'
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @Flag(name: .long, help: "Print the rows as a JSON array, for scripts.") var json = false
        @Option(name: .long, help: ArgumentHelp("The N most urgent referrals (1 to 1000; 100 by default).", valueName: "N"))
        var limit: Int?

        func validate() throws {
            if let limit, !(1...1000).contains(limit) { throw ValidationError("--limit must be from 1 to 1000, not \(limit)") }
        }

        func run() async throws {
            let client = try connection.client()
            let queue = try await talk { () throws(ClientError) in try await client.queue(limit: limit) }
            if json {
                Console.out(try JSONValueEncoder().encode(queue).serialized(pretty: true))
            } else {
                Console.out(Render.queue(queue))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A case: referrals, the recommendation and its rules, consent, clocks, the moves you can make, the timeline.",
            discussion: "CASE is a case id in any case (c-jb3hjtftre), or a referral id (R-…), which opens the referral's case.\n\nExample:\n  continuum triage show C-JB3HJTFTRE"
        )
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: ArgumentHelp("The case id (or a referral's id).", valueName: "CASE")) var caseId: String
        @Flag(name: .long, help: "Print the case as JSON.") var json = false

        func run() async throws {
            let client = try connection.client()
            let record = try await talk { () throws(ClientError) in try await client.caseRecord(caseId) }
            Console.out(json ? try JSONValueEncoder().encode(record).serialized(pretty: true) : Render.caseRecord(record))
        }
    }

    struct Decide: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record the front-door decision on a referral: accept, choose a level, or note it on an open case.",
            discussion: """
                Choosing another level than the recommendation needs --override-reason and, in the Surrey pathway, a \
                manager's approval (the answer then gives the approval id).

                A referral that joined a case already open is a decision about the referral, not an order to move the \
                case: --noted records it at the case's current level (with --override-reason when it recommends a higher \
                level); --level asks for a move to that level under the pathway's rules and approvals; --accept notes it \
                when the recommendation is at or below the case's level (a joining referral never lowers a case by itself) \
                and asks for the move up when it is higher.

                Examples:
                  continuum triage decide C-JB3HJTFTRE --accept --rationale \\
                    "Agree with FD-TGT-01"
                  continuum triage decide C-JB3HJTFTRE --level intensive-support \\
                    --override-reason "Third incident this year" --rationale \\
                    "Pattern of escalation"
                  continuum triage decide C-JB3HJTFTRE --noted --rationale \\
                    "GP letter: known to the allocated worker, no change"

                --primary-need records the CIN episode's primary need (N1 to N9) right after the decision, as \
                `triage child --primary-need` does: the children in need census asks for one on every referral to \
                social care that led to further action, even one still being assessed on 31 March.
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: ArgumentHelp("The case id.", valueName: "CASE")) var caseId: String
        @Flag(name: .long, help: "Accept the recommended level.") var accept = false
        @Flag(name: .long, help: "Note a referral that joined an open case at the case's level (no move).") var noted = false
        @Option(name: .long, help: ArgumentHelp("Choose this level instead (any case).", valueName: "LEVEL")) var level: String?
        @Option(name: .long, help: ArgumentHelp("Why the recommendation is not followed (with --level).", valueName: "TEXT")) var overrideReason: String?
        @Option(name: .long, help: ArgumentHelp("Why: recorded on the case (required).", valueName: "TEXT")) var rationale: String
        @Option(name: .long, help: ArgumentHelp("The CIN episode's primary need, N1 to N9, recorded with the decision.", valueName: "CODE")) var primaryNeed: String?

        func validate() throws {
            guard [accept, level != nil, noted].filter({ $0 }).count == 1 else { throw ValidationError("give one of --accept, --level LEVEL or --noted") }
            if accept, overrideReason != nil { throw ValidationError("--override-reason goes with --level or --noted, not --accept") }
            _ = try command()
            _ = try need()
        }

        /// The primary need as a census-details change on the case, with the decision's rationale.
        func need() throws -> ChildDetailsCommand? {
            guard let primaryNeed else { return nil }
            return try CommandFlags.build { () throws(InvalidCommand) in
                try ChildDetailsCommand(upn: nil, ethnicity: nil, sex: nil, primaryNeed: primaryNeed, rationale: rationale)
            }
        }

        func command() throws -> DecisionCommand {
            try CommandFlags.build { () throws(InvalidCommand) in
                try DecisionCommand(accept: accept, level: level, overrideReason: overrideReason, rationale: rationale, noted: noted)
            }
        }

        func run() async throws {
            let client = try connection.client()
            let command = try command()
            let need = try need()
            let outcome = try await talk { () throws(ClientError) in try await client.decide(caseId, command) }
            Console.out(Render.outcome(outcome))
            // After the decision, which stands whatever happens next: the census takes the need
            // for the episode the decision opened (or will open, once a manager approves).
            if let need {
                let recorded = try await talk { () throws(ClientError) in try await client.recordChildDetails(caseId, need) }
                Console.out("Primary need \(need.details.primaryNeed?.rawValue ?? ""): " + Render.outcome(recorded))
            }
        }
    }

    /// The arguments step-up, step-down, escalate and reclassify share.
    struct Move: ParsableArguments {
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: ArgumentHelp("The case id.", valueName: "CASE")) var caseId: String
        @Option(name: .long, help: ArgumentHelp("The level to move to (any case); `triage show CASE` lists the moves there are.", valueName: "LEVEL")) var to: String
        @Option(name: .long, help: ArgumentHelp("Why (required).", valueName: "TEXT")) var rationale: String

        func validate() throws { _ = try command(.stepUp) }

        func command(_ kind: TransitionKind) throws -> TransitionCommand {
            try CommandFlags.build { () throws(InvalidCommand) in try TransitionCommand(kind: kind, to: to, reason: nil, rationale: rationale) }
        }

        func run(_ kind: TransitionKind) async throws {
            let client = try connection.client()
            let command = try command(kind)
            let outcome = try await talk { () throws(ClientError) in try await client.transition(caseId, command) }
            Console.out(Render.outcome(outcome))
        }
    }

    struct StepUp: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "step-up",
            abstract: "Move an open case to a level of higher need, as the pathway allows.",
            discussion: "Example:\n  continuum triage step-up C-JB3HJTFTRE --to intensive-support \\\n    --rationale \"Second incident in a month\""
        )
        @OptionGroup var move: Move

        func run() async throws { try await move.run(.stepUp) }
    }

    struct StepDown: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "step-down",
            abstract: "Move an open case to a level of lower need, as the pathway allows.",
            discussion: "Example:\n  continuum triage step-down C-JB3HJTFTRE --to targeted-support \\\n    --rationale \"Plan goals met; family engaged\""
        )
        @OptionGroup var move: Move

        func run() async throws { try await move.run(.stepDown) }
    }

    struct Escalate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Escalate an open case on significant harm (child in need to child protection; to looked after), as the pathway allows.",
            discussion: "Example:\n  continuum triage escalate C-JB3HJTFTRE --to child-protection \\\n    --rationale \"Strategy discussion: section 47 threshold met\""
        )
        @OptionGroup var move: Move

        func run() async throws { try await move.run(.escalate) }
    }

    struct Reclassify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a case's legal basis within one service (Families First: targeted Family Help and section 17).",
            discussion: "The case keeps its workers.\n\nExample:\n  continuum triage reclassify C-JB3HJTFTRE --to family-help-cin \\\n    --rationale \"Assessed as a child in need\""
        )
        @OptionGroup var move: Move

        func run() async throws { try await move.run(.reclassify) }
    }

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Close a case with a CIN census closure reason (RC1 to RC9).",
            discussion: """
                The pathway says which reasons each level allows (`triage show CASE` lists them). The codes, any case:
                \(ClosureReason.explained)

                Example:
                  continuum triage close C-JB3HJTFTRE --reason RC8 --rationale \\
                    "No further action after the assessment"
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: ArgumentHelp("The case id.", valueName: "CASE")) var caseId: String
        @Option(name: .long, help: ArgumentHelp("RC1 to RC9 (CIN census; any case).", valueName: "CODE")) var reason: String
        @Option(name: .long, help: ArgumentHelp("Why (required).", valueName: "TEXT")) var rationale: String

        func validate() throws { _ = try command() }

        func command() throws -> TransitionCommand {
            try CommandFlags.build { () throws(InvalidCommand) in try TransitionCommand(kind: "close", to: nil, reason: reason, rationale: rationale) }
        }

        func run() async throws {
            let client = try connection.client()
            let command = try command()
            let outcome = try await talk { () throws(ClientError) in try await client.transition(caseId, command) }
            Console.out(Render.outcome(outcome))
        }
    }

    struct Assign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a case to a worker.",
            discussion: """
                WORKER is a staff token's id or name: where the pathway sets who may hold a role (Families First: a \
                social worker leads at child protection), the token's qualification decides, and a worker who may not \
                hold the role is refused naming the rule.

                Examples:
                  continuum triage assign C-JB3HJTFTRE --to "A. Worker"
                  continuum triage assign C-JB3HJTFTRE --to "Fran Support" --role co-worker
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: ArgumentHelp("The case id.", valueName: "CASE")) var caseId: String
        @Option(name: .long, help: ArgumentHelp("The worker: a staff token's id or name.", valueName: "WORKER")) var to: String
        @Option(name: .long, help: ArgumentHelp("lead (default) or co-worker.", valueName: "ROLE")) var role: String?

        func validate() throws { _ = try command() }

        func command() throws -> AssignCommand {
            try CommandFlags.build { () throws(InvalidCommand) in try AssignCommand(worker: to, role: role) }
        }

        func run() async throws {
            let client = try connection.client()
            let command = try command()
            let outcome = try await talk { () throws(ClientError) in try await client.assign(caseId, command) }
            Console.out("Recorded \(outcome.eventId): case \(caseId) is assigned to \(to) as \(command.role == .lead ? "lead practitioner" : "co-worker").")
        }
    }

    struct Review: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cases waiting for a person after a pathway migration (the review list).",
            discussion: """
                `continuum pathway migrate` leaves here every case its mapping would not place safely (a consent level \
                without consent, a change waiting for approval, a rule that says a person decides). Each stays on its old \
                version until moved with `continuum triage migrate`.

                Example:
                  continuum triage review
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @Flag(name: .long, help: "Print JSON.") var json = false

        func run() async throws {
            let client = try connection.client()
            let page = try await talk { () throws(ClientError) in try await client.migrationReview(limit: QueuePage.maximumLimit) }
            Console.out(json ? try JSONValueEncoder().encode(page).serialized(pretty: true) : Render.migrationReview(page))
        }
    }

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move a case on the review list to the new pathway version, at the level you choose.",
            discussion: """
                The case's clocks are carried as the mapping says; a consent level still needs consent.

                Example:
                  continuum triage migrate C-JB3HJTFTRE --level family-help-cin --rationale \\
                    "In need; the family declines targeted help"
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: ArgumentHelp("The case id.", valueName: "CASE")) var caseId: String
        @Option(name: .long, help: ArgumentHelp("A level of the new version (leave out for a case awaiting its decision).", valueName: "LEVEL")) var level: String?
        @Option(name: .long, help: ArgumentHelp("Why this level (required).", valueName: "TEXT")) var rationale: String

        func validate() throws { _ = try command() }

        func command() throws -> MigrateCaseCommand {
            try CommandFlags.build { () throws(InvalidCommand) in try MigrateCaseCommand(level: level, rationale: rationale) }
        }

        func run() async throws {
            let client = try connection.client()
            let command = try command()
            let outcome = try await talk { () throws(ClientError) in try await client.migrate(caseId, command) }
            Console.out(Render.outcome(outcome))
        }
    }

    struct Record: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a milestone (assessment completed, strategy discussion, conference held, review held).",
            discussion: """
                The pathway's statutory clocks stop on milestones: recording "assessment-completed" stops the 45-working-day \
                assessment clock, judged on the --on date (the API's "on"). MILESTONE is one of the case's pathway's milestone ids (any case); \
                `triage show CASE` and the interactive session list those the case can record now, with their meaning. In the \
                shipped pathways: assessment-completed (single assessment authorised), strategy-discussion (s47 enquiry \
                initiated), section-47-started, initial-conference-held, cp-review-held, lac-review-held; Families First adds \
                legal-planning-meeting, letter-before-proceedings, fgdm-offered, fgdm-not-in-best-interests (a manager \
                approves it), pre-proceedings-review-held and court-application (after an FGDM offer or that decision).

                The children in need census (docs/census.md) reads its codes from the milestones that record them: \
                an assessment's completion takes --factors and --primary-need, a child protection plan's start or \
                review --category, a pre-proceedings step decision --outcome.

                Examples:
                  continuum triage record C-JB3HJTFTRE assessment-completed \\
                    --on 2026-12-14 --rationale "Single assessment signed off"
                  continuum triage record C-JB3HJTFTRE assessment-completed \\
                    --factors 3B,4B --primary-need N1 --rationale "Signed off"
                  continuum triage record C-JB3HJTFTRE cp-plan-started \\
                    --category EMO --rationale "Conference decided a plan"
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: ArgumentHelp("The case id.", valueName: "CASE")) var caseId: String
        @Argument(help: ArgumentHelp("The pathway's milestone id (e.g. assessment-completed).", valueName: "MILESTONE")) var milestone: String
        @Option(name: .long, help: ArgumentHelp("The day it happened (default today).", valueName: "YYYY-MM-DD")) var on: String?
        /// The old spelling of `--on`, kept so scripts written for it still work.
        @Option(name: .customLong("at"), help: .hidden) var at: String?
        @Option(name: .long, help: ArgumentHelp("Why / what happened (required).", valueName: "TEXT")) var rationale: String
        @Option(name: .long, help: ArgumentHelp("Census factors identified at assessment, comma-separated (21: none).", valueName: "CODES"))
        var factors: String?
        @Option(name: .long, help: ArgumentHelp("Census primary need, N1 to N9.", valueName: "CODE")) var primaryNeed: String?
        @Option(name: .long, help: ArgumentHelp("Category of abuse: NEG, PHY, SAB, EMO or MUL.", valueName: "CODE")) var category: String?
        @Option(name: .long, help: ArgumentHelp("Pre-proceedings outcome: A, B or C.", valueName: "CODE")) var outcome: String?

        func validate() throws {
            if on != nil, at != nil { throw ValidationError("give the day once, with --on (--at is its old spelling)") }
            _ = try command()
        }

        func command() throws -> MilestoneCommand {
            let factors = factors.map { $0.split(separator: ",").map(String.init) }
            return try CommandFlags.build { () throws(InvalidCommand) in
                try MilestoneCommand(milestone: milestone, on: on ?? at, rationale: rationale, factors: factors, primaryNeed: primaryNeed, category: category, outcome: outcome)
            }
        }

        func run() async throws {
            let client = try connection.client()
            let command = try command()
            let outcome = try await talk { () throws(ClientError) in try await client.recordMilestone(caseId, command) }
            Console.out(Render.outcome(outcome))
        }
    }

    struct Child: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add or correct the census details on a case: the child's UPN, ethnicity, sex; the primary need.",
            discussion: """
                Recorded as an event on the case (the referral as received is never changed); the children in need census \
                uses the latest. Ethnicity is a CIN census code (WBRI, WIRI, ..., REFU refused, NOBT not yet obtained); sex \
                is M, F or U. The primary need (N1 abuse or neglect ... N9 not in need) is the CIN episode's: record it at the \
                front door once the referral goes to social care (the census asks for one on every episode that led to \
                further action, DfE rule 8610); an assessment's completion may record it again, and the latest is used.

                Examples:
                  continuum triage child C-JB3HJTFTRE --upn V936000178301 --ethnicity WBRI \\
                    --rationale "From the school's record"
                  continuum triage child C-JB3HJTFTRE --primary-need N1 \\
                    --rationale "Front door: neglect reported by the school"
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: ArgumentHelp("The case id.", valueName: "CASE")) var caseId: String
        @Option(name: .long, help: ArgumentHelp("The unique pupil number (13 characters).", valueName: "UPN")) var upn: String?
        @Option(name: .long, help: ArgumentHelp("The census ethnicity code.", valueName: "CODE")) var ethnicity: String?
        @Option(name: .long, help: ArgumentHelp("M, F or U.", valueName: "CODE")) var sex: String?
        @Option(name: .long, help: ArgumentHelp("The CIN episode's primary need, N1 to N9.", valueName: "CODE")) var primaryNeed: String?
        @Option(name: .long, help: ArgumentHelp("Where the details come from (required).", valueName: "TEXT")) var rationale: String

        func validate() throws { _ = try command() }

        func command() throws -> ChildDetailsCommand {
            try CommandFlags.build { () throws(InvalidCommand) in try ChildDetailsCommand(upn: upn, ethnicity: ethnicity, sex: sex, primaryNeed: primaryNeed, rationale: rationale) }
        }

        func run() async throws {
            let client = try connection.client()
            let command = try command()
            let outcome = try await talk { () throws(ClientError) in try await client.recordChildDetails(caseId, command) }
            Console.out(Render.outcome(outcome))
        }
    }

    struct Approvals: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Changes waiting for a manager's approval (managers).",
            discussion: "Example:\n  continuum triage approvals"
        )
        @OptionGroup var connection: ConnectionOptions
        @Flag(name: .long, help: "Print JSON.") var json = false

        func run() async throws {
            let client = try connection.client()
            let approvals = try await talk { () throws(ClientError) in try await client.approvals() }
            Console.out(json ? try JSONValueEncoder().encode(approvals.items).serialized(pretty: true) : Render.approvals(approvals))
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve a pending change (managers).",
            discussion: "Example:\n  continuum triage approve E42 --rationale \"Agreed: pattern of incidents\""
        )
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: ArgumentHelp("The approval id from `triage approvals`.", valueName: "ID")) var id: String
        @Option(name: .long, help: ArgumentHelp("Why (optional for an approval).", valueName: "TEXT")) var rationale: String?

        func run() async throws {
            let client = try connection.client()
            let command = try CommandFlags.build { () throws(InvalidCommand) in try ApprovalCommand(approve: true, rationale: rationale) }
            let outcome = try await talk { () throws(ClientError) in try await client.resolve(id, command) }
            Console.out(Render.outcome(outcome))
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reject a pending change (managers); the case stays as it was.",
            discussion: "Example:\n  continuum triage reject E42 \\\n    --rationale \"Threshold not met; accept the recommendation\""
        )
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: ArgumentHelp("The approval id from `triage approvals`.", valueName: "ID")) var id: String
        @Option(name: .long, help: ArgumentHelp("Why (required).", valueName: "TEXT")) var rationale: String

        func validate() throws { _ = try command() }

        func command() throws -> ApprovalCommand {
            try CommandFlags.build { () throws(InvalidCommand) in try ApprovalCommand(approve: false, rationale: rationale) }
        }

        func run() async throws {
            let client = try connection.client()
            let command = try command()
            let outcome = try await talk { () throws(ClientError) in try await client.resolve(id, command) }
            Console.out("Rejected: \(Render.outcome(outcome))")
        }
    }

    struct Matches: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Possible matches waiting for a person: two records that may be the same child, side by side.",
            discussion: """
                A referral whose child may be a child already known (names and date of birth alike without an NHS \
                number on both, or the same NHS number with other details) opens its own case and waits here. \
                Differences between the two records are marked *. See docs/identity.md.

                Examples:
                  continuum triage matches
                  continuum triage matches --json | jq '.[].matchId'
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @Flag(name: .long, help: "Print the possible matches as a JSON array.") var json = false
        @Option(name: .long, help: ArgumentHelp("At most N, oldest first (1 to 1000; default 100).", valueName: "N")) var limit: Int?

        func validate() throws {
            if let limit, !(1...1000).contains(limit) { throw ValidationError("--limit must be from 1 to 1000, not \(limit)") }
        }

        func run() async throws {
            let client = try connection.client()
            let matches = try await talk { () throws(ClientError) in try await client.matches(limit: limit) }
            Console.out(json ? try JSONValueEncoder().encode(matches.items).serialized(pretty: true) : Render.matches(matches))
        }
    }

    /// The arguments link and different share.
    struct MatchDecision: ParsableArguments {
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: ArgumentHelp("The possible match's id from `triage matches` (M…).", valueName: "MATCH")) var matchId: String
        @Option(name: .long, help: ArgumentHelp("Why (required): what you checked.", valueName: "TEXT")) var rationale: String

        func validate() throws { _ = try command() }

        func command() throws -> MatchDecisionCommand {
            try CommandFlags.build { () throws(InvalidCommand) in try MatchDecisionCommand(rationale: rationale) }
        }

        func run(link: Bool) async throws {
            let client = try connection.client()
            let command = try command()
            let outcome = try await talk { () throws(ClientError) in try await client.decideMatch(matchId, link: link, command) }
            Console.out(Render.matchOutcome(outcome))
        }
    }

    struct Link: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Confirm a possible match: the same child. The referral joins the child's open case when it can.",
            discussion: "Example:\n  continuum triage link M12-1 \\\n    --rationale \"Same school and address; mother confirmed by phone\""
        )
        @OptionGroup var decision: MatchDecision

        func run() async throws { try await decision.run(link: true) }
    }

    struct Different: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a possible match as two different children; the pair is not offered again.",
            discussion: "Example:\n  continuum triage different M12-1 \\\n    --rationale \"Twins: different given names, same household\""
        )
        @OptionGroup var decision: MatchDecision

        func run() async throws { try await decision.run(link: false) }
    }

    struct Unlink: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Undo a wrong link: move a referral off a case to a case of its own (a manager approves).",
            discussion: """
                The referral's receipt, recommendation and clocks leave the case and start a new one that waits for a \
                front-door decision; the log keeps both what happened and who corrected it. A practitioner's unlink \
                waits in `triage approvals`; a manager's applies at once.

                Example:
                  continuum triage unlink C-JB3HJTFTRE --referral R-4K9ZZX0F4MX7 --rationale \\
                    "Different child: NHS number checked with the GP"
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: ArgumentHelp("The case the referral is on.", valueName: "CASE")) var caseId: String
        @Option(name: .long, help: ArgumentHelp("The referral to move off the case.", valueName: "REFERRAL")) var referral: String
        @Option(name: .long, help: ArgumentHelp("Why (required).", valueName: "TEXT")) var rationale: String

        func validate() throws { _ = try command() }

        func command() throws -> UnlinkCommand {
            try CommandFlags.build { () throws(InvalidCommand) in try UnlinkCommand(referralId: referral, rationale: rationale) }
        }

        func run() async throws {
            let client = try connection.client()
            let command = try command()
            let outcome = try await talk { () throws(ClientError) in try await client.unlink(caseId, command) }
            Console.out(Render.outcome(outcome))
        }
    }
}

/// Staff commands are checked once, in Core, when built; on the command line a problem names
/// the flag (or argument) that holds the field.
enum CommandFlags {
    static func build<T>(_ make: () throws(InvalidCommand) -> T) throws -> T {
        do {
            return try make()
        } catch {
            throw ValidationError(error.problems.map { "\(flag($0.field)): \($0.message)" }.joined(separator: "\n"))
        }
    }

    static func flag(_ field: CommandField) -> String {
        switch field {
        case .rationale: "--rationale"
        case .level: "--level"
        case .overrideReason: "--override-reason"
        case .accept: "--accept or --level"
        case .to, .worker: "--to"
        case .reason: "--reason"
        case .milestone: "MILESTONE"
        case .on: "--on"
        case .grade: "--grade"
        case .findings: "--findings"
        case .referralId: "--referral"
        case .role: "--role"
        case .kind: "the command"
        case .noted: "--noted"
        case .factors: "--factors"
        case .primaryNeed: "--primary-need"
        case .category: "--category"
        case .outcome: "--outcome"
        case .upn: "--upn"
        case .ethnicity: "--ethnicity"
        case .sex: "--sex"
        }
    }
}
