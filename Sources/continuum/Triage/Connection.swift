import ArgumentParser
import ContinuumClient
import Foundation

/// `--server` and `--token`, shared by every `triage` command.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The router service (default $CONTINUUM_SERVER, else http://127.0.0.1:8080).", valueName: "URL"))
    var server: String?

    @Option(name: .long, help: ArgumentHelp("A practitioner or manager token (default $CONTINUUM_TOKEN).", valueName: "TOKEN"))
    var token: String?

    func client() throws -> ContinuumClient {
        let environment = ProcessInfo.processInfo.environment
        let url = server ?? environment["CONTINUUM_SERVER"] ?? "http://127.0.0.1:8080"
        do {
            return try ContinuumClient(server: url, token: token ?? environment["CONTINUUM_TOKEN"] ?? "")
        } catch {
            Console.error("continuum: \(error)")
            throw Exit.usage
        }
    }
}

/// Runs one request, turning client errors into a message and the exit code scripts expect:
/// 69 unreachable or failing server, 77 token refused, 65 request refused or invalid.
func talk<T>(_ work: () async throws(ClientError) -> T) async throws -> T {
    do {
        return try await work()
    } catch {
        Console.error("continuum: \(error)")
        switch error {
        case .unreachable, .serverFailed, .invalidResponse: throw Exit.unavailable
        case .refused: throw Exit.notPermitted
        case .badServerURL, .noToken, .badArgument: throw Exit.usage
        case .rejected: throw Exit.dataError
        }
    }
}

/// Whether to colour output: a terminal, and `NO_COLOR` unset (https://no-color.org).
enum Style {
    static let enabled: Bool = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil

    static func red(_ text: String) -> String { enabled ? "\u{1B}[31m\(text)\u{1B}[0m" : text }
    static func bold(_ text: String) -> String { enabled ? "\u{1B}[1m\(text)\u{1B}[0m" : text }
    static func dim(_ text: String) -> String { enabled ? "\u{1B}[2m\(text)\u{1B}[0m" : text }

    /// The text without the styles above (to measure or re-wrap it).
    static func strip(_ text: String) -> String {
        guard text.contains("\u{1B}[") else { return text }
        var out = text
        for code in ["\u{1B}[31m", "\u{1B}[1m", "\u{1B}[2m", "\u{1B}[0m"] { out = out.replacingOccurrences(of: code, with: "") }
        return out
    }
}
