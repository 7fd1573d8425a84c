import Crypto
import Foundation
import _CryptoExtras

/// WeCom's callback encryption (企业微信回调加解密), as docs/protocols.md §1.1–§1.2 describes it:
/// signature = SHA-1 of the sorted token, timestamp, nonce and ciphertext; AES-256-CBC with IV = the
/// first 16 key bytes; plaintext = 16 random bytes ‖ 4-byte big-endian length ‖ message ‖ receive id;
/// PKCS#7 padding to 32-byte blocks, so the last byte is 1…32 (a 16-byte unpadder would reject it).
public struct WeComCrypto: Sendable {
    public enum Failure: Error, Equatable, CustomStringConvertible, Sendable {
        case badKey
        case badSignature
        case malformed(String)
        case wrongReceiver

        public var description: String {
            switch self {
            case .badKey: return "EncodingAESKey 应为 43 个字符的 Base64 文本"
            case .badSignature: return "签名校验失败"
            case .malformed(let why): return "密文格式错误：\(why)"
            case .wrongReceiver: return "密文的接收方（corpid）与配置不符"
            }
        }
    }

    let token: String
    let key: SymmetricKey
    let iv: AES._CBC.IV
    let receiveID: String

    public init(token: String, encodingAESKey: String, receiveID: String) throws(Failure) {
        guard encodingAESKey.count == 43, let raw = Data(base64Encoded: encodingAESKey + "="), raw.count == 32 else { throw .badKey }
        self.token = token
        self.key = SymmetricKey(data: raw)
        guard let iv = try? AES._CBC.IV(ivBytes: Array(raw.prefix(16))) else { throw .badKey }
        self.iv = iv
        self.receiveID = receiveID
    }

    /// Lower-case hex SHA-1 over the four strings sorted by bytes and concatenated.
    public func signature(timestamp: String, nonce: String, encrypted: String) -> String {
        let joined = [token, timestamp, nonce, encrypted].sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }.joined()
        return Insecure.SHA1.hash(data: Data(joined.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Constant-time comparison, so the check leaks nothing about how much of a forged signature matched.
    public func verify(signature: String, timestamp: String, nonce: String, encrypted: String) -> Bool {
        let expected = Array(self.signature(timestamp: timestamp, nonce: nonce, encrypted: encrypted).utf8)
        let given = Array(signature.lowercased().utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    public func decrypt(_ base64: String) throws(Failure) -> String {
        guard let cipher = Data(base64Encoded: base64), !cipher.isEmpty, cipher.count % 16 == 0 else {
            throw .malformed("不是有效的 Base64 或长度不是 16 的倍数")
        }
        let plain: Data
        do {
            plain = try AES._CBC.decrypt(cipher, using: key, iv: iv, noPadding: true)
        } catch {
            throw .malformed("无法解密")
        }
        let bytes = [UInt8](plain)
        guard let pad = bytes.last, (1...32).contains(pad), Int(pad) <= bytes.count,
            bytes.suffix(Int(pad)).allSatisfy({ $0 == pad })
        else { throw .malformed("填充字节无效") }
        let body = bytes.dropLast(Int(pad))
        guard body.count >= 20 else { throw .malformed("内容过短") }
        let start = body.startIndex + 16
        let length = body[start..<start + 4].reduce(0) { $0 << 8 | Int($1) }
        guard length <= body.count - 20 else { throw .malformed("长度字段超出内容") }
        let message = body[(start + 4)..<(start + 4 + length)]
        let receiver = body[(start + 4 + length)...]
        guard String(decoding: receiver, as: UTF8.self) == receiveID else { throw .wrongReceiver }
        guard let text = String(bytes: message, encoding: .utf8) else { throw .malformed("内容不是有效的 UTF-8") }
        return text
    }

    /// Encrypts a message (for passive replies and tests); `random` is the 16-byte prefix.
    public func encrypt(_ message: String, random: [UInt8]? = nil) throws(Failure) -> String {
        var rng = SystemRandomNumberGenerator()
        var bytes = random ?? (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }
        guard bytes.count == 16 else { throw .malformed("随机前缀应为 16 字节") }
        let msg = Array(message.utf8)
        let n = UInt32(msg.count)
        bytes += [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)]
        bytes += msg
        bytes += Array(receiveID.utf8)
        let pad = 32 - bytes.count % 32
        bytes += Array(repeating: UInt8(pad), count: pad)
        do {
            return try AES._CBC.encrypt(bytes, using: key, iv: iv, noPadding: true).base64EncodedString()
        } catch {
            throw .malformed("无法加密")
        }
    }
}

/// The HMAC-SHA256 signatures of DingTalk and Feishu (docs/protocols.md §2.2–§2.4).
public enum PlatformSignature {
    /// DingTalk: base64(HMAC-SHA256(key: secret, message: "\(timestamp)\n\(secret)")). Inbound callbacks send
    /// it as is in the `sign` header; outbound robot URLs carry it URL-encoded.
    public static func dingTalk(timestampMillis: Int64, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data("\(timestampMillis)\n\(secret)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return Data(mac).base64EncodedString()
    }

    public static func dingTalkURLEncoded(timestampMillis: Int64, secret: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return dingTalk(timestampMillis: timestampMillis, secret: secret).addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// Feishu/Lark: key and message swapped — the key is "\(timestamp)\n\(secret)", the message empty.
    public static func feishu(timestampSeconds: Int64, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(), using: SymmetricKey(data: Data("\(timestampSeconds)\n\(secret)".utf8)))
        return Data(mac).base64EncodedString()
    }

    /// DingTalk rejects callbacks more than an hour off; so do we.
    public static func withinWindow(timestampMillis: Int64, now: Date, seconds: TimeInterval = 3600) -> Bool {
        abs(now.timeIntervalSince1970 - Double(timestampMillis) / 1000) <= seconds
    }
}
