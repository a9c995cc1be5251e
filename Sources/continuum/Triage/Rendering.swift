import ContinuumAPI
import ContinuumCore
import ContinuumJSON

/// Text for the terminal: the queue, caseloads, a case, an outcome. Every line fits 80 display
/// columns (``Columns``: wide characters count two); dates are written one way everywhere,
/// `2026-12-01`, and times `2026-12-01 09:30` (London).
enum Render {
    static let width = 80

    // MARK: The queue

    /// "Front-door queue: 12 waiting, 3 overdue (as of 2026-11-30)".
    static func queueHeading(_ queue: QueuePage, shown: ClosedRange<Int>? = nil) -> String {
        var text = "Front-door queue: \(queue.total) waiting, \(queue.overdue) overdue (as of \(queue.asOf))"
        if let shown, queue.total > shown.count { text += "; \(shown.lowerBound)-\(shown.upperBound) shown" }
        return text
    }

    /// Each referral in two lines, a third for its flags: who and from where; the
    /// recommendation, the deadline and time left, when received; what to weigh.
    /// - Parameter first: the number of the first item (a later page starts further on).
    static func queueItems(_ queue: QueuePage, items: ArraySlice<QueueItem>? = nil, first: Int = 1) -> [String] {
        var lines: [String] = []
        // Across a change of pathway the queue holds cases on both versions: then each says which.
        let mixed = Set(queue.items.compactMap(\.pathway)).count > 1
        let idWidth = Columns.idWidth(queue.items.map(\.caseId))
        for (offset, item) in (items ?? queue.items[...]).enumerated() {
            let age = item.child.ageYears.map { "\($0)" } ?? "unborn"
            // The age is never the part cut: a long name is.
            let name = Columns.truncate(TerminalText.clean("\(item.child.givenName) \(item.child.familyName)"), 29 - Columns.width(" (\(age))")) + " (\(age))"
            let head = Columns.pad("\(offset + first)", 4, right: true) + " " + Columns.pad(item.caseId, idWidth) + Columns.pad(name, 31)
                + Columns.truncate(TerminalText.clean(item.referrer.agency), width - 36 - idWidth)
            let due = "due " + (item.decisionDue.map(\.description) ?? "-") + " (" + timeLeft(due: item.decisionDue, asOf: queue.asOf) + ")"
            let second = "     " + Columns.pad(item.recommendedLevel ?? "no recommendation", 22) + Columns.pad(due, 33)
                + "received " + item.receivedAt.londonDate
            var flags = [item.immediateRisk ? "RISK" : nil, item.reReferral ? "RE-REFERRAL" : nil, item.pendingApproval ? "APPROVAL PENDING" : nil,
                         mixed ? item.pathway : nil].compactMap { $0 }
            if let current = item.currentLevel {
                flags.append("joined open case at \(current)" + (item.recommendationBelowLevel == true ? " (recommendation lower: weigh it)" : ""))
            }
            if let worker = item.assignedTo { flags.append("lead " + person(worker, queue.people)) }
            lines.append(item.immediateRisk ? Style.bold(head) : head)
            lines.append(item.overdue ? Style.red(Columns.truncate(second, width)) : Style.dim(Columns.truncate(second, width)))
            if !flags.isEmpty { lines += wrap(flags.joined(separator: " · "), indent: "     ") }
        }
        return lines
    }

    /// `triage queue`: the heading, the items, and how many more wait.
    static func queue(_ queue: QueuePage) -> String {
        if queue.items.isEmpty { return queueHeading(queue) + "\nThe queue is empty: no referral is waiting for a decision." }
        var lines = [queueHeading(queue)] + queueItems(queue)
        if queue.total > queue.items.count { lines.append("... and \(queue.total - queue.items.count) more waiting, less urgent") }
        return lines.joined(separator: "\n")
    }

