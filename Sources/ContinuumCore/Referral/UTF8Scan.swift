/// Byte-level scans of a string's UTF-8 on its contiguous storage. The validation rules run on
/// every referral, and walking `String.UTF8View` through its iterator costs several times more
/// per byte than walking a buffer.
enum UTF8Scan {
    static func withBytes<Result>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        var text = text  // `withUTF8` is mutating: it makes a non-native string contiguous first
        return text.withUTF8(body)
    }

    static func allSatisfy(_ text: String, _ predicate: (UInt8) -> Bool) -> Bool {
        withBytes(text) { $0.allSatisfy(predicate) }
    }
}
