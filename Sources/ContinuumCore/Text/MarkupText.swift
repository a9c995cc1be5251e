/// Text for XML and HTML: the census return, the simulator's SVG charts, the board pack.
public enum MarkupText {
    /// `text` safe inside XML or HTML content and attribute values (`& < > "` escaped).
    public static func escaped(_ text: String) -> String {
        // Most values (codes, dates, numbers) have nothing to escape: returned as they are.
        guard text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 }) else { return text }
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }
}
