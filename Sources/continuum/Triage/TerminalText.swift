import ContinuumJSON

/// Text from the service made safe to print on a terminal. The service refuses control
/// characters in names and ids, but free text may hold line breaks, and a record written before
/// that rule (or by a future bug) must still not be able to move the cursor, erase lines, change
/// the window title or hide text (issue 22). Control characters (C0, DEL, C1) and the bidi
/// controls that reorder what is shown become visible escapes such as `\u{1B}`; line breaks and
/// tabs in free text become spaces, since the renderer wraps lines itself.
enum TerminalText {
    static func clean(_ text: String) -> String {
        // Most text has nothing to escape: one pass over the bytes says so.
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 >= 0xC2 }) else { return text }
        var output = ""
        output.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            if scalar == "\n" || scalar == "\r" || scalar == "\t" {
                // Free text's line breaks and tabs: the renderer wraps lines itself.
                output.unicodeScalars.append(" ")
            } else if isUnsafe(scalar) {
                output += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                output.unicodeScalars.append(scalar)
            }
        }
        return output
    }

    static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C: true  // bidi embeddings, overrides, isolates, marks
        default: false
        }
    }
}

extension JSONValue {
    /// The string, when this is one, safe to print on a terminal (``TerminalText``).
    var displayText: String? { stringValue.map(TerminalText.clean) }
}

/// Text measured as a terminal shows it: in display columns, not characters. East Asian wide
/// and full-width characters (Chinese, Japanese and Korean names) take two columns, combining
/// marks none; so names line up in a table whatever their script.
enum Columns {
    /// The column for ids on one page: 14 wide (an id of the first format, `C-7K2M9Q4XR1`, and
    /// two spaces), wider when an id on the page is longer (ids that begin with the time they
    /// were made, `C-1M8QP4XC0K7M2Q9XR4D`), so that every id is shown whole.
    static func idWidth(_ ids: some Sequence<String>) -> Int {
        ids.reduce(14) { Swift.max($0, width($1) + 2) }
    }

    /// The columns `text` takes on a terminal.
    static func width(_ text: String) -> Int {
        text.reduce(0) { $0 + width(of: $1) }
    }

    static func width(of character: Character) -> Int {
        guard let first = character.unicodeScalars.first else { return 0 }
        if character.unicodeScalars.count > 1, character.unicodeScalars.contains(where: { $0.properties.isEmojiPresentation }) { return 2 }
        switch first.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format, .control: return 0
        default: break
        }
        return isWide(first) ? 2 : 1
    }

    /// East Asian Wide and Fullwidth ranges (Unicode UAX #11), and emoji shown as pictures.
    static func isWide(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
             0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F,
             0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return true
        default:
            return scalar.properties.isEmojiPresentation
        }
    }

    /// `text` cut to at most `width` columns, ending in "…" when cut.
    static func truncate(_ text: String, _ width: Int) -> String {
        guard Self.width(text) > width else { return text }
        var out = ""
        var used = 0
        for character in text {
            let next = Self.width(of: character)
            if used + next > width - 1 { break }
            out.append(character)
            used += next
        }
        return out + "…"
    }

    /// `text` cut to `width - 1` columns and filled with spaces to `width` (one space always
    /// separates it from the next column); `right` fills on the left instead.
    static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let clipped = truncate(text, max(1, width - 1))
        let fill = String(repeating: " ", count: max(0, width - Self.width(clipped)))
        return right ? fill + clipped : clipped + fill
    }
}