    static func timeLeft(due: CalendarDate?, asOf: CalendarDate?) -> String {
        guard let due, let asOf else { return "no deadline" }
        let days = due.daysSinceEpoch - asOf.daysSinceEpoch
        switch days {
        case ..<0: return "OVERDUE \(-days) day\(days == -1 ? "" : "s")"
        case 0: return "due today"
        case 1: return "1 day left"
        default: return "\(days) days left"
        }
    }

    // MARK: Caseloads and search

    /// A caseload: one line per case (and one for its child), nearest deadline first.
    static func cases(_ page: CasePage, first: Int = 1) -> [String] {
        let idWidth = Columns.idWidth(page.items.map(\.caseId))
        return page.items.enumerated().flatMap { offset, item -> [String] in
            let age = item.child.ageYears.map { " (\($0))" } ?? ""
            let name = Columns.truncate(TerminalText.clean("\(item.child.givenName) \(item.child.familyName)"), 30 - Columns.width(age)) + age
            let where_ = item.awaitingDecision && item.level == nil ? "awaiting decision" : (item.level ?? item.phase.rawValue)
            let head = Columns.pad("\(offset + first)", 4, right: true) + " " + Columns.pad(item.caseId, idWidth) + Columns.pad(name, 31) + Columns.truncate(where_, width - 36 - idWidth)
            let due = item.nextDue.map { "next due " + $0.description + " (" + timeLeft(due: $0, asOf: page.asOf) + ")" } ?? "no clock running"
            let lead = item.lead.map { "lead " + person($0, page.people) } ?? "no lead"
            let flags = [item.awaitingDecision && item.level != nil ? "referral waiting" : nil, item.pendingApproval ? "approval pending" : nil].compactMap { $0 }
            let second = "     " + ([due, lead] + flags).joined(separator: " · ")
            return [head, item.overdue ? Style.red(Columns.truncate(second, width)) : Columns.truncate(second, width)]
        }
    }

    static func caseload(_ page: CasePage, title: String) -> String {
        var lines = ["\(title): \(page.total) case\(page.total == 1 ? "" : "s") (as of \(page.asOf))"]
        if page.items.isEmpty { lines.append("No case matches.") }
        lines += cases(page, first: page.offset + 1)
        if page.total > page.offset + page.items.count {
            lines.append("... \(page.total - page.offset - page.items.count) more: --offset \(page.offset + page.items.count)")
        }
        return lines.joined(separator: "\n")
    }

    /// Search hits: the surest first, with why a possible one may be the child.
    static func search(_ page: ChildSearchPage) -> [String] {
        let idWidth = Columns.idWidth(page.items.map(\.caseId))
        return page.items.enumerated().flatMap { offset, hit -> [String] in
            let born = hit.child.dateOfBirth.map { "born \($0)" } ?? hit.child.expectedDateOfBirth.map { "expected \($0)" } ?? ""
            let name = TerminalText.clean("\(hit.child.givenName) \(hit.child.familyName)")
            let head = Columns.pad("\(offset + 1)", 4, right: true) + " " + Columns.pad(hit.caseId, idWidth) + Columns.pad(name, 26)
                + Columns.truncate(born, width - 31 - idWidth)
            let match = hit.match == .same ? "the same child (NHS number)" : "possibly the same child: " + hit.reasons.joined(separator: "; ")
            // Where the case is, on the second line, whole: the id column leaves the first too little room.
            let standing = hit.level.map { "\(hit.phase.rawValue) at \($0)" } ?? hit.phase.rawValue
            return [head] + wrap("\(standing), referral \(hit.referralId) of \(hit.receivedAt.londonDate); \(match)", indent: "     ")
        }
    }

    // MARK: A case

