import ContinuumAPI
import ContinuumClient
import ContinuumCore
import ContinuumJSON
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `continuum triage` with no subcommand: a line-based session that works in any 80-column
/// terminal (and through a pipe). The queue a screen at a time, most urgent first; a case
/// opened by its number, its id, from the caseload or a search; the actions the reader's role
/// may take on it now (the server says which: `CaseRecord.options`); a refused action keeps
/// what was typed for the next try.
final class InteractiveSession {
    let client: ContinuumClient
    /// Who is working: the role decides what is offered (approvals for managers).
    private var me = StaffIdentity(tokenId: "", role: .practitioner, name: nil)
    /// What was typed for the current case (rationale, override reason, worker), kept when the
    /// server refuses so the next try starts from it; cleared once an action is recorded.
    private var drafts: [String: String] = [:]

    init(client: ContinuumClient) {
        self.client = client
    }

    enum Next { case back, quit }

    func run() async throws {
        me = try await talk { () throws(ClientError) in try await client.me() }
        Console.out(Style.bold("Continuum triage") + ": " + (me.name.map { "\(TerminalText.clean($0)) (\(me.tokenId))" } ?? me.tokenId) + ", \(me.role.rawValue)")
        var page = 0
        while true {
            let perPage = Self.itemsPerScreen()
            let queue = try await talk { () throws(ClientError) in try await client.queue(limit: min(QueuePage.maximumLimit, (page + 1) * perPage)) }
            let start = min(page * perPage, max(0, queue.items.count - 1) / perPage * perPage)
            page = start / perPage
            let slice = queue.items[min(start, queue.items.count)..<min(start + perPage, queue.items.count)]
            Console.out("")
            Console.out(Style.bold(Render.queueHeading(queue, shown: slice.isEmpty ? nil : (start + 1)...(start + slice.count))))
            if queue.items.isEmpty { Console.out("The queue is empty: no referral is waiting for a decision.") }
            for line in Render.queueItems(queue, items: slice, first: start + 1) { Console.out(line) }
            // After a change of pathway version, the cases a migration left for a person.
            if let review = try? await client.migrationReview(limit: 1), review.total > 0 {
                Console.out(Style.bold("\(review.total) case\(review.total == 1 ? "" : "s") on the migration review list: `continuum triage review`"))
            }
            let more = start + slice.count < min(queue.total, QueuePage.maximumLimit)
            Console.out(Self.menu(["number or case id: open", more ? "[n] next page" : nil, page > 0 ? "[p] previous" : nil, "[m] my cases",
                                   "[f] find a child", me.role == .manager ? "[a] approvals" : nil, "[r] refresh", "[q] quit"]))
            guard let answer = prompt("> ") else { return }
            switch answer.lowercased() {
            case "q": return
            case "", "r": continue
            case "n" where more: page += 1
            case "p" where page > 0: page -= 1
            case "m": if try await caseload() == .quit { return }
            case "f": if try await find() == .quit { return }
            case "a" where me.role == .manager: if try await approvals() == .quit { return }
            default:
                if let number = Int(answer) {
                    guard queue.items.indices.contains(number - 1) else {
                        Console.out("\(number) is not a number on the list (1 to \(queue.items.count)).")
                        continue
                    }
                    if try await work(queue.items[number - 1].caseId) == .quit { return }
                } else if answer.contains("-") {
                    if try await work(answer) == .quit { return }
                } else {
                    Console.out("\"\(TerminalText.clean(answer))\" is not a key on the menu, a number from the list or a case id.")
                }
            }
        }
    }

    // MARK: Lists

    /// The reader's own cases, nearest deadline first; a number or id opens one.
    private func caseload() async throws -> Next {
        let page = try await talk { () throws(ClientError) in try await client.cases(assignedTo: "me", limit: Self.itemsPerScreen() * 3 / 2) }
        Console.out("")
        Console.out(Style.bold("Your cases: \(page.total)") + (page.total > page.items.count ? " (the \(page.items.count) nearest deadlines shown)" : ""))
        if page.items.isEmpty { Console.out("No case is assigned to you (lead or co-worker).") }
        for line in Render.cases(page) { Console.out(line) }
        return try await pick(page.items.map(\.caseId))
    }

