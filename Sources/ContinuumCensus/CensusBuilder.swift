import ContinuumCore

/// Builds the return from the census history: a pure function of the facts (docs/census.md
/// "How the return is made" states each rule below in a council's words).
///
/// - A CIN episode opens when a case reaches a level within the census: its referral date and
///   source are the referral whose decision brought it there (or, for a planned step-up or
///   reclassification from early help, the day of the move and source `5D`; from universal
///   help, `5B`).
/// - A front-door closure of a referral that was recommended for a census level is a referral
///   with no further action (`ReferralNFA`); any other front-door closure was a contact.
/// - It closes when the case closes (with its reason) or moves to a level outside the census
///   (`RC9` referred to early help after assessment, `RC8` to universal help, `RC7` when a plan
///   or a section 47 enquiry followed the assessment).
/// - The first assessment starts when the episode opens. Plans end at their `-ended`
///   milestone, when the case leaves the plan's level, or when the episode closes; a child in
///   need plan also ends when a child protection plan starts.
public struct CensusBuilder: Sendable {
    public let year: CensusYear
    /// Working days for `InitialCPCtarget` (15 working days after the enquiry starts).
    public let calendar: WorkingDayCalendar

    public init(year: CensusYear, calendar: WorkingDayCalendar) {
        self.year = year
        self.calendar = calendar
    }

    /// The return for the year: children with an episode open on any day of it, their
    /// characteristics still empty (``completing(_:with:)`` adds them).
    public func build(_ history: CensusHistory, la: String) -> CensusReturn {
        var byChild: [String: [CINEpisode]] = [:]
        var previousPlans: [String: Int] = [:]
        // Cases in log order of their first fact, so a child's earlier plans count before later ones.
        for censusCase in history.cases {
            var count = previousPlans[censusCase.childId] ?? 0
            let episodes = Self.episodes(of: censusCase, through: year.referenceDate, calendar: calendar, previousPlans: &count)
            previousPlans[censusCase.childId] = count
            let inYear = episodes.filter { $0.referralDate <= year.referenceDate && ($0.closureDate.map { $0 >= year.from } ?? true) }
                .map { $0.inYear(from: year.from) }
            if !inYear.isEmpty { byChild[censusCase.childId, default: []].append(contentsOf: inYear) }
        }
        let children = byChild.keys.sorted().map { id -> CensusChild in
            let episodes = (byChild[id] ?? []).sorted { ($0.referralDate, $0.caseId) < ($1.referralDate, $1.caseId) }
            return CensusChild(laChildId: id, record: CensusChildRecord(), upnUnknown: nil, episodes: episodes)
        }
        return CensusReturn(year: year, la: la, children: children)
    }

    /// The return with each child's characteristics (read after `build` says which children
    /// are in it, so only theirs are opened).
    public func completing(_ census: CensusReturn, with records: [String: CensusChildRecord]) -> CensusReturn {
        var census = census
        for index in census.children.indices {
            let record = records[census.children[index].laChildId] ?? CensusChildRecord()
            census.children[index].record = record
            census.children[index].upnUnknown = upnUnknown(record, census.children[index].episodes)
        }
        return census
    }

    /// `UPNunknown` where the census allows one: `UN7` when every episode is a referral with no
    /// further action, `UN1` for a child under six (or unborn) on the reference date.
    func upnUnknown(_ record: CensusChildRecord, _ episodes: [CINEpisode]) -> String? {
        guard record.upn == nil else { return nil }
        if !episodes.isEmpty, episodes.allSatisfy(\.referralNFA) { return "UN7" }
        if record.dateOfBirth == nil || (record.dateOfBirth.map { $0.wholeYears(until: year.referenceDate) < 6 } ?? false) { return "UN1" }
        return nil
    }

