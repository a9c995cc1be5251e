import ContinuumTesting
import Foundation
import Testing

/// The examples in every command's `--help` are real (issue 25): each is printed whole (a long
/// one is continued with `\`, never wrapped in the middle of an argument), names files that
/// exist, uses flags the command has, and those that can run offline run.
@Suite("Help examples")
struct HelpExamplesTests {
    /// A command's path and its `--help` text.
    struct Help {
        var path: [String]
        var text: String
    }

    /// Every command and subcommand's help, found by walking the SUBCOMMANDS lists.
    static func everyHelp() throws -> [Help] {
        var found: [Help] = []
        var pending: [[String]] = [[]]
        while let path = pending.popLast() {
            let outcome = try CommandRunner.run(path + ["--help"])
            found.append(Help(path: path, text: outcome.stdout))
            var inList = false
            for line in outcome.stdout.split(separator: "\n", omittingEmptySubsequences: false) {
                if line == "SUBCOMMANDS:" { inList = true; continue }
                guard inList else { continue }
                if line.isEmpty { break }
                // "  name    abstract": a name starts two spaces in; continuation lines start further in.
                guard line.hasPrefix("  "), !line.hasPrefix("   "), let name = line.split(separator: " ").first else { continue }
                let command = name.replacingOccurrences(of: "(default)", with: "")
                if command != "help" { pending.append(path + [command]) }
            }
        }
        return found
    }

