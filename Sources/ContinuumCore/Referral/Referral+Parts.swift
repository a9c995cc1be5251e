import ContinuumJSON

/// The professional (or person) making the referral.
public struct Referrer: Sendable, Hashable, Codable, FieldObject {
    typealias Keys = CodingKeys
    /// The organisation: "Surrey Police", "St Mary's CE Primary".
    public var agency: String
    /// CIN census `ReferralSource`.
    public var source: ReferralSource
    public var name: String
    public var role: String?
    public var email: String?
    public var phone: String?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case agency, source, name, role, email, phone
    }

    public init(agency: String, source: ReferralSource, name: String, role: String? = nil, email: String? = nil, phone: String? = nil) {
        self.agency = agency
        self.source = source
        self.name = name
        self.role = role
        self.email = email
        self.phone = phone
    }

    public init(from decoder: any Decoder) throws {
        self = try Self.decode(from: decoder)
    }

    init(fields: inout FieldReader<CodingKeys>) throws {
        let agency = fields.text(.agency, length: 1...200)
        let source = fields.code(.source, ReferralSource.self, field: "CIN census ReferralSource")
        let name = fields.text(.name, length: 1...200)
        let role = fields.text(.role, length: 1...200, required: false)
        let email = fields.text(.email, length: 3...254, required: false)
        if let email, !Self.looksLikeEmail(email) { fields.problem(.email, "is not an email address") }
        let phone = fields.text(.phone, length: 6...30, required: false)
        if let phone, !UTF8Scan.allSatisfy(phone, Self.isPhoneByte) {
            fields.problem(.phone, "may contain only digits, spaces and + - ( )")
        }
        try fields.finish()
        guard let agency, let source, let name else { throw MessageInvalid([]) }
        self.init(agency: agency, source: source, name: name, role: role, email: email, phone: phone)
    }

    /// Digits, space and + - ( ).
    static func isPhoneByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x20, 0x2B, 0x2D, 0x28, 0x29: true
        default: false
        }
    }

    /// One `@` with something before it, and a dotted domain after it; no spaces.
    static func looksLikeEmail(_ text: String) -> Bool {
        UTF8Scan.withBytes(text, looksLikeEmail)
    }

    static func looksLikeEmail(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var at = -1
        var lastDot = -1
        var count = 0
        for byte in bytes {
            switch byte {
            case 0x40:  // @
                if at >= 0 { return false }
                at = count
            case 0x2E where at >= 0:  // . in the domain
                if count == at + 1 { return false }
                lastDot = count
            case 0x20, 0x09: return false
            default: break
            }
            count += 1
        }
        return at > 0 && lastDot > at + 1 && lastDot < count - 1
    }
}

