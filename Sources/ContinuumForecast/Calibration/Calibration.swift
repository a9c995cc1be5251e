import ContinuumCore
import ContinuumStore

/// What `continuum calibrate` fits from a log (issue 19; docs/forecast.md): how children
/// arrive, what their referrals say, and for each level how many enter, how long they stay
/// and where they go next. Built from the log's history by ``Calibrator``; written as
/// `calibration.json` and turned into a scenario by ``CalibratedScenario``.
public struct Calibration: Sendable {
    /// The days fitted, inclusive.
    public var from: CalendarDate
    public var to: CalendarDate

    /// Referrals from one CIN census source: the mean per day over the period, and twelve
    /// monthly factors (January first) whose day-weighted mean over the period is 1.
    public struct Arrivals: Sendable {
        public var source: ReferralSource
        public var perDay: Double
        public var n: Int
        public var monthly: [Double]
        /// Referrals counted in each calendar month (January first) over the period.
        public var counts: [Int]
    }

    /// Where children went from a level: a level (`to`, by `kind`) or a closure (`to` nil, with
    /// its census reason).
    public struct Exit: Sendable {
        public var to: String?
        public var kind: TransitionKind
        public var reason: ClosureReason?
        public var probability: Double
        public var n: Int
    }

    /// One level: entries in the period, the fitted time there (every family tried, best first)
    /// and the exits seen.
    public struct Level: Sendable {
        public var level: String
        public var entries: Int
        public var fits: [DurationFit]
        public var exits: [Exit]
        /// The most cases open at the level at once (over the whole log read).
        public var peakOpen: Int
        /// Stays still open when the period ended (censored).
        public var open: Int

        public var best: DurationFit? { fits.first }
    }

    /// The referral mix, as the scenario's `referralMix` draws it.
    public struct Mix: Sendable {
        public var referrals: Int
        /// Per factor: how often it is named, and its impacts' shares (low, medium, high).
        public var factors: [(factor: AssessmentFactor, weight: Double, impact: [Double])]
        /// Shares of referrals with 1, 2, 3 … concerns.
        public var concernCounts: [Double]
        public var immediateRisk: Double
        /// Shares given, refused, not sought.
        public var consent: [Double]
        public var reReferral: Double
        public var disabled: Double
    }

    public var arrivals: [Arrivals]
    public var mix: Mix
    /// The front door: time from a referral to its decision (or its closure there).
    public var frontDoor: [DurationFit]
    public var frontDoorPeakOpen: Int
    public var levels: [Level]
    public var warnings: [String]
    /// Every estimate resting on fewer than this many observations is named in a warning.
    public static let fewObservations = 30

    public var days: Int { to.daysSinceEpoch - from.daysSinceEpoch + 1 }
}

/// Why a calibration cannot be made.
public enum CalibrationError: Error, Sendable, CustomStringConvertible {
    case noReferrals(from: CalendarDate, to: CalendarDate)
    case emptyPeriod(from: CalendarDate, to: CalendarDate)

    public var description: String {
        switch self {
        case .noReferrals(let from, let to): "the log has no referrals from \(from) to \(to): nothing to calibrate (check --from and --to, and --database)"
        case .emptyPeriod(let from, let to): "--from \(from) is after --to \(to)"
        }
    }
}

/// Reads a history (``PathwayHistoryEvent``s in log order) into a ``Calibration``.
///
/// Each case is followed from its referral: the front door until its decision, then a stay at
/// each level until a move or a closure. A stay that starts in the period counts as an entry;
/// one still running at the period's end (or when the case is merged into another) counts as
/// censored: it lasted at least that long. Stays that started before the period are left out
/// (their start is known, but not every one of them is in the log read).
public struct Calibrator: Sendable {
    public let pathway: Pathway

    public init(pathway: Pathway) { self.pathway = pathway }

