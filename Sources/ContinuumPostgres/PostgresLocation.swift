import Foundation
import NIOSSL
import PostgresNIO

/// A `postgres://user[:password]@host[:port]/database[?sslmode=…]` URL (also `postgresql://`),
/// as `--database` and `CONTINUUM_DATABASE` take it. The password comes from the URL or, when
/// the URL has none, from `PGPASSWORD`; it is never printed (``description`` leaves it out).
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String
    public var sslMode: SSLMode

    /// libpq's `sslmode` values, as the URL gives them.
    public enum SSLMode: String, Sendable, Hashable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    /// Why a `--database` value that looks like a PostgreSQL URL is not one.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public var reason: String
        public var description: String { "--database: \(reason)" }
    }

    /// Whether `text` names a PostgreSQL database (otherwise it is an SQLite file's path).
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// - Parameter environment: where `PGPASSWORD` is read when the URL has no password.
    public init(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(Invalid) {
        guard Self.isURL(text), let components = URLComponents(string: text) else {
            throw Invalid(reason: "\"\(Self.redacted(text))\" is not a postgres:// URL (postgres://user[:password]@host[:port]/database[?sslmode=disable])")
        }
        guard let user = components.percentEncodedUser.flatMap({ $0.removingPercentEncoding }), !user.isEmpty else {
            throw Invalid(reason: "the URL names no user (postgres://USER@host/database)")
        }
        guard let host = components.host, !host.isEmpty else {
            throw Invalid(reason: "the URL names no host (postgres://user@HOST/database)")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else {
            throw Invalid(reason: "the URL names no database (postgres://user@host/DATABASE)")
        }
        var mode = SSLMode.prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value, let parsed = SSLMode(rawValue: value) else {
                    throw Invalid(reason: "sslmode \"\(item.value ?? "")\" is not one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                mode = parsed
            default:
                throw Invalid(reason: "unknown URL parameter \"\(item.name)\" (only sslmode is read)")
            }
        }
        self.user = user
        self.password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding } ?? environment["PGPASSWORD"]
        self.host = host
        self.port = components.port ?? 5432
        self.database = database
        self.sslMode = mode
    }

    /// The URL without its password.
    public var description: String {
        "postgres://\(user)@\(host):\(port)/\(database)" + (sslMode == .prefer ? "" : "?sslmode=\(sslMode.rawValue)")
    }

    /// The text with any password between `:` and `@` replaced (for an error about a bad URL).
    static func redacted(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@"), let scheme = text.range(of: "://"),
              let colon = text[scheme.upperBound..<at].firstIndex(of: ":") else { return text }
        return String(text[..<text.index(after: colon)]) + "***" + String(text[at...])
    }

    /// TLS as libpq's sslmode asks: verification only for verify-ca and verify-full.
    func tls() throws -> PostgresConnection.Configuration.TLS {
        switch sslMode {
        case .disable: return .disable
        case .allow, .prefer:
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            return .prefer(try NIOSSLContext(configuration: configuration))
        case .require:
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            return .require(try NIOSSLContext(configuration: configuration))
        case .verifyCA, .verifyFull:
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = sslMode == .verifyFull ? .fullVerification : .noHostnameVerification
            return .require(try NIOSSLContext(configuration: configuration))
        }
    }

    func clientTLS() -> PostgresClient.Configuration.TLS {
        switch sslMode {
        case .disable: return .disable
        case .allow, .prefer:
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            return .prefer(configuration)
        case .require:
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            return .require(configuration)
        case .verifyCA, .verifyFull:
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = sslMode == .verifyFull ? .fullVerification : .noHostnameVerification
            return .require(configuration)
        }
    }
}
