import Foundation

/// stdout for results, stderr for everything a person reads (errors, summaries, progress).
enum Console {
    static func out(_ line: String) {
        write(line + "\n")
    }

    /// Text as is, on standard output.
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func error(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