    /// A case: state, recommendation and its rules, referrals, clocks, pending change, what
    /// the reader may do, and the timeline with people by name.
    static func caseRecord(_ record: CaseRecord) -> String {
        var lines: [String] = []
        let people = record.people
        let level = record.level.map { "\($0) (\(record.levelTitle ?? ""))" } ?? "not decided"
        lines.append(Style.bold("Case \(record.caseId)") + ": \(record.phase.rawValue)" + (record.closureReason.map { ", closed \($0.rawValue) (\($0.title))" } ?? ""))
        let pathway = "pathway: \(record.pathway ?? "unknown")"
        let levelLine = "  level: \(level)"
        lines += Columns.width(levelLine) + 3 + Columns.width(pathway) <= width ? [levelLine + "   " + pathway] : [levelLine, "  " + pathway]
        func worker(_ worker: CaseWorker?) -> String {
            worker.map { person($0.id, people) + ($0.qualification.map { ", \($0.rawValue)" } ?? "") } ?? "nobody"
        }
        lines.append("  consent: \(record.consent?.rawValue ?? "not recorded")   lead: \(worker(record.lead))"
            + (record.coWorker.map { "   co-worker: \(worker($0))" } ?? ""))
        if let review = record.migrationReview {
            lines.append(Style.bold("  On the migration review list for \(review.to):"))
            lines.append(contentsOf: wrap(review.reason, indent: "    "))
        }
        if record.awaitingDecision {
            if record.phase == .open, let current = record.level {
                lines.append(Style.bold("  A referral joined this open case: decide it (note it at \(current), or move the case)."))
                if let recommended = record.recommendation, recommended != current {
                    lines.append("  It recommends \(recommended); the case stays at \(current) unless a person moves it.")
                }
            } else {
                lines.append(Style.bold("  A front-door decision is needed."))
            }
        }
        if let erasure = record.erasure {
            // Shown before the blanks it explains (names, dates of birth and free text are null).
            lines.append(Style.bold("  Personal data erased under the retention schedule") + " on " + erasure.erasedAt.londonTime
                         + " (\(erasure.rule); event \(erasure.eventId)): ids, levels, dates and codes remain.")
        }
        if let decision = record.referrals.last?.decision {
            lines.append("")
            // On an open case the recommendation is the latest referral's, not the case's level.
            let heading = record.phase == .awaitingDecision ? "Recommendation" : "Latest referral's recommendation"
            lines.append(Style.bold("\(heading): \(decision.level) (\(decision.levelTitle))"))
            for citation in decision.rationale {
                lines.append(contentsOf: wrap("\(citation.rule): \(citation.description)", indent: "  "))
            }
        }
        for referral in record.referrals {
            let message = referral.message
            lines.append("")
            lines.append(Style.bold("Referral \(referral.referralId)") + " received " + referral.receivedAt.londonTime
                + (referral.reReferral ? "  RE-REFERRAL" + (referral.previousReferralId.map { " (previous \($0))" } ?? "") : ""))
            let referrer = message["referrer"]
            lines.append("  from: \(referrer?["name"]?.displayText ?? ""), \(referrer?["agency"]?.displayText ?? "") (source \(referrer?["source"]?.displayText ?? ""))")
            let child = message["child"]
            let born = child?["dateOfBirth"]?.displayText.map { "born \($0)" } ?? child?["expectedDateOfBirth"]?.displayText.map { "expected \($0)" } ?? ""
            lines.append("  child: \(child?["givenName"]?.displayText ?? "") \(child?["familyName"]?.displayText ?? ""), \(born)")
            lines.append("  immediate risk: \(message["immediateRisk"] == .bool(true) ? "YES" : "no")   consent: \(message["consent"]?.displayText ?? "")")
            for concern in message["concerns"].map(list) ?? [] {
                let detail = concern["detail"]?.displayText.map { ": \($0)" } ?? ""
                lines.append(contentsOf: wrap("concern \(concern["factor"]?.displayText ?? "") (\(concern["impact"]?.displayText ?? ""))\(detail)", indent: "  "))
            }
            lines.append(contentsOf: wrap("summary: \(message["summary"]?.displayText ?? "")", indent: "  "))
        }
        if !record.clocks.isEmpty {
            lines.append("")
            lines.append(Style.bold("Clocks"))
            for clock in record.clocks {
                let text = "  \(clock.title) due \(clock.due)" + (clock.overdue ? "  OVERDUE" : "") + (clock.breached ? " (breach recorded)" : "")
                lines.append(clock.overdue ? Style.red(text) : text)
            }
        }
        if let pending = record.pending {
            lines.append("")
            lines.append(Style.bold("Waiting for a manager: approval \(pending.id)") + " (\(pending.change.change.summary))")
            lines.append(contentsOf: wrap("asked by \(person(pending.change.requestedBy.id, people)) on \(pending.change.requestedAt.londonTime): \(TerminalText.clean(pending.change.rationale))", indent: "  "))
        }
        if let options = record.options {
            let moves = options.moves.map { "\($0.kind.rawValue) to \($0.to)" + ($0.needsApproval ? " (approval)" : "") }
            if !moves.isEmpty || !options.closeReasons.isEmpty {
                lines.append("")
                lines.append(Style.bold("Moves you can make"))
                if !moves.isEmpty { lines += wrap(moves.joined(separator: "; "), indent: "  ") }
                if !options.closeReasons.isEmpty {
                    lines += wrap("close with " + options.closeReasons.map(\.rawValue).joined(separator: ", ") + (options.closeNeedsApproval ? " (approval)" : ""), indent: "  ")
                }
            }
        }
        lines.append("")
        lines.append(Style.bold("Timeline"))
        for event in record.events {
            lines.append(contentsOf: wrap(timelineLine(event, people: people), indent: "  ", hanging: "      "))
        }
        // Anything still wider than 80 columns (a long agency name, say) is wrapped at its indent.
        return lines.flatMap { line -> [String] in
            let plain = Style.strip(line)
            guard Columns.width(plain) > width else { return [line] }
            let wrapped = wrap(String(plain.drop { $0 == " " }), indent: String(plain.prefix { $0 == " " }))
            // A line bold throughout stays bold; a partly styled one is wrapped plain.
            return line.hasPrefix("\u{1B}[1m") && line.hasSuffix("\u{1B}[0m") && !plain.isEmpty ? wrapped.map(Style.bold) : wrapped
        }.joined(separator: "\n")
    }

