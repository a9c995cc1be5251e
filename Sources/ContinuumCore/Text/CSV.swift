/// Comma-separated values per RFC 4180, for the files planners and data teams open in a
/// spreadsheet: a field holding a comma, a double quote or a line break is quoted (its quotes
/// doubled), and records end with CRLF. Hand-written: it is a dozen lines, and the only CSV
/// we write.
public enum CSV {
    /// One field, quoted only when it must be.
    public static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return text }
        var quoted = "\""
        for character in text {
            if character == "\"" { quoted += "\"\"" } else { quoted.append(character) }
        }
        return quoted + "\""
    }

    /// One record, without its line ending.
    public static func record(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",")
    }

    /// A whole file: a header, then the records, each ending with CRLF.
    public static func file(header: [String], records: [[String]]) -> String {
        ([header] + records).map { record($0) + "\r\n" }.joined()
    }

    /// A number rounded for people: whole numbers as they are, others to `decimals` places
    /// ("86.4"); no thousands separators (a spreadsheet reads them as text); empty for none.
    public static func number(_ value: Double?, decimals: Int = 1) -> String {
        guard let value, value.isFinite else { return "" }
        var scale = 1.0
        for _ in 0..<max(0, decimals) { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        if rounded == 0 { return "0" }  // never "-0"
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return String(Int(rounded)) }
        return String(rounded)
    }
}