    public func calibrate(_ events: [PathwayHistoryEvent], from: CalendarDate?, to: CalendarDate?) throws(CalibrationError) -> Calibration {
        let referralDays = events.compactMap { event -> CalendarDate? in
            if case .referral = event.kind { return UKTime.londonDate(of: event.at) }
            return nil
        }
        guard let first = referralDays.min(), let last = events.map({ UKTime.londonDate(of: $0.at) }).max() else {
            throw .noReferrals(from: from ?? CalendarDate(daysSinceEpoch: 0), to: to ?? CalendarDate(daysSinceEpoch: 0))
        }
        let from = from ?? first, to = to ?? last
        guard from <= to else { throw .emptyPeriod(from: from, to: to) }
        let start = Self.instant(from), end = Self.instant(CalendarDate(daysSinceEpoch: to.daysSinceEpoch + 1))

        struct Open { var level: String?; var since: Double; var counted: Bool }
        var cases: [String: Open] = [:]
        var stays: [String: [ObservedDuration]] = [:]
        var frontDoor: [ObservedDuration] = []
        var exits: [String: [String: (exit: Calibration.Exit, n: Int)]] = [:]
        var entries: [String: Int] = [:]
        var openNow: [String: Int] = [:], peak: [String: Int] = [:]
        let frontDoorKey = "\u{0}front-door"
        var referralsBySource: [ReferralSource: [Int]] = [:]   // per source, counts per month of year
        var mixReferrals: [ReferralFacts] = []

        func enter(_ level: String?, _ caseId: String, at: Double) {
            let key = level ?? frontDoorKey
            openNow[key, default: 0] += 1
            peak[key] = max(peak[key] ?? 0, openNow[key] ?? 0)
            let counted = at >= start && at < end
            if counted, let level { entries[level, default: 0] += 1 }
            cases[caseId] = Open(level: level, since: at, counted: counted)
        }
        /// Ends the case's stay at `at`: ended (an exit from a level when `exit` is given), or censored.
        func leave(_ caseId: String, at: Double, ended: Bool, _ exit: Calibration.Exit? = nil) {
            guard let open = cases[caseId] else { return }
            let key = open.level ?? frontDoorKey
            openNow[key, default: 0] -= 1
            cases[caseId] = nil
            guard open.counted else { return }
            let ended = ended && at < end
            let stay = ObservedDuration(days: (min(at, end) - open.since) / 86_400, ended: ended)
            if let level = open.level { stays[level, default: []].append(stay) } else { frontDoor.append(stay) }
            if ended, let exit, let level = open.level {
                let exitKey = "\(exit.to ?? "close")|\(exit.kind.rawValue)|\(exit.reason?.rawValue ?? "")"
                exits[level, default: [:]][exitKey, default: (exit, 0)].n += 1
            }
        }

        for event in events {
            let at = Double(event.at.secondsSinceEpoch)
            switch event.kind {
            case .referral(let facts):
                if at >= start && at < end {
                    let month = UKTime.londonDate(of: event.at).month - 1
                    referralsBySource[facts.source, default: Array(repeating: 0, count: 12)][month] += 1
                    mixReferrals.append(facts)
                }
                // A referral joining an open case leaves it where it is.
                if cases[event.caseId] == nil { enter(nil, event.caseId, at: at) }
            case .decided(let level):
                guard let open = cases[event.caseId] else { continue }
                guard let current = open.level else {
                    leave(event.caseId, at: at, ended: true)
                    enter(level, event.caseId, at: at)
                    continue
                }
                guard level != current else { continue }
                let up = (pathway.rank(of: level) ?? 0) > (pathway.rank(of: current) ?? 0)
                leave(event.caseId, at: at, ended: true, .init(to: level, kind: up ? .stepUp : .stepDown, reason: nil, probability: 0, n: 0))
                enter(level, event.caseId, at: at)
            case .moved(let kind, let to):
                guard cases[event.caseId] != nil else { continue }
                leave(event.caseId, at: at, ended: true, .init(to: to, kind: kind, reason: nil, probability: 0, n: 0))
                enter(to, event.caseId, at: at)
            case .closed(let reason):
                guard cases[event.caseId] != nil else { continue }
                leave(event.caseId, at: at, ended: true, .init(to: nil, kind: .close, reason: reason, probability: 0, n: 0))
            case .ended:
                leave(event.caseId, at: at, ended: false)
            case .routed, .milestone:
                continue
            case .migrated(let level):
                // The stay goes on at the mapped level; the time before counts as censored.
                guard let open = cases[event.caseId], let level, open.level != nil, level != open.level else { continue }
                leave(event.caseId, at: at, ended: false)
                let entered = entries[level]
                enter(level, event.caseId, at: at)
                entries[level] = entered
                cases[event.caseId]?.counted = false
            }
        }
        // Still open at the end: censored at the period's end.
        // In id order, so a calibration never depends on a dictionary's order.
        for caseId in cases.keys.sorted() { leave(caseId, at: end, ended: false) }

        guard !mixReferrals.isEmpty else { throw .noReferrals(from: from, to: to) }
        var warnings: [String] = []
        let arrivals = Self.arrivals(referralsBySource, from: from, to: to)
        for arrival in arrivals where arrival.n < Calibration.fewObservations {
            warnings.append("arrivals from source \(arrival.source.rawValue) rest on \(arrival.n) referrals (fewer than \(Calibration.fewObservations))")
        }
        let mix = Self.mix(mixReferrals)
        var levels: [Calibration.Level] = []
        for level in pathway.levels.map(\.id) {
            let observed = stays[level] ?? []
            guard !observed.isEmpty || entries[level] != nil else { continue }
            let seen = exits[level]?.values.map { $0 } ?? []
            let total = seen.reduce(0) { $0 + $1.n }
            let levelExits = seen.map { item in
                var exit = item.exit
                exit.n = item.n
                exit.probability = total > 0 ? Double(item.n) / Double(total) : 0
                return exit
            }.sorted { ($0.n, $0.to ?? "", $0.kind.rawValue, $0.reason?.rawValue ?? "") > ($1.n, $1.to ?? "", $1.kind.rawValue, $1.reason?.rawValue ?? "") }
            let fits = DurationFitter.fit(observed)
            let ended = observed.count { $0.ended }
            if ended < Calibration.fewObservations {
                warnings.append("time at \(level) rests on \(ended) completed stays (fewer than \(Calibration.fewObservations))")
            }
            if total > 0, total < Calibration.fewObservations {
                warnings.append("where children go from \(level) rests on \(total) exits (fewer than \(Calibration.fewObservations))")
            }
            levels.append(.init(level: level, entries: entries[level] ?? 0, fits: fits, exits: levelExits, peakOpen: peak[level] ?? 0,
                                open: observed.count { !$0.ended }))
        }
        if mix.referrals < Calibration.fewObservations {
            warnings.append("the referral mix rests on \(mix.referrals) referrals (fewer than \(Calibration.fewObservations))")
        }
        return Calibration(from: from, to: to, arrivals: arrivals, mix: mix, frontDoor: DurationFitter.fit(frontDoor),
                           frontDoorPeakOpen: peak[frontDoorKey] ?? 0, levels: levels, warnings: warnings)
    }

