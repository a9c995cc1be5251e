import ContinuumAPI
import ContinuumCore
import ContinuumJSON
import Crypto
import Foundation

/// The event log's head (how many events, the last hash) at a moment, signed with an Ed25519
/// key kept outside the database. The hash chain shows an edit in the middle of the log; only
/// a checkpoint shows what the chain cannot: events cut off the end, the whole log deleted, or
/// every hash recomputed after an edit (no key is needed for that). `continuum audit
/// checkpoint` writes one; `serve --checkpoint-dir` every N events; `audit verify --checkpoint`
/// checks a database against one (docs/security.md).
public struct Checkpoint: Sendable, Hashable, Codable {
    /// A checkpoint of the event log alone (as written before the access log).
    public static let format = "continuum-checkpoint-v1"
    /// A checkpoint of the event log and the access log (who looked at which case, issue 20).
    public static let formatWithAccess = "continuum-checkpoint-v2"

    public var format: String
    /// Events in the log when it was signed.
    public var events: Int64
    /// The hash of event `events` (64 zeros for an empty log).
    public var lastHash: String
    public var at: Timestamp
    /// Which key signed it (``CheckpointKey/keyId``).
    public var keyId: String
    /// Ed25519 over ``signedText``, hexadecimal.
    public var signature: String
    /// v2: lines in the access log when it was signed, and the hash of the last.
    public var accessEntries: Int64?
    public var accessLastHash: String?

    /// What is signed: the format, the count, the last hash and the time, one per line; a v2
    /// checkpoint adds the access log's count and last hash.
    public var signedText: String {
        let events = "\(format)\n\(events)\n\(lastHash)\n\(at)"
        guard let accessEntries, let accessLastHash else { return events }
        return events + "\n\(accessEntries)\n\(accessLastHash)"
    }

    /// The checkpoint as the file holds it (pretty, sorted JSON).
    public func fileText() throws -> String {
        try JSONValueEncoder().encode(self).serialized(pretty: true) + "\n"
    }

    /// Reads a checkpoint file.
    public static func read(file path: String) throws(CheckpointError) -> Checkpoint {
        guard let data = FileManager.default.contents(atPath: path) else { throw .badCheckpoint(path: path, reason: "cannot be read") }
        do {
            return try JSONParser().parse(Array(data)).decode(Checkpoint.self, rejectUnknownKeys: true)
        } catch {
            throw .badCheckpoint(path: path, reason: "not a checkpoint written by Continuum: \(error)")
        }
    }

    /// The latest (most events) checkpoint in a folder of `checkpoint-*.json` files, or nil.
    public static func latest(in folder: String) throws(CheckpointError) -> Checkpoint? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        var latest: Checkpoint?
        for name in names where name.hasPrefix("checkpoint-") && name.hasSuffix(".json") {
            let checkpoint = try read(file: (folder as NSString).appendingPathComponent(name))
            if checkpoint.events >= latest?.events ?? -1 { latest = checkpoint }
        }
        return latest
    }
}

/// Why a checkpoint or its key cannot be used.
public enum CheckpointError: Error, Sendable, Hashable, CustomStringConvertible {
    case badKeyFile(path: String, reason: String)
    case badCheckpoint(path: String, reason: String)
    case wrongKey(expected: String, got: String)
    case badSignature

    public var description: String {
        switch self {
        case .badKeyFile(let path, let reason): "checkpoint key \(path): \(reason)"
        case .badCheckpoint(let path, let reason): "checkpoint \(path): \(reason)"
        case .wrongKey(let expected, let got): "the checkpoint was signed by key \(got), not by this key (\(expected))"
        case .badSignature: "the checkpoint's signature does not verify: it was altered, or not signed by this key"
        }
    }
}

/// An Ed25519 key for checkpoints: the private half signs (the server and `audit
/// checkpoint`), the public half verifies (`audit verify`). Key files are one line of text:
/// `continuum-checkpoint-key-v1 ed25519 private|public HEX`.
public struct CheckpointKey: Sendable {
    // Raw bytes, not swift-crypto's key types (which are not Sendable); the keys are made
    // from them when used.
    private let privateBytes: [UInt8]?
    private let publicBytes: [UInt8]