    /// The episodes of one case, facts after `through` ignored. `previousPlans` counts the
    /// child's child protection plans so far, and grows with those started here.
    static func episodes(of censusCase: CensusCase, through last: CalendarDate, calendar: WorkingDayCalendar,
                         previousPlans: inout Int) -> [CINEpisode] {
        var done: [CINEpisode] = []
        var open: CINEpisode?
        var referral: (day: CalendarDate, source: ReferralSource)?
        // A referral not yet decided: the next level the case reaches is its decision.
        var referralPending = false
        // A primary need recorded while the referral awaited its decision: the episode it opens takes it.
        var pendingNeed: PrimaryNeed?
        var level: (id: String, withinCensus: Bool, tier: Tier)?
        var planLevel: String?
        var cinPlanLevel: String?

        func close(_ day: CalendarDate, _ reason: ClosureReason) {
            guard var episode = open else { return }
            episode.closureDate = day
            episode.closureReason = reason
            for index in episode.cinPlans.indices where episode.cinPlans[index].end == nil { episode.cinPlans[index].end = day }
            for index in episode.plans.indices where episode.plans[index].end == nil { episode.plans[index].end = day }
            done.append(episode)
            open = nil
        }

        for fact in censusCase.facts where fact.day <= last {
            switch fact {
            case .referral(let day, let source):
                // A referral while an episode is open is not a new CIN referral (census guide).
                if open == nil { (referral, referralPending, pendingNeed) = ((day, source), true, nil) }
            case .level(let day, let id, let within, let tier):
                let wasWithin = level?.withinCensus ?? false
                if within && !wasWithin {
                    let start: (day: CalendarDate, source: ReferralSource)
                    if let referral, referralPending {
                        start = referral
                    } else {
                        // A planned move from early or universal help is the referral to social care.
                        start = (day, level?.tier == .earlyHelp ? .laEarlyHelp : .laOtherInternal)
                    }
                    var episode = CINEpisode(caseId: censusCase.caseId, referralDate: start.day, referralSource: start.source, referralNFA: false)
                    if referralPending { episode.primaryNeed = pendingNeed }
                    episode.assessments.append(.init(start: max(day, start.day), authorised: nil, factors: nil))
                    open = episode
                } else if wasWithin && !within {
                    // RC8 and RC9 say nothing followed the assessment (DfE rule 2990): any plan or
                    // enquiry makes it RC7.
                    let activity = !(open?.cinPlans.isEmpty ?? true) || !(open?.plans.isEmpty ?? true) || !(open?.section47s.isEmpty ?? true)
                    // An only assessment that found no factors ("21") closes RC8 whatever follows (rule 8873).
                    let nothingFound = open.map { $0.assessments.count == 1 && ($0.assessments[0].factors?.contains(.noFactors) ?? false) } ?? false
                    close(day, activity ? .servicesCeased : tier == .earlyHelp && !nothingFound ? .referredToEarlyHelp : .noFurtherActionAfterAssessment)
                } else if var episode = open {
                    // A move between census levels ends the plans held at the level left.
                    for index in episode.plans.indices where episode.plans[index].end == nil && planLevel != nil && planLevel != id {
                        episode.plans[index].end = day
                    }
                    for index in episode.cinPlans.indices where episode.cinPlans[index].end == nil && cinPlanLevel != nil && cinPlanLevel != id {
                        episode.cinPlans[index].end = day
                    }
                    open = episode
                }
                level = (id, within, tier)
                (referralPending, pendingNeed) = (false, nil)
            case .closed(let day, let reason, let frontDoor, let recommendedWithin):
                if open != nil {
                    close(day, reason)
                } else if frontDoor, recommendedWithin, let referral, referralPending {
                    done.append(CINEpisode(caseId: censusCase.caseId, referralDate: referral.day, referralSource: referral.source,
                                           closureDate: day, closureReason: reason, referralNFA: true))
                }
                level = nil
                (referralPending, pendingNeed) = (false, nil)
            case .primaryNeed(_, let need):
                // The episode the case is in; else the one its undecided referral opens; else,
                // a correction after closure, the case's last episode (not a referral with no
                // further action, which has no primary need).
                if open != nil {
                    open?.primaryNeed = need
                } else if referralPending {
                    pendingNeed = need
                } else if let last = done.indices.last, !done[last].referralNFA {
                    done[last].primaryNeed = need
                }
            case .milestone(let day, let item, let codes):
                guard var episode = open else {
                    if var last = done.popLast() {
                        last.misplaced.append(.init(item: item, day: day))
                        done.append(last)
                    }
                    continue
                }
                apply(item, day: day, codes: codes, to: &episode, level: level?.id, calendar: calendar, previousPlans: &previousPlans,
                      planLevel: &planLevel, cinPlanLevel: &cinPlanLevel)
                open = episode
            }
        }
        if let open { done.append(open) }
        return done
    }

