import ContinuumCore
import ContinuumJSON
import GRDB

/// One event of the log as a planner's history reads it (issue 19): when a referral came and
/// what it said (codes only), and every change of a case's level. No personal data, so no key.
public struct PathwayHistoryEvent: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case referral(ReferralFacts)
        /// The front-door decision (or a decision on a referral that joined the case), to `level`.
        case decided(level: String)
        case moved(kind: TransitionKind, to: String)
        case closed(ClosureReason)
        /// The case ended without a closure: merged into another (a confirmed link), or its
        /// only referral moved to a case of its own.
        case ended
        /// The case moved to another pathway version at `level` (nil: left on the review list).
        case migrated(level: String?)
        /// The router's recommendation for a referral, with its clocks' due dates.
        case routed(level: String, deadlines: [String: CalendarDate])
        /// A pathway milestone recorded (it stops the clocks that stop on it).
        case milestone(String)
    }

    public var caseId: String
    public var at: Timestamp
    public var kind: Kind

    public init(caseId: String, at: Timestamp, kind: Kind) {
        self.caseId = caseId
        self.at = at
        self.kind = kind
    }
}

/// What a referral said that a demand model draws: its CIN census source, concerns, consent,
/// immediate risk, whether the child is disabled, and whether it was a re-referral.
public struct ReferralFacts: Sendable, Hashable {
    public var source: ReferralSource
    public var concerns: [Concern]
    public var consent: Consent
    public var immediateRisk: Bool
    public var disabled: Bool
    public var reReferral: Bool

    public init(source: ReferralSource, concerns: [Concern], consent: Consent, immediateRisk: Bool, disabled: Bool, reReferral: Bool) {
        self.source = source
        self.concerns = concerns
        self.consent = consent
        self.immediateRisk = immediateRisk
        self.disabled = disabled
        self.reReferral = reReferral
    }
}

/// The log read as a history of referrals and levels (`continuum calibrate`, forecasts).
public protocol HistorySource: Sendable {
    /// Every referral and change of level up to the end of `through` (London date; nil: the
    /// whole log), in log order; with `clocks`, also the router's recommendations with their
    /// clocks' due dates and the milestones (what a forecast from open cases needs, and a
    /// calibration does not: reading them is a fifth of the work).
    func pathwayHistory(through: CalendarDate?, clocks: Bool) async throws -> [PathwayHistoryEvent]
}

extension HistorySource {
    /// The whole history, recommendations and milestones included.
    public func pathwayHistory(through: CalendarDate?, clocks: Bool) async throws -> [PathwayHistoryEvent] {
        try await pathwayHistory(through: through, clocks: true)
    }
}

extension SQLiteCaseStore {
    /// The event types a history reads.
    static let historyTypes = ["referral-received", "routed", "milestone", "decided", "step-up", "step-down", "escalate", "reclassify", "closed", "merged",
                               "referral-moved-in", "pathway-migrated"]

