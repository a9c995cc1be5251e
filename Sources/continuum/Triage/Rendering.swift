import ContinuumCore
import ContinuumJSON

/// Text for the terminal: the queue, a case, an outcome. Fits 80 columns.
enum Render {
    /// Two lines per referral: who and what, then level, received, due and time left.
    static func queue(_ queue: JSONValue, numbered: Bool = true) -> String {
        let asOf = queue["asOf"]?.displayText.flatMap { CalendarDate($0) }
        let items = queue["items"].map(list) ?? []
        if items.isEmpty { return "The queue is empty: no referral is waiting for a decision." }
        var lines: [String] = []
        for (index, item) in items.enumerated() {
            let overdue = item["overdue"] == .bool(true)
            let risk = item["immediateRisk"] == .bool(true)
            let child = item["child"]
            let name = "\(child?["givenName"]?.displayText ?? "") \(child?["familyName"]?.displayText ?? "")"
            let age = child?["ageYears"].flatMap { if case .integer(let years) = $0 { "\(years)" } else { nil } } ?? "unborn"
            let flags = [risk ? "RISK" : nil, item["reReferral"] == .bool(true) ? "RE-REFERRAL" : nil,
                         item["pendingApproval"] == .bool(true) ? "APPROVAL PENDING" : nil].compactMap { $0 }.joined(separator: " ")
            let number = numbered ? pad("\(index + 1)", 3, right: true) + " " : ""
            var first = number + pad(item["caseId"]?.displayText ?? "", 13) + pad("\(name) (\(age))", 28) + pad(item["referrer"]?["agency"]?.displayText ?? "", 18)
            first += flags
            let due = item["decisionDue"]?.displayText.flatMap { CalendarDate($0) }
            let left = timeLeft(due: due, asOf: asOf)
            let level = item["recommendedLevel"]?.displayText ?? "-"
            let second = String(repeating: " ", count: numbered ? 4 : 0) + pad(level, 20) + "received " + shortTime(item["receivedAt"]?.displayText)
                + "  due " + (due.map(shortDate) ?? "-") + " (" + left + ")"
            lines.append(risk ? Style.bold(truncate(first)) : truncate(first))
            lines.append(overdue ? Style.red(truncate(second)) : Style.dim(truncate(second)))
        }
        let total = queue["total"].flatMap { if case .integer(let count) = $0 { Int(count) } else { nil } } ?? items.count
        if total > items.count { lines.append("... and \(total - items.count) more waiting, less urgent") }
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
    static func caseRecord(_ record: JSONValue) -> String {
        var lines: [String] = []
        let caseId = record["caseId"]?.displayText ?? ""
        let level = record["level"]?.displayText.map { "\($0) (\(record["levelTitle"]?.displayText ?? ""))" } ?? "not decided"
        lines.append(Style.bold("Case \(caseId)") + ": \(record["phase"]?.displayText ?? "")" + (record["closureReason"]?.displayText.map { ", closed \($0)" } ?? ""))
        lines.append("  level: \(level)")
        lines.append("  consent: \(record["consent"]?.displayText ?? "not recorded")   assigned to: \(record["assignedTo"]?.displayText ?? "nobody")")
        if record["awaitingDecision"] == .bool(true) { lines.append(Style.bold("  A front-door decision is needed.")) }
        let referrals = record["referrals"].map(list) ?? []
        if let latest = referrals.last, let decision = latest["decision"] {
            lines.append("")
            lines.append(Style.bold("Recommendation: \(decision["level"]?.displayText ?? "") (\(decision["levelTitle"]?.displayText ?? ""))"))
            for citation in decision["rationale"].map(list) ?? [] {
                lines.append(contentsOf: wrap("\(citation["rule"]?.displayText ?? ""): \(citation["description"]?.displayText ?? "")", indent: "  "))
            }
        }
        for referral in referrals {
            let message = referral["message"]
            lines.append("")
            lines.append(Style.bold("Referral \(referral["referralId"]?.displayText ?? "")") + " received " + shortTime(referral["receivedAt"]?.displayText)
                + (referral["reReferral"] == .bool(true) ? "  RE-REFERRAL" + (referral["previousReferralId"]?.displayText.map { " (previous \($0))" } ?? "") : ""))
            let referrer = message?["referrer"]
            lines.append("  from: \(referrer?["name"]?.displayText ?? ""), \(referrer?["agency"]?.displayText ?? "") (source \(referrer?["source"]?.displayText ?? ""))")
            let child = message?["child"]
            let born = child?["dateOfBirth"]?.displayText.map { "born \($0)" } ?? child?["expectedDateOfBirth"]?.displayText.map { "expected \($0)" } ?? ""
            lines.append("  child: \(child?["givenName"]?.displayText ?? "") \(child?["familyName"]?.displayText ?? ""), \(born)")
            lines.append("  immediate risk: \(message?["immediateRisk"] == .bool(true) ? "YES" : "no")   consent: \(message?["consent"]?.displayText ?? "")")
            for concern in message?["concerns"].map(list) ?? [] {
                let detail = concern["detail"]?.displayText.map { ": \($0)" } ?? ""
                lines.append(contentsOf: wrap("concern \(concern["factor"]?.displayText ?? "") (\(concern["impact"]?.displayText ?? ""))\(detail)", indent: "  "))
            }
            lines.append(contentsOf: wrap("summary: \(message?["summary"]?.displayText ?? "")", indent: "  "))
        }
        let clocks = record["clocks"].map(list) ?? []
        if !clocks.isEmpty {
            lines.append("")
            lines.append(Style.bold("Clocks"))
            for clock in clocks {
                let overdue = clock["overdue"] == .bool(true)
                let text = "  \(clock["title"]?.displayText ?? "") due \(clock["due"]?.displayText ?? "")" + (overdue ? "  OVERDUE" : "") + (clock["breached"] == .bool(true) ? " (breach recorded)" : "")
                lines.append(overdue ? Style.red(text) : text)
            }
        }
        if let pending = record["pending"], pending != .null {
            lines.append("")
            lines.append(Style.bold("Waiting for a manager: approval \(pending["id"]?.displayText ?? "")"))
            lines.append(contentsOf: wrap("requested by \(pending.lookupPath("change.requestedBy.id") ?? ""): \(pending.lookupPath("change.rationale") ?? "")", indent: "  "))
        }
        lines.append("")
        lines.append(Style.bold("Timeline"))
        for event in record["events"].map(list) ?? [] {
            lines.append(contentsOf: wrap(timelineLine(event), indent: "  ", hanging: "      "))
        }
        // Anything still wider than 80 columns (a long agency name, say) is wrapped at its indent.
        return lines.flatMap { line -> [String] in
            guard line.count > 80 else { return [line] }
            return wrap(String(line.drop { $0 == " " }), indent: String(line.prefix { $0 == " " }))
        }.joined(separator: "\n")
    }

    /// "2026-11-26 12:00 decided by T-7AMPM6VW (practitioner): targeted-support. Agree"
    static func timelineLine(_ event: JSONValue) -> String {
        let type = event["type"]?.displayText ?? ""
        let actor = "\(event["actor"]?["id"]?.displayText ?? "") (\(event["actor"]?["role"]?.displayText ?? ""))"
        var what = ""
        let detail = event["detail"]
        // A change's detail is {"<kind>": {...}}: take its fields.
        let fields: JSONValue? = detail.flatMap { if case .object(let members) = $0, members.count == 1, let only = members.values.first { only } else { $0 } }
        if ["child-linked", "children-distinguished", "merged", "referral-moved-in", "unlink"].contains(type),
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
        if type == "referral-received", let referral = fields?["referralId"]?.displayText { what += " \(referral)" }
        if type == "routed", let rules = fields?["rules"] { what += " rules " + list(rules).compactMap(\.displayText).joined(separator: ", ") }
        if case .string(let worker)? = fields?["_0"] { what += " \(worker)" }
        return "\(shortTime(event["at"]?.displayText)) \(type) by \(actor)\(what.isEmpty ? "" : ":")\(what)"
    }

    static func outcome(_ outcome: JSONValue) -> String {
        let event = outcome["eventId"]?.displayText ?? ""
        let caseId = outcome["caseId"]?.displayText ?? ""
        if outcome["status"]?.displayText == "pending-approval" {
            return "Recorded \(event): waiting for a manager's approval (approval id \(event)); case \(caseId) is unchanged until then."
        }
        let phase = outcome["phase"]?.displayText ?? ""
        let level = outcome["level"]?.displayText.map { " at \($0)" } ?? ""
        return "Recorded \(event): case \(caseId) is \(phase)\(phase == "open" ? level : "")."
    }

    static func approvals(_ approvals: JSONValue) -> String {
        let items = approvals["items"].map(list) ?? []
        if items.isEmpty { return "Nothing is waiting for approval." }
        return items.map { item in
            let change = item["change"]
            let what: String
            switch change?["change"] {
            case .object(let kinds)?:
                let kind = kinds.keys.first ?? ""
                let fields = kinds.values.first
                what = "\(kind) " + [fields?["level"]?.displayText, fields?["to"]?.displayText, fields?["reason"]?.displayText, fields?["referralId"]?.displayText].compactMap { $0 }.joined(separator: " ")
                    + (fields?["overrideReason"]?.displayText.map { " (override: \($0))" } ?? "")
            default: what = "change"
            }
            let head = "\(pad(item["id"]?.displayText ?? "", 8)) \(pad(item["caseId"]?.displayText ?? "", 13)) \(what)"
            let rest = wrap("asked by \(change?["requestedBy"]?["id"]?.displayText ?? "") at \(shortTime(change?["requestedAt"]?.displayText)): \(change?["rationale"]?.displayText ?? "")", indent: "         ")
            return ([truncate(head)] + rest).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// Possible matches: the two records side by side, rows that differ marked `*`, and why.
    static func matches(_ matches: JSONValue) -> String {
        let items = matches["items"].map(list) ?? []
        if items.isEmpty { return "No possible match is waiting: every child has been told apart or linked." }
        var lines: [String] = []
        for item in items {
            let new = item["referral"], old = item["candidate"]
            lines.append(Style.bold("\(item["matchId"]?.displayText ?? "")  raised \(shortTime(item["raisedAt"]?.displayText))"))
            for reason in item["reasons"].map(list) ?? [] { lines.append("  - \(reason.displayText ?? "")") }
            lines.append("  " + pad("", 16) + pad("new referral", 31) + "earlier record")
            func row(_ label: String, _ value: (JSONValue?) -> String) {
                let left = value(new), right = value(old)
                // A difference is marked in the margin, where truncating a long value cannot hide it.
                let line = (left == right ? "  " : "* ") + pad(label, 16) + pad(left, 31) + right
                lines.append(left == right ? truncate(line) : Style.bold(truncate(line)))
            }
            row("referral") { $0?["referralId"]?.displayText ?? "" }
            row("case") { "\($0?["caseId"]?.displayText ?? "") (\($0?["casePhase"]?.displayText ?? ""))" }
            row("received") { shortTime($0?["receivedAt"]?.displayText) }
            row("referrer") { $0?["referrer"]?["agency"]?.displayText ?? "" }
            row("given name") { $0?["child"]?["givenName"]?.displayText ?? "" }
            row("family name") { $0?["child"]?["familyName"]?.displayText ?? "" }
            row("previous names") { ($0?["child"]?["previousNames"].map(list) ?? []).compactMap(\.displayText).joined(separator: ", ") }
            row("date of birth") { $0?["child"]?["dateOfBirth"]?.displayText ?? ($0?["child"]?["expectedDateOfBirth"]?.displayText).map { "due \($0)" } ?? "" }
            row("NHS number") { $0?["child"]?["nhsNumber"]?.displayText ?? "none" }
            row("postcode") { $0?["child"]?["postcode"]?.displayText ?? "" }
            lines.append("")
        }
        let total = matches["total"].flatMap { if case .integer(let count) = $0 { Int(count) } else { nil } } ?? items.count
        if total > items.count { lines.append("... and \(total - items.count) more waiting") }
        lines.append("The same child:       continuum triage link MATCH --rationale TEXT")
        lines.append("Different children:   continuum triage different MATCH --rationale TEXT")
        return lines.joined(separator: "\n")
    }

    /// What deciding a possible match did.
    static func matchOutcome(_ outcome: JSONValue) -> String {
        let matchId = outcome["matchId"]?.displayText ?? ""
        let referral = outcome["referralId"]?.displayText ?? ""
        let caseId = outcome["caseId"]?.displayText ?? ""
        if outcome["status"]?.displayText == "different" {
            return "Recorded \(outcome["eventId"]?.displayText ?? ""): \(matchId) is two different children; the pair will not be offered again."
        }
        if outcome["joined"] == .bool(true) {
            return "Recorded \(outcome["eventId"]?.displayText ?? ""): \(referral) is the same child and joined the open case \(caseId)."
        }
        return "Recorded \(outcome["eventId"]?.displayText ?? ""): \(referral) is the same child; it stays on case \(caseId)."
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
    static func shortTime(_ text: String?) -> String {
        guard let text, let instant = Timestamp(rfc3339: text) else { return text ?? "-" }
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

extension JSONValue {
    /// The string at a dotted path, for rendering.
    func lookupPath(_ path: String) -> String? {
        var current: JSONValue? = self
        for part in path.split(separator: ".") { current = current?[String(part)] }
        return current?.displayText
    }
}
