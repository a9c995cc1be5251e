import Logging
import Synchronization

/// Keeps every log line a server writes (at trace level), for tests that read the logs.
public final class LogCapture: Sendable {
    private let captured = Mutex<[String]>([])

    public init() {}

    public var lines: [String] { captured.withLock { $0 } }

    public func logger(label: String = "continuum") -> Logger {
        Logger(label: label) { label in Handler(label: label, capture: self) }
    }

    func append(_ line: String) { captured.withLock { $0.append(line) } }

    struct Handler: LogHandler {
        let label: String
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var metadataProvider: Logger.MetadataProvider?
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            let fields = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            capture.append("\(event.level) \(label): \(event.message) \(fields)")
        }
    }
}