    static let header = "continuum-checkpoint-key-v1 ed25519"

    /// A new key pair.
    public static func generate() -> CheckpointKey {
        let key = Curve25519.Signing.PrivateKey()
        return CheckpointKey(privateBytes: Array(key.rawRepresentation), publicBytes: Array(key.publicKey.rawRepresentation))
    }

    private init(privateBytes: [UInt8]?, publicBytes: [UInt8]) {
        self.privateBytes = privateBytes
        self.publicBytes = publicBytes
    }

    /// Reads a private or public key file.
    public init(file path: String) throws(CheckpointError) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw .badKeyFile(path: path, reason: "cannot be read") }
        let words = text.split(whereSeparator: \.isWhitespace)
        guard words.count == 4, "\(words[0]) \(words[1])" == Self.header, let bytes = Self.bytes(String(words[3])) else {
            throw .badKeyFile(path: path, reason: "not a key written by `continuum audit keygen` (expected \"\(Self.header) private|public HEX\")")
        }
        do {
            switch words[2] {
            case "private":
                let key = try Curve25519.Signing.PrivateKey(rawRepresentation: bytes)
                self.init(privateBytes: bytes, publicBytes: Array(key.publicKey.rawRepresentation))
            case "public":
                _ = try Curve25519.Signing.PublicKey(rawRepresentation: bytes)
                self.init(privateBytes: nil, publicBytes: bytes)
            default:
                throw CheckpointError.badKeyFile(path: path, reason: "the third word must be private or public")
            }
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw .badKeyFile(path: path, reason: "the key bytes are not an Ed25519 key")
        }
    }

    /// The first 16 hex digits of the public key's SHA-256: names the key in checkpoints.
    public var keyId: String { String(Hex.sha256(publicBytes).prefix(16)) }

    public var canSign: Bool { privateBytes != nil }

    public var privateFileText: String? { privateBytes.map { "\(Self.header) private \(Hex.encode($0))\n" } }
    public var publicFileText: String { "\(Self.header) public \(Hex.encode(publicBytes))\n" }

    /// Signs the log's head, and the access log's when given (a v2 checkpoint).
    public func sign(events: Int64, lastHash: String, at: Timestamp, access: (entries: Int64, lastHash: String)? = nil) throws -> Checkpoint {
        guard let privateBytes else { throw CheckpointError.badKeyFile(path: "-", reason: "a public key cannot sign; use the private key file") }
        let signing = try Curve25519.Signing.PrivateKey(rawRepresentation: privateBytes)
        var checkpoint = Checkpoint(format: access == nil ? Checkpoint.format : Checkpoint.formatWithAccess, events: events, lastHash: lastHash, at: at,
                                    keyId: keyId, signature: "", accessEntries: access?.entries, accessLastHash: access?.lastHash)
        checkpoint.signature = Hex.encode(try signing.signature(for: Array(checkpoint.signedText.utf8)))
        return checkpoint
    }

    /// Checks that `checkpoint` was signed by this key and not altered since.
    public func verify(_ checkpoint: Checkpoint) throws(CheckpointError) {
        guard checkpoint.keyId == keyId else { throw .wrongKey(expected: keyId, got: checkpoint.keyId) }
        let shapeHolds = checkpoint.format == Checkpoint.format ? checkpoint.accessEntries == nil && checkpoint.accessLastHash == nil
            : checkpoint.format == Checkpoint.formatWithAccess && checkpoint.accessEntries != nil && checkpoint.accessLastHash != nil
        guard shapeHolds, let signature = Self.bytes(checkpoint.signature),
              let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: publicBytes),
              publicKey.isValidSignature(signature, for: Array(checkpoint.signedText.utf8)) else { throw .badSignature }
    }

    static func bytes(_ hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case 0x30...0x39: digit - 0x30
        case 0x61...0x66: digit - 0x61 + 10
        case 0x41...0x46: digit - 0x41 + 10
        default: nil
        }
    }
}
