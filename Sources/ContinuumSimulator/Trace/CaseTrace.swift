import ContinuumCore

/// What happened to each case in one replication, in time order: the synthetic referral and
/// the router's recommendation, every move between stages, every service completed, every
/// case that gave up waiting, and every case that left. `continuum simulate --write-log`
/// turns it into an event log; the summary statistics never need it, so a replication keeps
/// one only when asked (``Replication/runTraced()``).
public struct CaseTrace: Sendable {
    /// One thing that happened to case `caseNumber` (1, 2, … in order of referral) at `time`
    /// (days since the scenario's start date).
    public struct Event: Sendable {
        public enum Kind: Sendable {
            /// A referral arrived at the front door (the stream's stage): the message drawn
            /// from the scenario's mix, whether the mix drew it as a re-referral, and the level
            /// the live router recommended.
            case referred(Referral, reReferral: Bool, recommended: String, stream: Int)
            /// The case joined `stage` (its queue, or straight into service), by a route of
            /// `kind` (nil: a plain hand-over, such as the front door to the recommended level's
            /// team).
            case entered(stage: Int, kind: TransitionKind?)
            /// The case's service at `stage` ended (its clocks there stopped).
            case completed(stage: Int)
            /// The case left `stage`'s queue before service (its patience ran out).
            case reneged(stage: Int)
            /// The case left the network from `stage`.
            case left(stage: Int)
        }

        public var caseNumber: Int
        public var time: Double
        public var kind: Kind
    }

    public internal(set) var events: [Event] = []
}

/// The engine's side of a ``CaseTrace``: which case each job id carries now (ids are reused
/// once a case leaves, and a case that reneges goes on under a new id). A class, so the loop
/// tests for it with one compare and appends without copying.
final class TraceRecorder {
    var trace = CaseTrace()
    private var caseOfJob: [Int] = []
    private var cases = 0

    private func ensure(_ job: Int32) {
        let index = Int(job)
        if index >= caseOfJob.count { caseOfJob.append(contentsOf: repeatElement(0, count: index + 1 - caseOfJob.count)) }
    }

    func referred(_ job: Int32, _ referral: Referral, reReferral: Bool, recommended: String, stream: Int, _ now: Double) {
        ensure(job)
        cases += 1
        caseOfJob[Int(job)] = cases
        trace.events.append(.init(caseNumber: cases, time: now, kind: .referred(referral, reReferral: reReferral, recommended: recommended, stream: stream)))
    }

    /// `to` carries the case `from` carried (after reneging).
    func carried(_ from: Int32, to: Int32) {
        ensure(to)
        caseOfJob[Int(to)] = caseOfJob[Int(from)]
    }

    func record(_ job: Int32, _ now: Double, _ kind: CaseTrace.Event.Kind) {
        ensure(job)
        let number = caseOfJob[Int(job)]
        // A case from a scenario without a pathway has no referral: it is numbered on arrival.
        guard number > 0 else { return }
        trace.events.append(.init(caseNumber: number, time: now, kind: kind))
    }
}
