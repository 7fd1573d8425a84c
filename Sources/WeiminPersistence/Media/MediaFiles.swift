import Crypto
import Foundation
import WeiminCore

/// The bytes of media items, outside the database: one file per distinct content, named by its SHA-256
/// (`root/ab/cd/abcd…`), so a photo forwarded to ten groups is kept once and a file's name never comes from a
/// platform. A file is written to a temporary name, synced, renamed into place and its folder synced: once `put`
/// returns, the bytes survive a crash (the message that refers to them is acknowledged only after that).
public struct MediaFiles: Sendable {
    public let root: String
    /// The largest item kept; larger ones are recorded as too large, without their bytes.
    public let maxBytes: Int

    public static let defaultMaxBytes = 20 * 1024 * 1024

    public init(root: String, maxBytes: Int = defaultMaxBytes) {
        self.root = root
        self.maxBytes = maxBytes
    }

    public enum Failure: Error, CustomStringConvertible, Sendable {
        case tooLarge(Int, limit: Int)
        case io(String)

        public var description: String {
            switch self {
            case .tooLarge(let n, let limit): return StoreMessages.Media.tooLarge(bytes: n, limit: limit)
            case .io(let why): return StoreMessages.Media.io(why)
            }
        }
    }

    public static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// Where the bytes with this digest live (whether or not they are there). Only a 64-hex-digit digest names a path.
    public func path(_ sha256: String) -> String? {
        guard sha256.utf8.count == 64, sha256.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
            return nil
        }
        let a = sha256.prefix(2), b = sha256.dropFirst(2).prefix(2)
        return "\(root)/\(a)/\(b)/\(sha256)"
    }

    /// Stores the bytes (once per content) and returns their digest, durably on disk.
    @discardableResult
    public func put(_ bytes: [UInt8]) throws(Failure) -> String {
        guard bytes.count <= maxBytes else { throw .tooLarge(bytes.count, limit: maxBytes) }
        let digest = Self.sha256(bytes)
        guard let target = path(digest) else { throw .io(StoreMessages.Media.badDigest) }
        let fm = FileManager.default
        if fm.fileExists(atPath: target) { return digest }
        let folder = (target as NSString).deletingLastPathComponent
        let temp = "\(root)/tmp"
        do {
            try fm.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try fm.createDirectory(atPath: temp, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .io(StoreMessages.Media.cannotCreateFolder(folder, reason: error.localizedDescription))
        }
        let partial = "\(temp)/\(UUID().uuidString)"
        let fd = open(partial, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw .io(StoreMessages.Media.cannotWrite(temp, errno: errno)) }
        var written = 0
        let ok = bytes.withUnsafeBytes { raw -> Bool in
            while written < raw.count {
                let n = write(fd, raw.baseAddress! + written, raw.count - written)
                if n <= 0 { return false }
                written += n
            }
            return fsync(fd) == 0
        }
        close(fd)
        guard ok else {
            unlink(partial)
            throw .io(StoreMessages.Media.writeOrSyncFailed(partial, errno: errno))
        }
        guard rename(partial, target) == 0 else {
            unlink(partial)
            throw .io(StoreMessages.Media.cannotMove(to: target, errno: errno))
        }
        Self.syncFolder(folder)
        return digest
    }

    /// The stored bytes, or nil when there are none (erased, or never fetched).
    public func read(_ sha256: String) -> [UInt8]? {
        guard let p = path(sha256), let data = FileManager.default.contents(atPath: p) else { return nil }
        return [UInt8](data)
    }

    /// Removes the bytes (retention); a digest with no file is not an error.
    public func remove(_ sha256: String) {
        guard let p = path(sha256) else { return }
        if unlink(p) == 0 { Self.syncFolder((p as NSString).deletingLastPathComponent) }
    }

    static func syncFolder(_ folder: String) {
        let fd = open(folder, O_RDONLY)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}