    public func pathwayHistory(through: CalendarDate?, clocks: Bool) async throws -> [PathwayHistoryEvent] {
        // Timestamps are stored RFC 3339 in UTC, so text order is time order: SQL skips what
        // is two days past `through` unparsed; the London date decides the rest.
        let limit = through.map { "\(CalendarDate(daysSinceEpoch: $0.daysSinceEpoch + 2))T00:00:00Z" }
        let bounds: (Int64, Int64)? = try await read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT min(sequence), max(sequence) FROM events"), let low: Int64 = row[0], let high: Int64 = row[1] else { return nil }
            return (low, high)
        }
        guard let (low, high) = bounds else { return [] }
        // Parsing the bodies is the work: two halves of the log on two connections at once.
        let middle = low + (high - low) / 2
        let parts = try await withThrowingTaskGroup(of: (Int, [PathwayHistoryEvent]).self) { group in
            for (part, range) in [(low, middle), (middle + 1, high)].enumerated() {
                group.addTask { (part, try await self.read { db in try Self.historyEvents(range.0...range.1, before: limit, clocks: clocks, db) }) }
            }
            return try await group.reduce(into: []) { $0.append($1) }.sorted { $0.0 < $1.0 }.flatMap(\.1)
        }
        guard let through else { return parts }
        return parts.filter { UKTime.londonDate(of: $0.at) <= through }
    }

    static func historyEvents(_ range: ClosedRange<Int64>, before limit: String?, clocks: Bool, _ db: Database) throws -> [PathwayHistoryEvent] {
        let types = historyTypes.filter { clocks || ($0 != "routed" && $0 != "milestone") }.map { "'\($0)'" }.joined(separator: ",")
        let sql = "SELECT sequence, case_id, type, at, body FROM events WHERE sequence BETWEEN ? AND ? AND type IN (\(types))"
            + (limit == nil ? "" : " AND at < ?") + " ORDER BY sequence"
        var arguments: StatementArguments = [range.lowerBound, range.upperBound]
        if let limit { arguments += [limit] }
        let parser = JSONParser(limits: JSONLimits(maxBytes: 16 << 20))
        var events: [PathwayHistoryEvent] = []
        let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
        while let row = try rows.next() {
            let sequence: Int64 = row[0]
            let caseId: String = row[1]
            let type: String = row[2]
            let atText: String = row[3]
            func broken(_ reason: String) -> StoreError { .chainBroken(sequence: sequence, reason: reason) }
            guard let at = Timestamp(rfc3339: atText) else { throw broken("time \"\(atText)\" is not RFC 3339") }
            // Read in place on json-c's tree (a referral's body is mostly its sealed envelope:
            // converting it all into Swift values was most of the time).
            let body: JSONMember
            do {
                body = try parser.parse(row[4] as String).rootValue
            } catch {
                throw broken("body does not parse: \(error)")
            }
            let kind: PathwayHistoryEvent.Kind
            switch type {
            case "referral-received":
                guard let referral = body["referral"], let message = referral["message"],
                      let source = message["referrer"]?["source"]?.text.flatMap(ReferralSource.init(rawValue:)) else {
                    throw broken("a referral without its source")
                }
                var concerns: [Concern] = []
                for concern in message["concerns"]?.elements ?? [] {
                    if let factor = concern["factor"]?.text.flatMap(AssessmentFactor.init(rawValue:)),
                       let impact = concern["impact"]?.text.flatMap(Impact.init(rawValue:)) {
                        concerns.append(Concern(factor: factor, impact: impact))
                    }
                }
                let consent = message["consent"]?.text.flatMap(Consent.init(rawValue:)) ?? .notSought
                let disabled = !(message["child"]?["disabilities"]?.elements.isEmpty ?? true)
                kind = .referral(ReferralFacts(source: source, concerns: concerns, consent: consent, immediateRisk: message["immediateRisk"]?.isTrue ?? false,
                                               disabled: disabled, reReferral: referral["reReferral"]?.isTrue ?? false))
            case "decided":
                guard let level = body["change"]?["decided"]?["level"]?.text else { throw broken("a decision without its level") }
                kind = .decided(level: level)
            case "closed":
                guard let reason = body["change"]?["closed"]?["reason"]?.text.flatMap(ClosureReason.init(rawValue:)) else {
                    throw broken("a closure without its reason")
                }
                kind = .closed(reason)
            case "merged":
                kind = .ended
            case "routed":
                guard let decision = body["routed"]?["decision"], let level = decision["level"]?.text else { throw broken("a recommendation without its level") }
                var deadlines: [String: CalendarDate] = [:]
                for deadline in decision["deadlines"]?.elements ?? [] {
                    if let clock = deadline["clock"]?.text, let due = deadline["due"]?.text.flatMap(CalendarDate.init) { deadlines[clock] = due }
                }
                kind = .routed(level: level, deadlines: deadlines)
            case "milestone":
                guard let milestone = body["change"]?["milestone"]?["_0"]?.text else { throw broken("a milestone without its id") }
                kind = .milestone(milestone)
            case "referral-moved-in":
                // A referral moved in (a link or an unlink) is the case's own referral for the
                // history: its level comes with the decision.
                continue
            case "pathway-migrated":
                kind = .migrated(level: body["change"]?["pathwayMigrated"]?["_0"]?["level"]?["to"]?.text)
            default:
                guard let moved = body["change"]?["moved"], let to = moved["to"]?.text,
                      let moveKind = moved["kind"]?.text.flatMap(TransitionKind.init(rawValue:)) else {
                    throw broken("a move without its kind and level")
                }
                kind = .moved(kind: moveKind, to: to)
            }
            events.append(PathwayHistoryEvent(caseId: caseId, at: at, kind: kind))
        }
        return events
    }
}

extension JSONMember {
    /// Member `name` of an object (nil for anything else, or when absent).
    fileprivate subscript(_ name: String) -> JSONMember? {
        if case .object(let node) = self { return node.memberValue(name) }
        return nil
    }

    fileprivate var text: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    fileprivate var isTrue: Bool {
        if case .bool(true) = self { return true }
        return false
    }

    /// An array's elements (none for anything else).
    fileprivate var elements: [JSONMember] {
        guard case .array(let node) = self else { return [] }
        return (0..<node.memberCount).map(node.elementValue)
    }
}