    /// "2026-11-26 12:00 decided by Sam Patel (T-7AMPM6VW, practitioner): targeted-support. Agree".
    /// A change that asked for approval reads as asked for, then as approved or rejected; a
    /// rejected one never reads as a move.
    static func timelineLine(_ event: EventView, people: [String: String] = [:]) -> String {
        let type = event.type.rawValue
        let actor = people[event.actor.id].map { "\(TerminalText.clean($0)) (\(event.actor.id), \(event.actor.role.rawValue))" } ?? "\(event.actor.id) (\(event.actor.role.rawValue))"
        var what = ""
        // A change's detail is {"<kind>": {...}}: take its fields.
        let fields: JSONValue? = if case .object(let members) = event.detail, members.count == 1, let only = members.values.first { only } else { event.detail }
        if [EventKind.childLinked, .childrenDistinguished, .merged, .referralMovedIn, .unlink].contains(event.type),
           let referral = fields?["referralId"]?.displayText {
            what += " \(referral)"
            if let from = fields?["from"]?.displayText { what += " from \(from)" }
            if let into = fields?["into"]?.displayText { what += " into \(into)" }
            what += "."
        }
        if let level = fields?["level"]?.displayText { what += event.type == .referralNoted ? " noted at \(level)." : " \(level)." }
        if let to = fields?["to"]?.displayText, event.type != .assigned { what += " to \(to)." }
        if let reason = fields?["reason"]?.displayText { what += " reason \(reason)." }
        if let clock = fields?["clock"]?.displayText { what += " \(clock)." }
        if let override = fields?["overrideReason"]?.displayText { what += " Override: \(override)." }
        if let rationale = fields?["rationale"]?.displayText { what += " \(rationale)" }
        if event.type == .referralReceived, let referral = fields?["referralId"]?.displayText { what += " \(referral)" }
        if event.type == .routed, let rules = fields?["rules"] { what += " rules " + list(rules).compactMap(\.displayText).joined(separator: ", ") }
        if event.type == .assigned, let worker = fields?["to"]?.displayText { what += " " + person(worker, people) }
        if let value = fields?["_0"]?.displayText { what += " \(value)" }
        let verb: String = switch event.approval {
        case .pending?: "\(type) ASKED (waiting for approval)"
        case .approved?: "\(type) asked (then approved)"
        case .rejected?: "\(type) ASKED AND REJECTED (did not happen)"
        case nil: type
        }
        return "\(event.at.londonTime) \(verb) by \(actor)\(what.isEmpty ? "" : ":")\(what)"
    }