    /// The example invocations in a help text, continuations joined; and any line that is
    /// neither an invocation nor a continuation (a wrapped example).
    static func examples(_ text: String) -> (commands: [String], wrapped: [String]) {
        var commands: [String] = [], wrapped: [String] = []
        var inExamples = false
        var continuing = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line == "Examples:" || line == "Example:" { inExamples = true; continue }
            guard inExamples else { continue }
            if line.isEmpty { break }
            // The help printer wraps a long line to the left margin: an example cut in two.
            guard line.hasPrefix(" ") else {
                wrapped.append(line)
                continue
            }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if continuing, var last = commands.popLast() {
                last += " " + trimmed
                commands.append(last)
            } else {
                commands.append(trimmed)
            }
            continuing = trimmed.hasSuffix("\\")
            if continuing, var last = commands.popLast() {
                last.removeLast()
                commands.append(last.trimmingCharacters(in: .whitespaces))
            }
        }
        return (commands, wrapped)
    }

    /// Shell words: spaces split, double or single quotes group, `#` starts a comment.
    static func words(_ command: String) -> [String] {
        var words: [String] = [], current = "", quote: Character?
        for character in command {
            if quote == nil, character == "#", current.isEmpty { break }
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == " " {
                if !current.isEmpty { words.append(current); current = "" }
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    @Test("every example is whole, names files that exist and flags the command has")
    func examplesAreReal() throws {
        let helps = try Self.everyHelp()
        #expect(helps.count > 30, "found \(helps.count) help texts")
        var checked = 0
        for help in helps {
            let (commands, wrapped) = Self.examples(help.text)
            #expect(wrapped.isEmpty, "continuum \(help.path.joined(separator: " ")): an example wraps: \(wrapped)")
            for command in commands where command.hasPrefix("continuum ") {
                checked += 1
                let words = Self.words(command)
                for (index, word) in words.enumerated() {
                    // A flag the command (or a subcommand of it) documents.
                    if word.hasPrefix("--"), word.count > 2 {
                        let flag = String(word.split(separator: "=")[0])
                        let named = helps.contains { other in other.path.starts(with: help.path) && other.text.contains(flag) }
                        #expect(named, "continuum \(help.path.joined(separator: " ")): \(flag) in \"\(command)\" is not a flag it has")
                    }
                    // A file in the repository an example reads (Pathways/…, Simulations/…, docs/…):
                    // outputs, and files a run makes (data/, checkpoints/), aside.
                    let previous = index > 0 ? words[index - 1] : ""
                    let folder = word.split(separator: "/").first.map(String.init) ?? ""
                    let inRepository = ["Pathways", "Simulations", "docs"].contains(folder)
                    if previous != "--out", inRepository, [".json", ".ndjson", ".xml"].contains(where: { word.hasSuffix($0) }) {
                        let exists = FileManager.default.fileExists(atPath: CommandRunner.root.appendingPathComponent(word).path)
                        #expect(exists, "continuum \(help.path.joined(separator: " ")): \"\(command)\" names \(word), which does not exist")
                        if !exists { print("missing: \(word) in \(command)") }
                    }
                }
            }
        }
        #expect(checked > 40, "only \(checked) examples found")
    }

    @Test("the examples that need no server or database run, as printed")
    func offlineExamplesRun() throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var ran = 0
        for help in try Self.everyHelp() {
            for command in Self.examples(help.text).commands where command.hasPrefix("continuum ") && !command.contains("$") && !command.contains(">") {
                var words = Array(Self.words(command).dropFirst())
                guard let name = words.first else { continue }
                // Offline: pathway checks, routing and drawing; simulations of the small validation networks.
                let offline = ["check", "route", "graph"].contains(name)
                    || (name == "simulate" && words.allSatisfy { !$0.hasSuffix(".json") || $0.hasPrefix("Simulations/validation/") })
                guard offline else { continue }
                // Outputs go to a temporary folder, not the repository.
                for index in words.indices.dropFirst() where words[index - 1] == "--out" { words[index] = folder.appendingPathComponent(words[index]).path }
                let outcome = try CommandRunner.run(words, stdin: "")
                #expect(outcome.status == 0, "\(command): exit \(outcome.status)\n\(outcome.stderr)")
                if outcome.status != 0 { print("failed: \(command): \(outcome.stderr)") }
                ran += 1
            }
        }
        #expect(ran >= 5, "ran \(ran) examples")
    }

    /// `continuum …` commands in the README's and docs' shell blocks, continuations joined.
    static func documentedCommands() throws -> [(file: String, command: String)] {
        let docs = try FileManager.default.contentsOfDirectory(atPath: CommandRunner.root.appendingPathComponent("docs").path)
            .filter { $0.hasSuffix(".md") }.map { "docs/" + $0 } + ["README.md", "Simulations/README.md"]
        var found: [(String, String)] = []
        for file in docs.sorted() {
            let text = try String(contentsOf: CommandRunner.root.appendingPathComponent(file), encoding: .utf8)
            var inShell = false
            var pending: String?
            for raw in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
                if raw.hasPrefix("```") { inShell = raw == "```sh" || raw == "```bash"; pending = nil; continue }
                guard inShell else { continue }
                var line = raw.trimmingCharacters(in: .whitespaces)
                if line.hasPrefix("$ ") { line.removeFirst(2) }
                if let started = pending {
                    pending = started + " " + line
                } else if line.hasPrefix("continuum ") || line.hasPrefix(".build/debug/continuum ") {
                    pending = line
                } else {
                    continue
                }
                if pending?.hasSuffix("\\") == true {
                    pending?.removeLast()
                } else if let command = pending {
                    found.append((file, command.replacingOccurrences(of: ".build/debug/continuum ", with: "continuum ")))
                    pending = nil
                }
            }
        }
        return found
    }

    @Test("the docs' commands use flags the commands have, and those that can run offline run")
    func documentedCommandsRun() throws {
        let helps = try Self.everyHelp()
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let commands = try Self.documentedCommands()
        #expect(commands.count > 30, "found \(commands.count)")
        var ran = 0
        for (file, command) in commands {
            var words = Array(Self.words(command).dropFirst())
            // The deepest command path the words name (`triage record`, `audit verify`).
            var path: [String] = []
            while let next = words.dropFirst(path.count).first, helps.contains(where: { $0.path == path + [next] }) { path.append(next) }
            for word in words where word.hasPrefix("--") && word.count > 2 {
                let flag = String(word.split(separator: "=")[0])
                let named = helps.contains { $0.path.starts(with: path) && $0.text.contains(flag) }
                #expect(named, "\(file): \(flag) in \"\(command)\" is not a flag of continuum \(path.joined(separator: " "))")
            }
            // A synopsis (`[--out DIR]`, `SCENARIO`) shows the form, not a command to run.
            let synopsis = command.contains("[") || words.contains { $0.count > 1 && $0.allSatisfy { $0.isUppercase || $0 == "_" } }
            guard let name = words.first, !synopsis, !command.contains("$"), !command.contains(">"), !command.contains("|") else { continue }
            // Writing a history (`--write-log`) takes minutes for two years: ForecastCommandTests
            // runs a short one; here its flags are checked above.
            let offline = ["check", "route", "graph"].contains(name)
                || (name == "simulate" && !words.contains("--write-log") && words.allSatisfy { !$0.hasSuffix(".json") || $0.hasPrefix("Simulations/validation/") })
            guard offline else { continue }
            for index in words.indices.dropFirst() where words[index - 1] == "--out" { words[index] = folder.appendingPathComponent(words[index]).path }
            let outcome = try CommandRunner.run(words, stdin: "")
            // A documented failure (an invalid example) shows its exit code in the docs; the rest succeed.
            let expectsFailure = words.contains { $0.contains("invalid") }
            #expect(expectsFailure ? outcome.status == 65 : outcome.status == 0, "\(file): \(command): exit \(outcome.status)\n\(outcome.stderr)")
            ran += 1
        }
        #expect(ran >= 3, "ran \(ran)")
    }

    @Test("every flag a command has is in its section of docs/cli.md")
    func flagsDocumented() throws {
        let reference = try String(contentsOf: CommandRunner.root.appendingPathComponent("docs/cli.md"), encoding: .utf8)
        // The sections whose heading names the command (`## \`continuum report …`).
        let sections = reference.components(separatedBy: "\n## ").dropFirst()
        func section(_ command: String) -> String {
            sections.filter { $0.split(separator: "\n").first?.contains("continuum \(command)") == true }.joined(separator: "\n")
        }
        // Options every store command shares have a section of their own (`## \`--database …`).
        let shared = sections.filter { $0.hasPrefix("`--") }.map { $0.split(separator: "\n").first.map(String.init) ?? "" }.joined(separator: "\n")
        var missing: [String] = []
        for help in try Self.everyHelp() where !help.path.isEmpty {
            let documented = section(help.path[0]) + "\n" + shared
            var inOptions = false
            for line in help.text.split(separator: "\n", omittingEmptySubsequences: false) {
                if line == "OPTIONS:" { inOptions = true; continue }
                guard inOptions else { continue }
                if line.isEmpty { break }
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard line.hasPrefix("  --") || line.hasPrefix("  -"), let flag = trimmed.split(separator: " ").first?.split(separator: ",").last.map(String.init),
                      flag.hasPrefix("--"), !["--help", "--version"].contains(flag) else { continue }
                // A Bool flag prints as `--json`, an inversion as `--x/--no-x`.
                let name = String(flag.split(separator: "/")[0].split(separator: "<")[0]).trimmingCharacters(in: .whitespaces)
                if !documented.contains(name) { missing.append("continuum \(help.path.joined(separator: " ")) \(name)") }
            }
        }
        #expect(missing.isEmpty, "flags not in docs/cli.md: \(missing)")
    }
}
