import ContinuumAPI
import ContinuumCore
import ContinuumJSON

/// Text for the terminal: the queue, a case, an outcome. Fits 80 columns.
enum Render {
    /// Two lines per referral: who and what, then level, received, due and time left.
    static func queue(_ queue: QueuePage, numbered: Bool = true) -> String {
        if queue.items.isEmpty { return "The queue is empty: no referral is waiting for a decision." }
        var lines: [String] = []
        // Across a change of pathway the queue holds cases on both versions: then each says which.
        let mixed = Set(queue.items.compactMap(\.pathway)).count > 1
        for (index, item) in queue.items.enumerated() {
            let name = "\(item.child.givenName) \(item.child.familyName)"
            let age = item.child.ageYears.map { "\($0)" } ?? "unborn"
            let flags = [item.immediateRisk ? "RISK" : nil, item.reReferral ? "RE-REFERRAL" : nil,
                         item.pendingApproval ? "APPROVAL PENDING" : nil, mixed ? item.pathway : nil].compactMap { $0 }.joined(separator: " ")
            let number = numbered ? pad("\(index + 1)", 3, right: true) + " " : ""
            let first = number + pad(item.caseId, 13) + pad("\(name) (\(age))", 28) + pad(item.referrer.agency, 18) + flags
            let left = timeLeft(due: item.decisionDue, asOf: queue.asOf)
            let second = String(repeating: " ", count: numbered ? 4 : 0) + pad(item.recommendedLevel ?? "-", 20) + "received " + shortTime(item.receivedAt)
                + "  due " + (item.decisionDue.map(shortDate) ?? "-") + " (" + left + ")"
            lines.append(item.immediateRisk ? Style.bold(truncate(first)) : truncate(first))
            lines.append(item.overdue ? Style.red(truncate(second)) : Style.dim(truncate(second)))
        }
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

    /// A case: state, recommendation and its rules, referrals, clocks, pending change, timeline.
    /// (Each referral's message is the partner's document as received, shown from its JSON.)
    static func caseRecord(_ record: CaseRecord) -> String {
        var lines: [String] = []
        let level = record.level.map { "\($0) (\(record.levelTitle ?? ""))" } ?? "not decided"
        lines.append(Style.bold("Case \(record.caseId)") + ": \(record.phase.rawValue)" + (record.closureReason.map { ", closed \($0.rawValue)" } ?? ""))
        lines.append("  level: \(level)   pathway: \(record.pathway ?? "unknown")")
        func worker(_ worker: CaseWorker?) -> String {
            worker.map { $0.id + ($0.qualification.map { " (\($0.rawValue))" } ?? "") } ?? "nobody"
        }
        lines.append("  consent: \(record.consent?.rawValue ?? "not recorded")   lead: \(worker(record.lead))"
            + (record.coWorker.map { "   co-worker: \(worker($0))" } ?? ""))
        if let review = record.migrationReview {
            lines.append(Style.bold("  On the migration review list for \(review.to):"))
            lines.append(contentsOf: wrap(review.reason, indent: "    "))
        }
        if record.awaitingDecision { lines.append(Style.bold("  A front-door decision is needed.")) }
        if let erasure = record.erasure {
            // Shown before the blanks it explains (names, dates of birth and free text are null).
            lines.append(Style.bold("  Personal data erased under the retention schedule") + " on " + shortTime(erasure.erasedAt)
                         + " (\(erasure.rule); event \(erasure.eventId)): ids, levels, dates and codes remain.")
        }
        if let decision = record.referrals.last?.decision {
            lines.append("")
            lines.append(Style.bold("Recommendation: \(decision.level) (\(decision.levelTitle))"))
            for citation in decision.rationale {
                lines.append(contentsOf: wrap("\(citation.rule): \(citation.description)", indent: "  "))
            }
        }
        for referral in record.referrals {
            let message = referral.message
            lines.append("")
            lines.append(Style.bold("Referral \(referral.referralId)") + " received " + shortTime(referral.receivedAt)
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
            lines.append(Style.bold("Waiting for a manager: approval \(pending.id)"))
            lines.append(contentsOf: wrap("requested by \(pending.change.requestedBy.id): \(pending.change.rationale)", indent: "  "))
        }
        lines.append("")
        lines.append(Style.bold("Timeline"))
        for event in record.events {
            lines.append(contentsOf: wrap(timelineLine(event), indent: "  ", hanging: "      "))
        }
        // Anything still wider than 80 columns (a long agency name, say) is wrapped at its indent.
        return lines.flatMap { line -> [String] in
            guard line.count > 80 else { return [line] }
            return wrap(String(line.drop { $0 == " " }), indent: String(line.prefix { $0 == " " }))
        }.joined(separator: "\n")
    }

    /// "2026-11-26 12:00 decided by T-7AMPM6VW (practitioner): targeted-support. Agree"
    static func timelineLine(_ event: EventView) -> String {
        let type = event.type.rawValue
        let actor = "\(event.actor.id) (\(event.actor.role.rawValue))"
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
        if let level = fields?["level"]?.displayText { what += " \(level)." }
        if let to = fields?["to"]?.displayText { what += " to \(to)." }
        if let reason = fields?["reason"]?.displayText { what += " reason \(reason)." }
        if let clock = fields?["clock"]?.displayText { what += " \(clock)." }
        if let override = fields?["overrideReason"]?.displayText { what += " Override: \(override)." }
        if let rationale = fields?["rationale"]?.displayText { what += " \(rationale)" }
        if event.type == .referralReceived, let referral = fields?["referralId"]?.displayText { what += " \(referral)" }
        if event.type == .routed, let rules = fields?["rules"] { what += " rules " + list(rules).compactMap(\.displayText).joined(separator: ", ") }
        if case .string(let worker)? = fields?["_0"] { what += " \(worker)" }
        return "\(shortTime(event.at)) \(type) by \(actor)\(what.isEmpty ? "" : ":")\(what)"
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
        return page.items.map { item in
            let head = "\(pad(item.caseId, 13)) \(pad(item.level ?? "awaiting decision", 20)) \(item.pathway) → \(item.review.to)"
                + "   consent: \(item.consent?.rawValue ?? "not recorded")"
            return ([truncate(head)] + wrap(item.review.reason, indent: "              ")).joined(separator: "\n")
        }.joined(separator: "\n") + (page.total > page.items.count ? "\n(\(page.items.count) of \(page.total) shown)" : "")
    }

    static func approvals(_ approvals: ApprovalsPage) -> String {
        if approvals.items.isEmpty { return "Nothing is waiting for approval." }
        return approvals.items.map { item in
            let change = item.change
            let what: String = switch change.change {
            case .decision(let level, let overrideReason): "decision \(level)" + (overrideReason.map { " (override: \($0))" } ?? "")
            case .move(_, let to, _): "move \(to)"
            case .close(let reason, _): "close \(reason.rawValue)"
            case .unlink(let referralId): "unlink \(referralId)"
            case .milestone(let id, let at): "milestone \(id) (\(UKTime.londonDate(of: at)))"
            }
            let head = "\(pad(item.id, 8)) \(pad(item.caseId, 13)) \(what)"
            let rest = wrap("asked by \(change.requestedBy.id) at \(shortTime(change.requestedAt)): \(change.rationale)", indent: "         ")
            return ([truncate(head)] + rest).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// Possible matches: the two records side by side, rows that differ marked `*`, and why.
    static func matches(_ matches: PossibleMatches) -> String {
        if matches.items.isEmpty { return "No possible match is waiting: every child has been told apart or linked." }
        var lines: [String] = []
        for item in matches.items {
            lines.append(Style.bold("\(item.matchId)  raised \(shortTime(item.raisedAt))"))
            for reason in item.reasons { lines.append("  - \(reason)") }
            lines.append("  " + pad("", 16) + pad("new referral", 31) + "earlier record")
            func row(_ label: String, _ value: (MatchRecord) -> String) {
                let left = value(item.referral), right = value(item.candidate)
                // A difference is marked in the margin, where truncating a long value cannot hide it.
                let line = (left == right ? "  " : "* ") + pad(label, 16) + pad(left, 31) + right
                lines.append(left == right ? truncate(line) : Style.bold(truncate(line)))
            }
            row("referral") { $0.referralId }
            row("case") { "\($0.caseId) (\($0.casePhase.rawValue))" }
            row("received") { shortTime($0.receivedAt) }
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

    static func list(_ value: JSONValue) -> [JSONValue] {
        if case .array(let items) = value { return items }
        return []
    }

    static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let clipped = text.count > width - 1 ? String(text.prefix(max(1, width - 2))) + "…" : text
        let fill = String(repeating: " ", count: max(0, width - clipped.count))
        return right ? fill + clipped : clipped + fill
    }

    static func truncate(_ line: String, width: Int = 80) -> String {
        line.count <= width ? line : String(line.prefix(width - 1)) + "…"
    }

    /// Words wrapped to 80 columns.
    static func wrap(_ text: String, indent: String, hanging: String? = nil, width: Int = 80) -> [String] {
        var lines: [String] = []
        var current = indent
        let next = hanging ?? indent
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            let prefix = lines.isEmpty ? indent : next
            if current.count + word.count + 1 > width, current.count > prefix.count {
                lines.append(current)
                current = next
            }
            current += (current == indent && lines.isEmpty) || current == next ? String(word) : " " + word
        }
        if current != indent || lines.isEmpty { lines.append(current) }
        return lines
    }

    /// "26 Nov 12:00" in London time.
    static func shortTime(_ instant: Timestamp) -> String {
        let local = instant.adding(seconds: UKTime.isSummerTime(instant) ? 3600 : 0)
        let seconds = ((local.secondsSinceEpoch % 86_400) + 86_400) % 86_400
        let date = UKTime.londonDate(of: instant)
        return "\(shortDate(date)) \(two(Int(seconds / 3600))):\(two(Int(seconds % 3600 / 60)))"
    }

    static func shortDate(_ date: CalendarDate) -> String {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(date.day) \(months[max(0, min(11, date.month - 1))])"
    }

    static func two(_ number: Int) -> String { number < 10 ? "0\(number)" : "\(number)" }
}