    static func outcome(_ outcome: ChangeOutcome) -> String {
        if outcome.status == .pendingApproval {
            return "Recorded \(outcome.eventId): waiting for a manager's approval (approval id \(outcome.eventId)); case \(outcome.caseId) is unchanged until then."
        }
        let level = outcome.level.map { " at \($0)" } ?? ""
        return "Recorded \(outcome.eventId): case \(outcome.caseId) is \(outcome.phase.rawValue)\(outcome.phase == .open ? level : "")."
    }

    /// The migration review list: each case, where it is, and why a person must decide.
    static func migrationReview(_ page: MigrationReviewPage) -> String {
        if page.items.isEmpty { return "No case is waiting on the migration review list." }
        let idWidth = Columns.idWidth(page.items.map(\.caseId))
        return page.items.map { item in
            let head = "\(Columns.pad(item.caseId, idWidth))\(Columns.pad(item.level ?? "awaiting decision", 21))\(item.pathway) → \(item.review.to)"
                + "   consent: \(item.consent?.rawValue ?? "not recorded")"
            return ([Columns.truncate(head, width)] + wrap(item.review.reason, indent: String(repeating: " ", count: idWidth))).joined(separator: "\n")
        }.joined(separator: "\n") + (page.total > page.items.count ? "\n(\(page.items.count) of \(page.total) shown)" : "")
    }