/// The child the referral is about.
public struct Child: Sendable, Hashable, Codable, FieldObject {
    typealias Keys = CodingKeys
    public var givenName: String
    public var familyName: String
    /// Date of birth; exactly one of this and `expectedDateOfBirth` is given.
    public var dateOfBirth: CalendarDate?
    /// For an unborn child.
    public var expectedDateOfBirth: CalendarDate?
    public var gender: Gender?
    public var nhsNumber: NHSNumber?
    public var postcode: Postcode?
    public var disabilities: [Disability]?
    /// Family names the child has been known by before (a name before a change of family or an
    /// adoption): identity matching finds earlier referrals under them (docs/identity.md).
    public var previousNames: [String]?
    /// The unique pupil number (CIN census `UPN`), when the referrer knows it.
    public var upn: UPN?
    /// CIN census `Ethnicity` code.
    public var ethnicity: Ethnicity?
    /// CIN census `Sex`. A message may give the v1 `gender` code instead (``censusSex`` maps it).
    public var sex: Sex?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case givenName, familyName, dateOfBirth, expectedDateOfBirth, gender, nhsNumber, postcode, disabilities, previousNames, upn, ethnicity, sex
    }

    /// At most this many previous names: enough for real histories, and it bounds the keys.
    public static let maximumPreviousNames = 5

    public init(givenName: String, familyName: String, dateOfBirth: CalendarDate? = nil, expectedDateOfBirth: CalendarDate? = nil,
                gender: Gender? = nil, nhsNumber: NHSNumber? = nil, postcode: Postcode? = nil, disabilities: [Disability]? = nil,
                previousNames: [String]? = nil, upn: UPN? = nil, ethnicity: Ethnicity? = nil, sex: Sex? = nil) {
        self.givenName = givenName
        self.familyName = familyName
        self.dateOfBirth = dateOfBirth
        self.expectedDateOfBirth = expectedDateOfBirth
        self.gender = gender
        self.nhsNumber = nhsNumber
        self.postcode = postcode
        self.disabilities = disabilities
        self.previousNames = previousNames
        self.upn = upn
        self.ethnicity = ethnicity
        self.sex = sex
    }

    /// The census `Sex`: `sex` when given, else what the v1 `gender` code means; nil when neither was sent.
    public var censusSex: Sex? { sex ?? gender.map(Sex.init(gender:)) }

    /// Whether the child is not yet born (an `expectedDateOfBirth` was given).
    public var isUnborn: Bool { dateOfBirth == nil }

    /// Whole years of age on `date`; 0 for an unborn child.
    public func age(on date: CalendarDate) -> Int {
        guard let dateOfBirth else { return 0 }
        return max(0, dateOfBirth.wholeYears(until: date))
    }

    /// True when any disability other than `NONE` is recorded.
    public var isDisabled: Bool { disabilities?.contains { $0 != .none } ?? false }

    public init(from decoder: any Decoder) throws {
        self = try Self.decode(from: decoder)
    }

    init(fields: inout FieldReader<CodingKeys>) throws {
        let givenName = fields.text(.givenName, length: 1...100)
        let familyName = fields.text(.familyName, length: 1...100)
        let dateOfBirth = fields.optional(.dateOfBirth, CalendarDate.self)
        let expected = fields.optional(.expectedDateOfBirth, CalendarDate.self)
        let today = fields.receivedOn
        switch (fields.has(.dateOfBirth), fields.has(.expectedDateOfBirth)) {
        case (false, false):
            fields.problem(.dateOfBirth, "required field is missing (use expectedDateOfBirth for an unborn child)")
        case (true, true):
            fields.problem(.expectedDateOfBirth, "give dateOfBirth or expectedDateOfBirth, not both")
        default:
            break
        }
        if let dateOfBirth, let today {
            if dateOfBirth > today {
                fields.problem(.dateOfBirth, "is after the day of receipt (\(today)); for an unborn child use expectedDateOfBirth")
            } else if dateOfBirth.wholeYears(until: today) >= 18 {
                fields.problem(.dateOfBirth, "makes the child 18 or over on the day of receipt; a children's services referral is for a child under 18")
            }
        }
        if let expected, let today {
            if expected < today.adding(days: -42) {
                fields.problem(.expectedDateOfBirth, "is more than six weeks before the day of receipt; send dateOfBirth once the child is born")
            } else if expected > today.adding(days: 300) {
                fields.problem(.expectedDateOfBirth, "is more than ten months after the day of receipt")
            }
        }
        let gender = fields.code(.gender, Gender.self, field: "CIN census GenderCurrent", required: false)
        let nhsNumber = fields.optional(.nhsNumber, NHSNumber.self)
        let postcode = fields.optional(.postcode, Postcode.self)
        var disabilities: [Disability]?
        if let codes = fields.optional(.disabilities, [String].self) {
            var parsed: [Disability] = []
            for (index, code) in codes.enumerated() {
                if let disability = Disability(rawValue: code) {
                    parsed.append(disability)
                } else {
                    fields.problems.append(JSONProblem(path: JSONPath.render(fields.path + [CodingKeys.disabilities, JSONKey(index: index)]),
                                                       message: "\"\(code)\" is not a CIN census disability code; expected one of \(Disability.codeList)"))
                }
            }
            if parsed.contains(.none) && parsed.count > 1 {
                fields.problem(.disabilities, "\"NONE\" cannot be combined with other disability codes")
            }
            disabilities = parsed
        }
        let previousNames = fields.optional(.previousNames, [String].self)
        if let previousNames {
            if previousNames.count > Self.maximumPreviousNames {
                fields.problem(.previousNames, "has \(previousNames.count) names; at most \(Self.maximumPreviousNames) are kept")
            }
            for (index, name) in previousNames.enumerated() {
                let control = ControlCharacters.first(in: name, allowingLineBreaks: false)
                let message = FieldReader<CodingKeys>.isBlank(name) ? "must not be blank"
                    : control.map { "must not contain control characters (\($0) found)" }
                    ?? (name.unicodeScalars.count > 100 ? "must be 1 to 100 characters" : nil)
                if let message {
                    fields.problems.append(JSONProblem(path: JSONPath.render(fields.path + [CodingKeys.previousNames, JSONKey(index: index)]), message: message))
                }
            }
        }
        let upnText = fields.text(.upn, length: 1...64, required: false)
        var upn: UPN?
        if let upnText {
            upn = UPN(upnText)
            if upn == nil { fields.problem(.upn, "is not a unique pupil number: \(UPN.validate(upnText) ?? "")") }
        }
        let ethnicity = fields.code(.ethnicity, Ethnicity.self, field: "CIN census Ethnicity", required: false)
        let sex = fields.code(.sex, Sex.self, field: "CIN census Sex", required: false)
        if let sex, let gender, Sex(gender: gender) != sex {
            fields.problem(.sex, "\"\(sex.rawValue)\" contradicts gender \"\(gender.rawValue)\" (which means \"\(Sex(gender: gender).rawValue)\"); send sex alone")
        }
        try fields.finish()
        guard let givenName, let familyName else { throw MessageInvalid([]) }
        self.init(givenName: givenName, familyName: familyName, dateOfBirth: dateOfBirth, expectedDateOfBirth: expected,
                  gender: gender, nhsNumber: nhsNumber, postcode: postcode, disabilities: disabilities, previousNames: previousNames,
                  upn: upn, ethnicity: ethnicity, sex: sex)
    }
}

