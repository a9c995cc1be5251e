import ContinuumCore
import Dispatch
import Foundation
import Synchronization

/// Writes a return in the DfE's CIN census XML (`Message` / `Header` / `Children` / `Child`),
/// elements in the schema's order, dates `YYYY-MM-DD`, flags `true`/`false`. Every value is a
/// date, a number or a census code, escaped all the same.
public enum CensusXML {
    /// The document. `software` and `release` name the producing system in the header;
    /// `generatedAt` is its `DateTime` (`YYYY-MM-DDTHH:MM:SS`, London time).
    public static func document(_ census: CensusReturn, generatedAt: String, release: String) -> String {
        var xml = XMLWriter()
        xml.raw("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n")
        xml.open("Message")
        xml.open("Header")
        xml.open("Collection")
        xml.element("CollectionName", "CIN")
        xml.element("Year", String(census.year.collectionYear))
        xml.element("ReferenceDate", census.year.referenceDate.description)
        xml.close("Collection")
        xml.open("Source")
        xml.element("SourceLevel", "L")
        xml.element("LEA", census.la)
        xml.element("SoftwareCode", "Continuum")
        xml.element("Release", release)
        xml.element("SerialNo", "001")
        xml.element("DateTime", generatedAt)
        xml.close("Source")
        xml.open("Content")
        xml.open("CBDSLevels")
        xml.element("CBDSLevel", "Child")
        xml.close("CBDSLevels")
        xml.close("Content")
        xml.close("Header")
        xml.open("Children")
        // Children in parts written at once on the machine's cores (a large council's return is
        // over 100 MB), joined in order.
        let parts = census.children.count >= 20_000 ? max(1, min(8, ProcessInfo.processInfo.activeProcessorCount)) : 1
        let size = (census.children.count + parts - 1) / parts
        let written = Mutex<[[UInt8]]>(Array(repeating: [], count: parts))
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            var writer = XMLWriter(depth: 2)
            for child in census.children[min(part * size, census.children.count)..<min((part + 1) * size, census.children.count)] {
                write(child, &writer)
            }
            let bytes = writer.bytes
            written.withLock { $0[part] = bytes }
        }
        for part in written.withLock({ $0 }) { xml.raw(bytes: part) }
        xml.close("Children")
        xml.close("Message")
        return xml.text
    }

    static func write(_ child: CensusChild, _ xml: inout XMLWriter) {
        let record = child.record
        xml.open("Child")
        xml.open("ChildIdentifiers")
        xml.element("LAchildID", child.laChildId)
        xml.element("UPN", record.upn?.value)
        xml.element("UPNunknown", child.upnUnknown)
        xml.element("PersonBirthDate", record.dateOfBirth?.description)
        xml.element("ExpectedPersonBirthDate", record.dateOfBirth == nil ? record.expectedDateOfBirth?.description : nil)
        // DfE 8750: an unborn child's sex is U, whatever a scan may have recorded.
        xml.element("Sex", record.isUnborn ? Sex.unknown.rawValue : (record.sex ?? .unknown).rawValue)
        xml.close("ChildIdentifiers")
        xml.open("ChildCharacteristics")
        xml.element("Ethnicity", (record.ethnicity ?? .notObtained).rawValue)
        xml.open("Disabilities")
        for disability in record.disabilities.flatMap({ $0.isEmpty ? nil : $0 }) ?? [.none] { xml.element("Disability", disability.rawValue) }
        xml.close("Disabilities")
        xml.close("ChildCharacteristics")
        for episode in child.episodes { write(episode, &xml) }
        xml.close("Child")
    }

    static func write(_ episode: CINEpisode, _ xml: inout XMLWriter) {
        xml.open("CINdetails")
        xml.element("CINreferralDate", episode.referralDate.description)
        xml.element("ReferralSource", episode.referralSource.rawValue)
        xml.element("PrimaryNeedCode", episode.primaryNeed?.rawValue)
        xml.element("CINclosureDate", episode.closureDate?.description)
        xml.element("ReasonForClosure", episode.closureReason?.rawValue)
        // No episode-level `DateOfInitialCPC`: that element is for a conference held with no
        // enquiry in the episode, which Continuum does not record (a conference follows its
        // enquiry, and is written in its `Section47`). The same date at both levels is DfE rule
        // 2884's error.
        xml.element("ReferralNFA", episode.referralNFA ? "true" : "false")
        for assessment in episode.assessments {
            xml.open("Assessments")
            xml.element("AssessmentActualStartDate", assessment.start.description)
            xml.element("AssessmentAuthorisationDate", assessment.authorised?.description)
            if let factors = assessment.factors, !factors.isEmpty {
                xml.open("FactorsIdentifiedAtAssessment")
                for factor in factors { xml.element("AssessmentFactors", factor.rawValue) }
                xml.close("FactorsIdentifiedAtAssessment")
            }
            xml.close("Assessments")
        }
        for plan in episode.cinPlans {
            xml.open("CINPlanDates")
            xml.element("CINPlanStartDate", plan.start.description)
            xml.element("CINPlanEndDate", plan.end?.description)
            xml.close("CINPlanDates")
        }
        for enquiry in episode.section47s {
            xml.open("Section47")
            xml.element("S47ActualStartDate", enquiry.start.description)
            xml.element("InitialCPCtarget", enquiry.conferenceTarget.description)
            xml.element("DateOfInitialCPC", enquiry.dateOfInitialCPC?.description)
            xml.element("ICPCnotRequired", enquiry.conferenceNotRequired ? "true" : "false")
            xml.close("Section47")
        }
        for plan in episode.plans {
            xml.open("ChildProtectionPlans")
            xml.element("CPPstartDate", plan.start.description)
            xml.element("CPPendDate", plan.end?.description)
            xml.element("InitialCategoryOfAbuse", plan.initialCategory?.rawValue)
            xml.element("LatestCategoryOfAbuse", plan.latestCategory?.rawValue)
            xml.element("NumberOfPreviousCPP", String(plan.previousPlans))
            if !plan.reviews.isEmpty {
                xml.open("Reviews")
                for review in plan.reviews { xml.element("CPPreviewDate", review.description) }
                xml.close("Reviews")
            }
            xml.close("ChildProtectionPlans")
        }
        for record in episode.preProceedings {
            xml.open("PreProceedingsandFGDM")
            xml.element("PPStartDate", record.start.description)
            xml.element("LBPSentDate", record.letterBeforeProceedings?.description)
            xml.element("FGDMMeetingOffer", record.fgdmOffered ? "true" : "false")
            xml.element("FGDMMeetingFac", record.fgdmFacilitated ? "true" : "false")
            xml.element("InitialPPMeetingDate", record.initialMeeting?.description)
            xml.element("ReviewMeetingsCount", String(record.reviewMeetings))
            xml.element("StepDecisionDate", record.stepDecision?.description)
            xml.element("PPOutcome", record.outcome?.rawValue)
            xml.element("CourtAppDate", record.courtApplication?.description)
            xml.close("PreProceedingsandFGDM")
        }
        xml.close("CINdetails")
    }
}