    /// Midnight UTC at the start of `day`, in seconds (the period's edges; an hour's
    /// difference from London's midnight in summer moves nothing a planner reads).
    static func instant(_ day: CalendarDate) -> Double { Double(day.daysSinceEpoch) * 86_400 }

    static func arrivals(_ counts: [ReferralSource: [Int]], from: CalendarDate, to: CalendarDate) -> [Calibration.Arrivals] {
        var daysInMonth = [Double](repeating: 0, count: 12)
        for day in from.daysSinceEpoch...to.daysSinceEpoch { daysInMonth[CalendarDate(daysSinceEpoch: day).month - 1] += 1 }
        let days = Double(to.daysSinceEpoch - from.daysSinceEpoch + 1)
        return counts.map { source, months in
            let n = months.reduce(0, +)
            let perDay = Double(n) / days
            let monthly = (0..<12).map { month in
                daysInMonth[month] > 0 && perDay > 0 ? Double(months[month]) / daysInMonth[month] / perDay : 1
            }
            return Calibration.Arrivals(source: source, perDay: perDay, n: n, monthly: monthly, counts: months)
        }.sorted { ($0.perDay, $1.source.rawValue) > ($1.perDay, $0.source.rawValue) }
    }

    static func mix(_ referrals: [ReferralFacts]) -> Calibration.Mix {
        var named: [AssessmentFactor: (count: Int, impacts: [Int])] = [:]
        var counts: [Int] = []
        var risk = 0, reReferrals = 0, disabled = 0
        var consent = [0, 0, 0]
        for referral in referrals {
            for concern in referral.concerns {
                var entry = named[concern.factor] ?? (0, [0, 0, 0])
                entry.count += 1
                entry.impacts[concern.impact == .low ? 0 : concern.impact == .medium ? 1 : 2] += 1
                named[concern.factor] = entry
            }
            let number = max(1, referral.concerns.count)
            if counts.count < number { counts += Array(repeating: 0, count: number - counts.count) }
            counts[number - 1] += 1
            if referral.immediateRisk { risk += 1 }
            if referral.reReferral { reReferrals += 1 }
            if referral.disabled { disabled += 1 }
            consent[referral.consent == .given ? 0 : referral.consent == .refused ? 1 : 2] += 1
        }
        let n = Double(referrals.count)
        let mentions = Double(named.values.reduce(0) { $0 + $1.count })
        let factors = named.map { factor, entry in
            (factor: factor, weight: Double(entry.count) / max(mentions, 1), impact: entry.impacts.map { Double($0) / Double(max(entry.count, 1)) })
        }.sorted { ($0.weight, $1.factor.rawValue) > ($1.weight, $0.factor.rawValue) }
        return Calibration.Mix(referrals: referrals.count, factors: factors, concernCounts: counts.map { Double($0) / n },
                               immediateRisk: Double(risk) / n, consent: consent.map { Double($0) / n },
                               reReferral: Double(reReferrals) / n, disabled: Double(disabled) / n)
    }
}
