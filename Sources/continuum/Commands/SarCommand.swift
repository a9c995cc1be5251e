import ArgumentParser
import ContinuumAPI
import ContinuumCore
import ContinuumJSON
import ContinuumSimulator
import ContinuumStore
import Foundation

/// `continuum sar`: everything held about a child, for a subject access request.
struct SarCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sar",
        abstract: "Export everything held about a child for a subject access request (sar.json and sar.html).",
        discussion: """
            Covers the case given and every other case holding a referral confirmed to be the same child: \\
            referrals as received, recommendations and the rules behind them, decisions with rationales, \\
            transitions, clocks, milestones, and who looked at each case. Third-party data (referrers, \\
            household members) and free text that may name other people are marked for a person's \\
            redaction review, never silently included or dropped. The export is itself recorded in each \\
            case's access log.

            Example:
              continuum sar --database data/continuum.sqlite --case C-JB3HJTFTRE --out \\
                sar-2027-001 --by "Information governance, SAR 2027-001"
            """
    )

    @Option(name: .customLong("case"), help: ArgumentHelp("The case id.", valueName: "CASE")) var caseId: String
    @Option(name: .long, help: ArgumentHelp("The folder to write sar.json and sar.html to (created; must be empty or new).", valueName: "DIR")) var out: String
    @Option(name: .long, help: ArgumentHelp("Who exports it, for the access log (a name or the request's reference).", valueName: "TEXT")) var by: String?
    @OptionGroup var database: DatabaseOption
    @OptionGroup var pathway: PathwayOption

    func run() async throws {
        let folder = URL(fileURLWithPath: out)
        if let existing = try? FileManager.default.contentsOfDirectory(atPath: folder.path), !existing.isEmpty {
            Console.error("continuum: \(out) is not empty; give a new folder so no earlier export is overwritten")
            throw Exit.cannotCreate
        }
        let store = try database.open(pathways: try pathway.loadSet(), keyFor: "a subject access report")
        let now = Clock.nowForStore
        let today = UKTime.londonDate(of: now)
        let caseIds: [String]
        do {
            caseIds = try await store.casesOfChild(caseId)
        } catch StoreError.caseNotFound {
            Console.error("continuum: no case \"\(caseId)\"")
            throw Exit.dataError
        }
        // Recorded before anything is written out, as a staff read is before it is answered.
        try await store.recordAccess(caseIds.map { AccessRead(caseId: $0, view: .subjectAccess) },
                                     by: Principal(tokenId: "sar-command", role: .admin, partnerId: nil, name: by), at: now)
        var records: [CaseRecord] = []
        var access: [String: [AccessEntry]] = [:]
        for id in caseIds {
            records.append(try await store.caseRecord(id, today: today))
            access[id] = try await store.accessLog(caseId: id)
        }
        let report = SubjectAccessReport(caseId: caseId, generatedAt: now, cases: records, access: access)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            for (name, text) in [("sar.json", try report.json().serialized(pretty: true) + "\n"), ("sar.html", SubjectAccessPage.html(report))] {
                let file = folder.appendingPathComponent(name).path
                // Children's personal data: readable by the owner alone.
                guard FileManager.default.createFile(atPath: file, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
                    throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file])
                }
            }
        } catch {
            Console.error("continuum: cannot write the export to \(out): \(error)")
            throw Exit.cannotCreate
        }
        Console.error("continuum: wrote sar.json and sar.html to \(out): \(records.count) case(s), "
                      + "\(records.reduce(0) { $0 + $1.referrals.count }) referral(s), \(report.reviews.count) value(s) marked for redaction review")
    }
}

