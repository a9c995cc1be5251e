import ContinuumAPI
import ContinuumCore

/// Why the store refused or failed a request, in words a caller can act on.
public enum StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The same partner sent this `messageId` before with a different body.
    case messageIdConflict(messageId: String, referralId: String)
    case caseNotFound(String)
    /// No case has the id typed; `nearest` is an id one or two characters away, if any.
    case noSuchCase(String, nearest: String?)
    /// A referral's id was given where a case's was needed (for a change: the case is named,
    /// never guessed).
    case referralNotCase(referralId: String, caseId: String)
    case referralNotFound(String)
    /// No change waits for approval under this id.
    case approvalNotFound(String)
    /// The pathway refused the change (the rule is in the error's text).
    case refused(CaseTransitionError)
    /// A command the store cannot carry out as given (a field missing or out of range), in the
    /// domain's words: the server names the JSON field, the CLI the flag.
    case invalidCommand(CommandProblem)
    /// The database file cannot be opened or written.
    case database(path: String, message: String)
    /// A new database's file or folder cannot be created there (the CLI exits 73).
    case cannotCreate(path: String, reason: String)
    /// The shared database (PostgreSQL) does not answer: try again shortly (issue 17).
    case unavailable(String)
    /// The shared database refused the user the URL names (no such role or database, a wrong
    /// password, no right to create the store's tables): a setting to change (the CLI exits 78).
    case databaseRefused(location: String, reason: String)
    /// A local replica file belongs to another shared database (delete it; it is only a cache).
    case replicaOfAnotherStore(path: String)
    /// The event log does not match its hashes (`sequence` is the first bad entry).
    case chainBroken(sequence: Int64, reason: String)
    case tokenNotFound(String)
    /// No possible match has this id.
    case matchNotFound(String)
    /// The possible match was decided already (`status` is `linked` or `different`).
    case matchResolved(id: String, status: String)
    /// The referral cannot leave the case (it is not on it, or it is the case's only referral).
    case cannotUnlink(caseId: String, referralId: String, reason: String)
    /// A projection row cannot be read (edited by hand, or written by a newer version):
    /// `continuum rebuild` recreates it from the log. `sequence` is 0 when no one event is to blame.
    case projectionBroken(table: String, sequence: Int64, reason: String)
    /// A case is on a pathway version the store was not given (`--pathway` for it is missing).
    case pathwayVersionMissing(String, loaded: [String])
    /// The case is not on the migration review list.
    case notUnderReview(String)
    /// The access log's chain does not hold at line `sequence` (edited outside Continuum).
    case accessLogBroken(sequence: Int64, reason: String)
    /// Personal data is encrypted and the store was opened without the master key (issue 20).
    case masterKeyRequired(String)
    /// The master key given is not the one this database's keys are wrapped under.
    case wrongMasterKey(expected: String, given: String)
    /// `continuum keys rotate` stopped part-way: run it again with both keys.
    case keyRotationUnfinished(from: String, to: String)
    /// A wrapped key or a sealed value does not open under its key (edited, or damaged).
    case keyDamaged(String)
    /// The case's personal data was erased under the retention schedule: nothing can be added.
    case personalDataErased(String)
    /// No endpoint (still registered) has this id.
    case webhookNotFound(String)
    /// The delivery is not on the dead-letter list (or its endpoint was removed).
    case deliveryNotRetryable(String)
    /// The census needs the council's LA code: neither `--la` nor the pathway's `census.la` gives it.
    case censusLAMissing(pathway: String)
    /// Not a three-digit LA code.
    case censusLAInvalid(String)
    /// A webhook URL that deliveries may not go to, and why.
    case webhookURLRefused(url: String, reason: String)

    public var description: String {
        switch self {
        case .messageIdConflict(let messageId, let referralId):
            "messageId \"\(messageId)\" was already used for referral \(referralId) with a different body; send a new messageId for a new referral"
        case .caseNotFound(let id): "no case \"\(id)\""
        case .noSuchCase(let id, let nearest): "no case \"\(id)\"" + (nearest.map { "; did you mean \"\($0)\"?" } ?? "")
        case .referralNotCase(let referralId, let caseId): "\(referralId) is a referral, on case \(caseId): give the case id \(caseId)"
        case .referralNotFound(let id): "no referral \"\(id)\""
        case .approvalNotFound(let id): "nothing waits for approval under \"\(id)\""
        case .refused(let error): error.description
        case .invalidCommand(let problem): problem.description
        case .database(let path, let message): "database \(path): \(message)"
        case .cannotCreate(let path, let reason): "cannot create the database \(path): \(reason)"
        case .unavailable(let reason): "the database does not answer (\(reason)); try again shortly"
        case .databaseRefused(let location, let reason): "\(location) refused this router: \(reason)"
        case .replicaOfAnotherStore(let path):
            "the replica \(path) was made from another database; delete it (it is only a cache, rebuilt from the database on the next start)"
        case .chainBroken(let sequence, let reason): "event log broken at event E\(sequence): \(reason)"
        case .tokenNotFound(let id): "no token \"\(id)\""
        case .matchNotFound(let id): "no possible match \"\(id)\""
        case .matchResolved(let id, let status): "possible match \(id) was already decided (\(status))"
        case .cannotUnlink(let caseId, let referralId, let reason): "referral \(referralId) cannot be unlinked from case \(caseId): \(reason)"
        case .projectionBroken(let table, let sequence, let reason):
            "the \(table) table is damaged\(sequence > 0 ? " at event E\(sequence)" : ""): \(reason); run `continuum rebuild` to recreate it from the event log"
        case .pathwayVersionMissing(let reference, let loaded):
            "cases are on pathway \(reference), which is not loaded (loaded: \(loaded.joined(separator: ", "))); pass its file with --pathway as well"
        case .notUnderReview(let caseId): "case \(caseId) is not on the migration review list"
        case .accessLogBroken(let sequence, let reason): "access log broken at line A\(sequence): \(reason)"
        case .masterKeyRequired(let purpose):
            "\(purpose) needs the master key: the database's personal data is encrypted; give --master-key FILE or set CONTINUUM_MASTER_KEY_FILE"
        case .wrongMasterKey(let expected, let given):
            "the master key given (key id \(given)) is not this database's (key id \(expected)); give the key file this database was created with"
        case .keyRotationUnfinished(let from, let to):
            "a master key rotation from key \(from) to key \(to) stopped part-way; run `continuum keys rotate` again with both keys to finish it"
        case .keyDamaged(let keyId): "the key or sealed data of \(keyId) does not open (damaged or edited outside Continuum)"
        case .personalDataErased(let caseId): "case \(caseId)'s personal data was erased under the retention schedule; nothing can be added to it"
        case .webhookNotFound(let id): "no registered webhook \"\(id)\"; `continuum partner webhook list` shows them"
        case .deliveryNotRetryable(let id): "delivery \(id) is not on the failed list (or its endpoint was removed); `continuum partner deliveries --failed` shows it"
        case .webhookURLRefused(let url, let reason): "webhook URL \"\(url)\" refused: \(reason)"
        case .censusLAMissing(let pathway):
            "the census needs the council's three-digit LA code: give --la (Surrey is 936), or set \"census\": {\"la\": …} in pathway \(pathway)"
        case .censusLAInvalid(let la): "\"\(la)\" is not a three-digit LA code (Surrey is 936)"
        }
    }
}

