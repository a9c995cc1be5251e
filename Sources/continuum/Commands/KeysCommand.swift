import ArgumentParser
import ContinuumPostgres
import ContinuumStore
import Foundation

/// `continuum keys`: the master key that unlocks children's personal data (issue 20).
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create and rotate the master key that unlocks children's personal data.",
        discussion: """
            Every personal field (names, dates of birth, NHS numbers, addresses, free text) is stored \
            encrypted under a data key of its case, and the data keys are stored wrapped by the master \
            key, which lives outside the database. Without the master key the database reads as \
            ciphertext; lose it and the personal data is lost. Keep a copy offline.
            """,
        subcommands: [Init.self, Rotate.self]
    )

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a new master key file (mode 0600).",
            discussion: """
                A database is bound to the first master key it is opened with; give the file to `serve` \
                and the other commands with --master-key FILE or CONTINUUM_MASTER_KEY_FILE. An existing \
                file is never overwritten.

                Example:
                  continuum keys init --out /etc/continuum/master.key
                """
        )

        @Option(name: .long, help: ArgumentHelp("Where to write it (default $CONTINUUM_MASTER_KEY_FILE, else data/master.key).", valueName: "FILE"))
        var out: String?

        func run() throws {
            let path = out ?? ProcessInfo.processInfo.environment["CONTINUUM_MASTER_KEY_FILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "data/master.key"
            let key = MasterKey.generate()
            do {
                try key.write(to: path)
            } catch {
                Console.error("continuum: \(error)")
                throw Exit.cannotCreate
            }
            Console.out("continuum: master key \(key.id) written to \(path) (mode 0600); keep a copy offline: without it the personal data cannot be read")
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-wrap every data key under a new master key; no event is rewritten.",
            discussion: """
                Stop `serve` first. Make the new key with `continuum keys init --out NEW`, then rotate; the \
                old key stops working when this finishes. Each batch of 1,000 keys commits on its own: a \
                rotation stopped part-way (a crash, Ctrl-C) is finished by running the same command again, \
                and until then the database opens with neither key (exit 78 says so).

                Example:
                  continuum keys rotate --database data/continuum.sqlite --master-key \\
                    data/master.key --new data/master-2027.key
                """
        )

        @OptionGroup var database: DatabaseOption
        @Option(name: .long, help: ArgumentHelp("The new master key file (from `keys init`).", valueName: "FILE"))
        var new: String

        func run() async throws {
            guard let old = try database.loadMasterKey(for: "keys rotate (the current key)") else { throw Exit.configuration }
            let next: MasterKey
            do {
                next = try MasterKey.load(from: new)
            } catch {
                Console.error("continuum: --new: \(error)")
                throw Exit.configuration
            }
            guard next.id != old.id else {
                Console.error("continuum: --new \(new) is the key in use (key id \(old.id)); make a new one with `continuum keys init --out FILE`")
                throw Exit.usage
            }
            do {
                let progress: (Int, Int) -> Void = { done, total in Console.error("continuum: \(done) of \(total) keys under the new master key") }
                let report: KeyRotation.Report
                switch try database.location() {
                case .sqlite(let path):
                    report = try KeyRotation.rotate(database: path, from: old, to: next, progress: progress)
                case .postgres(let location):
                    let log = try PostgresSharedLog(location)
                    defer { log.shutdown() }
                    report = try await SharedKeyRotation.rotate(log, from: old, to: next, progress: progress)
                }
                if report.alreadyDone {
                    Console.out("continuum: the database is under master key \(next.id) already; nothing to do")
                } else {
                    Console.out("continuum: \(report.rewrapped) key(s) re-wrapped; the database is now under master key \(next.id) (\(new)); "
                                + "the old key no longer opens it")
                }
            } catch {
                Console.error("continuum: keys rotate: \(error)")
                throw Exit.forStore(error)
            }
        }
    }
}
