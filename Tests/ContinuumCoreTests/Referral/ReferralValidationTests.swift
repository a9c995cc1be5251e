import ContinuumCore
import ContinuumJSON
import ContinuumTesting
import Foundation
import Testing

@Suite("Referral message v1 validation")
struct ReferralValidationTests {
    let receivedAt = Fixtures.at("2026-11-26T12:00:00Z")

    func read(_ value: JSONValue) -> Result<Referral, ReferralError> {
        Result { () throws(ReferralError) in try ReferralReader().read(Fixtures.bytes(value), receivedAt: receivedAt) }
    }

    func problems(_ value: JSONValue) -> [JSONProblem] {
        if case .failure(let error) = read(value) { return error.problems }
        return []
    }

    func hasProblem(_ value: JSONValue, at path: String, containing text: String) -> Bool {
        problems(value).contains { $0.path == path && $0.message.contains(text) }
    }

    @Test("every example referral is valid", arguments: [
        "police-domestic-abuse", "school-neglect-immediate-risk", "health-visitor-unborn",
        "gp-consent-refused", "school-emerging-needs", "police-unaccompanied-child",
    ])
    func examplesAreValid(_ name: String) throws {
        let referral = try ReferralReader().read(Fixtures.example(name), receivedAt: receivedAt)
        #expect(!referral.messageId.isEmpty)
    }