/// What is wrong with a command, and which of its fields: the edges map ``Field`` to a JSON path
/// (`$.to`) or a CLI flag (`--to`); the store itself speaks of neither (issue 16).
public enum CommandProblem: Sendable, Hashable, CustomStringConvertible {
    /// Accepting the recommendation, but the case has none.
    case noRecommendationToAccept
    case closureReasonMissing
    case moveTargetMissing(TransitionKind)
    case milestoneInTheFuture(CalendarDate)
    case milestoneBeforeReferral(CalendarDate, received: CalendarDate)
    case partnerRequired
    case partnerNotAllowed(Role)
    /// Only people (practitioners and managers) have qualifications.
    case qualificationNotAllowed(Role)
    /// A migration of an open case must name the level it goes to.
    case migrationLevelRequired(String)
    /// A level, milestone or other code the case's pathway does not have (the message names
    /// the known ones and the nearest).
    case unknownCode(Field, String)
    /// Only a referral that joined an open case is noted; a case in this phase has none.
    case nothingToNote(CaseState.Phase)

    /// The command's field the problem is about.
    public enum Field: String, Sendable, Hashable {
        case level, reason, to, date, partner, qualification, milestone, noted, cursor, secret
    }

    public var field: Field {
        switch self {
        case .noRecommendationToAccept: .level
        case .closureReasonMissing: .reason
        case .moveTargetMissing: .to
        case .milestoneInTheFuture, .milestoneBeforeReferral: .date
        case .partnerRequired, .partnerNotAllowed: .partner
        case .qualificationNotAllowed: .qualification
        case .migrationLevelRequired: .level
        case .unknownCode(let field, _): field
        case .nothingToNote: .noted
        }
    }

    public var description: String {
        switch self {
        case .noRecommendationToAccept: "the case has no recommendation to accept; choose a level"
        case .closureReasonMissing: "closing a case needs a CIN census closure reason (RC1 to RC9)"
        case .moveTargetMissing(let kind): "a \(kind.rawValue) needs the level to move to"
        case .milestoneInTheFuture(let date): "\(date) is in the future; record a milestone on or after the day it happens"
        case .milestoneBeforeReferral(let date, let received): "\(date) is before the referral was received (\(received))"
        case .partnerRequired: "a partner token needs the partner whose referrals it sends and reads"
        case .partnerNotAllowed(let role): "only partner tokens belong to a partner; a \(role.rawValue) token has none"
        case .qualificationNotAllowed(let role): "only practitioner and manager tokens carry a qualification; a \(role.rawValue) token has none"
        case .migrationLevelRequired(let caseId): "case \(caseId) is open at a level: name the level of the new version it goes to"
        case .unknownCode(_, let message): message
        case .nothingToNote(let phase):
            "only a referral that joined an open case is noted; this case is \(phase.rawValue)" + (phase == .awaitingDecision ? ": accept the recommendation or choose its level" : "")
        }
    }
}
