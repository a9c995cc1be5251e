/// Display columns as a terminal shows text, for tests of what the CLI prints: a simple, separate
/// oracle (CJK ideographs, kana, Hangul and full-width forms take two columns; combining marks none).
public enum TerminalWidth {
    public static func columns(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { total, scalar in
            switch scalar.value {
            case 0x0300...0x036F: total
            case 0x1100...0x115F, 0x3040...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7A3, 0xFF00...0xFF60: total + 2
            default: total + 1
            }
        }
    }
}
