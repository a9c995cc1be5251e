import AsyncHTTPClient
import ContinuumStore
import NIOCore
import NIOHTTP1

/// Sends a checkpoint to a URL (an HTTP POST of its JSON): a write-once store, a SIEM, another
/// council system. A 2xx is success; anything else is an error naming the status.
public enum CheckpointPublisher {
    public enum Failure: Error, CustomStringConvertible {
        case badURL(String)
        case refused(url: String, status: Int)

        public var description: String {
            switch self {
            case .badURL(let url): "\(url) is not an http:// or https:// URL"
            case .refused(let url, let status): "\(url) answered \(status) to the checkpoint"
            }
        }
    }

    public static func validate(_ url: String) throws {
        guard url.hasPrefix("https://") || url.hasPrefix("http://") else { throw Failure.badURL(url) }
    }

    public static func send(_ checkpoint: Checkpoint, to url: String) async throws {
        try validate(url)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: try checkpoint.fileText()))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 16)
        guard (200..<300).contains(Int(response.status.code)) else { throw Failure.refused(url: url, status: Int(response.status.code)) }
    }
}
