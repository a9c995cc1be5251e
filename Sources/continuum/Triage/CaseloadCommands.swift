import ArgumentParser
import ContinuumAPI
import ContinuumClient
import ContinuumCore
import ContinuumJSON

extension TriageCommand {
    struct Cases: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A caseload: cases by worker, level, phase or lateness, nearest deadline first.",
            discussion: """
                Without --phase, the cases still being worked (awaiting a decision, or open). --mine is the cases whose lead \\
                or co-worker is you (your token, or its name). Pages of --limit cases; --offset N skips the first N.

                Examples:
                  continuum triage cases --mine
                  continuum triage cases --level child-protection --overdue
                  continuum triage cases --assigned-to "Sam Patel" --json
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @Flag(name: .long, help: "Your cases (lead or co-worker).") var mine = false
        @Option(name: .long, help: ArgumentHelp("A worker's cases: a token id or name.", valueName: "WORKER")) var assignedTo: String?
        @Option(name: .long, help: ArgumentHelp("Cases at this level (any case).", valueName: "LEVEL")) var level: String?
        @Option(name: .long, help: ArgumentHelp("awaiting-decision, open, closed or merged.", valueName: "PHASE")) var phase: String?
        @Flag(name: .long, help: "Only cases with a clock past its due date.") var overdue = false
        @Option(name: .long, help: ArgumentHelp("Cases per page (1 to 1000; 100 by default).", valueName: "N")) var limit: Int?
        @Option(name: .long, help: ArgumentHelp("Skip the first N.", valueName: "N")) var offset: Int?
        @Flag(name: .long, help: "Print the page as JSON.") var json = false

        func validate() throws {
            if mine, assignedTo != nil { throw ValidationError("give --mine or --assigned-to, not both") }
            if let limit, !(1...1000).contains(limit) { throw ValidationError("--limit must be from 1 to 1000, not \(limit)") }
            if let offset, offset < 0 { throw ValidationError("--offset must be 0 or more, not \(offset)") }
        }

        func run() async throws {
            let client = try connection.client()
            let worker = mine ? "me" : assignedTo
            let page = try await talk { () throws(ClientError) in
                try await client.cases(assignedTo: worker, level: level, phase: phase, overdue: overdue ? true : nil, limit: limit, offset: offset)
            }
            let title = mine ? "Your cases" : assignedTo.map { "Cases of \($0)" } ?? "Cases"
            Console.out(json ? try JSONValueEncoder().encode(page).serialized(pretty: true) : Render.caseload(page, title: title))
        }
    }

    struct Find: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find a child's cases: by NHS number, or by names with a date of birth.",
            discussion: """
                The search goes through the keyed child-matching index (never a scan of names in the clear) and the same \\
                identity rules as referrals: an NHS number finds the same child; names with a date of birth find possible \\
                matches (spelling, transposed and previous names), for you to check. Every case a search shows is recorded \\
                in the access log against your token.

                Examples:
                  continuum triage find --nhs-number 9434765919
                  continuum triage find --given-name Amelia --family-name Smith --born \\
                    2019-03-02
                """
        )
        @OptionGroup var connection: ConnectionOptions
        @Option(name: .long, help: ArgumentHelp("The child's NHS number (10 digits).", valueName: "NUMBER")) var nhsNumber: String?
        @Option(name: .long, help: ArgumentHelp("Given name.", valueName: "NAME")) var givenName: String?
        @Option(name: .long, help: ArgumentHelp("Family name.", valueName: "NAME")) var familyName: String?
        @Option(name: .long, help: ArgumentHelp("Date of birth.", valueName: "YYYY-MM-DD")) var born: String?
        @Flag(name: .long, help: "Print the results as JSON.") var json = false

        func validate() throws {
            let byName = [givenName, familyName, born].filter { $0 != nil }.count
            if nhsNumber == nil, byName < 3 {
                throw ValidationError("give --nhs-number, or --given-name, --family-name and --born together")
            }
        }

        func run() async throws {
            let client = try connection.client()
            let page = try await talk { () throws(ClientError) in
                try await client.searchChildren(nhsNumber: nhsNumber, givenName: givenName, familyName: familyName, dateOfBirth: born)
            }
            if json {
                Console.out(try JSONValueEncoder().encode(page).serialized(pretty: true))
            } else if page.items.isEmpty {
                Console.out("No case found for that child.")
            } else {
                Console.out((["\(page.total) case\(page.total == 1 ? "" : "s") found:"] + Render.search(page)).joined(separator: "\n"))
            }
        }
    }
}
