/// Byte-level scans of a string's UTF-8 on its contiguous storage. The validation rules run on
/// every referral, and walking `String.UTF8View` through its iterator costs several times more
/// per byte than walking a buffer.
enum UTF8Scan {
    static func withBytes<Result>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
        return Array(text.utf8).withUnsafeBufferPointer(body)
    }

    static func allSatisfy(_ text: String, _ predicate: (UInt8) -> Bool) -> Bool {
        withBytes(text) { $0.allSatisfy(predicate) }
    }
}
