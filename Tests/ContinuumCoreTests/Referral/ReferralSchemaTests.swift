import ContinuumCore
import ContinuumJSON
import ContinuumTesting
import Testing

/// The published JSON Schema (docs/referral-message.schema.json) must say what the code does.
@Suite("The referral JSON Schema matches the model")
struct ReferralSchemaTests {
    let schema: JSONValue

    init() throws {
        schema = try JSONParser().parse(Fixtures.read(Fixtures.path("docs/referral-message.schema.json"))).value()
    }

    func propertyNames(_ path: String) -> Set<String> {
        guard case .object(let properties)? = schema.lookup(path) else { return [] }
        return Set(properties.keys)
    }

    func enumValues(_ path: String) -> [String] {
        guard case .array(let values)? = schema.lookup(path) else { return [] }
        return values.compactMap(\.stringValue)
    }

    @Test func fieldNamesMatchTheCodingKeys() {
        #expect(propertyNames("properties") == Set(Referral.CodingKeys.allCases.map(\.stringValue)))
        #expect(propertyNames("properties.referrer.properties") == Set(Referrer.CodingKeys.allCases.map(\.stringValue)))
        #expect(propertyNames("properties.child.properties") == Set(Child.CodingKeys.allCases.map(\.stringValue)))
        #expect(propertyNames("properties.household.items.properties") == Set(HouseholdMember.CodingKeys.allCases.map(\.stringValue)))
        #expect(propertyNames("properties.concerns.items.properties") == Set(Concern.CodingKeys.allCases.map(\.stringValue)))
    }

    @Test func codeListsMatchTheCensusEnums() {
        #expect(enumValues("properties.referrer.properties.source.enum") == ReferralSource.allCases.map(\.rawValue))
        #expect(enumValues("properties.concerns.items.properties.factor.enum") == AssessmentFactor.allCases.map(\.rawValue))
        #expect(enumValues("properties.child.properties.disabilities.items.enum") == Disability.allCases.map(\.rawValue))
        #expect(enumValues("properties.child.properties.gender.enum") == Gender.allCases.map(\.rawValue))
        #expect(enumValues("properties.consent.enum") == Consent.allCases.map(\.rawValue))
        #expect(enumValues("properties.concerns.items.properties.impact.enum") == Impact.allCases.map(\.rawValue))
    }

    @Test func unknownFieldsAreClosedEverywhere() {
        for path in ["", "properties.referrer.", "properties.child.", "properties.household.items.", "properties.concerns.items."] {
            #expect(schema.lookup(path + "additionalProperties") == .bool(false), "\(path)")
        }
        #expect(schema.lookup("$schema") == .string("https://json-schema.org/draft/2020-12/schema"))
    }
}
