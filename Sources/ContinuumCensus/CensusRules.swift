import ContinuumCore

/// One thing in the return that breaks a census validation rule: which child (by LA child id,
/// never by name), which rule, and what to record to fix it.
public struct CensusIssue: Sendable, Hashable, Codable {
    /// DfE rules fail the return (`error`) or ask the council to check (`query`).
    public enum Severity: String, Sendable, Hashable, Codable {
        case error, query
    }

    /// Empty for a rule on the return as a whole (2883: plans against conferences).
    public var laChildId: String
    /// The case to record the fix on.
    public var caseId: String?
    /// The DfE rule number where the rule is the DfE's (`8610`); Continuum's own checks of the
    /// same data are named `CNT-…` (docs/census.md lists both).
    public var rule: String
    public var severity: Severity
    public var message: String
    /// What to record in Continuum to fix it.
    public var fix: String

    public enum CodingKeys: String, CodingKey, CaseIterable { case laChildId, caseId, rule, severity, message, fix }
}

/// The validation rules the data Continuum records can break, checked against a return.
public enum CensusRules {
    public static func check(_ census: CensusReturn) -> [CensusIssue] {
        var issues: [CensusIssue] = []
        let reference = census.year.referenceDate
        // The first child holding each UPN (1520: a UPN names one child).
        var upnOwners: [String: String] = [:]
        for child in census.children {
            if let upn = child.record.upn?.value, upnOwners[upn] == nil { upnOwners[upn] = child.laChildId }
        }
        for child in census.children {
            let id = child.laChildId
            let firstCase = child.episodes.first?.caseId
            func issue(_ rule: String, _ severity: CensusIssue.Severity, _ caseId: String?, _ message: String, _ fix: String) {
                issues.append(CensusIssue(laChildId: id, caseId: caseId, rule: rule, severity: severity, message: message, fix: fix))
            }
            let record = child.record
            if record.erased {
                issue("CNT-ERASED", .error, firstCase, "The child's personal data was erased under the retention schedule, but an episode falls in this census year.",
                      "Check the retention rule of the case's levels: a record within the census period should not be erased.")
            }
            if record.dateOfBirth == nil && record.expectedDateOfBirth == nil && !record.erased {
                issue("8525", .error, firstCase, "Either Date of Birth or Expected Date of Birth must be provided.", "Record the child's date of birth on a referral for the case.")
            }
            if let born = record.dateOfBirth, born > reference {
                issue("8520", .error, firstCase, "Date of Birth (\(born)) is after the census reference date (\(reference)).", "Correct the child's date of birth.")
            }
            if record.upn == nil && child.upnUnknown == nil {
                issue("8770Q", .query, firstCase, "Please check: UPN or reason UPN missing expected for a child who is more than 5 years old.",
                      "Record the child's UPN on the case: `continuum triage child CASE --upn …` (or PATCH /v1/cases/{id}/child).")
            }
            if let upn = record.upn {
                if !Self.upnAuthorities.contains(String(upn.value.dropFirst().prefix(3))) {
                    issue("1530", .error, firstCase, "UPN invalid (characters 2-4 not a recognised LA code): \(upn.value.dropFirst().prefix(3)).",
                          "Check the UPN against the school's record and correct it on the case: `continuum triage child CASE --upn …`.")
                }
                if let other = upnOwners[upn.value], other != id {
                    issue("1520", .error, firstCase, "More than one record with the same UPN (LA child id \(other) has it too).",
                          "Correct the UPN on the child it does not belong to, or link the two records if they are one child.")
                }
            }
            if let expected = record.expectedDateOfBirth, record.dateOfBirth == nil,
               expected < reference.adding(days: -30) || expected > reference.adding(months: 9) {
                issue("8530Q", .query, firstCase, "Please check: Expected Date of Birth (\(expected)) is outside the expected range for this census (March to December of the Census Year end).",
                      "Record the child's date of birth if born, or check the expected date.")
            }
            if record.ethnicity == nil || record.ethnicity == .notObtained {
                issue("CNT-ETHNICITY", .query, firstCase, "Ethnicity is not recorded: the return says NOBT (information not yet obtained).",
                      "Record the child's ethnicity code on the case: `continuum triage child CASE --ethnicity …`.")
            }
            // An unborn child's sex is U in the return whatever is recorded (8750).
            if record.sex == nil && !record.isUnborn {
                issue("CNT-SEX", .query, firstCase, "Sex is not recorded: the return says U (unknown).", "Record the child's sex on the case: `continuum triage child CASE --sex M|F|U`.")
            }
            if let born = record.dateOfBirth ?? record.expectedDateOfBirth,
               let early = child.episodes.first(where: { $0.referralDate.daysSinceEpoch < born.daysSinceEpoch - 280 }) {
                issue("8606", .error, early.caseId, "Child referral date (\(early.referralDate)) is more than 40 weeks before DOB or expected DOB (\(born)).",
                      "Correct the child's date of birth (or expected date of birth), or the referral's date.")
            }
            // 8820: a child's episodes may meet (one closes the day the next opens) but not overlap.
            for (index, later) in child.episodes.enumerated() {
                for (other, earlier) in child.episodes.enumerated() where other != index && later.referralDate >= earlier.referralDate {
                    guard let until = earlier.closureDate ?? (earlier.referralNFA ? nil : reference) else { continue }
                    // Two referrals on one day: reported once, on the later in the list.
                    if later.referralDate < until && !(later.referralDate == earlier.referralDate && other > index) {
                        issue("8820", .error, later.caseId, "The dates on the CIN episodes for this child overlap: the referral of \(later.referralDate) falls in the episode from \(earlier.referralDate) (case \(earlier.caseId)).",
                              "Close the earlier case before the child's next referral, or record the referral on the open case.")
                    }
                }
            }
            let open = child.episodes.filter { $0.closureDate == nil && !$0.referralNFA }
            if open.count > 1 {
                issue("8815", .error, open.last?.caseId, "More than one open CIN Details episode (a module with no CIN Closure Date) has been provided for this child and case is not a referral with no further action.",
                      "Close the earlier case, or record the later referral on it.")
            }
            if let latest = child.episodes.map(\.referralDate).max(), let stale = open.first(where: { $0.referralDate < latest }) {
                issue("8816", .error, stale.caseId, "An open CIN episode is shown and case is not a referral with no further action, but it is not the latest episode.",
                      "Close the earlier case.")
            }
            for episode in child.episodes {
                let caseId = episode.caseId
                if let closed = episode.closureDate {
                    if closed < census.year.from || closed > reference {
                        issue("8620", .error, caseId, "CIN Closure Date (\(closed)) present and does not fall within the Census year.",
                              "Check the case's closure date.")
                    }
                    if closed < episode.referralDate {
                        issue("8630", .error, caseId, "CIN Closure Date (\(closed)) is before CIN Referral Date (\(episode.referralDate)) for the same CIN episode.",
                              "Correct the date of the case's closure or of its referral.")
                    }
                    if episode.closureReason == nil {
                        issue("8805", .error, caseId, "A CIN case cannot have a CIN closure date without a Reason for Closure.",
                              "Close the case with a reason for closure (RC1-RC9).")
                    }
                } else if episode.closureReason != nil {
                    issue("8810", .error, caseId, "A CIN case cannot have a Reason for Closure without a CIN Closure Date.",
                          "Record the date the case closed.")
                }
                let unresolved = episode.section47s.filter { $0.dateOfInitialCPC == nil && !$0.conferenceNotRequired }
                if unresolved.count > 1 {
                    issue("8839", .error, caseId, "Within one CINDetails group there are 2 or more open S47 Assessments (started \(unresolved.map(\.start.description).joined(separator: ", "))).",
                          "Record each earlier enquiry's conference, or that none was required.")
                }
                for enquiry in episode.section47s {
                    if let conference = enquiry.dateOfInitialCPC {
                        if enquiry.start > conference {
                            issue("8615", .error, caseId, "Section 47 Enquiry Start Date (\(enquiry.start)) must be present and cannot be later than the date of the initial Child Protection Conference (\(conference)).",
                                  "Correct the date of the enquiry or of the conference.")
                        }
                        if conference < census.year.from || conference > reference {
                            issue("8715", .error, caseId, "Date of Initial Child Protection Conference (\(conference)) must fall within the census year.",
                                  "Check the conference's date.")
                        }
                    }
                }
                // The DfE asks a primary need of every referral that led to further action, open
                // or closed: recorded on the case from the front-door decision on (provisional),
                // or with an assessment's completion (docs/census.md).
                if !episode.referralNFA && episode.primaryNeed == nil {
                    let completed = episode.assessments.contains { $0.authorised != nil }
                    issue("8610", .error, caseId, "Primary Need code is missing for a referral which led to further action"
                          + (completed ? "." : episode.closureDate != nil ? ": the episode closed before any assessment was authorised." : ": no assessment is completed yet."),
                          "Record the episode's primary need (N1-N9) on the case (`continuum triage child \(episode.caseId) --primary-need N…`), or with the assessment's completion.")
                }
                for assessment in episode.assessments {
                    if let authorised = assessment.authorised, authorised < assessment.start {
                        issue("8608", .error, caseId, "Assessment Start Date (\(assessment.start)) cannot be later than its End Date (\(authorised)).",
                              "Correct the date of the assessment's completion.")
                    }
                    if let authorised = assessment.authorised, authorised < census.year.from || authorised > reference {
                        issue("8696", .error, caseId, "Assessment end date (\(authorised)) must fall within the census year.",
                              "Check the date of the assessment's completion.")
                    }
                    if assessment.authorised == nil && !(assessment.factors ?? []).isEmpty {
                        issue("8614", .error, caseId, "Parental or child factors at assessment should only be present for a completed assessment (started \(assessment.start)).",
                              "Record the assessment's completion with its factors, on the day it was authorised.")
                    }
                    if assessment.authorised != nil && (assessment.factors ?? []).isEmpty {
                        issue("8897", .error, caseId, "Parental or child factors at assessment information is missing from a completed assessment (authorised \(assessment.authorised?.description ?? "")).",
                              "Record the assessment's factors (\"21\" when none) with its completion.")
                    }
                    if let factors = assessment.factors, factors.contains(.noFactors), factors.count > 1 {
                        issue("8869", .error, caseId, "The assessment factors code \"21\" cannot be used in conjunction with any other assessment factors.",
                              "Record the assessment's factors again without \"21\".")
                    }
                    if assessment.authorised == nil, let closed = episode.closureDate {
                        issue("8867", .error, caseId, "CIN episode is shown as closed (\(closed)), however Assessment (started \(assessment.start)) is not shown as completed.",
                              "Record the assessment's completion, or check that the episode should have closed.")
                    }
                    if assessment.start < episode.referralDate {
                        issue("1103", .error, caseId, "The assessment start date (\(assessment.start)) cannot be before the referral date (\(episode.referralDate)).",
                              "Check the date the assessment started.")
                    }
                    if assessment.authorised == nil {
                        if assessment.start < census.year.from || assessment.start > reference {
                            issue("8736", .error, caseId, "For an Assessment that has not been completed, the start date (\(assessment.start)) must fall within the census year.",
                                  "Record the assessment's completion, or check its start.")
                        }
                        if assessment.start < Self.overdue(before: reference, calendarDays: 63) {
                            issue("8670Q", .query, caseId, "Please check: Assessment started (\(assessment.start)) more than 45 working days before the end of the census year. However, there is no Assessment end date.",
                                  "Record the assessment's completion.")
                        }
                    }
                    if let factors = assessment.factors, Set(factors).count < factors.count {
                        issue("8898", .error, caseId, "The assessment has more than one parental or child factors with the same code.", "Record the assessment's factors again, each once.")
                    }
                }
                if episode.referralNFA || episode.closureReason == .noFurtherActionAfterAssessment || episode.closureReason == .referredToEarlyHelp {
                    if !episode.cinPlans.isEmpty || !episode.section47s.isEmpty || !episode.plans.isEmpty {
                        issue("2990", .error, caseId,
                              "Activity is recorded against a case marked as 'Case closed after assessment, no further action' or 'case closed after assessment, referred to early help'.",
                              "Close the case with the reason that fits what happened (RC7 when services were given).")
                    }
                }
                for plan in episode.plans {
                    if plan.end == plan.start {
                        issue("8840", .error, caseId, "Child Protection Plan cannot start and end on the same day (\(plan.start)).",
                              "Correct the plan's start, or record its end on the day it ended.")
                    }
                    if plan.initialCategory == nil {
                        issue("8905", .error, caseId, "Initial Category of Abuse code missing or invalid (see Category of Abuse table in CIN Census code set): the plan started \(plan.start).",
                              "Record the plan's start again with its category of abuse (NEG, PHY, SAB, EMO or MUL).")
                    } else if plan.latestCategory == nil {
                        issue("8910", .error, caseId, "Latest Category of Abuse code missing or invalid (see Category of Abuse table in CIN Census code set): the plan started \(plan.start).",
                              "Record the plan's latest review with its category of abuse.")
                    }
                }
                for enquiry in episode.section47s where episode.closureDate != nil && enquiry.dateOfInitialCPC == nil && !enquiry.conferenceNotRequired {
                    issue("8868", .error, caseId, "CIN episode is shown as closed, however Section 47 enquiry (started \(enquiry.start)) is not shown as completed by ICPC date or ICPC not required flag.",
                          "Record the conference, or that none was required.")
                }
                if episode.assessments.count(where: { $0.authorised == nil }) > 1 {
                    issue("8896", .error, caseId, "Within one CINDetails group there are 2 or more open Assessments groups.", "Record the earlier assessment's completion.")
                }
                for (index, assessment) in episode.assessments.enumerated()
                where episode.assessments.indices.contains(where: { other in
                    let earlier = episode.assessments[other]
                    return other != index && assessment.start >= earlier.start && assessment.start < (earlier.authorised ?? reference)
                        && !(assessment.start == earlier.start && other > index)
                }) {
                    issue("8863", .error, caseId, "An Assessment is shown as starting (\(assessment.start)) when there is another Assessment ongoing.", "Record the earlier assessment's completion first.")
                }
                for (index, enquiry) in episode.section47s.enumerated()
                where episode.section47s.indices.contains(where: { other in
                    let earlier = episode.section47s[other]
                    guard let until = earlier.dateOfInitialCPC ?? (earlier.conferenceNotRequired ? nil : reference) else { return false }
                    return other != index && enquiry.start >= earlier.start && enquiry.start < until && !(enquiry.start == earlier.start && other > index)
                }) {
                    issue("8890", .error, caseId, "A Section 47 enquiry is shown as starting (\(enquiry.start)) when there is another Section 47 Enquiry ongoing.",
                          "Record the earlier enquiry's conference, or that none was required, first.")
                }
                if episode.referralNFA && (!episode.assessments.isEmpty || !episode.section47s.isEmpty) {
                    issue("8831", .error, caseId, "Activity is recorded against a case marked as a referral with no further action.",
                          "Record the referral's decision again, or remove the assessment and enquiry milestones.")
                }
                if episode.referralNFA && episode.referralDate < Self.overdue(before: census.year.from, calendarDays: 1) {
                    issue("8569", .error, caseId, "A case with referral date (\(episode.referralDate)) before one working day prior to the collection start date must not be flagged as a no further action case.",
                          "Check the referral's date and decision.")
                }
                if episode.assessments.count == 1, episode.assessments[0].factors?.contains(.noFactors) ?? false,
                   let reason = episode.closureReason, reason != .noFurtherActionAfterAssessment {
                    issue("8873", .error, caseId, "When there is only one assessment on the episode and the factors code \"21 No factors identified\" has been used for the completed assessment, the reason for closure 'RC8' must be used (\(reason.rawValue) was).",
                          "Close the case with RC8.")
                }
                if !episode.referralNFA, episode.assessments.isEmpty,
                   let reason = episode.closureReason, reason == .noFurtherActionAfterAssessment || reason == .referredToEarlyHelp {
                    issue("8825Q", .query, caseId, "Please check and either amend data or provide a reason: Reason for Closure code \(reason.rawValue) (case closed after assessment) has been returned but there is no assessment present for the episode.",
                          "An assessment authorised before 1 April is not in this year's return: explain the closure to the DfE, or close with the reason that fits (RC7).")
                }
                // A disabled child's assessments should record the disability (5A learning, 6A physical).
                if let disabilities = record.disabilities, disabilities.contains(where: { $0 != .none }) {
                    for assessment in episode.assessments {
                        guard let authorised = assessment.authorised, authorised >= census.year.from, let factors = assessment.factors,
                              !factors.contains(.learningDisabilityChild), !factors.contains(.physicalDisabilityChild) else { continue }
                        issue("8899Q", .query, caseId, "Please check: A child identified as having a disability does not have a disability factor recorded at the end of assessment (authorised \(authorised)).",
                              "Check the assessment's factors (5A, 6A) against the child's disabilities.")
                    }
                }
                checkPlans(episode, year: census.year, issue: { issue($0, $1, caseId, $2, $3) })
                for misplaced in episode.misplaced {
                    issue("CNT-SEQUENCE", .error, caseId, "\"\(misplaced.item.rawValue)\" on \(misplaced.day) does not fit the episode (nothing open for it to record against).",
                          "Record the step it follows first (a section 47 enquiry before its conference, a plan before its review), or check the case's level.")
                }
            }
        }
        // 2883, on the return as a whole: no more plans start in the year than initial conferences are held.
        let episodes = census.children.flatMap(\.episodes)
        let plansStarted = episodes.reduce(0) { $0 + $1.plans.count { census.year.contains($0.start) } }
        let conferences = episodes.reduce(0) { $0 + $1.section47s.count { $0.dateOfInitialCPC.map(census.year.contains) ?? false } }
        if plansStarted > conferences {
            issues.append(CensusIssue(laChildId: "", caseId: nil, rule: "2883", severity: .error,
                                      message: "There are more child protection plans starting (\(plansStarted)) than initial conferences taking place (\(conferences)).",
                                      fix: "Record the initial conference of each plan (the plans under rule 2885 lack one)."))
        }
        return issues
    }