    /// A search by NHS number, or names with a date of birth; a number opens a case found.
    private func find() async throws -> Next {
        guard let number = prompt("NHS number (Enter to search by name and date of birth): ") else { return .quit }
        let page: ChildSearchPage
        do {
            if !number.isEmpty {
                page = try await client.searchChildren(nhsNumber: number)
            } else {
                guard let given = required("Given name"), let family = required("Family name"), let born = required("Date of birth (YYYY-MM-DD)") else { return .quit }
                page = try await client.searchChildren(givenName: given, familyName: family, dateOfBirth: born)
            }
        } catch {
            Console.out(Style.red("Not searched: \(error)"))
            return .back
        }
        Console.out("")
        if page.items.isEmpty {
            Console.out("No case found for that child.")
            return .back
        }
        Console.out(Style.bold("\(page.total) case\(page.total == 1 ? "" : "s") found"))
        for line in Render.search(page) { Console.out(line) }
        return try await pick(page.items.map(\.caseId))
    }

    /// Managers: the changes waiting; a number opens the case, where approve and reject are.
    private func approvals() async throws -> Next {
        let page = try await talk { () throws(ClientError) in try await client.approvals() }
        Console.out("")
        Console.out(Style.bold("Waiting for approval: \(page.total)"))
        Console.out(Render.approvals(page, numbered: true))
        return try await pick(page.items.map(\.caseId))
    }

    /// After a list: a number (or an id) opens that case; Enter goes back.
    private func pick(_ caseIds: [String]) async throws -> Next {
        guard !caseIds.isEmpty else { return .back }
        guard let answer = prompt("Number or case id to open, Enter to go back: ") else { return .quit }
        if answer.isEmpty || answer.lowercased() == "b" { return .back }
        if answer.lowercased() == "q" { return .quit }
        if let number = Int(answer), caseIds.indices.contains(number - 1) { return try await work(caseIds[number - 1]) }
        if answer.contains("-") { return try await work(answer) }
        Console.out("\"\(TerminalText.clean(answer))\" is not a number from the list.")
        return .back
    }

    // MARK: A case

    /// Shows the case and offers what the role may do now, until an action is recorded, the
    /// user goes back or quits. A refused action shows the server's reason and keeps what was typed.
    private func work(_ typed: String) async throws -> Next {
        drafts = [:]
        while true {
            let record: CaseRecord
            do {
                record = try await client.caseRecord(typed)
            } catch {
                Console.out(Style.red("Cannot open \(TerminalText.clean(typed)): \(error)"))
                return .back
            }
            let caseId = record.caseId
            Console.out("")
            Console.out(Render.caseRecord(record))
            Console.out("")
            let actions = Self.actions(record)
            Console.out(Self.menu(actions.map { "[\($0.key)] \($0.label)" } + ["[?] read again", "[b] back", "[q] quit"]))
            guard let key = prompt("Action for \(caseId): ")?.lowercased() else { return .quit }
            if key == "q" { return .quit }
            if key == "b" || key.isEmpty { return .back }
            guard let action = actions.first(where: { $0.key == key }) else {
                // "?" reads the case again (a colleague may have changed it); anything else is named.
                if key != "?" { Console.out("\"\(TerminalText.clean(key))\" is not an action on this case now.") }
                continue
            }
            switch try await perform(action.kind, record) {
            case .recorded: return .back
            case .refused, .cancelled: continue
            case .quit: return .quit
            }
        }
    }

    enum Outcome { case recorded, refused, cancelled, quit }

