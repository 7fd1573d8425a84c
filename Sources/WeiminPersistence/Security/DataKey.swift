import Crypto
import Foundation
import WeiminCore

/// The data-encryption key for personal numbers. It lives in a file (or the environment), never in the
/// database: a stolen database without the key reveals no phone or ID number.
public struct DataKey: Sendable {
    let key: SymmetricKey

    public init(rawKey: Data) throws {
        guard rawKey.count == 32 else {
            throw PersistenceError.configuration(StoreMessages.DataKey.wrongLength(bytes: rawKey.count))
        }
        self.key = SymmetricKey(data: rawKey)
    }

    /// Reads the key file, or creates one (mode 0600) when `create` is true and the file is missing.
    public static func load(file path: String, create: Bool) throws -> DataKey {
        let fm = FileManager.default
        if !fm.fileExists(atPath: path) {
            guard create else {
                throw PersistenceError.configuration(StoreMessages.DataKey.fileMissing(path))
            }
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty, !fm.fileExists(atPath: dir) {
                try fm.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            }
            let fresh = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
            let text = fresh.base64EncodedString() + "\n"
            guard fm.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw PersistenceError.configuration(StoreMessages.DataKey.cannotCreateFile(path))
            }
            return try DataKey(rawKey: fresh)
        }
        let text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return try parse(text, source: path)
    }

    /// From `WEIMIN_DATA_KEY`: the same Base64 text as the key file holds.
    public static func parse(_ text: String, source: String) throws -> DataKey {
        guard let raw = Data(base64Encoded: text) else {
            throw PersistenceError.configuration(StoreMessages.DataKey.notBase64(source: source))
        }
        return try DataKey(rawKey: raw)
    }

    /// A value that identifies the key without revealing it, stored in the database so that starting
    /// with the wrong key file is refused instead of silently writing unreadable data.
    public var fingerprint: String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("weimin key fingerprint v1".utf8), using: key)
        return Data(mac).prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    /// A sub-key for keyed hashes, so the blind index and the cipher never share a key.
    var indexKey: SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Data("weimin blind index v1".utf8), outputByteCount: 32)
    }
}

/// Encrypts personal fields with AES-GCM and derives a keyed hash for exact-match lookup.
public struct FieldCipher: Sendable {
    let dataKey: DataKey

    public init(dataKey: DataKey) {
        self.dataKey = dataKey
    }

    /// Base64 of nonce ‖ ciphertext ‖ tag.
    public func seal(_ clear: String) throws -> String {
        let box = try AES.GCM.seal(Data(clear.utf8), using: dataKey.key)
        guard let combined = box.combined else { throw PersistenceError.invalid(StoreMessages.DataKey.encryptionFailed) }
        return combined.base64EncodedString()
    }

    public func open(_ sealed: String) throws -> String {
        guard let data = Data(base64Encoded: sealed) else { throw PersistenceError.invalid(StoreMessages.DataKey.malformedCiphertext) }
        let box = try AES.GCM.SealedBox(combined: data)
        return String(decoding: try AES.GCM.open(box, using: dataKey.key), as: UTF8.self)
    }

    /// Same input, same output: lets "who has this phone number" be answered without decrypting.
    public func blindIndex(_ clear: String) -> String {
        let normalized = clear.filter { $0.isASCII && ($0.isNumber || $0 == "X" || $0 == "x") }.uppercased()
        let mac = HMAC<SHA256>.authenticationCode(for: Data(normalized.utf8), using: dataKey.indexKey)
        return Data(mac).map { String(format: "%02x", $0) }.joined()
    }
}