/// `sar.html`: one self-contained, printable page (no scripts or external assets).
enum SubjectAccessPage {
    static func html(_ report: SubjectAccessReport) -> String {
        let reviews = Dictionary(report.reviews.map { ($0.path, $0.reason) }, uniquingKeysWith: { first, _ in first })
        func e(_ text: String) -> String { SVGChart.escape(text) }
        func json(_ value: JSONValue) -> String { e(value.serialized(pretty: true)) }
        /// A value marked for review is boxed, with the reason.
        func marked(_ path: String, _ body: String) -> String {
            guard let reason = reviews[path] else { return body }
            return "<div class=\"review\"><span class=\"why\">Redaction review: \(e(reason))</span>\(body)</div>"
        }
        var body = "<h1>Subject access export</h1>\n<p>Case \(e(report.caseId)); generated \(e(report.generatedAt.description)). "
            + "\(report.cases.count) case(s) of the child. Boxed values are third-party data or free text to review before disclosure "
            + "(\(report.reviews.count) in all).</p>\n"
        for (caseIndex, record) in report.cases.enumerated() {
            body += "<section><h2>Case \(e(record.caseId))</h2>\n<table>"
            let rows: [(String, String?)] = [("Phase", record.phase.rawValue), ("Level", record.level.map { "\($0) (\(record.levelTitle ?? ""))" }),
                                             ("Pathway", record.pathway), ("Consent", record.consent?.rawValue), ("Lead practitioner", record.lead?.id),
                                             ("Co-worker", record.coWorker?.id), ("Closure reason", record.closureReason?.rawValue)]
            for (label, value) in rows { body += "<tr><th>\(label)</th><td>\(e(value ?? "—"))</td></tr>" }
            body += "</table>\n"
            for (referralIndex, referral) in record.referrals.enumerated() {
                let base = "$.cases[\(caseIndex)].referrals[\(referralIndex)].message"
                let message = referral.message
                body += "<h3>Referral \(e(referral.referralId)), received \(e(referral.receivedAt.description)) from \(e(referral.partnerId))</h3>\n"
                body += "<h4>The child</h4><pre>\(json(message["child"] ?? .null))</pre>\n"
                if let referrer = message["referrer"] { body += marked("\(base).referrer", "<h4>Referrer</h4><pre>\(json(referrer))</pre>") }
                for (index, person) in (message["household"]?.arrayValue ?? []).enumerated() {
                    body += marked("\(base).household[\(index)]", "<h4>Household member</h4><pre>\(json(person))</pre>")
                }
                for (index, concern) in (message["concerns"]?.arrayValue ?? []).enumerated() {
                    let factor = concern["factor"]?.stringValue ?? "", impact = concern["impact"]?.stringValue ?? ""
                    body += "<p>Concern \(e(factor)) (\(e(impact)))</p>"
                    if let detail = concern["detail"]?.stringValue { body += marked("\(base).concerns[\(index)].detail", "<p>\(e(detail))</p>") }
                }
                if let summary = message["summary"]?.stringValue { body += marked("\(base).summary", "<h4>Summary</h4><p>\(e(summary))</p>") }
                if let decision = referral.decision {
                    body += "<h4>Recommendation: \(e(decision.level)) (\(e(decision.pathway)))</h4><ul>"
                        + decision.rationale.map { "<li>\(e($0.rule)): \(e($0.description))</li>" }.joined() + "</ul>\n"
                }
            }
            body += "<h3>What happened</h3>\n<table><tr><th>When</th><th>Event</th><th>By</th><th>Detail</th></tr>"
            for event in record.events {
                body += "<tr><td>\(e(event.at.description))</td><td>\(e(event.type.rawValue))</td><td>\(e(event.actor.id)) (\(e(event.actor.role.rawValue)))</td>"
                    + "<td><pre>\(json(event.detail))</pre></td></tr>"
            }
            body += "</table>\n<h3>Clocks running</h3>\n<table><tr><th>Clock</th><th>From</th><th>Due</th></tr>"
            for clock in record.clocks { body += "<tr><td>\(e(clock.title))</td><td>\(clock.from)</td><td>\(clock.due)</td></tr>" }
            body += "</table>\n<h3>Who looked at this case</h3>\n<table><tr><th>When</th><th>Who</th><th>Role</th><th>View</th></tr>"
            for entry in report.access[record.caseId] ?? [] {
                body += "<tr><td>\(e(entry.at.description))</td><td>\(e(entry.tokenName.map { "\($0) (\(entry.tokenId))" } ?? entry.tokenId))</td>"
                    + "<td>\(entry.role.rawValue)</td><td>\(entry.view.rawValue)</td></tr>"
            }
            body += "</table></section>\n"
        }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Subject access export: case \(e(report.caseId))</title>
            <style>
            body { font-family: sans-serif; max-width: 60em; margin: 2em auto; color: #222; }
            section { border-top: 2px solid #444; margin-top: 2em; }
            table { border-collapse: collapse; width: 100%; } th, td { text-align: left; vertical-align: top; border-bottom: 1px solid #ddd; padding: 0.2em 0.4em; }
            pre { white-space: pre-wrap; margin: 0; font-size: 0.85em; }
            .review { border: 2px solid #b26a00; background: #fff7e6; padding: 0.3em 0.6em; margin: 0.4em 0; }
            .why { display: block; font-size: 0.8em; color: #b26a00; font-weight: bold; }
            </style></head><body>
            \(body)</body></html>

            """
    }
}
