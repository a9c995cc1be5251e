import ContinuumAPI
import ContinuumClient
import ContinuumCore
import ContinuumJSON
import Foundation

/// `continuum triage` with no subcommand: a line-based session that works in any 80-column
/// terminal (and through a pipe): queue → case → action → confirm → refreshed queue.
struct InteractiveSession {
    let client: ContinuumClient

    /// Referrals listed at once: a backlog of thousands would not fit a screen, or be read.
    static let shown = 50

    private static let keys = "[a] accept  [l] choose level  [u] step up  [d] step down  [c] close  [b] back  [q] quit"

    func run() async throws {
        while true {
            let queue = try await talk { () throws(ClientError) in try await client.queue(limit: Self.shown) }
            let items = queue.items
            let total = queue.total
            Console.out("")
            let count = total > items.count ? "\(total) waiting, the \(items.count) most urgent shown" : "\(total) waiting"
            Console.out(Style.bold("Front-door queue") + " (\(count), as of \(queue.asOf))")
            Console.out(Render.queue(queue))
            // After a change of pathway version, the cases a migration left for a person.
            if let review = try? await client.migrationReview(limit: 1), review.total > 0 {
                Console.out(Style.bold("\(review.total) case\(review.total == 1 ? "" : "s") on the migration review list: `continuum triage review`"))
            }
            guard let answer = prompt(items.isEmpty ? "[r] refresh  [q] quit: " : "Case number to open, [r] refresh, [q] quit: ") else { return }
            if answer == "q" { return }
            if answer == "r" || answer.isEmpty { continue }
            guard let number = Int(answer), items.indices.contains(number - 1), case let caseId = items[number - 1].caseId else {
                Console.out("\"\(answer)\" is not a number from the list.")
                continue
            }
            if try await work(caseId) == .quit { return }
        }
    }

    enum Next { case queue, quit }

    /// Shows the case and asks what to do until the user acts, goes back or quits.
    private func work(_ caseId: String) async throws -> Next {
        while true {
            let record = try await talk { () throws(ClientError) in try await client.caseRecord(caseId) }
            Console.out("")
            Console.out(Render.caseRecord(record))
            Console.out("")
            Console.out(Self.keys + (record.migrationReview == nil ? "" : "  [m] move to \(record.migrationReview?.to ?? "the new version")"))
            guard let key = prompt("Action for \(caseId): ") else { return .quit }
            switch key {
            case "q": return .quit
            case "b", "": return .queue
            case "a":
                let level = record.recommendation ?? "the recommendation"
                guard let rationale = required("Rationale") else { return .quit }
                if confirm("Accept \(level) for \(caseId)?") {
                    await act(try? DecisionCommand(accept: true, level: nil, overrideReason: nil, rationale: rationale)) { command throws(ClientError) in try await client.decide(caseId, command) }
                    return .queue
                }
            case "l":
                guard let level = required("Level (e.g. intensive-support)"), let reason = required("Override reason"), let rationale = required("Rationale") else { return .quit }
                if confirm("Decide \(level) for \(caseId) instead of \(record.recommendation ?? "the recommendation")?") {
                    await act(try? DecisionCommand(accept: false, level: level, overrideReason: reason, rationale: rationale)) { command throws(ClientError) in try await client.decide(caseId, command) }
                    return .queue
                }
            case "u", "d":
                let kind: TransitionKind = key == "u" ? .stepUp : .stepDown
                guard let level = required("\(kind.rawValue) to level"), let rationale = required("Rationale") else { return .quit }
                if confirm("\(kind.rawValue) \(caseId) to \(level)?") {
                    await act(try? TransitionCommand(kind: kind, to: level, reason: nil, rationale: rationale)) { command throws(ClientError) in try await client.transition(caseId, command) }
                    return .queue
                }
            case "c":
                guard let reason = required("Closure reason (RC1 to RC9)"), let rationale = required("Rationale") else { return .quit }
                guard let code = ClosureReason(rawValue: reason.uppercased()) else {
                    Console.out(Style.red("Not recorded: the closure reason must be RC1 to RC9, not \"\(reason)\""))
                    return .queue
                }
                if confirm("Close \(caseId) with \(code.rawValue)?") {
                    await act(try? TransitionCommand(kind: .close, to: nil, reason: code, rationale: rationale)) { command throws(ClientError) in try await client.transition(caseId, command) }
                    return .queue
                }
            case "m" where record.migrationReview != nil:
                let target = record.migrationReview?.to ?? "the new version"
                let level = record.phase == .open ? required("Level of \(target)") : nil
                if record.phase == .open, level == nil { return .quit }
                guard let rationale = required("Rationale") else { return .quit }
                if confirm("Move \(caseId) to \(target)\(level.map { " at \($0)" } ?? "")?") {
                    await act(try? MigrateCaseCommand(level: level, rationale: rationale)) { command throws(ClientError) in try await client.migrate(caseId, command) }
                    return .queue
                }
            default:
                Console.out("Unknown key \"\(key)\". " + Self.keys)
            }
        }
    }

    /// Sends an action and prints the outcome or the server's reason for refusing it.
    /// (The prompts insist on every answer, so the command is always built; nil would be a bug.)
    private func act<Command>(_ command: Command?, _ request: (Command) async throws(ClientError) -> ChangeOutcome) async {
        guard let command else {
            Console.out(Style.red("Not recorded: every answer is required"))
            return
        }
        do {
            Console.out(Render.outcome(try await request(command)))
        } catch {
            Console.out(Style.red("Not recorded: \(error)"))
        }
    }

    /// One line of input after a prompt; nil at end of input.
    private func prompt(_ text: String) -> String? {
        Console.write(text)
        return readLine()?.trimmingCharacters(in: .whitespaces)
    }

    /// Asks until the answer is not empty (a rationale is never optional); nil at end of input.
    private func required(_ label: String) -> String? {
        while true {
            guard let answer = prompt("\(label): ") else { return nil }
            if !answer.isEmpty { return answer }
            Console.out("\(label) is required.")
        }
    }

    private func confirm(_ question: String) -> Bool {
        guard let answer = prompt("\(question) [y/N] ") else { return false }
        if answer.lowercased() == "y" || answer.lowercased() == "yes" { return true }
        Console.out("Not recorded.")
        return false
    }
}
