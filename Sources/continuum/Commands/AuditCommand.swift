import ArgumentParser
import ContinuumAPI
import ContinuumClient
import ContinuumCore
import ContinuumJSON
import ContinuumServer
import ContinuumStore
import Foundation

/// `continuum audit verify`: check the event log's hash chain.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check the tamper-evident event log; sample and grade case files for audit.",
        subcommands: [Verify.self, Keygen.self, Checkpoint.self, Sample.self, Grade.self, Access.self]
    )

    struct Access: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Who looked at a case: every staff read, with the token, its holder, the time and the view.",
            discussion: """
                The server records each staff read of a case or referral (the case record, the queue, a referral's \
                status, possible matches, approvals) before it answers. The record has a hash chain of its own, \
                which `audit verify` checks.

                Example:
                  continuum audit access --database data/continuum.sqlite --case C-JB3HJTFTRE
                """
        )

        @Option(name: .customLong("case"), help: ArgumentHelp("The case id.", valueName: "CASE")) var caseId: String
        @Flag(name: .long, help: "Print JSON (one object per line read).") var json = false
        @OptionGroup var database: DatabaseOption
        @OptionGroup var pathway: PathwayOption

        func run() async throws {
            let store = try database.open(pathways: try pathway.loadSet())
            let entries = try await store.accessLog(caseId: caseId)
            if json {
                for entry in entries { Console.out(try JSONValueEncoder().text(entry)) }
                return
            }
            if entries.isEmpty {
                Console.out("No staff read of case \(caseId) is recorded.")
                return
            }
            Console.out("WHEN (UTC)            TOKEN       ROLE          VIEW        NAME")
            for entry in entries {
                Console.out([entry.at.description.prefix(19).description.padded(21), entry.tokenId.padded(11), entry.role.rawValue.padded(13),
                             entry.view.rawValue.padded(11), entry.tokenName ?? "-"].joined(separator: " "))
            }
            Console.error("continuum: \(entries.count) read(s) of case \(caseId)")
        }
    }

    struct Sample: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Draw a random sample of cases for case-file audit (the same sample for the same seed).",
            discussion: "Example:\n  continuum audit sample --size 20 --seed 202611"
        )

        @Option(name: .long, help: "How many cases.") var size: Int
        @Option(name: .long, help: "Seed (record it with the audit, so the sample can be drawn again).") var seed: UInt64 = 1
        @Flag(name: .long, help: "Print JSON.") var json = false
        @OptionGroup var database: DatabaseOption
        @OptionGroup var pathway: PathwayOption

        func validate() throws { guard (1...10_000).contains(size) else { throw ValidationError("--size must be 1 to 10,000") } }

        func run() async throws {
            let store = try database.open(pathways: try pathway.loadSet())
            let sample = try await store.auditSample(size: size, seed: seed)
            if json {
                Console.out(JSONValue.array(sample.map { .object(["caseId": .string($0.caseId), "phase": .string($0.phase.rawValue), "level": $0.level.map(JSONValue.string) ?? .null]) }).serialized(pretty: true))
            } else {
                for entry in sample { Console.out("\(entry.caseId)  \(entry.phase.rawValue)\(entry.level.map { " at \($0)" } ?? "")") }
            }
            Console.error("continuum: \(sample.count) case(s) sampled with seed \(seed)")
        }
    }

    struct Grade: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a manager's case-file audit grade and findings (through the service, with a manager token).",
            discussion: "Example:\n  continuum audit grade C-JB3HJTFTRE --grade requires-improvement \\\n    --findings \"Plan lacks timescales\" --token $MANAGER"
        )

        @OptionGroup var connection: ConnectionOptions
        @Argument(help: ArgumentHelp("The case id.", valueName: "CASE")) var caseId: String
        @Option(name: .long, help: "outstanding, good, requires-improvement or inadequate.") var grade: String
        @Option(name: .long, help: ArgumentHelp("What the audit found (required).", valueName: "TEXT")) var findings: String

        func validate() throws {
            guard AuditGrade(rawValue: grade) != nil else {
                throw ValidationError("--grade must be one of \(AuditGrade.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            _ = try command()
        }

        func command() throws -> ContinuumCore.AuditCommand {
            guard let grade = AuditGrade(rawValue: grade) else { throw ValidationError("--grade: not a grade") }
            return try CommandFlags.build { () throws(InvalidCommand) in try ContinuumCore.AuditCommand(grade: grade, findings: findings) }
        }

        func run() async throws {
            let client = try connection.client()
            let command = try command()
            let outcome = try await talk { () throws(ClientError) in try await client.grade(caseId, command) }
            Console.out("Recorded \(outcome.eventId): case \(caseId) graded \(grade).")
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the event log: its hash chain, and with --checkpoint its length, head, projections and tokens.",
            discussion: """
                Without --checkpoint: recomputes every event's hash and checks the chain (an event edited, \
                removed or moved in the middle of the log). With --checkpoint FILE and --key FILE (the \
                checkpoint key, private or public): also fails when the log is shorter than the signed \
                checkpoint (events cut from its end, the whole log deleted), when the signed event's hash \
                differs (the log rewritten with its hashes recomputed), or when a projection table or a \
                token disagrees with a replay of the log. The replay copies the database beside it for the \
                time it runs. Exit 0: verified; 70: a problem, each printed.

                Examples:
                  continuum audit verify --database data/continuum.sqlite
                  continuum audit verify --checkpoint checkpoints/checkpoint-12000.json \\
                    --key checkpoint.key.pub
                """
        )

        @OptionGroup var database: DatabaseOption
        @OptionGroup var pathway: PathwayOption
        @Option(name: .long, help: ArgumentHelp("A checkpoint file from `audit checkpoint` or `serve --checkpoint-dir`.", valueName: "FILE"))
        var checkpoint: String?
        @Option(name: .long, help: ArgumentHelp("The checkpoint key that signed it (private or .pub).", valueName: "FILE"))
        var key: String?

        func validate() throws {
            if (checkpoint == nil) != (key == nil) { throw ValidationError("--checkpoint and --key go together") }
        }

        func run() async throws {
            let signed = try checkpoint.map { path in try readCheckpoint(path, key: key ?? "") }
            // The replay with --checkpoint indexes children under keyed hashes: it needs the key.
            let store = try database.open(pathways: try pathway.loadSet(), keyFor: signed == nil ? nil : "verifying against a checkpoint (its replay)")
            do {
                let report = try await store.verifyChain()
                guard let signed else {
                    Console.out("continuum: event log verified: \(report.events) events, last hash \(report.lastHash); "
                                + "access log verified: \(report.accessEntries) reads")
                    return
                }
                let problems = try await store.problems(against: signed) + store.problemsAgainstReplay()
                guard problems.isEmpty else {
                    for problem in problems { Console.error("continuum: \(problem)") }
                    throw Exit.software
                }
                Console.out("continuum: event log verified: \(report.events) events, last hash \(report.lastHash); "
                            + "it holds the checkpoint of \(signed.at) (\(signed.events) events), and the projections and tokens agree with a replay")
            } catch let error as StoreError {
                Console.error("continuum: \(error)")
                throw Exit.software
            }
        }

        private func readCheckpoint(_ path: String, key keyPath: String) throws -> ContinuumStore.Checkpoint {
            do {
                let checkpoint = try ContinuumStore.Checkpoint.read(file: path)
                try CheckpointKey(file: keyPath).verify(checkpoint)
                return checkpoint
            } catch {
                Console.error("continuum: \(error)")
                throw Exit.dataError
            }
        }
    }

    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a checkpoint key: FILE (private, 0600: keep it off the database's machine where you can) and FILE.pub.",
            discussion: "Example:\n  continuum audit keygen --out /etc/continuum/checkpoint.key"
        )
        @Option(name: .long, help: ArgumentHelp("Where to write the private key (FILE.pub gets the public one).", valueName: "FILE"))
        var out: String

        func run() throws {
            guard !FileManager.default.fileExists(atPath: out), !FileManager.default.fileExists(atPath: out + ".pub") else {
                Console.error("continuum: \(out) or \(out).pub exists already; a key is never overwritten")
                throw Exit.cannotCreate
            }
            let key = CheckpointKey.generate()
            guard FileManager.default.createFile(atPath: out, contents: Data((key.privateFileText ?? "").utf8), attributes: [.posixPermissions: 0o600]),
                  FileManager.default.createFile(atPath: out + ".pub", contents: Data(key.publicFileText.utf8), attributes: [.posixPermissions: 0o644]) else {
                Console.error("continuum: cannot write \(out)")
                throw Exit.cannotCreate
            }
            Console.out("continuum: wrote checkpoint key \(key.keyId) to \(out) (private) and \(out).pub (public)")
        }
    }

    struct Checkpoint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify the log and sign its head (events, last hash) with the checkpoint key: keep the file off the database's machine.",
            discussion: "Example:\n  continuum audit checkpoint --key /etc/continuum/checkpoint.key \\\n    --out /backup/checkpoint-$(date +%F).json"
        )
        @OptionGroup var database: DatabaseOption
        @OptionGroup var pathway: PathwayOption
        @Option(name: .long, help: ArgumentHelp("The private checkpoint key.", valueName: "FILE")) var key: String
        @Option(name: .long, help: ArgumentHelp("Write the checkpoint here (default: standard output).", valueName: "FILE")) var out: String?
        @Option(name: .long, help: ArgumentHelp("Also POST the checkpoint's JSON to this http(s) URL.", valueName: "URL")) var url: String?

        func validate() throws {
            if let url {
                do { try CheckpointPublisher.validate(url) } catch { throw ValidationError("--url: \(error)") }
            }
        }

        func run() async throws {
            let signer: CheckpointKey
            do {
                signer = try CheckpointKey(file: key)
            } catch {
                Console.error("continuum: \(error)")
                throw Exit.dataError
            }
            guard signer.canSign else {
                Console.error("continuum: \(key) is a public key; signing needs the private one")
                throw Exit.dataError
            }
            let store = try database.open(pathways: try pathway.loadSet())
            let checkpoint: ContinuumStore.Checkpoint
            do {
                checkpoint = try await store.checkpoint(key: signer, at: Clock.now, verify: true)
            } catch let error as StoreError {
                Console.error("continuum: not signed: \(error)")
                throw Exit.software
            }
            let text = try checkpoint.fileText()
            if let url {
                do {
                    try await CheckpointPublisher.send(checkpoint, to: url)
                    Console.error("continuum: signed checkpoint of \(checkpoint.events) events sent to \(url)")
                } catch {
                    Console.error("continuum: the checkpoint was not sent: \(error)")
                    throw Exit.unavailable
                }
            }
            if let out {
                guard FileManager.default.createFile(atPath: out, contents: Data(text.utf8)) else {
                    Console.error("continuum: cannot write \(out)")
                    throw Exit.cannotCreate
                }
                Console.error("continuum: signed checkpoint of \(checkpoint.events) events written to \(out)")
            } else {
                Console.out(String(text.dropLast()))
            }
        }
    }
}

/// `continuum rebuild`: recreate the projections from the event log.
struct RebuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Rebuild cases, queue and clocks from the event log (the source of truth).",
        discussion: """
            Replays every event through the pathway's case state machine into fresh projection \
            tables, in one transaction. Safe to run while the server is stopped or running \
            (writes wait for it).

            Example:
              continuum rebuild --database data/continuum.sqlite
            """
    )

    @OptionGroup var database: DatabaseOption
    @OptionGroup var pathway: PathwayOption

    func run() async throws {
        let store = try database.open(pathways: try pathway.loadSet(), keyFor: "rebuild (children are indexed under keyed hashes)")
        do {
            let report = try await store.rebuild()
            Console.out("continuum: rebuilt \(report.cases) cases and \(report.referrals) referrals from \(report.events) events")
        } catch let error as StoreError {
            Console.error("continuum: rebuild failed, projections unchanged: \(error)")
            throw Exit.software
        }
    }
}