/// Someone in the child's household.
public struct HouseholdMember: Sendable, Hashable, Codable, FieldObject {
    typealias Keys = CodingKeys
    public var givenName: String
    public var familyName: String
    /// To the child: "mother", "stepfather", "sibling", …
    public var relationship: String
    public var dateOfBirth: CalendarDate?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case givenName, familyName, relationship, dateOfBirth
    }

    public init(givenName: String, familyName: String, relationship: String, dateOfBirth: CalendarDate? = nil) {
        self.givenName = givenName
        self.familyName = familyName
        self.relationship = relationship
        self.dateOfBirth = dateOfBirth
    }

    public init(from decoder: any Decoder) throws {
        self = try Self.decode(from: decoder)
    }

    init(fields: inout FieldReader<CodingKeys>) throws {
        let givenName = fields.text(.givenName, length: 1...100)
        let familyName = fields.text(.familyName, length: 1...100)
        let relationship = fields.text(.relationship, length: 1...100)
        let dateOfBirth = fields.optional(.dateOfBirth, CalendarDate.self)
        if let dateOfBirth, let today = fields.receivedOn, dateOfBirth > today {
            fields.problem(.dateOfBirth, "is after the day of receipt (\(today))")
        }
        try fields.finish()
        guard let givenName, let familyName, let relationship else { throw MessageInvalid([]) }
        self.init(givenName: givenName, familyName: familyName, relationship: relationship, dateOfBirth: dateOfBirth)
    }
}

/// One concern: a CIN census assessment factor and how much it affects the child.
public struct Concern: Sendable, Hashable, Codable, FieldObject {
    typealias Keys = CodingKeys
    public var factor: AssessmentFactor
    public var impact: Impact
    public var detail: String?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case factor, impact, detail
    }

    public init(factor: AssessmentFactor, impact: Impact, detail: String? = nil) {
        self.factor = factor
        self.impact = impact
        self.detail = detail
    }

    public init(from decoder: any Decoder) throws {
        self = try Self.decode(from: decoder)
    }

    init(fields: inout FieldReader<CodingKeys>) throws {
        let factor = fields.code(.factor, AssessmentFactor.self, field: "CIN census assessment factor")
        var impact: Impact?
        if let text = fields.required(.impact, String.self) {
            impact = Impact(rawValue: text)
            if impact == nil { fields.problem(.impact, "\"\(text)\" is not an impact; expected \"low\", \"medium\" or \"high\"") }
        }
        let detail = fields.text(.detail, length: 1...10_000, required: false, freeText: true)
        try fields.finish()
        guard let factor, let impact else { throw MessageInvalid([]) }
        self.init(factor: factor, impact: impact, detail: detail)
    }
}
