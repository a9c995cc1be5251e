import ContinuumJSON

/// Which members of a stored JSON text are personal data, and how they are sealed (issue 20).
///
/// The personal members of a *region* (a referral's message; a referral event's child keys; a
/// whole change event or case state) are taken out of the clear text and stored together in
/// one envelope member of that region, `"$sealed": {"key": <key id>, "paths": [...], "data":
/// <base64>}`: `data` is AES-GCM of `{"<path>": value, …}` under the data key `key`, and `paths`
/// lists, in the clear, which members it holds (names like `child.givenName`, never values), so
/// an erased or locked record still has its shape. Everything else (ids, levels, dates the
/// clocks use, codes, flags) stays readable, so the queue, the clocks and the indicators never
/// decrypt. A region's envelope travels with it, so a message copied into a projection opens on
/// its own. One envelope per region, not one per value: a referral costs two AES-GCM seals.
/// No type Continuum stores has a member named `$sealed`, and partners' messages reject unknown
/// members, so the envelope is unambiguous.
enum PersonalFields {
    /// The envelope's member name.
    static let marker = "$sealed"

    /// A member's place under its region: names, and array indices as digits.
    typealias Path = [String]

    /// Personal members of a referral's message (`referral.message`), member within member.
    private static let messageMembers: [(String, [String])] = [
        ("referrer", ["name", "email", "phone"]),
        ("child", ["givenName", "familyName", "dateOfBirth", "expectedDateOfBirth", "nhsNumber", "postcode", "previousNames", "upn", "ethnicity"]),
    ]
    /// Personal members at the top of the message. Household members are third parties: names,
    /// relationships and dates of birth together.
    private static let messageTopMembers = ["household", "summary", "consentNotSoughtReason"]

    /// Free text staff write, and the child's identifiers staff record (a UPN, an ethnicity:
    /// issue 18), wherever they appear in a change or a case state.
    static let freeTextMembers: Set<String> = ["rationale", "overrideReason", "findings", "upn", "ethnicity"]

    /// A region to seal: where it is in the stored value, and its personal members under it.
    struct Region {
        var at: Path
        var members: [(path: Path, value: JSONValue)]
    }

    /// The regions of a stored event body or case state, with the personal members each holds.
    static func regions(of value: JSONValue) -> [Region] {
        guard case .object(let members) = value else { return [] }
        if let referral = members["referral"] {
            var found: [Region] = []
            if case .object(let message)? = referral["message"] {
                found.append(Region(at: ["referral", "message"], members: personal(inMessage: message)))
            }
            if let keys = referral["childKeys"], keys != .null {
                found.append(Region(at: ["referral"], members: [(["childKeys"], keys)]))
            }
            return found.filter { !$0.members.isEmpty }
        }
        // A recommendation's `rationale` cites the pathway's rules: no personal data, and read
        // without a key (a repeated message is answered from it).
        if members["routed"] != nil || members["token"] != nil || members["erasure"] != nil { return [] }
        // A case state's only free text is its pending change's (sealed on every event of the
        // case: the rest of the state is not walked).
        if members["change"] == nil {
            guard let pending = members["pending"], pending != .null else { return [] }
            let text = freeText(in: pending, prefix: ["pending"])
            return text.isEmpty ? [] : [Region(at: [], members: text)]
        }
        let text = freeText(in: value, prefix: [])
        return text.isEmpty ? [] : [Region(at: [], members: text)]
    }

    /// The personal members of a message, read directly (this runs for every referral stored).
    private static func personal(inMessage message: [String: JSONValue]) -> [(path: Path, value: JSONValue)] {
        var found: [(path: Path, value: JSONValue)] = []
        for (name, members) in messageMembers {
            guard case .object(let part)? = message[name] else { continue }
            for member in members { if let value = part[member], value != .null { found.append(([name, member], value)) } }
        }
        for name in messageTopMembers { if let value = message[name], value != .null { found.append(([name], value)) } }
        if case .array(let concerns)? = message["concerns"] {
            for (index, concern) in concerns.enumerated() {
                if let detail = concern["detail"], detail != .null { found.append((["concerns", String(index), "detail"], detail)) }
            }
        }
        return found
    }

    private static func freeText(in value: JSONValue, prefix: Path) -> [(path: Path, value: JSONValue)] {
        switch value {
        case .object(let members):
            return members.keys.sorted().flatMap { name -> [(path: Path, value: JSONValue)] in
                guard let member = members[name], name != marker else { return [] }
                if freeTextMembers.contains(name) { return member == .null ? [] : [(prefix + [name], member)] }
                return freeText(in: member, prefix: prefix + [name])
            }
        case .array(let items):
            return items.enumerated().flatMap { freeText(in: $1, prefix: prefix + [String($0)]) }
        default:
            return []
        }
    }