    /// Approvals, each with who asked (by name) and why; numbered for the session.
    static func approvals(_ approvals: ApprovalsPage, numbered: Bool = false) -> String {
        if approvals.items.isEmpty { return "Nothing is waiting for approval." }
        let idWidth = Columns.idWidth(approvals.items.map(\.caseId))
        return approvals.items.enumerated().map { index, item in
            let change = item.change
            let what: String = switch change.change {
            case .decision(let level, _): "decision \(level)"
            case .noted(let level, _): "referral noted at \(level)"
            case .move(let kind, let to, _): "\(kind.rawValue) to \(to)"
            case .close(let reason, _): "close \(reason.rawValue) (\(reason.title))"
            case .unlink(let referralId): "unlink \(referralId)"
            case .milestone(let id, let at, _): "milestone \(id) (\(at.londonDate))"
            }
            let override: String? = switch change.change {
            case .decision(_, let reason), .noted(_, let reason): reason
            default: nil
            }
            let number = numbered ? Columns.pad("\(index + 1)", 4, right: true) + " " : ""
            let head = number + Columns.pad(item.id, 9) + Columns.pad(item.caseId, idWidth) + what
            let indent = numbered ? "              " : "         "
            let rest = (override.map { wrap("override: \(TerminalText.clean($0))", indent: indent) } ?? [])
                + wrap("asked by \(person(change.requestedBy.id, approvals.people)) on \(change.requestedAt.londonTime): \(TerminalText.clean(change.rationale))",
                       indent: indent)
            return ([Columns.truncate(head, width)] + rest).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// Possible matches: the two records side by side, rows that differ marked `*`, and why.
    static func matches(_ matches: PossibleMatches) -> String {
        if matches.items.isEmpty { return "No possible match is waiting: every child has been told apart or linked." }
        var lines: [String] = []
        for item in matches.items {
            lines.append(Style.bold("\(item.matchId)  raised \(item.raisedAt.londonTime)"))
            for reason in item.reasons { lines.append("  - \(reason)") }
            lines.append("  " + Columns.pad("", 16) + Columns.pad("new referral", 31) + "earlier record")
            func row(_ label: String, _ value: (MatchRecord) -> String) {
                let left = TerminalText.clean(value(item.referral)), right = TerminalText.clean(value(item.candidate))
                // A difference is marked in the margin, where truncating a long value cannot hide it.
                let line = Columns.truncate((left == right ? "  " : "* ") + Columns.pad(label, 16) + Columns.pad(left, 31) + right, width)
                lines.append(left == right ? line : Style.bold(line))
            }
            row("referral") { $0.referralId }
            row("case") { "\($0.caseId) (\($0.casePhase.rawValue))" }
            row("received") { $0.receivedAt.londonTime }
            row("referrer") { $0.referrer.agency }
            row("given name") { $0.child.givenName }
            row("family name") { $0.child.familyName }
            row("previous names") { ($0.child.previousNames ?? []).joined(separator: ", ") }
            row("date of birth") { $0.child.dateOfBirth?.description ?? $0.child.expectedDateOfBirth.map { "due \($0)" } ?? "" }
            row("NHS number") { $0.child.nhsNumber ?? "none" }
            row("postcode") { $0.child.postcode ?? "" }
            lines.append("")
        }
        if matches.total > matches.items.count { lines.append("... and \(matches.total - matches.items.count) more waiting") }
        lines.append("The same child:       continuum triage link MATCH --rationale TEXT")
        lines.append("Different children:   continuum triage different MATCH --rationale TEXT")
        return lines.joined(separator: "\n")
    }

    /// What deciding a possible match did.
    static func matchOutcome(_ outcome: MatchOutcome) -> String {
        switch (outcome.status, outcome.joined) {
        case (.different, _):
            "Recorded \(outcome.eventId): \(outcome.matchId) is two different children; the pair will not be offered again."
        case (.linked, true):
            "Recorded \(outcome.eventId): \(outcome.referralId) is the same child and joined the open case \(outcome.caseId)."
        case (.linked, false):
            "Recorded \(outcome.eventId): \(outcome.referralId) is the same child; it stays on case \(outcome.caseId)."
        }
    }

    // MARK: Helpers

    /// "Sam Patel (T-B87SX6DW)" when the id is a token with a name; the id (or a name given
    /// without a token) as it is otherwise.
    static func person(_ id: String, _ people: [String: String]) -> String {
        people[id].map { "\(TerminalText.clean($0)) (\(id))" } ?? TerminalText.clean(id)
    }

    static func list(_ value: JSONValue) -> [JSONValue] {
        if case .array(let items) = value { return items }
        return []
    }

    /// Words wrapped to 80 display columns (a word longer than a line is cut).
    static func wrap(_ text: String, indent: String, hanging: String? = nil, width: Int = Render.width) -> [String] {
        var lines: [String] = []
        var current = indent
        let next = hanging ?? indent
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            let prefix = lines.isEmpty ? indent : next
            let word = Columns.truncate(String(word), width - Columns.width(next))
            if Columns.width(current) + Columns.width(word) + 1 > width, Columns.width(current) > Columns.width(prefix) {
                lines.append(current)
                current = next
            }
            current += (current == indent && lines.isEmpty) || current == next ? word : " " + word
        }
        if current != indent || lines.isEmpty { lines.append(current) }
        return lines
    }
}

extension Timestamp {
    /// The London date, `2026-12-01`.
    var londonDate: String { UKTime.londonDate(of: self).description }

    /// The London date and time, `2026-12-01 09:30`.
    var londonTime: String {
        let local = adding(seconds: UKTime.isSummerTime(self) ? 3600 : 0)
        let seconds = ((local.secondsSinceEpoch % 86_400) + 86_400) % 86_400
        func two(_ number: Int64) -> String { number < 10 ? "0\(number)" : "\(number)" }
        return "\(londonDate) \(two(seconds / 3600)):\(two(seconds % 3600 / 60))"
    }
}
