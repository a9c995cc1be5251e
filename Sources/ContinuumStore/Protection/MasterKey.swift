import Crypto
import Foundation

/// The key outside the database that unlocks its personal data (issue 20): it wraps every
/// child's data key and the matching key, so a copy of the database file alone reads as
/// ciphertext. Kept in a file of its own, mode 0600, made by `continuum keys init`.
///
/// The file is two lines: `continuum-master-key/1` and 32 random bytes in base64.
// SymmetricKey is immutable once made (swift-crypto does not mark it Sendable).
public struct MasterKey: @unchecked Sendable {
    /// The file's first line: a key file of another format is refused, not guessed at.
    public static let header = "continuum-master-key/1"

    let key: SymmetricKey
    /// The key that wraps data keys, derived once (HKDF) rather than on every wrap.
    let wrapping: SymmetricKey
    /// Names the key without revealing it (an HMAC of a fixed text under it): the database
    /// records which key wrapped its data keys, so a wrong key is told apart from a damaged one.
    public let id: String

    init(key: SymmetricKey) {
        self.key = key
        let tag = HMAC<SHA256>.authenticationCode(for: Array("continuum master key id".utf8), using: key)
        id = String(Hex.encode(tag).prefix(16))
        wrapping = HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Array("continuum/wrap/1".utf8), outputByteCount: 32)
    }

    /// A new random key.
    public static func generate() -> MasterKey { MasterKey(key: SymmetricKey(size: .bits256)) }

    /// The key a file holds.
    /// - Throws: ``KeyFileError`` naming the file and what is wrong with it.
    public static func load(from path: String) throws(KeyFileError) -> MasterKey {
        var status = stat()
        guard stat(path, &status) == 0 else { throw .missing(path: path) }
        // Readable by others, the key protects nothing: refused, as ssh refuses such a key.
        if status.st_mode & 0o077 != 0 {
            throw .tooOpen(path: path, mode: String(status.st_mode & 0o777, radix: 8))
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(path: path)
        }
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard lines.count == 2, lines[0] == header else {
            throw .malformed(path: path, reason: "expected two lines, \"\(header)\" and the key in base64")
        }
        guard let bytes = Data(base64Encoded: lines[1]), bytes.count == 32 else {
            throw .malformed(path: path, reason: "line 2 is not 32 bytes in base64")
        }
        return MasterKey(key: SymmetricKey(data: bytes))
    }

    /// Writes the key to a new file, mode 0600; refuses to overwrite one (a lost key is lost data).
    public func write(to path: String) throws(KeyFileError) {
        guard !FileManager.default.fileExists(atPath: path) else { throw .exists(path: path) }
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder) {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw .unwritable(path: path, reason: error.localizedDescription)
            }
        }
        let text = "\(Self.header)\n\(key.withUnsafeBytes { Data($0) }.base64EncodedString())\n"
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw .unwritable(path: path, reason: "cannot create the file")
        }
    }

    /// A key for one purpose, derived so that no two purposes share key material.
    func derived(_ purpose: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Array("continuum/\(purpose)".utf8), outputByteCount: 32)
    }
}

/// What is wrong with a master key file.
public enum KeyFileError: Error, Sendable, Hashable, CustomStringConvertible {
    case missing(path: String)
    case unreadable(path: String)
    case tooOpen(path: String, mode: String)
    case malformed(path: String, reason: String)
    case exists(path: String)
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case .missing(let path): "no master key file at \(path) (create one with `continuum keys init --out \(path)`)"
        case .unreadable(let path): "cannot read the master key file \(path)"
        case .tooOpen(let path, let mode): "the master key file \(path) can be read by others (mode \(mode)); run `chmod 600 \(path)`"
        case .malformed(let path, let reason): "\(path) is not a Continuum master key: \(reason)"
        case .exists(let path): "\(path) exists already; a master key is never overwritten (choose another --out)"
        case .unwritable(let path, let reason): "cannot write the master key to \(path): \(reason)"
        }
    }
}