    @Test func decodesEveryField() throws {
        let referral = try ReferralReader().read(Fixtures.example("police-domestic-abuse"), receivedAt: receivedAt)
        #expect(referral.referrer.source == .police)
        #expect(referral.child.dateOfBirth == Fixtures.date("2018-03-14"))
        #expect(referral.child.gender == .male)
        #expect(referral.child.nhsNumber?.digits == "9434765919")
        #expect(referral.child.postcode?.value == "GU1 4LH")
        #expect(referral.household?.count == 2)
        #expect(referral.concerns == [Concern(factor: .domesticAbuseParent, impact: .medium, detail: referral.concerns[0].detail),
                                      Concern(factor: .mentalHealthParent, impact: .medium)])
        #expect(referral.consent == .given)
    }

    @Test func reportsEveryProblemAtOnce() throws {
        let found = try problems(Fixtures.read(Fixtures.path("docs/examples/invalid-referral.json")).jsonValue())
        #expect(Set(found.map(\.path)) == ["$.messageId", "$.referrer.sorce", "$.referrer.source", "$.child.dateOfBirth",
                                           "$.child.nhsNumber", "$.child.postcode", "$.concerns[0].factor", "$.concerns[1].impact", "$.consent"])
    }

    @Test func unknownFieldsGetASuggestion() throws {
        let value = try Fixtures.referralJSON().setting("child.dateofbirth", .string("2018-03-14")).setting("child.dateOfBirth", nil)
        #expect(hasProblem(value, at: "$.child.dateofbirth", containing: "did you mean \"dateOfBirth\""))
        let top = try Fixtures.referralJSON().setting("imediateRisk", .bool(true))
        #expect(hasProblem(top, at: "$.imediateRisk", containing: "did you mean \"immediateRisk\""))
        // Inside an element of an array of objects, and an element that is not an object.
        let element = try Fixtures.referralJSON().setting("concerns.1.impactt", .string("high"))
        #expect(hasProblem(element, at: "$.concerns[1].impactt", containing: "did you mean \"impact\""))
        let notObject = try Fixtures.referralJSON().setting("household.1", .string("Dad"))
        #expect(hasProblem(notObject, at: "$.household[1]", containing: "expected an object"))
    }

    @Test func freeTextKeepsTabsAndLineBreaks() throws {
        let base = try Fixtures.referralJSON()
        #expect(problems(base.setting("summary", .string("First visit.\r\n\tSecond visit."))).isEmpty)
        #expect(problems(base.setting("concerns.0.detail", .string("Seen twice:\n- at school\n- at home"))).isEmpty)
        #expect(problems(base.setting("child.givenName", .string("Zoë\u{200D}")).setting("child.previousNames", .array([.string("O'Brien")]))).isEmpty)
    }

    @Test func datesAreCheckedAgainstReceipt() throws {
        let base = try Fixtures.referralJSON()
        #expect(hasProblem(base.setting("child.dateOfBirth", .string("2026-11-27")), at: "$.child.dateOfBirth", containing: "after the day of receipt"))
        #expect(hasProblem(base.setting("child.dateOfBirth", .string("2008-11-26")), at: "$.child.dateOfBirth", containing: "under 18"))
        #expect(problems(base.setting("child.dateOfBirth", .string("2008-11-27"))).isEmpty, "17 until tomorrow")
        #expect(hasProblem(base.setting("sentAt", .string("2026-11-26T13:00:00Z")), at: "$.sentAt", containing: "in the future"))
        #expect(hasProblem(base.setting("household.0.dateOfBirth", .string("2027-01-01")), at: "$.household[0].dateOfBirth", containing: "after the day of receipt"))
        let unborn = base.setting("child.dateOfBirth", nil)
        #expect(problems(unborn.setting("child.expectedDateOfBirth", .string("2027-04-01"))).isEmpty)
        #expect(hasProblem(unborn.setting("child.expectedDateOfBirth", .string("2026-09-01")), at: "$.child.expectedDateOfBirth", containing: "six weeks"))
        #expect(hasProblem(unborn, at: "$.child.dateOfBirth", containing: "required"))
        #expect(hasProblem(base.setting("child.expectedDateOfBirth", .string("2027-04-01")), at: "$.child.expectedDateOfBirth", containing: "not both"))
    }

    @Test("impossible dates and bad codes", arguments: [
        ("child.dateOfBirth", JSONValue.string("2019-02-29"), "$.child.dateOfBirth", "not a real date"),
        ("child.dateOfBirth", .string("14/03/2018"), "$.child.dateOfBirth", "YYYY-MM-DD"),
        ("child.gender", .string("3"), "$.child.gender", "GenderCurrent"),
        ("child.gender", .integer(1), "$.child.gender", "expected a string"),
        ("child.disabilities", .array([.string("NONE"), .string("AUT")]), "$.child.disabilities", "cannot be combined"),
        ("child.disabilities", .array([.string("XYZ")]), "$.child.disabilities[0]", "disability code"),
        ("referrer.source", .string("11"), "$.referrer.source", "ReferralSource"),
        ("concerns.0.factor", .string("18A"), "$.concerns[0].factor", "assessment factor"),
        ("concerns", .array([]), "$.concerns", "1 to 50"),
        ("immediateRisk", .string("no"), "$.immediateRisk", "expected true or false"),
        ("summary", .string("   "), "$.summary", "blank"),
        ("summary", .string(String(repeating: "x", count: 10_001)), "$.summary", "1 to 10000"),
        ("messageId", .string(String(repeating: "a", count: 129)), "$.messageId", "1 to 128"),
        ("referrer.email", .string("not-an-email"), "$.referrer.email", "not an email"),
        ("referrer.phone", .string("call me maybe"), "$.referrer.phone", "digits"),
        // Invisible text is blank; control characters that rewrite a terminal are refused (issue 22).
        ("child.givenName", .string("\u{200B}"), "$.child.givenName", "blank"),
        ("child.familyName", .string("\u{FEFF}\u{2060} "), "$.child.familyName", "blank"),
        ("child.givenName", .string("Ann\u{1B}[2K"), "$.child.givenName", "control characters (U+001B found)"),
        ("referrer.agency", .string("Police\u{07}"), "$.referrer.agency", "U+0007"),
        ("messageId", .string("M-1\r"), "$.messageId", "U+000D"),
        ("child.familyName", .string("Smith\u{9B}2J"), "$.child.familyName", "U+009B"),
        ("child.previousNames", .array([.string("Brown"), .string("\u{1B}]0;title\u{07}")]), "$.child.previousNames[1]", "control characters"),
        ("child.previousNames", .array([.string("\u{200B}")]), "$.child.previousNames[0]", "blank"),
        ("summary", .string("Line one\u{1B}[1A"), "$.summary", "tabs and line breaks are allowed"),
    ])
    func fieldErrors(field: String, value: JSONValue, path: String, text: String) throws {
        let referral = try Fixtures.referralJSON().setting(field, value)
        #expect(hasProblem(referral, at: path, containing: text), "\(problems(referral))")
    }

    @Test func nhsNumbers() {
        #expect((try? NHSNumber(validating: "9434765919")) != nil)
        #expect((try? NHSNumber(validating: "9434765918")) == nil)
        #expect((try? NHSNumber(validating: "943 476 5919")) == nil)
        #expect((try? NHSNumber(validating: "94347659")) == nil)
        // A number whose check digit would be 10 is never valid.
        #expect((try? NHSNumber(validating: "1000000010")) == nil)
    }

    @Test("UK postcodes", arguments: [("gu14lh", "GU1 4LH"), ("SW1A 1AA", "SW1A 1AA"), ("M1 1AE", "M1 1AE"), ("B33 8TH", "B33 8TH"),
                                       ("CR2 6XH", "CR2 6XH"), ("DN55 1PT", "DN55 1PT"), ("W1A 0AX", "W1A 0AX"), ("EC1A 1BB", "EC1A 1BB")])
    func postcodes(_ input: String, _ normalised: String) throws {
        #expect(try Postcode(validating: input).value == normalised)
    }

    @Test func badPostcodes() {
        for text in ["GUILDFORD", "1GU 4LH", "GU1 LH4", "G", "GU1 4LHX", "GU1\t4LH", "GÜ1 4LH", "GU1 4LÉ", "", "   ", "AB12C 3DE"] {
            #expect((try? Postcode(validating: text)) == nil, "\(text)")
        }
    }

    @Test func consentReasonGoesWithNotSought() throws {
        let base = try Fixtures.referralJSON()
        #expect(hasProblem(base.setting("consent", .string("not-sought")), at: "$.consentNotSoughtReason", containing: "required"))
        #expect(hasProblem(base.setting("consentNotSoughtReason", .string("x")), at: "$.consentNotSoughtReason", containing: "only allowed"))
    }

    @Test func nonObjectsAreRejectedWithAPath() {
        #expect(problems(.array([])) == [JSONProblem(path: "$", message: "expected an object, found an array")])
        let childIsString = (try? Fixtures.referralJSON().setting("child", .string("Jamie"))) ?? .null
        #expect(hasProblem(childIsString, at: "$.child", containing: "expected an object"))
    }

    @Test func foundationJSONDecoderValidatesIdentically() throws {
        let bytes = try Fixtures.read(Fixtures.path("docs/examples/invalid-referral.json"))
        let decoder = JSONDecoder()
        decoder.userInfo = ValidationContext.userInfo(receivedAt: receivedAt)
        do {
            _ = try decoder.decode(Referral.self, from: Data(bytes))
            Issue.record("Foundation accepted an invalid referral")
        } catch let invalid as MessageInvalid {
            #expect(invalid.problems.count == 9)
        }
        let good = try decoder.decode(Referral.self, from: Data(Fixtures.example("health-visitor-unborn")))
        #expect(good == (try ReferralReader().read(Fixtures.example("health-visitor-unborn"), receivedAt: receivedAt)))
    }

    @Test func referralsRoundTripThroughTheEncoder() throws {
        let referral = try ReferralReader().read(Fixtures.example("police-domestic-abuse"), receivedAt: receivedAt)
        let again = try ReferralReader().read(Array(JSONValueEncoder().text(referral).utf8), receivedAt: receivedAt)
        #expect(again == referral)
    }

    @Test func syntaxErrorsCarryTheirPosition() {
        let result = Result { () throws(ReferralError) in try ReferralReader().read(Array("{\"messageId\": }".utf8), receivedAt: receivedAt) }
        guard case .failure(.syntax(let error)) = result else {
            Issue.record("expected a syntax error")
            return
        }
        #expect(error.offset == 14)
        #expect(error.line == 1)
    }
}

extension Array where Element == UInt8 {
    func jsonValue() throws -> JSONValue { try JSONParser().parse(self).value() }
}
