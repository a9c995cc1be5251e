import ContinuumAPI
import ContinuumCore

/// One event of the log reduced to what the indicators count: its kind, its month, the few
/// values an indicator reads, and the case as it stands after the event.
///
/// The ``Projector`` derives it from the event and the state machine's transition as the event
/// is appended (and again on `continuum rebuild`), into the `indicator_facts` projection. A
/// report then reads these narrow rows instead of decoding every referral message and
/// replaying the state machine, which is what lets it cover a million referrals in seconds
/// (issue 7). Like every projection, it holds nothing the log does not: drop it and `rebuild`
/// recreates it.
public struct IndicatorFact: Sendable, Hashable {
    /// What the event counts as, with what each kind of fact carries.
    public enum Kind: Sendable, Hashable {
        /// A referral received: its CIN census source, whether it is a re-referral, and the
        /// cases of earlier referrals for the same child (matched on hashed child keys), its own
        /// case included when it joined an open one. A step-down is "followed by a re-referral"
        /// when a later referral lists its case here.
        case referral(source: ReferralSource, reReferral: Bool, linkedCases: [String])
        /// A front-door decision: the level chosen, who decided, and whether the level differs
        /// from the router's recommendation (an override).
        case decision(level: String, decider: String, override: Bool)
        /// A case closed at the front door (no further action).
        case frontDoorClosure
        /// A case closed after it was opened at a level.
        case closure
        /// A step-up or an escalation.
        case stepUp
        case stepDown
        /// A case-file audit, with its grade.
        case audit(AuditGrade)
        /// Anything else that changed the case's phase, level, clocks or pending approval.
        case other
    }

    /// The case as it stands after the event: enough for the end-of-period indicators.
    public struct Standing: Sendable, Hashable {
        public var phase: CaseState.Phase
        public var level: String?
        /// Due dates of the clocks still running.
        public var clocksDue: [CalendarDate]
        /// When a change now waiting for a manager's approval was requested (London date).
        public var pendingSince: CalendarDate?

        public init(phase: CaseState.Phase, level: String?, clocksDue: [CalendarDate], pendingSince: CalendarDate?) {
            self.phase = phase
            self.level = level
            self.clocksDue = clocksDue
            self.pendingSince = pendingSince
        }

        public init(_ state: CaseState) {
            self.init(phase: state.phase, level: state.level, clocksDue: state.clocks.map(\.due),
                      pendingSince: state.pending.map { UKTime.londonDate(of: $0.requestedAt) })
        }
    }

    /// The event's position in the log.
    public var sequence: Int64
    public var caseId: String
    /// The London date of the event.
    public var day: CalendarDate
    public var kind: Kind
    public var after: Standing

    public init(sequence: Int64, caseId: String, day: CalendarDate, kind: Kind, after: Standing) {
        self.sequence = sequence
        self.caseId = caseId
        self.day = day
        self.kind = kind
        self.after = after
    }
}

/// A statutory clock stopped by an event: the timeliness indicators count these.
public struct ClockStopFact: Sendable, Hashable {
    public var sequence: Int64
    public var clock: String
    /// The day the clock stopped (the milestone's date, not the day it was recorded).
    public var on: CalendarDate
    /// Stopped on or before its due date.
    public var met: Bool
    /// Working days from the clock's start to the stop.
    public var workingDays: Int

    public init(sequence: Int64, clock: String, on: CalendarDate, met: Bool, workingDays: Int) {
        self.sequence = sequence
        self.clock = clock
        self.on = on
        self.met = met
        self.workingDays = workingDays
    }
}

extension IndicatorFact {
    /// The facts of one event, from the state before it and the state machine's transition.
    /// The fact is nil for events no indicator counts that leave the case's standing as it was
    /// (a recommendation, an assignment, consent, a breach flag).
    ///
    /// - Parameter linkedCases: for a referral, the cases of earlier referrals for the same child.
    public static func derive(from event: EventRecord, before: CaseState, transition: CaseTransition, linkedCases: [String],
                              calendar: WorkingDayCalendar) -> (fact: IndicatorFact?, clockStops: [ClockStopFact]) {
        var stops: [ClockStopFact] = []
        for effect in transition.effects {
            guard case .clockStopped(let clock, let on, let met) = effect else { continue }
            let started = before.clock(clock)?.from ?? on
            stops.append(ClockStopFact(sequence: event.sequence, clock: clock, on: on, met: met,
                                       workingDays: calendar.workingDays(from: started, to: on)))
        }
        let after = Standing(transition.state)
        var fact = IndicatorFact(sequence: event.sequence, caseId: event.caseId, day: UKTime.londonDate(of: event.at), kind: .other, after: after)
        if let referral = event.body.referral {
            fact.kind = .referral(source: referral.message.referrer.source, reReferral: referral.reReferral, linkedCases: linkedCases)
            return (fact, stops)
        }
        switch event.body.change {
        case .decided(let level, let actor, _, _, _):
            fact.kind = .decision(level: level, decider: actor.id, override: before.recommendation.map { $0 != level } ?? false)
        case .referralNoted(let level, let actor, _, _, let overrideReason):
            // A joined referral decided at the case's level: a front-door decision all the same.
            fact.kind = .decision(level: level, decider: actor.id, override: overrideReason != nil)
        case .closed:
            fact.kind = before.phase == .awaitingDecision ? .frontDoorClosure : .closure
        case .moved(let kind, _, _, _, _):
            switch kind {
            case .stepUp, .escalate: fact.kind = .stepUp
            case .stepDown: fact.kind = .stepDown
            case .close: fact.kind = .closure
            case .reclassify: break   // the same service on another legal basis: counted as neither
            }
        case .audited(let grade, _, _, _):
            fact.kind = .audit(grade)
        default:
            guard after != Standing(before) else { return (nil, stops) }
        }
        return (fact, stops)
    }
}
