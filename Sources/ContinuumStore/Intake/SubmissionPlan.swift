import ContinuumAPI
import ContinuumCore
import ContinuumJSON

/// A referral message encoded once: its canonical text is stored and hashed (the same
/// `messageId` with another hash is a conflict), and its hashed child keys index it for matching.
struct EncodedReferral: Sendable {
    let referral: Referral
    /// The message as encoded, unsealed: the event that records it reuses it (``encoder``).
    let value: JSONValue
    let text: String
    let hash: String
    let keys: [String]

    init(_ referral: Referral, vault: PersonalDataVault) throws {
        self.referral = referral
        value = try JSONValueEncoder().encode(referral)
        text = value.serialized()
        hash = Hex.sha256(Array(text.utf8))
        keys = try ChildKeys.keys(for: referral.child, vault)
    }

    /// An encoder that writes the message as already encoded instead of encoding it again.
    var encoder: JSONValueEncoder { JSONValueEncoder(substituting: referral, with: value) }
}

/// An event body with its canonical JSON, encoded once: the text is what the log hashes and
/// stores, and the projections take their columns (the decision) from the value.
struct EncodedBody: Sendable {
    let body: EventBody
    /// As stored: personal values sealed (``PersonalFields``).
    let value: JSONValue
    let text: String
    /// Read back from the log with some personal values not opened (their key destroyed by an
    /// erasure): `body` holds stand-ins for them, which nothing may index or show.
    let personalDataMissing: Bool
    /// The columns the projector takes from the body, worked out with it where it is planned
    /// (on the request's task) so that the single writer, the store's one serial step, does not
    /// (docs/performance.md); nil for a body read back from the log, whose columns the projector
    /// works out itself.
    let columns: ProjectedColumns?

    /// - Parameters:
    ///   - key: the data key of the case the event belongs to; nil for a body without
    ///     personal data (a token, an erasure).
    ///   - referralColumns: for a referral's arrival, the columns only its plan can work out.
    ///   - encoder: the encoder to use (one that reuses a message already encoded).
    init(_ body: EventBody, sealedWith key: DataKey?, vault: PersonalDataVault, referralColumns: ReferralColumns? = nil,
         encoder: JSONValueEncoder = JSONValueEncoder()) throws {
        self.body = body
        value = try vault.seal(try encoder.encode(body), with: key)
        // A recommendation's column is cut from the body's text (the message is read from the log).
        let (text, decision) = body.routed == nil ? (value.serialized(), nil) : value.serialized(capturing: ["routed", "decision"])
        self.text = text
        personalDataMissing = false
        columns = ProjectedColumns(decisionText: decision, referral: referralColumns)
    }

    /// A body read back from the log: `text` as stored, `value` parsed from it.
    init(stored body: EventBody, value: JSONValue, text: String, personalDataMissing: Bool) {
        self.body = body
        self.value = value
        self.text = text
        self.personalDataMissing = personalDataMissing
        columns = nil
    }

    /// The recommendation's canonical JSON (`routed`).
    var decisionText: String? { columns.map(\.decisionText) ?? value["routed"]?["decision"]?.serialized() }
}

/// What the projector stores from a body being appended, worked out with the body.
struct ProjectedColumns: Sendable {
    /// `referrals.decision` (`routed`).
    let decisionText: String?
    let referral: ReferralColumns?
}

/// A new referral's columns that need its plan: the child's match keys (the same keys the
/// event records, made by this version) and the child's census characteristics sealed under
/// the referral's own key (``PersonalDataVault/sealCensusChild(_:key:)``).
struct ReferralColumns: Sendable {
    let childKeys: [String]
    let censusChild: String
}

/// What one event does to its case, worked out from the state before it: the projector writes
/// exactly this, whether the event is being appended now or replayed from the log.
struct ProjectionStep: Sendable {
    let before: CaseState
    let transition: CaseTransition
    /// `transition.state` as stored in `cases.state`; nil for a step planned inside a run
    /// that does not end it (its state is never stored: ``Projector/project(_:_:)``).
    let stateText: String?