    static func apply(_ item: CensusItem, day: CalendarDate, codes: MilestoneCensus?, to episode: inout CINEpisode, level: String?,
                      calendar: WorkingDayCalendar, previousPlans: inout Int, planLevel: inout String?, cinPlanLevel: inout String?) {
        switch item {
        case .assessmentStarted:
            if !episode.assessments.contains(where: { $0.authorised == nil }) { episode.assessments.append(.init(start: day)) }
        case .assessmentAuthorised:
            if let index = episode.assessments.lastIndex(where: { $0.authorised == nil }) {
                episode.assessments[index].authorised = day
                episode.assessments[index].factors = codes?.factors
            } else {
                episode.assessments.append(.init(start: day, authorised: day, factors: codes?.factors))
            }
            if let need = codes?.primaryNeed { episode.primaryNeed = need }
        case .cinPlanStarted:
            if !episode.cinPlans.contains(where: { $0.end == nil }) {
                episode.cinPlans.append(.init(start: day, end: nil))
                cinPlanLevel = level
            }
        case .cinPlanEnded:
            if let index = episode.cinPlans.lastIndex(where: { $0.end == nil }) { episode.cinPlans[index].end = day }
        case .s47Started:
            if !episode.section47s.contains(where: { $0.isOpen }) {
                episode.section47s.append(.init(start: day, conferenceTarget: calendar.deadline(workingDays: 15, receivedOn: day),
                                                dateOfInitialCPC: nil, conferenceNotRequired: false))
            }
        case .initialConference:
            if let index = episode.section47s.lastIndex(where: { $0.isOpen }) {
                episode.section47s[index].dateOfInitialCPC = day
            } else {
                episode.misplaced.append(.init(item: item, day: day))
            }
        case .conferenceNotRequired:
            if let index = episode.section47s.lastIndex(where: { $0.isOpen }) {
                episode.section47s[index].conferenceNotRequired = true
            } else {
                episode.misplaced.append(.init(item: item, day: day))
            }
        case .cpPlanStarted:
            for index in episode.cinPlans.indices where episode.cinPlans[index].end == nil { episode.cinPlans[index].end = day }
            if !episode.plans.contains(where: { $0.end == nil }) {
                episode.plans.append(.init(start: day, end: nil, initialCategory: codes?.category, latestCategory: codes?.category,
                                           previousPlans: previousPlans, reviews: []))
                previousPlans += 1
                planLevel = level
            }
        case .cpReview:
            if let index = episode.plans.lastIndex(where: { $0.end == nil }) {
                episode.plans[index].reviews.append(day)
                if let category = codes?.category { episode.plans[index].latestCategory = category }
            } else {
                episode.misplaced.append(.init(item: item, day: day))
            }
        case .cpPlanEnded:
            if let index = episode.plans.lastIndex(where: { $0.end == nil }) { episode.plans[index].end = day }
        case .preProceedingsStarted:
            if !episode.preProceedings.contains(where: { $0.isOpen }) {
                episode.preProceedings.append(.init(start: day, fgdmOffered: false, fgdmFacilitated: false, reviewMeetings: 0))
            }
        case .letterBeforeProceedings, .fgdmOffered, .fgdmFacilitated, .preProceedingsMeeting, .preProceedingsReview,
             .preProceedingsDecision, .courtApplication:
            guard let index = episode.preProceedings.lastIndex(where: { $0.isOpen }) ?? episode.preProceedings.indices.last else {
                episode.misplaced.append(.init(item: item, day: day))
                return
            }
            var record = episode.preProceedings[index]
            switch item {
            case .letterBeforeProceedings: record.letterBeforeProceedings = record.letterBeforeProceedings ?? day
            case .fgdmOffered: record.fgdmOffered = true
            case .fgdmFacilitated: record.fgdmFacilitated = true
            case .preProceedingsMeeting: record.initialMeeting = record.initialMeeting ?? day
            case .preProceedingsReview: record.reviewMeetings += 1
            case .preProceedingsDecision:
                record.stepDecision = day
                record.outcome = codes?.outcome
            default: record.courtApplication = record.courtApplication ?? day
            }
            episode.preProceedings[index] = record
        }
    }
}

extension CINEpisode.Assessment {
    init(start: CalendarDate) { self.init(start: start, authorised: nil, factors: nil) }
}

extension CINEpisode.Section47 {
    /// Neither a conference nor a decision that none is needed yet.
    var isOpen: Bool { dateOfInitialCPC == nil && !conferenceNotRequired }
}

extension CINEpisode.PreProceedings {
    /// No step decision or court application yet.
    var isOpen: Bool { stepDecision == nil && courtApplication == nil }
}

extension CINEpisode {
    /// The episode as the year's return holds it: an episode open across the year's start keeps
    /// only what was still open on or after its first day. The DfE's rules 8696 (an assessment's
    /// authorisation date) and 8715 (an initial conference's date) require those dates to fall in
    /// the census year; plans that ended before it are left out on the same reading of the guide
    /// (modules open at some time in the year). Counts of previous plans are not changed.
    public func inYear(from start: CalendarDate) -> CINEpisode {
        var episode = self
        episode.assessments.removeAll { $0.authorised.map { $0 < start } ?? false }
        episode.section47s.removeAll { $0.dateOfInitialCPC.map { $0 < start } ?? false }
        episode.cinPlans.removeAll { $0.end.map { $0 < start } ?? false }
        episode.plans.removeAll { $0.end.map { $0 < start } ?? false }
        return episode
    }
}
