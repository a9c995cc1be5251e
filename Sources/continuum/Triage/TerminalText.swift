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