/// An indented XML text, element by element, built as bytes (a large council's return is over
/// 100 MB). A dependency for this would be larger than the writer.
struct XMLWriter {
    private(set) var bytes: [UInt8] = []
    private var depth: Int

    init(depth: Int = 0) {
        self.depth = depth
        bytes.reserveCapacity(1 << 20)
    }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    mutating func raw(_ string: String) { bytes.append(contentsOf: string.utf8) }

    mutating func raw(bytes more: [UInt8]) { bytes.append(contentsOf: more) }

    mutating func open(_ name: StaticString) {
        indent()
        bytes.append(0x3C)
        append(name)
        bytes.append(contentsOf: [0x3E, 0x0A])
        depth += 1
    }

    mutating func close(_ name: StaticString) {
        depth -= 1
        indent()
        bytes.append(contentsOf: [0x3C, 0x2F])
        append(name)
        bytes.append(contentsOf: [0x3E, 0x0A])
    }

    /// `<name>value</name>`; nothing when `value` is nil (the census leaves out what is not known).
    mutating func element(_ name: StaticString, _ value: String?) {
        guard let value else { return }
        indent()
        bytes.append(0x3C)
        append(name)
        bytes.append(0x3E)
        bytes.append(contentsOf: MarkupText.escaped(value).utf8)
        bytes.append(contentsOf: [0x3C, 0x2F])
        append(name)
        bytes.append(contentsOf: [0x3E, 0x0A])
    }

    private mutating func append(_ name: StaticString) {
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    private mutating func indent() {
        for _ in 0..<depth { bytes.append(contentsOf: [0x20, 0x20]) }
    }
}