    /// One action, asked for and sent; nil answers (end of input) quit.
    private func perform(_ kind: Action.Kind, _ record: CaseRecord) async throws -> Outcome {
        let caseId = record.caseId
        let options = record.options ?? CaseOptions()
        switch kind {
        case .accept:
            let what = record.phase == .open ? "the referral (\(Self.acceptMeaning(record)))" : (record.recommendation ?? "the recommendation")
            guard let rationale = ask("Rationale", "rationale") else { return .quit }
            guard confirm("Accept \(what) for \(caseId)?") else { return .cancelled }
            return await send(try? DecisionCommand(accept: true, level: nil, overrideReason: nil, rationale: rationale)) { command throws(ClientError) in try await self.client.decide(caseId, command) }
        case .choose:
            // A new case: the front door's outcomes. A joined referral: the levels the case can move to.
            let targets = options.note ? options.moves.map { ($0.to, "\($0.kind.rawValue)" + ($0.needsApproval ? ", a manager approves" : "")) }
                : options.outcomes.map { ($0, Self.levelNote($0, record)) }
            guard let level = choose("Level", targets) else { return .cancelled }
            let reason = level != record.recommendation && level != record.level ? ask("Override reason (why not \(record.recommendation ?? "the recommendation"))", "override") : nil
            if level != record.recommendation && level != record.level && reason == nil { return .quit }
            guard let rationale = ask("Rationale", "rationale") else { return .quit }
            guard confirm("Decide \(level) for \(caseId)?") else { return .cancelled }
            return await send(try? DecisionCommand(accept: false, level: level, overrideReason: reason, rationale: rationale)) { command throws(ClientError) in try await self.client.decide(caseId, command) }
        case .note:
            let current = record.level ?? "its level"
            let higher = Self.recommendationHigher(record)
            let reason = higher ? ask("Override reason (it recommends \(record.recommendation ?? ""))", "override") : nil
            if higher && reason == nil { return .quit }
            guard let rationale = ask("Rationale", "rationale") else { return .quit }
            guard confirm("Note the referral on \(caseId) at \(current), without moving the case?") else { return .cancelled }
            return await send(try? DecisionCommand(accept: false, level: nil, overrideReason: reason, rationale: rationale, noted: true)) { command throws(ClientError) in try await self.client.decide(caseId, command) }
        case .move(let transition):
            let targets = options.moves(transition)
            guard let level = choose("\(transition.rawValue) to", targets.map { ($0.to, "\($0.transition)" + ($0.needsApproval ? ", a manager approves" : "")) }) else { return .cancelled }
            guard let rationale = ask("Rationale", "rationale") else { return .quit }
            guard confirm("\(transition.rawValue) \(caseId) to \(level)?") else { return .cancelled }
            return await send(try? TransitionCommand(kind: transition, to: level, reason: nil, rationale: rationale)) { command throws(ClientError) in try await self.client.transition(caseId, command) }
        case .close:
            guard let code = choose("Closure reason", options.closeReasons.map { ($0.rawValue, $0.title) }), let reason = ClosureReason(rawValue: code) else { return .cancelled }
            guard let rationale = ask("Rationale", "rationale") else { return .quit }
            guard confirm("Close \(caseId) with \(reason.rawValue) (\(reason.title))?") else { return .cancelled }
            return await send(try? TransitionCommand(kind: .close, to: nil, reason: reason, rationale: rationale)) { command throws(ClientError) in try await self.client.transition(caseId, command) }
        case .milestone:
            guard let id = choose("Milestone", options.milestones.map { ($0.id, $0.title + ($0.needsApproval ? " (a manager approves)" : "")) }) else { return .cancelled }
            guard let day = prompt("Day it happened (YYYY-MM-DD, Enter for today): ") else { return .quit }
            // The census codes the milestone takes (docs/census.md); Enter leaves one out.
            var codes: [CensusDetail: String] = [:]
            for detail in options.milestones.first(where: { $0.id == id })?.takes ?? [] {
                guard let answer = prompt(Self.censusPrompt(detail)) else { return .quit }
                if !answer.isEmpty { codes[detail] = answer }
            }
            guard let rationale = ask("Rationale (what happened)", "rationale") else { return .quit }
            let command: MilestoneCommand
            do {
                command = try MilestoneCommand(milestone: id, on: day.isEmpty ? nil : day, rationale: rationale,
                                               factors: codes[.factors].map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } },
                                               primaryNeed: codes[.primaryNeed], category: codes[.category], outcome: codes[.outcome])
            } catch {
                Console.out(Style.red("Not recorded: " + error.problems.map { "\($0.field == .on ? "the day" : $0.field.rawValue): \($0.message)" }.joined(separator: "; ")))
                return .refused
            }
            guard confirm("Record \(id) on \(caseId)?") else { return .cancelled }
            return await send(command) { command throws(ClientError) in try await self.client.recordMilestone(caseId, command) }
        case .childDetails:
            Console.out("The census details on the case: Enter leaves one as it is.")
            guard let upn = prompt("UPN (13 characters): "), let ethnicity = prompt("Ethnicity (census code, e.g. WBRI; NOBT not yet obtained): "),
                  let sex = prompt("Sex (M, F or U): "), let need = prompt(Self.censusPrompt(.primaryNeed)) else { return .quit }
            guard let rationale = ask("Where the details come from", "rationale") else { return .quit }
            let command: ChildDetailsCommand
            do {
                command = try ChildDetailsCommand(upn: upn.isEmpty ? nil : upn, ethnicity: ethnicity.isEmpty ? nil : ethnicity, sex: sex.isEmpty ? nil : sex,
                                                  primaryNeed: need.isEmpty ? nil : need, rationale: rationale)
            } catch {
                Console.out(Style.red("Not recorded: " + error.problems.map { "\($0.field.rawValue): \($0.message)" }.joined(separator: "; ")))
                return .refused
            }
            guard confirm("Record these details on \(caseId)?") else { return .cancelled }
            return await send(command) { command throws(ClientError) in try await self.client.recordChildDetails(caseId, command) }
        case .assign:
            guard let worker = ask("Worker (a staff token's id or name; \"me\" for you)", "worker") else { return .quit }
            let named = worker.lowercased() == "me" ? me.tokenId : worker
            guard let roleAnswer = prompt("Role (Enter for lead practitioner, or co-worker): ") else { return .quit }
            let role: String? = roleAnswer.isEmpty ? nil : Codes.canonical(roleAnswer, among: CaseRole.allCases.map(\.rawValue))
            if !roleAnswer.isEmpty, role == nil {
                Console.out(Style.red("Not recorded: the role is lead or co-worker, not \"\(TerminalText.clean(roleAnswer))\""))
                return .refused
            }
            guard confirm("Assign \(caseId) to \(TerminalText.clean(named)) as \(role ?? "lead")?") else { return .cancelled }
            return await send(try? AssignCommand(worker: named, role: role)) { command throws(ClientError) in try await self.client.assign(caseId, command) }
        case .approve(let approves):
            guard let pending = record.pending else { return .cancelled }
            let rationale: String?
            if approves {
                guard let answer = prompt("Rationale (optional for an approval): ") else { return .quit }
                rationale = answer.isEmpty ? nil : answer
            } else {
                guard let answer = ask("Why it is rejected", "rationale") else { return .quit }
                rationale = answer
            }
            guard confirm("\(approves ? "Approve" : "Reject") \(pending.id) (\(pending.change.change.summary))?") else { return .cancelled }
            return await send(try? ApprovalCommand(approve: approves, rationale: rationale)) { command throws(ClientError) in try await self.client.resolve(pending.id, command) }
        case .migrate:
            let target = record.migrationReview?.to ?? "the new version"
            let level = record.phase == .open ? required("Level of \(target)") : nil
            if record.phase == .open, level == nil { return .quit }
            guard let rationale = ask("Rationale", "rationale") else { return .quit }
            guard confirm("Move \(caseId) to \(target)\(level.map { " at \($0)" } ?? "")?") else { return .cancelled }
            return await send(try? MigrateCaseCommand(level: level, rationale: rationale)) { command throws(ClientError) in try await self.client.migrate(caseId, command) }
        }
    }

    /// Sends an action and prints the outcome, or the server's reason for refusing it (what
    /// was typed stays in ``drafts`` for the next try).
    private func send<Command>(_ command: Command?, _ request: (Command) async throws(ClientError) -> ChangeOutcome) async -> Outcome {
        guard let command else {
            Console.out(Style.red("Not recorded: every answer is required"))
            return .refused
        }
        do {
            Console.out(Render.outcome(try await request(command)))
            drafts = [:]
            return .recorded
        } catch {
            for line in Render.wrap("Not recorded: \(error)", indent: "") { Console.out(Style.red(line)) }
            Console.out("What you typed is kept: press Enter at a prompt to use it again.")
            return .refused
        }
    }

    // MARK: What a case offers

    struct Action {
        enum Kind {
            case accept, choose, note, move(TransitionKind), close, milestone, childDetails, assign, approve(Bool), migrate
        }
        var key: String
        var label: String
        var kind: Kind
    }

    /// The actions on the case for the reader's role, from the server's `options`, each once.
    static func actions(_ record: CaseRecord) -> [Action] {
        guard let options = record.options else { return [] }
        var actions: [Action] = []
        if options.decide {
            actions.append(Action(key: "a", label: "accept \(record.recommendation ?? "recommendation")", kind: .accept))
            actions.append(Action(key: "l", label: "choose level", kind: .choose))
        }
        if options.note {
            actions.append(Action(key: "n", label: "note at \(record.level ?? "level")", kind: .note))
            if recommendationHigher(record) { actions.append(Action(key: "a", label: "accept \(record.recommendation ?? "")", kind: .accept)) }
            if !options.moves.isEmpty { actions.append(Action(key: "l", label: "move the case (decides the referral)", kind: .choose)) }
        }
        for (key, kind, label) in [("u", TransitionKind.stepUp, "step up"), ("d", .stepDown, "step down"), ("e", .escalate, "escalate"), ("x", .reclassify, "reclassify")]
            where !options.moves(kind).isEmpty {
            actions.append(Action(key: key, label: label, kind: .move(kind)))
        }
        if !options.closeReasons.isEmpty { actions.append(Action(key: "c", label: "close", kind: .close)) }
        if !options.milestones.isEmpty { actions.append(Action(key: "r", label: "record milestone", kind: .milestone)) }
        if options.assign { actions.append(Action(key: "w", label: "assign", kind: .assign)) }
        if options.approve {
            actions.append(Action(key: "v", label: "approve", kind: .approve(true)))
            actions.append(Action(key: "j", label: "reject", kind: .approve(false)))
        }
        if record.migrationReview != nil { actions.append(Action(key: "m", label: "move to \(record.migrationReview?.to ?? "new version")", kind: .migrate)) }
        // Last: less frequent than the case's own actions, which keep their places on the menu.
        if record.phase == .open || record.phase == .awaitingDecision || record.phase == .closed {
            actions.append(Action(key: "i", label: "census details", kind: .childDetails))
        }
        return actions
    }

    /// The question for one census code a milestone takes.
    static func censusPrompt(_ detail: CensusDetail) -> String {
        switch detail {
        case .factors: "Factors identified at assessment (census codes, comma-separated; 21 for none; Enter to leave out): "
        case .primaryNeed: "Primary need (N1 abuse or neglect ... N9 not in need; Enter to leave out): "
        case .category: "Category of abuse (NEG, PHY, SAB, EMO, MUL; Enter to leave out): "
        case .outcome: "Pre-proceedings outcome (A, B or C; Enter to leave out): "
        }
    }

    static func recommendationHigher(_ record: CaseRecord) -> Bool {
        guard let recommended = record.recommendation, let current = record.level, let options = record.options else { return false }
        let order = options.outcomes
        return (order.firstIndex(of: recommended) ?? -1) > (order.firstIndex(of: current) ?? Int.max)
    }

    /// What accepting does to a joined referral: notes it, or asks for the move up.
    static func acceptMeaning(_ record: CaseRecord) -> String {
        recommendationHigher(record) ? "move to \(record.recommendation ?? "")" : "noted at \(record.level ?? "its level")"
    }

    static func levelNote(_ level: String, _ record: CaseRecord) -> String {
        [level == record.recommendation ? "recommended" : nil, level == record.level ? "current level" : nil].compactMap { $0 }.joined(separator: ", ")
    }

    // MARK: Prompts

    /// Key hints, two spaces apart, wrapped to 80 columns between hints (never inside one).
    static func menu(_ items: [String?]) -> String {
        var lines: [String] = []
        var current = ""
        for item in items.compactMap({ $0 }) {
            if !current.isEmpty, Columns.width(current) + 2 + Columns.width(item) > Render.width {
                lines.append(current)
                current = ""
            }
            current += (current.isEmpty ? "" : "  ") + item
        }
        if !current.isEmpty { lines.append(current) }
        return lines.joined(separator: "\n")
    }

    /// Queue items that fit the terminal: about three lines each, under a heading and the menu.
    static func itemsPerScreen() -> Int {
        var size = winsize()
        let rows = ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0 && size.ws_row > 0 ? Int(size.ws_row)
            : Int(ProcessInfo.processInfo.environment["LINES"] ?? "") ?? 24
        return max(3, (rows - 6) / 3)
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

    /// A required answer, remembered under `key`: after a refusal Enter takes the earlier one.
    private func ask(_ label: String, _ key: String) -> String? {
        while true {
            let kept = drafts[key]
            let hint = kept.map { " [Enter keeps \"\(Columns.truncate(TerminalText.clean($0), 30))\"]" } ?? ""
            guard let answer = prompt("\(label)\(hint): ") else { return nil }
            if answer.isEmpty, let kept { return kept }
            if !answer.isEmpty {
                drafts[key] = answer
                return answer
            }
            Console.out("\(label) is required.")
        }
    }

    /// One of `choices` by number or name (any case); Enter cancels. Each is shown with its note.
    private func choose(_ label: String, _ choices: [(value: String, note: String)]) -> String? {
        guard !choices.isEmpty else {
            Console.out("Nothing to choose from here.")
            return nil
        }
        for (index, choice) in choices.enumerated() {
            Console.out(Columns.truncate(Columns.pad("\(index + 1)", 4, right: true) + " " + choice.value + (choice.note.isEmpty ? "" : "  (\(choice.note))"), Render.width))
        }
        while true {
            guard let answer = prompt("\(label) (number or name, Enter to cancel): ") else { return nil }
            if answer.isEmpty { return nil }
            if let number = Int(answer), choices.indices.contains(number - 1) { return choices[number - 1].value }
            if let value = Codes.canonical(answer, among: choices.map(\.value)) { return value }
            Console.out("\"\(TerminalText.clean(answer))\" is not one of these: " + choices.map(\.value).joined(separator: ", "))
        }
    }

    private func confirm(_ question: String) -> Bool {
        guard let answer = prompt("\(question) [y/N] ") else { return false }
        if answer.lowercased() == "y" || answer.lowercased() == "yes" { return true }
        Console.out("Not recorded.")
        return false
    }
}