    /// Applies `event` to `before` through the pathway's state machine.
    /// - Throws: ``StoreError/refused(_:)`` when the pathway does not allow it.
    /// - Parameter machine: the state machine of the case's own pathway version (``Projector/machine(for:before:)``).
    /// - Parameter erased: replayed after the case's key was destroyed: its pending change holds
    ///   stand-ins, no personal data, and is stored as it is (nothing to seal it under).
    /// - Parameter stored: false for a step a later one of the same run follows.
    init(_ event: CaseEvent, after before: CaseState, machine: CaseStateMachine, key: DataKey?, vault: PersonalDataVault,
         erased: @autoclosure () -> Bool = false, stored: Bool = true) throws {
        do {
            transition = try machine.apply(event, to: before)
        } catch {
            throw StoreError.refused(error)
        }
        self.before = before
        guard stored else {
            stateText = nil
            return
        }
        // A pending change carries its rationale: sealed like the event's.
        let state = try JSONValueEncoder().encode(transition.state)
        // Asked only in that rare case (a pending change, no key): the answer may scan the log.
        let clear = key == nil && !PersonalFields.regions(of: state).isEmpty && erased()
        stateText = try (clear ? state : vault.seal(state, with: key)).serialized()
    }
}

/// One event to append, worked out in full: its body and canonical text, and its projection.
struct PlannedEvent: Sendable {
    let caseId: String
    let body: EncodedBody
    let step: ProjectionStep
}

/// A referral's arrival, planned as a pure function of the message, the child's match and the
/// state of the case it lands on: the two events to append (`referral-received`, `routed`),
/// each with its canonical text and projection, and the answer to send.
///
/// The store plans once before the write transaction, assuming a child it has not seen (a new
/// case); inside the transaction it matches the child again and plans anew only when the match
/// differs (see ``SQLiteCaseStore/submit(_:partnerId:actor:receivedAt:)``).
struct SubmissionPlan: Sendable {
    let match: ChildMatch
    let events: [PlannedEvent]
    let submission: Submission

    /// - Parameters:
    ///   - caseId: the open case the child joins, or a new case's id.
    ///   - before: that case's state (`CaseState()` for a new case).
    ///   - key: the referral's own data key (new, stored in the transaction that appends the
    ///     events): its message is sealed under it, so a referral later moved to another child's
    ///     case (an unlink) is erased with that child, not with the case it arrived on.
    ///   - caseKey: the joined case's key (its state may hold a pending change's rationale).
    init(_ message: EncodedReferral, referralId: String, partnerId: String, receivedAt: Timestamp, match: ChildMatch,
         caseId: String, before: CaseState, key: DataKey, caseKey: DataKey?, projector: Projector) throws {
        let vault = projector.vault
        let referral = message.referral
        // A referral that opens a case is routed by the version in force the day it arrived; one
        // joining an open case by that case's version, whose levels are the ones it can decide.
        let machine = try projector.machine(for: .referralReceived(at: receivedAt, consent: referral.consent), before: before)
        let decision = route(referral, pathway: machine.pathway, receivedAt: receivedAt, reReferral: match.reReferral)
        let received = try EncodedBody(.referral(ReceivedReferral(
            referralId: referralId, partnerId: partnerId, receivedAt: receivedAt, bodyHash: message.hash, message: referral,
            reReferral: match.reReferral, previousReferralId: match.previousReferral, childKeys: message.keys, identity: match.outcome)),
            sealedWith: key, vault: vault,
            referralColumns: ReferralColumns(childKeys: message.keys, censusChild: try vault.sealCensusChild(referral.child, key: key)),
            encoder: message.encoder)
        let routed = try EncodedBody(.routed(RoutedReferral(referralId: referralId, decision: decision)), sealedWith: nil, vault: vault)
        // Projected as one run (Projector.project), whose case row holds the second step's state.
        let first = try ProjectionStep(.referralReceived(at: receivedAt, consent: referral.consent), after: before, machine: machine, key: caseKey, vault: vault,
                                       stored: false)
        let second = try ProjectionStep(.routed(decision), after: first.transition.state, machine: machine, key: caseKey, vault: vault)
        self.match = match
        events = [PlannedEvent(caseId: caseId, body: received, step: first), PlannedEvent(caseId: caseId, body: routed, step: second)]
        submission = Submission(referralId: referralId, caseId: caseId, decision: decision, decisionText: routed.decisionText ?? "null",
                                reReferral: match.reReferral, joinedOpenCase: match.openCase != nil, replayed: false)
    }
}