    // MARK: Editing a value by path

    /// `value` without the members at `paths`, each container copied once (sealing a message
    /// removes a dozen members: one pass, not one copy of the message per member).
    static func removing(_ paths: [ArraySlice<String>], from value: JSONValue) -> JSONValue {
        guard !paths.isEmpty else { return value }
        var here: Set<String> = []
        var deeper: [String: [ArraySlice<String>]] = [:]
        for path in paths {
            guard let step = path.first else { continue }
            if path.count == 1 { here.insert(step) } else { deeper[step, default: []].append(path.dropFirst()) }
        }
        switch value {
        case .object(var members):
            for name in here { members[name] = nil }
            for (name, rest) in deeper { if let member = members[name] { members[name] = removing(rest, from: member) } }
            return .object(members)
        case .array(var items):
            for (step, rest) in deeper { if let index = Int(step), items.indices.contains(index) { items[index] = removing(rest, from: items[index]) } }
            return .array(items)
        default:
            return value
        }
    }

    /// `value` with the members at the given paths set (nil removes), each container copied once.
    static func setting(_ members: [(path: ArraySlice<String>, value: JSONValue?)], in value: JSONValue) -> JSONValue {
        guard !members.isEmpty else { return value }
        var here: [(String, JSONValue?)] = []
        var deeper: [String: [(path: ArraySlice<String>, value: JSONValue?)]] = [:]
        for member in members {
            guard let step = member.path.first else { continue }
            if member.path.count == 1 { here.append((step, member.value)) } else { deeper[step, default: []].append((member.path.dropFirst(), member.value)) }
        }
        switch value {
        case .object(var object):
            for (name, member) in here { object[name] = member }
            for (name, rest) in deeper { if let child = object[name] { object[name] = setting(rest, in: child) } }
            return .object(object)
        case .array(var items):
            for (step, member) in here { if let index = Int(step), items.indices.contains(index) { items[index] = member ?? .null } }
            for (step, rest) in deeper { if let index = Int(step), items.indices.contains(index) { items[index] = setting(rest, in: items[index]) } }
            return .array(items)
        default:
            return value
        }
    }

    /// The value at `path`, changed by `change` (which may return nil to remove the member).
    static func updating(_ value: JSONValue, at path: ArraySlice<String>, _ change: (JSONValue?) -> JSONValue?) -> JSONValue {
        guard let step = path.first else { return change(value) ?? .null }
        let rest = path.dropFirst()
        switch value {
        case .object(var members):
            if rest.isEmpty {
                members[step] = change(members[step])
            } else if let member = members[step] {
                members[step] = updating(member, at: rest, change)
            }
            return .object(members)
        case .array(var items):
            guard let index = Int(step), items.indices.contains(index) else { return value }
            if rest.isEmpty {
                items[index] = change(items[index]) ?? .null
            } else {
                items[index] = updating(items[index], at: rest, change)
            }
            return .array(items)
        default:
            return value
        }
    }

    /// Whether any value in a stored text may be sealed: a cheap test before parsing.
    static func mayHoldSealed(_ text: String) -> Bool {
        // A byte scan for `"$sealed"` (`String.contains` compares by Unicode rules, far slower on
        // a read path that opens a text per child). `"$` is rare, so it anchors the match.
        var text = text
        return text.withUTF8 { bytes in
            let needle = sealedNeedle
            guard bytes.count >= needle.count else { return false }
            for start in 0...(bytes.count - needle.count) where bytes[start] == 0x22 && bytes[start + 1] == 0x24 {
                if (2..<needle.count).allSatisfy({ bytes[start + $0] == needle[$0] }) { return true }
            }
            return false
        }
    }

    /// `"$sealed"` as bytes.
    private static let sealedNeedle: [UInt8] = Array("\"\(marker)\"".utf8)

    /// Staff free text shown as `null` (a case whose data was erased).
    static func blankingFreeText(_ value: JSONValue) -> JSONValue {
        setting(freeText(in: value, prefix: []).map { (path: $0.path[...], value: JSONValue.null) }, in: value)
    }

    /// What a typed decoder reads in place of a value whose key was destroyed (erasure) or is
    /// not at hand (a store opened without the master key): the projector needs the record's
    /// shape, never these values; what people see shows such values as `null` instead.
    /// nil drops the member (every such member is optional); free text the state machine checks
    /// for presence (an override's reason) stays present.
    static func standIn(for member: String?) -> JSONValue? {
        switch member {
        case "dateOfBirth", "expectedDateOfBirth": .string("1900-01-01")
        case "childKeys": .array([])
        case "email", "phone", "nhsNumber", "postcode", "previousNames", "household", "detail", "upn", "ethnicity": nil
        default: .string("erased")
        }
    }
}
