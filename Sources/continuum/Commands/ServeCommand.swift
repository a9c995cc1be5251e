import ArgumentParser
import ContinuumCore
import ContinuumServer
import ContinuumStore
import Foundation
import Logging

/// `continuum serve`: the router service.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the router service: partners submit referrals over HTTP, staff work the queue.",
        discussion: """
            Listens on HOST:PORT (loopback by default) and stores everything in one SQLite file \
            (WAL, synchronous=FULL: a 2xx means the referral is on disk). Logs go to standard \
            error, one line per request, with ids only (never names, dates of birth or free text).

            The API is described in docs/openapi.yaml and docs/service.md. Every route but \
            /healthz and /metrics needs a bearer token from `continuum token create`. The limits \
            that keep one client from exhausting the service (connections, timeouts, rates) are \
            in docs/security.md.

            Examples:
              continuum serve
              continuum serve --port 9000 --database /var/lib/continuum/continuum.sqlite
              CONTINUUM_PATHWAY=Pathways/surrey.json continuum serve --host 0.0.0.0
            """
    )

    @Option(name: .long, help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "The TCP port to listen on (0 picks a free one and prints it).")
    var port = 8080

    @OptionGroup var database: DatabaseOption
    @OptionGroup var pathway: PathwayOption

    @Option(name: .long, help: ArgumentHelp("Requests per second allowed to each token (0: no limit).", valueName: "N"))
    var rateLimit: Double = 50

    @Option(name: .long, help: ArgumentHelp("Requests a token may send at once above its rate.", valueName: "N"))
    var rateBurst: Double = 100

    @Option(name: .long, help: ArgumentHelp("Largest accepted request body in bytes (batch bodies: 16 times this).", valueName: "BYTES"))
    var maxBody = 1 << 20

    @Option(name: .long, help: ArgumentHelp("Indicator targets for GET /v1/indicators.", valueName: "FILE"))
    var targets = "Pathways/indicator-targets.json"

    @Option(name: .long, help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error, critical.", valueName: "LEVEL"))
    var logLevel = "info"

    @Option(name: .long, help: ArgumentHelp("Connections served at once; one more is answered 503 and closed.", valueName: "N"))
    var maxConnections = 1024

    @Option(name: .long, help: ArgumentHelp("Seconds a connection may wait without a request under way (incomplete headers included).", valueName: "SECONDS"))
    var idleTimeout = 30

    @Option(name: .long, help: ArgumentHelp("Seconds a request body may take to arrive once its headers have (408 after).", valueName: "SECONDS"))
    var bodyTimeout = 60

    @Option(name: .long, help: ArgumentHelp("Requests one token may have under way at once (429 beyond; 0: no limit).", valueName: "N"))
    var maxConcurrentPerToken = 16

    @Option(name: .long, help: ArgumentHelp("Failed authentications (401, 403) per second allowed to one address (429 beyond; 0: no limit).", valueName: "N"))
    var authFailureLimit: Double = 5

    @Option(name: .long, help: ArgumentHelp("The private checkpoint key (`continuum audit keygen`): sign the log's head into --checkpoint-dir.", valueName: "FILE"))
    var checkpointKey: String?

    @Option(name: .long, help: ArgumentHelp("Where signed checkpoints go (off the database's disk where you can); the server refuses a log shorter than the latest.", valueName: "DIR"))
    var checkpointDir: String?

    @Option(name: .long, help: ArgumentHelp("A checkpoint each time the log grows by N events.", valueName: "N"))
    var checkpointEvery: Int64 = 1000

    @Option(name: .long, help: ArgumentHelp("Also POST each checkpoint's JSON to this http(s) URL (a store off this machine).", valueName: "URL"))
    var checkpointURL: String?

    @Option(name: .long, help: ArgumentHelp("A file holding the secret GET /metrics must be sent (or $CONTINUUM_METRICS_TOKEN); open without one.", valueName: "FILE"))
    var metricsTokenFile: String?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard maxBody > 0, rateLimit >= 0, rateBurst >= 1 else { throw ValidationError("--max-body must be positive, --rate-limit 0 or more, --rate-burst 1 or more") }
        if (checkpointKey == nil) != (checkpointDir == nil) { throw ValidationError("--checkpoint-key and --checkpoint-dir go together") }
        guard checkpointEvery >= 1 else { throw ValidationError("--checkpoint-every must be 1 or more") }
        if let checkpointURL {
            guard checkpointDir != nil else { throw ValidationError("--checkpoint-url goes with --checkpoint-key and --checkpoint-dir") }
            do { try CheckpointPublisher.validate(checkpointURL) } catch { throw ValidationError("--checkpoint-url: \(error)") }
        }
        guard maxConnections >= 1, idleTimeout >= 1, bodyTimeout >= 1, maxConcurrentPerToken >= 0, authFailureLimit >= 0 else {
            throw ValidationError("--max-connections, --idle-timeout and --body-timeout must be 1 or more; --max-concurrent-per-token and --auth-failure-limit 0 or more")
        }
    }

    /// The metrics secret: the file's first line, else `$CONTINUUM_METRICS_TOKEN`, else none.
    func metricsToken() throws -> String? {
        if let metricsTokenFile {
            guard let text = try? String(contentsOfFile: metricsTokenFile, encoding: .utf8),
                  let secret = text.split(whereSeparator: \.isNewline).first.map({ $0.trimmingCharacters(in: .whitespaces) }), !secret.isEmpty else {
                Console.error("continuum: --metrics-token-file \(metricsTokenFile) cannot be read, or its first line is empty")
                throw Exit.noInput
            }
            return secret
        }
        return ProcessInfo.processInfo.environment["CONTINUUM_METRICS_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        // The log's timestamps are local time. With TZ unset, glibc looks at /etc/localtime
        // again (a stat, and sometimes a read) for every line; naming the same file once keeps
        // the zone and drops a system call per request logged (docs/performance.md).
        if getenv("TZ") == nil { setenv("TZ", ":/etc/localtime", 0) }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "continuum")
        let versions = try pathway.loadSet()
        let store = try database.open(pathways: versions, keyFor: "serve", creating: true)
        var configuration = ServerConfiguration(host: host, port: port, maxBodyBytes: maxBody, maxBatchBytes: maxBody * 16,
                                                rateLimitPerSecond: rateLimit, rateLimitBurst: rateBurst)
        configuration.indicatorTargets = try ReportCommand.loadTargets(targets)
        configuration.connections = ConnectionLimits(maxConnections: maxConnections, idleTimeout: .seconds(idleTimeout), bodyTimeout: .seconds(bodyTimeout))
        configuration.concurrentRequestsPerToken = maxConcurrentPerToken
        configuration.failureRatePerSecond = authFailureLimit
        configuration.failureBurst = max(1, authFailureLimit * 6)
        configuration.metricsToken = try metricsToken()
        if let checkpointKey, let checkpointDir {
            do {
                let key = try CheckpointKey(file: checkpointKey)
                guard key.canSign else { throw CheckpointError.badKeyFile(path: checkpointKey, reason: "a public key cannot sign; give the private key") }
                configuration.checkpoints = CheckpointSettings(key: key, folder: checkpointDir, every: checkpointEvery, url: checkpointURL)
            } catch {
                Console.error("continuum: \(error)")
                throw Exit.dataError
            }
        }
        let server = ContinuumServer(store: store, pathways: versions, configuration: configuration, logger: logger)
        let host = self.host
        let path = database.displayName
        do {
            try await server.run { port in
                // The one line scripts wait for; stdout so `make run` and tests can read the port.
                Console.out("continuum: listening on http://\(host):\(port) (database \(path), pathway \(versions.references.joined(separator: ", ")))")
            }
        } catch let error as ServerError {
            Console.error("continuum: \(error)")
            if case .cannotListen = error { throw Exit.unavailable }
            throw Exit.software
        } catch {
            Console.error("continuum: the server stopped: \(error)")
            throw Exit.unavailable
        }
    }
}
