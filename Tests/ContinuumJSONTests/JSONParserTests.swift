import ContinuumJSON
import Testing

@Suite("Parsing with limits and located errors")
struct JSONParserTests {
    func error(_ text: String, limits: JSONLimits = .default) -> JSONSyntaxError? {
        do {
            _ = try JSONParser(limits: limits).parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func parsesNestedValues() throws {
        let value = try JSONParser().parse(#"{"a": [1, 2.5, "x", true, null], "b": {}}"#).value()
        #expect(value == .object(["a": .array([.integer(1), .double(2.5), .string("x"), .bool(true), .null]), "b": .object([:])]))
    }

    @Test func bareTopLevelScalarsParse() throws {
        #expect(try JSONParser().parse("42").value() == .integer(42))
        #expect(try JSONParser().parse("-0.5e1").value() == .double(-5))
        #expect(try JSONParser().parse("null").value() == .null)
        #expect(try JSONParser().parse(#""hi""#).value() == .string("hi"))
    }

    @Test func reportsLineAndColumnOfABadToken() throws {
        let failure = try #require(error("{\n  \"a\": 01\n}"))
        #expect(failure.line == 2)
        #expect(failure.column == 8)
        #expect(failure.offset == 9)
        #expect(failure.message.contains("leading zeros"))
        #expect(failure.description.hasPrefix("line 2, column 8 (byte offset 9)"))
    }

    @Test func columnsCountCharactersNotBytes() throws {
        let failure = try #require(error(#"["é", 'x']"#))
        #expect(failure.column == 7)
        #expect(failure.offset == 7)
        #expect(failure.message.contains("double quotes"))
    }

    @Test func truncatedInputIsAnUnexpectedEnd() throws {
        let failure = try #require(error(#"{"a": [1, 2"#))
        #expect(failure.reason == .unexpectedEnd)
        #expect(failure.offset == 11)
        #expect(try #require(error("")).reason == .unexpectedEnd)
        #expect(try #require(error("  ")).reason == .unexpectedEnd)
    }

    @Test func trailingDataIsReported() throws {
        let failure = try #require(error(#"{"a": 1} {"b": 2}"#))
        #expect(failure.reason == .trailingData)
        #expect(failure.offset == 9)
    }

    @Test func sizeLimit() throws {
        let failure = try #require(error(#"{"a": "0123456789"}"#, limits: JSONLimits(maxBytes: 10)))
        #expect(failure.reason == .tooLarge(limit: 10))
        #expect(failure.message.contains("limit is 10"))
    }

    @Test func depthLimit() throws {
        let deep = String(repeating: "[", count: 10) + String(repeating: "]", count: 10)
        #expect(error(deep, limits: JSONLimits(maxDepth: 10)) == nil)
        let tooDeep = String(repeating: "[", count: 11) + String(repeating: "]", count: 11)
        #expect(try #require(error(tooDeep, limits: JSONLimits(maxDepth: 10))).reason == .tooDeep(limit: 10))
        // 100,000 levels: rejected, not a stack overflow.
        let hostile = String(repeating: "[", count: 100_000)
        #expect(error(hostile) != nil)
    }

    @Test("what json-c's strict mode lets through is rejected", arguments: [
        ("{'a': 1}", "double quotes"),
        ("[NaN]", "unexpected 'N'"),
        ("[-Infinity]", "digit after '-'"),
        ("[2.]", "decimal point"),
        ("[.5]", "unexpected '.'"),
        ("[1e]", "exponent"),
        ("[\"a\tb\"]", "must be escaped"),
        ("[9223372036854775808]", "out of range"),
        ("[-9223372036854775809]", "out of range"),
        ("\u{FEFF}{}", "byte order mark"),
        ("[tru]", "true"),
    ])
    func strictRejections(text: String, fragment: String) throws {
        let failure = try #require(error(text))
        #expect(failure.message.contains(fragment), "\(failure)")
    }

    @Test func int64BoundsAreAccepted() throws {
        #expect(try JSONParser().parse("[9223372036854775807, -9223372036854775808]").value()
            == .array([.integer(.max), .integer(.min)]))
    }

    @Test func nonStrictModeAcceptsJSONCExtensions() throws {
        #expect(error("{'a': 1}", limits: JSONLimits(strict: false)) == nil)
    }

    @Test func invalidUTF8InAStringIsRejected() throws {
        let bytes: [UInt8] = [0x5B, 0x22, 0xC0, 0xAF, 0x22, 0x5D]  // overlong "/"
        #expect(throws: JSONSyntaxError.self) { try JSONParser().parse(bytes) }
    }

    @Test func escapedNulStaysInTheString() throws {
        #expect(try JSONParser().parse(#"["a\u0000b"]"#).value() == .array([.string("a\u{0}b")]))
    }

    /// json-c's `json_tokener_reset` leaves a pending high surrogate in place. A tokener reused
    /// after a parse that failed between `\uD834` and its low half would put U+FFFD into the next
    /// document's first `\u` escape: one partner's bad message corrupting another's text.
    @Test(arguments: [#"["\uD834\u"#, #"["\uD834\uDd"]"#, #"["\uD800\uZZZZ"]"#, #"{"a": "\uD834"#])
    func aFailedParseLeavesNothingForTheNext(bad: String) throws {
        for _ in 0..<50 {
            #expect(error(bad) != nil)
            #expect(try JSONParser().parse(#"["a\u0000b\u00e9"]"#).value() == .array([.string("a\u{0}b\u{e9}")]))
        }
    }

    // MARK: Duplicate keys and lone surrogates (issue 22)

    @Test func aRepeatedKeyIsRefusedWithItsPath() throws {
        let failure = try #require(error(#"{"child": {"names": [{"given": "A"}, {"given": "B", "given": "C"}]}, "x": 1}"#))
        #expect(failure.path == "$.child.names[1].given")
        #expect(failure.message == #"duplicate key "given" in $.child.names[1]"#)
        #expect(failure.offset == 52)
        // Equal keys in different objects, escaped keys, and colons inside strings are fine.
        _ = try JSONParser().parse(#"{"a": {"a": "x:y"}, "b": [{"a": 1}, {"a": 2}], "c\u0061": ":"}"#)
        let escaped = try #require(error(#"{"ca": 1, "c\u0061": 2}"#))
        #expect(escaped.path == "$.ca")
        #expect(try JSONParser(limits: JSONLimits(allowsDuplicateKeys: true)).parse(#"{"a": 1, "a": 2}"#).value() == .object(["a": .integer(2)]))
    }

    @Test func loneSurrogatesAreRefused() throws {
        let high = try #require(error(#"["a\uD834b"]"#))
        #expect(high.offset == 3 && high.message.contains("lone high surrogate"))
        let low = try #require(error(#"["\uDD1E"]"#))
        #expect(low.message.contains("lone low surrogate"))
        let highThenOther = try #require(error(#"["\uD834\u0041"]"#))
        #expect(highThenOther.message.contains("lone high surrogate"))
        #expect(error(#"["\uD834"]"#) != nil)
        #expect(try JSONParser().parse(#"["\uD834\uDD1E", "\u00e9"]"#).value() == .array([.string("\u{1D11E}"), .string("é")]))
    }
}
