import Crypto
import Foundation

/// Short-lived download links for files Weimin sends to groups whose robot cannot carry a file (a DingTalk or Feishu
/// custom robot, a WeChatFerry bridge): `{public.url}/files/{id}?expires={unix seconds}&token={mac}`. The token is an
/// HMAC over the id and the expiry, under a key derived from the data key, so a link cannot be made for another file or
/// stretched in time, and it stops working when the key is rotated. The token rides in the query string, which the
/// request log and traces never keep (`RequestLogMiddleware`, `Tracing.redactedQueryParameters`).
public struct FileLinks: Sendable {
    let key: SymmetricKey
    /// The county's public address (`public.url`); nil: no links are made, and robots say where to ask instead.
    public let base: String?
    public let lifetime: TimeInterval

    public init(cipher: FieldCipher, base: String?, lifetime: TimeInterval) {
        key = HKDF<SHA256>.deriveKey(inputKeyMaterial: cipher.dataKey.key, info: Data("weimin file links v1".utf8), outputByteCount: 32)
        self.base = base.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.lifetime = lifetime
    }

    public struct Link: Sendable, Hashable {
        public var url: String
        public var expires: Date
    }

    /// A link to a stored file (`files`), valid for `lifetime` from `now`; nil without a public address.
    public func link(to fileID: UUID, now: Date = Date()) -> Link? {
        guard let base else { return nil }
        let expires = Int64(now.addingTimeInterval(lifetime).timeIntervalSince1970.rounded(.up))
        return Link(
            url: "\(base)/files/\(fileID.uuidString.lowercased())?expires=\(expires)&token=\(token(fileID, expires))",
            expires: Date(timeIntervalSince1970: TimeInterval(expires)))
    }

    public enum Verdict: Sendable, Equatable {
        case valid
        case expired
        case invalid
    }

    /// Checks a link's expiry and token; the token is compared in constant time.
    public func verify(_ fileID: UUID, expires: String?, token: String?, now: Date = Date()) -> Verdict {
        guard let text = expires, let seconds = Int64(text), let token, let mac = Self.base64URLDecode(token), mac.count == 16 else {
            return .invalid
        }
        let full = HMAC<SHA256>.authenticationCode(for: Self.message(fileID, seconds), using: key)
        // Only the first 16 bytes travel: compare those, without an early exit.
        let expected = Array(Data(full).prefix(16))
        guard zip(expected, mac).reduce(UInt8(0), { $0 | ($1.0 ^ $1.1) }) == 0 else { return .invalid }
        return TimeInterval(seconds) > now.timeIntervalSince1970 ? .valid : .expired
    }

    func token(_ fileID: UUID, _ expires: Int64) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Self.message(fileID, expires), using: key)
        return Data(Data(mac).prefix(16)).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func message(_ fileID: UUID, _ expires: Int64) -> Data {
        Data("weimin-file|\(fileID.uuidString.lowercased())|\(expires)".utf8)
    }

    static func base64URLDecode(_ text: String) -> [UInt8]? {
        guard text.count <= 64, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            return nil
        }
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s).map(Array.init)
    }
}