    /// The LA codes a UPN's characters 2-4 may hold (1530): post-April-1998 LA codes and the
    /// DfE's pseudo-LA codes, as the DfE's rule lists them.
    static let upnAuthorities: Set<String> = {
        let ranges: [ClosedRange<Int>] = [1...5, 201...213, 301...320, 330...336, 340...344, 350...359, 370...373, 380...384, 390...394,
                                          660...681, 701...708, 800...803, 805...808, 810...813, 820...823, 835...839, 850...852,
                                          855...857, 865...896, 935...938, 940...941]
        let single = [420, 815, 816, 825, 826, 830, 831, 840, 841, 845, 846, 860, 861, 908, 909, 916, 919, 921, 925, 926, 928, 929, 931, 933]
        return Set((ranges.flatMap { Array($0) } + single).map { String(repeating: "0", count: $0 < 10 ? 2 : $0 < 100 ? 1 : 0) + "\($0)" })
    }()

    /// The DfE's rules on an episode's child in need plans, child protection plans, enquiries
    /// and closure against each other and the census year (their wording as the published rule
    /// set has it). `issue` takes the rule, severity, message and fix.
    static func checkPlans(_ episode: CINEpisode, year: CensusYear,
                           issue: (String, CensusIssue.Severity, String, String) -> Void) {
        let start = year.from, end = year.referenceDate
        let referral = episode.referralDate
        func outside(_ day: CalendarDate) -> Bool { day < start || day > end }
        /// Whether `day` falls in `from`…`to` (open: to the census end), not on `to` itself.
        func within(_ day: CalendarDate, _ from: CalendarDate, _ to: CalendarDate?) -> Bool {
            day >= from && day <= (to ?? end) && day != to
        }
        let cinPlans = episode.cinPlans, plans = episode.plans
        /// The four date rules the DfE sets on each kind of plan, by that kind's numbers and
        /// words (in this order): its start after the reference date, its start before the
        /// referral, its end before its start, its end outside the year.
        func checkDates(_ planStart: CalendarDate, _ planEnd: CalendarDate?, _ rules: KeyValuePairs<String, String>) {
            let dates = "started \(planStart)" + (planEnd.map { ", ended \($0)" } ?? "") + "; referral \(referral)"
            let broken = [planStart > end, planStart < referral, planEnd.map { $0 < planStart } ?? false, planEnd.map(outside) ?? false]
            for ((rule, text), fails) in zip(rules, broken) where fails {
                issue(rule, .error, "\(text) (\(dates)).", "Check the dates the plan started and ended, and the referral's.")
            }
        }
        // Child in need plans.
        if episode.referralNFA && !cinPlans.isEmpty {
            issue("4000", .error, "CIN Plan details provided for a referral with no further action.", "Record the referral's decision again, or remove the plan's milestones.")
        }
        if episode.referralNFA && !plans.isEmpty {
            issue("8832", .error, "Child Protection details provided for a referral with no further action.", "Record the referral's decision again, or remove the plan's milestones.")
        }
        if cinPlans.contains(where: { $0.end == nil }) && plans.contains(where: { $0.end == nil }) {
            issue("4001", .error, "A CIN Plan cannot run concurrently with a Child Protection Plan.", "End the child in need plan on the day the child protection plan starts.")
        }
        if cinPlans.count(where: { $0.end == nil }) > 1 {
            issue("4004", .error, "This child is showing more than one open CIN Plan, i.e. with no End Date.", "Record the end of the earlier plan.")
        }
        if plans.count(where: { $0.end == nil }) > 1 {
            issue("8935", .error, "This child is showing more than one open Child Protection plan, i.e. with no End Date.", "Record the end of the earlier plan.")
        }
        for (index, plan) in cinPlans.enumerated() {
            checkDates(plan.start, plan.end, [
                "4010": "CIN Plan start date is missing or out of data collection period",
                "4015": "The CIN Plan start date cannot be before the referral date",
                "4011": "CIN Plan End Date earlier than Start Date",
                "4013": "CIN Plan end date must fall within the census year",
            ])
            if plan.end == plan.start {
                issue("4012Q", .query, "CIN Plan shown as starting and ending on the same day (\(plan.start)) - please check.", "Check the dates the plan started and ended.")
            }
            if cinPlans.indices.contains(where: { $0 != index && within(plan.start, cinPlans[$0].start, cinPlans[$0].end) && !(plan.start == cinPlans[$0].start && $0 > index) }) {
                issue("4014", .error, "CIN Plan data contains overlapping dates (a plan starts \(plan.start) while another is open).", "Record the end of the earlier plan before the next starts.")
            }
            if plans.contains(where: { within(plan.start, $0.start, $0.end) }) {
                issue("4016", .error, "A CIN Plan has been reported as open at the same time as a Child Protection Plan (the CIN plan starts \(plan.start)).",
                      "End the child protection plan before the child in need plan starts.")
            }
            for review in plans.flatMap(\.reviews) where review > plan.start && plan.end.map({ review < $0 }) ?? false {
                issue("4003", .error, "A CPP review date (\(review)) is shown as being held at the same time as an open CIN Plan.", "Check the dates of the review and of the plans.")
            }
        }
        // Child protection plans.
        for (index, plan) in plans.enumerated() {
            checkDates(plan.start, plan.end, [
                "8720": "Child Protection Plan Start Date missing or out of data collection period",
                "1105": "The child protection plan start date cannot be before the referral date",
                "8925": "Child Protection Plan End Date earlier than Start Date",
                "8930": "Child Protection Plan End Date must fall within the census year",
            ])
            if plan.reviews.contains(where: { $0 <= plan.start }) {
                issue("8841", .error, "The review date cannot be on the same day or before the Child protection Plan start date (\(plan.start)).", "Check the review's date.")
            }
            if plans.indices.contains(where: { $0 != index && plan.start >= plans[$0].start && plan.start <= (plans[$0].end ?? end) && !(plan.start == plans[$0].start && $0 > index) }) {
                issue("8940", .error, "Child Protection Plan data contains overlapping dates (a plan starts \(plan.start) while another is open).", "Record the end of the earlier plan before the next starts.")
            }
            if cinPlans.contains(where: { within(plan.start, $0.start, $0.end) }) {
                issue("4017", .error, "A CIN Plan has been reported as open at the same time as a Child Protection Plan (the child protection plan starts \(plan.start)).",
                      "End the child in need plan on the day the child protection plan starts.")
            }
            if !outside(plan.start) && !episode.section47s.contains(where: { $0.dateOfInitialCPC == plan.start }) {
                issue("2885", .error, "Child protection plan shown as starting a different day (\(plan.start)) to the initial child protection conference.",
                      "Record the plan's start on the day of the initial conference that decided it (or record that conference).")
            }
        }
        // Section 47 enquiries.
        for enquiry in episode.section47s {
            if enquiry.start < referral {
                issue("2889", .error, "The S47 start date (\(enquiry.start)) cannot be before the referral date (\(referral)).", "Check the date the enquiry started.")
            }
            if let conference = enquiry.dateOfInitialCPC {
                if conference < referral {
                    issue("1104", .error, "The date of the initial child protection conference (\(conference)) cannot be before the referral date (\(referral)).", "Check the conference's date.")
                }
                if conference.isWeekend {
                    issue("8875", .error, "The Date of Initial Child Protection Conference (\(conference)) cannot be a weekend.", "Check the conference's date.")
                }
            } else if !enquiry.conferenceNotRequired {
                if outside(enquiry.start) {
                    issue("8740", .error, "For a Section 47 Enquiry that has not held the Initial Child Protection Conference by the end of the census year, the start date (\(enquiry.start)) must fall within the census year.",
                          "Record the conference, or that none was required.")
                }
                if enquiry.conferenceTarget < end {
                    issue("8675Q", .query, "Please check: S47 Enquiry started (\(enquiry.start)) more than 15 working days before the end of the census year. However, there is no date of Initial Child Protection Conference.",
                          "Record the conference, or that none was required.")
                }
            }
            if enquiry.conferenceTarget.isWeekend {
                issue("8870Q", .query, "Please check: The Target Date for Initial Child Protection Conference (\(enquiry.conferenceTarget)) should not be a weekend.", "Check the enquiry's start date.")
            }
        }
        if !episode.section47s.isEmpty && episode.assessments.isEmpty {
            issue("2991Q", .query, "Please check: A Section 47 module is recorded and there is no assessment on the episode.", "Record the assessment that accompanied the enquiry.")
        }
        // Nothing after the closure.
        if let closed = episode.closureDate {
            let activity = episode.assessments.flatMap { [$0.start] + ($0.authorised.map { [$0] } ?? []) }
                + episode.section47s.flatMap { [$0.start] + ($0.dateOfInitialCPC.map { [$0] } ?? []) }
                + plans.compactMap(\.end) + cinPlans.flatMap { [$0.start] + ($0.end.map { [$0] } ?? []) }
            if let late = activity.filter({ $0 > closed }).min() {
                issue("8565", .error, "Activity shown after a case has been closed (\(late), closed \(closed)).", "Check the closure's date, or the date of what followed it.")
            }
        }
    }

    /// The day the DfE's own checks count back to from `day`: `calendarDays` earlier (45 working
    /// days taken as 63 calendar days, 15 as 21, as the published queries count), moved back to
    /// the Friday when it falls on a weekend.
    static func overdue(before day: CalendarDate, calendarDays: Int) -> CalendarDate {
        let back = day.adding(days: -calendarDays)
        return back.isWeekend ? back.adding(days: -(back.weekday - 5)) : back
    }
}
