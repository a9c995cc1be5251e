import ArgumentParser
import ContinuumCore
import ContinuumJSON

/// `continuum route`: validate and route referrals offline, one JSON decision per referral.
struct RouteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route",
        abstract: "Validate referrals and print the recommended level, rules and deadlines.",
        discussion: """
            Reads one referral (JSON, message format v1) or NDJSON (one referral per line) from \
            FILE or standard input, and prints one JSON decision per referral on standard output: \
            messageId, level, tier, rules, rationale and deadlines ([{clock, due}]).

            Invalid input exits 65 with every problem and its JSON path on standard error. With \
            NDJSON, bad lines are reported by line number and the good lines are still routed.

            Examples:
              continuum route docs/examples/police-domestic-abuse.json
              continuum route --received-at 2026-12-24T16:30:00Z \\
                docs/examples/police-domestic-abuse.json
              cat referral.json | continuum route -
            """
    )

    @OptionGroup var pathway: PathwayOption

    @Option(name: .long, help: ArgumentHelp("When the referral was received (RFC 3339, default now); deadlines count from it.", valueName: "DATETIME"))
    var receivedAt: String?

    @Flag(name: .long, help: "Indent the JSON output.")
    var pretty = false

    @Argument(help: ArgumentHelp("A referral file, NDJSON file, or - for standard input.", valueName: "FILE"))
    var input: String = "-"

    func validate() throws {
        if let receivedAt, Timestamp(rfc3339: receivedAt) == nil {
            throw ValidationError("--received-at \"\(receivedAt)\" is not an RFC 3339 date-time with an offset, e.g. 2026-11-26T09:30:00Z")
        }
    }

    func run() throws {
        let received = receivedAt.flatMap { Timestamp(rfc3339: $0) } ?? Clock.now
        // The version in force on the day the referral is taken as received.
        let verified = try pathway.loadVerified(on: UKTime.londonDate(of: received))
        guard input == "-" || Files.exists(input) else {
            Console.error("\(input): no such file")
            throw Exit.noInput
        }
        let bytes: [UInt8]
        do {
            bytes = try Files.read(input)
        } catch {
            Console.error("\(input): cannot read: \(error)")
            throw Exit.noInput
        }
        let name = input == "-" ? "stdin" : input
        let reader = ReferralReader()
        // One document, unless it is several: then it is NDJSON, read line by line.
        switch Result(catching: { () throws(ReferralError) in try reader.read(bytes, receivedAt: received) }) {
        case .success(let referral):
            try emit(route(referral, pathway: verified, receivedAt: received), messageId: referral.messageId, line: nil)
        case .failure(.syntax(let error)) where error.reason == .trailingData || isNDJSONName(input):
            try routeLines(bytes, name: name, reader: reader, verified: verified, received: received)
        case .failure(let error):
            for problem in error.problems { Console.error("\(name): \(problem)") }
            throw Exit.dataError
        }
    }

    private func isNDJSONName(_ path: String) -> Bool {
        path.hasSuffix(".ndjson") || path.hasSuffix(".jsonl")
    }

    private func routeLines(_ bytes: [UInt8], name: String, reader: ReferralReader, verified: VerifiedPathway, received: Timestamp) throws {
        var bad = 0
        var good = 0
        for (index, line) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            let text = line.last == 0x0D ? line.dropLast() : line[...]
            if text.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            switch Result(catching: { () throws(ReferralError) in try reader.read(Array(text), receivedAt: received) }) {
            case .success(let referral):
                try emit(route(referral, pathway: verified, receivedAt: received), messageId: referral.messageId, line: index + 1)
                good += 1
            case .failure(let error):
                bad += 1
                for problem in error.problems { Console.error("\(name):\(index + 1): \(problem)") }
            }
        }
        if bad > 0 {
            Console.error("\(name): \(good) referral(s) routed, \(bad) line(s) rejected")
            throw Exit.dataError
        }
    }

    private func emit(_ decision: Decision, messageId: String, line: Int?) throws {
        guard case .object(var fields) = try JSONValueEncoder().encode(decision) else { return }
        fields["messageId"] = .string(messageId)
        if let line { fields["line"] = .integer(Int64(line)) }
        Console.out(JSONValue.object(fields).serialized(pretty: pretty))
    }
}
