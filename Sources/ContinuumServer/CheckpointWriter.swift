import ContinuumAPI
import ContinuumCore
import ContinuumStore
import Foundation
import Logging
import ServiceLifecycle

/// Writes a signed checkpoint of the log's head into the checkpoint folder at start and each
/// time the log has grown by `every` events, checking every few seconds. Each is a file of its
/// own (`checkpoint-<events>.json`, 0600), so a copy taken elsewhere keeps its history; with a
/// URL, each is also POSTed there (retried at the next check until it is accepted).
struct CheckpointWriter: Service {
    let store: any CaseStore
    let settings: CheckpointSettings
    let now: @Sendable () -> Timestamp
    let logger: Logger
    var interval: Duration = .seconds(5)

    /// Refuses a log shorter than (or different from) the latest checkpoint in the folder: the
    /// server must not serve, and then sign, a log that lost events (issue 22).
    static func check(_ store: any CaseStore, _ settings: CheckpointSettings) async throws -> [String] {
        guard let latest = try Checkpoint.latest(in: settings.folder) else { return [] }
        try settings.key.verify(latest)
        return try await store.problems(against: latest)
    }

    func run() async throws {
        var written = (try? Checkpoint.latest(in: settings.folder))??.events ?? -1
        var unsent: Checkpoint?
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let head = try await store.checkpoint(key: settings.key, at: now(), verify: false)
                if written < 0 || head.events >= written + settings.every {
                    try write(head)
                    written = head.events
                    unsent = settings.url == nil ? nil : head
                }
            } catch {
                logger.error("checkpoint not written", metadata: ["error": .string(String(describing: error))])
            }
            if let checkpoint = unsent, let url = settings.url {
                do {
                    try await CheckpointPublisher.send(checkpoint, to: url)
                    unsent = nil
                    logger.info("checkpoint sent", metadata: ["events": .stringConvertible(checkpoint.events)])
                } catch {
                    logger.error("checkpoint not sent; trying again at the next check", metadata: ["error": .string(String(describing: error))])
                }
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    private func write(_ checkpoint: Checkpoint) throws {
        let file = (settings.folder as NSString).appendingPathComponent("checkpoint-\(checkpoint.events).json")
        try FileManager.default.createDirectory(atPath: settings.folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        guard FileManager.default.createFile(atPath: file, contents: Data(try checkpoint.fileText().utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CheckpointError.badCheckpoint(path: file, reason: "cannot be written")
        }
        logger.info("checkpoint written", metadata: ["events": .stringConvertible(checkpoint.events), "file": .string(file)])
    }
}
