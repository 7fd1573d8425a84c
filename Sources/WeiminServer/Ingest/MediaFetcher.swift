import Crypto
import _CryptoExtras
import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import Synchronization
import WeiminCore
import WeiminPersistence

/// Fetches a media item's bytes from where the platform keeps them (docs/protocols.md §6). Each platform's API is
/// spoken as published, so the loopback fakes in the tests check what the real ones check:
/// - WeCom self-built app: `GET cgi-bin/gettoken?corpid=&corpsecret=` → `access_token` (7,200 s), then
///   `GET cgi-bin/media/get?access_token=&media_id=` → the bytes (errors come as JSON: 40014/42001 token, 40007 media id);
/// - WeCom smart robot: `GET` the URL in the message (valid five minutes) → bytes encrypted with the robot's
///   EncodingAESKey: AES-256-CBC, IV = the key's first 16 bytes, PKCS#7 padding to 32-byte blocks;
/// - DingTalk: `POST v1.0/oauth2/accessToken {appKey, appSecret}` → `accessToken` (`expireIn` s), then
///   `POST v1.0/robot/messageFiles/download {downloadCode, robotCode}` with header `x-acs-dingtalk-access-token` →
///   `downloadUrl`, then `GET` it;
/// - WeChatFerry: the `extra` path read through `media.wcf_dir`, the bridge machine's `WeChat Files` folder shared with
///   this server; `.dat` pictures are decoded (`WeChatImageDat`).
public struct MediaFetcher: Sendable {
    let session: URLSession
    let weComAPI: String
    let dingTalkAPI: String
    let wcfFilesDir: String?
    let maxBytes: Int
    let tokens = TokenCache()

    public init(config: WeiminConfig, timeout: TimeInterval = 30) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout * 4
        session = URLSession(configuration: configuration)
        weComAPI = config.weComAPI
        dingTalkAPI = config.dingTalkAPI
        wcfFilesDir = config.wcfFilesDir
        maxBytes = config.mediaMaxBytes
    }

    public struct Fetched: Sendable {
        public var bytes: [UInt8]
        public var fileName: String?
    }

    public enum Failure: Error, CustomStringConvertible, Sendable {
        /// Try again later (network, rate limit, a file not there yet).
        case retry(String)
        /// Never going to work (bad id, expired URL, missing secret); the reason is shown.
        case permanent(String)
        case tooLarge(Int)
        /// Not reachable from this server at all (no shared folder for WeChatFerry files).
        case unavailable(String)

        public var description: String {
            switch self {
            case .retry(let s), .permanent(let s), .unavailable(let s): return s
            case .tooLarge(let n): return "文件 \(n / 1024) KB，超过媒体文件上限"
            }
        }
    }

    /// Access tokens by source, until shortly before they expire.
    final class TokenCache: Sendable {
        let tokens = Mutex<[String: (String, Date)]>([:])
        func get(_ key: String, now: Date) -> String? {
            tokens.withLock { t in t[key].flatMap { $0.1 > now ? $0.0 : nil } }
        }
        func put(_ key: String, _ token: String, seconds: Double, now: Date) {
            tokens.withLock { $0[key] = (token, now.addingTimeInterval(max(60, seconds - 300))) }
        }
        func drop(_ key: String) { tokens.withLock { _ = $0.removeValue(forKey: key) } }
    }

    public func fetch(_ ref: MediaRef, sourceID: UUID?, secrets: [String: String], now: Date = Date()) async throws(Failure) -> Fetched {
        switch ref {
        case .wecomMediaID(let id): return try await weComMedia(id, source: sourceID, secrets: secrets, now: now)
        case .wecomRobotURL(let url): return try await weComRobotMedia(url, secrets: secrets)
        case .dingtalk(let code, let robotCode):
            return try await dingTalkMedia(code, robotCode: robotCode, source: sourceID, secrets: secrets, now: now)
        case .bridgePath(let path): return try bridgeFile(path)
        }
    }

    // MARK: HTTP

    func send(_ request: URLRequest) async throws(Failure) -> (Data, HTTPURLResponse) {
        let result: (Data, URLResponse)
        do { result = try await session.data(for: request) } catch { throw .retry("网络错误：\(error.localizedDescription)") }
        guard let http = result.1 as? HTTPURLResponse else { throw .retry("没有 HTTP 应答") }
        if http.statusCode == 429 || http.statusCode >= 500 { throw .retry("HTTP \(http.statusCode)") }
        return (result.0, http)
    }

    func url(_ text: String) throws(Failure) -> URL {
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else { throw .permanent("下载地址无效") }
        return url
    }

    static func json(_ data: Data) -> [String: Any]? { (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] }

    static func isJSON(_ response: HTTPURLResponse) -> Bool {
        let type = (response.value(forHTTPHeaderField: "Content-Type") ?? "").lowercased()
        return type.hasPrefix("application/json") || type.hasPrefix("text/plain")
    }

    /// `attachment; filename="a.jpg"` or RFC 5987 `filename*=UTF-8''…`.
    static func fileName(_ response: HTTPURLResponse) -> String? {
        guard let header = response.value(forHTTPHeaderField: "Content-Disposition") else { return nil }
        for piece in header.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if piece.lowercased().hasPrefix("filename*="), let q = piece.range(of: "''") {
                return String(piece[q.upperBound...]).removingPercentEncoding.map { String($0.prefix(200)) }
            }
            if piece.lowercased().hasPrefix("filename=") {
                return String(piece.dropFirst("filename=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\"")).prefix(200))
            }
        }
        return nil
    }

    func checked(_ data: Data) throws(Failure) -> [UInt8] {
        guard data.count <= maxBytes else { throw .tooLarge(data.count) }
        return [UInt8](data)
    }

    // MARK: WeCom self-built app

    func weComToken(source: UUID?, secrets: [String: String], now: Date, fresh: Bool) async throws(Failure) -> String {
        guard let corp = secrets["corp_id"], let secret = secrets["secret"] ?? secrets["corp_secret"] else {
            throw .permanent("该来源未配置 corp_id 和应用 Secret（secrets 文件中的 \"secret\"），无法下载企业微信的图片和语音")
        }
        let key = "wecom:\(source?.uuidString ?? corp)"
        if !fresh, let token = tokens.get(key, now: now) { return token }
        var parts = URLComponents(string: weComAPI + "/cgi-bin/gettoken")
        parts?.queryItems = [URLQueryItem(name: "corpid", value: corp), URLQueryItem(name: "corpsecret", value: secret)]
        guard let address = parts?.url else { throw .permanent("企业微信接口地址无效") }
        let (data, _) = try await send(URLRequest(url: address))
        guard let object = Self.json(data) else { throw .retry("gettoken 的应答不是 JSON") }
        let code = (object["errcode"] as? Int) ?? 0
        guard code == 0, let token = object["access_token"] as? String else {
            // Never the secret in a reason: only the platform's code and words.
            let words = "企业微信 gettoken 失败：\(code) \((object["errmsg"] as? String ?? "").prefix(80))"
            throw code == -1 || code == 45009 ? .retry(words) : .permanent(words)
        }
        tokens.put(key, token, seconds: Double((object["expires_in"] as? Int) ?? 7200), now: now)
        return token
    }

    func weComMedia(_ mediaID: String, source: UUID?, secrets: [String: String], now: Date) async throws(Failure) -> Fetched {
        var fresh = false
        for _ in 0..<2 {
            let token = try await weComToken(source: source, secrets: secrets, now: now, fresh: fresh)
            var parts = URLComponents(string: weComAPI + "/cgi-bin/media/get")
            parts?.queryItems = [URLQueryItem(name: "access_token", value: token), URLQueryItem(name: "media_id", value: mediaID)]
            guard let address = parts?.url else { throw .permanent("企业微信接口地址无效") }
            let (data, response) = try await send(URLRequest(url: address))
            if Self.isJSON(response), let object = Self.json(data), let code = object["errcode"] as? Int, code != 0 {
                let words = "企业微信 media/get 失败：\(code) \((object["errmsg"] as? String ?? "").prefix(80))"
                switch code {
                case 40001, 40014, 42001:
                    // The token was revoked or expired early: one more try with a new one.
                    tokens.drop("wecom:\(source?.uuidString ?? secrets["corp_id"] ?? "")")
                    fresh = true
                    continue
                case -1, 45009: throw .retry(words)
                default: throw .permanent(words)
                }
            }
            guard response.statusCode == 200 else { throw .permanent("企业微信 media/get：HTTP \(response.statusCode)") }
            return Fetched(bytes: try checked(data), fileName: Self.fileName(response))
        }
        throw .retry("企业微信 access_token 连续失效")
    }

    // MARK: WeCom smart robot

    func weComRobotMedia(_ address: String, secrets: [String: String]) async throws(Failure) -> Fetched {
        guard let aesKey = secrets["encoding_aes_key"], aesKey.count == 43, let raw = Data(base64Encoded: aesKey + "="), raw.count == 32
        else {
            throw .permanent("该来源未配置有效的 encoding_aes_key，无法解密智能机器人的图片和文件")
        }
        let (data, response) = try await send(URLRequest(url: try url(address)))
        guard response.statusCode == 200 else {
            // The URL lives five minutes: a 4xx will not get better.
            throw .permanent("下载失败：HTTP \(response.statusCode)（智能机器人的下载地址五分钟内有效）")
        }
        guard data.count <= maxBytes + 32 else { throw .tooLarge(data.count) }
        guard let plain = Self.weComDecrypt([UInt8](data), key: [UInt8](raw)) else {
            throw .permanent("解密失败：密文不是用本机器人的 EncodingAESKey 加密的")
        }
        return Fetched(bytes: try checked(Data(plain)), fileName: Self.fileName(response))
    }

    /// WeCom's media encryption: AES-256-CBC, IV = key[0..<16], PKCS#7 padding to 32-byte blocks (1…32).
    static func weComDecrypt(_ cipher: [UInt8], key: [UInt8]) -> [UInt8]? {
        guard !cipher.isEmpty, cipher.count % 16 == 0, key.count == 32,
            let iv = try? AES._CBC.IV(ivBytes: Array(key.prefix(16))),
            let plain = try? AES._CBC.decrypt(cipher, using: SymmetricKey(data: key), iv: iv, noPadding: true),
            let pad = plain.last, (1...32).contains(pad), Int(pad) <= plain.count,
            plain.suffix(Int(pad)).allSatisfy({ $0 == pad })
        else { return nil }
        return Array(plain.dropLast(Int(pad)))
    }

    /// The other way round, for tests and the loopback fake: PKCS#7 padding to a multiple of 32 bytes.
    static func weComEncrypt(_ plain: [UInt8], key: [UInt8]) -> [UInt8]? {
        let pad = 32 - plain.count % 32
        guard key.count == 32, let iv = try? AES._CBC.IV(ivBytes: Array(key.prefix(16))),
            let cipher = try? AES._CBC.encrypt(
                plain + [UInt8](repeating: UInt8(pad), count: pad), using: SymmetricKey(data: key), iv: iv, noPadding: true)
        else { return nil }
        return [UInt8](cipher)
    }

    // MARK: DingTalk

    func dingTalkToken(source: UUID?, appKey: String, secrets: [String: String], now: Date, fresh: Bool) async throws(Failure) -> String {
        guard let secret = secrets["app_secret"] else { throw .permanent("该来源未配置 app_secret，无法下载钉钉的图片和文件") }
        let key = "dingtalk:\(source?.uuidString ?? appKey)"
        if !fresh, let token = tokens.get(key, now: now) { return token }
        var request = URLRequest(url: try url(dingTalkAPI + "/v1.0/oauth2/accessToken"))
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try? JSONSerialization.data(withJSONObject: ["appKey": appKey, "appSecret": secret])
        let (data, response) = try await send(request)
        guard response.statusCode == 200, let object = Self.json(data), let token = object["accessToken"] as? String else {
            let object = Self.json(data)
            throw .permanent(
                "钉钉 accessToken 失败：HTTP \(response.statusCode) \((object?["code"] as? String) ?? "") \(((object?["message"] as? String) ?? "").prefix(80))"
            )
        }
        tokens.put(key, token, seconds: Double((object["expireIn"] as? Int) ?? 7200), now: now)
        return token
    }

    func dingTalkMedia(_ code: String, robotCode: String?, source: UUID?, secrets: [String: String], now: Date) async throws(Failure)
        -> Fetched
    {
        // An internal robot's robotCode is its app's AppKey; a county may name another in its secrets file.
        guard let appKey = secrets["app_key"] ?? robotCode, let robot = robotCode ?? secrets["robot_code"] ?? secrets["app_key"] else {
            throw .permanent("消息没有 robotCode，且该来源未配置 app_key")
        }
        var fresh = false
        for _ in 0..<2 {
            let token = try await dingTalkToken(source: source, appKey: appKey, secrets: secrets, now: now, fresh: fresh)
            var request = URLRequest(url: try url(dingTalkAPI + "/v1.0/robot/messageFiles/download"))
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.setValue(token, forHTTPHeaderField: "x-acs-dingtalk-access-token")
            request.httpBody = try? JSONSerialization.data(withJSONObject: ["downloadCode": code, "robotCode": robot])
            let (data, response) = try await send(request)
            let object = Self.json(data)
            if response.statusCode == 401 || (object?["code"] as? String)?.contains("InvalidAuthentication") == true {
                tokens.drop("dingtalk:\(source?.uuidString ?? appKey)")
                fresh = true
                continue
            }
            guard response.statusCode == 200, let download = object?["downloadUrl"] as? String else {
                throw .permanent(
                    "钉钉 messageFiles/download 失败：HTTP \(response.statusCode) \((object?["code"] as? String) ?? "") \(((object?["message"] as? String) ?? "").prefix(80))"
                )
            }
            let (bytes, fileResponse) = try await send(URLRequest(url: try url(download)))
            guard fileResponse.statusCode == 200 else { throw .permanent("钉钉文件下载失败：HTTP \(fileResponse.statusCode)") }
            return Fetched(bytes: try checked(bytes), fileName: Self.fileName(fileResponse))
        }
        throw .retry("钉钉 accessToken 连续失效")
    }

    // MARK: WeChatFerry

    /// The local path of a file named by the bridge's Windows path: what follows its `WeChat Files` folder, under
    /// `media.wcf_dir`. Nothing outside that folder is ever read.
    static func localPath(_ windowsPath: String, root: String) -> String? {
        let parts = windowsPath.split(whereSeparator: { $0 == "\\" || $0 == "/" }).map(String.init)
        guard let at = parts.lastIndex(where: { $0.lowercased() == "wechat files" }), at + 1 < parts.count else { return nil }
        let rest = parts[(at + 1)...]
        guard !rest.contains(where: { $0 == ".." || $0 == "." || $0.isEmpty }) else { return nil }
        let base = URL(fileURLWithPath: root).standardizedFileURL.resolvingSymlinksInPath().path
        let path = URL(fileURLWithPath: ([base] + rest).joined(separator: "/")).standardizedFileURL.resolvingSymlinksInPath().path
        return path.hasPrefix(base + "/") ? path : nil
    }

    func bridgeFile(_ windowsPath: String) throws(Failure) -> Fetched {
        guard let root = wcfFilesDir else {
            throw .unavailable(
                "文件在 WeChatFerry 所在电脑上（\(windowsPath.split(whereSeparator: { $0 == "\\" }).last ?? "")）；配置 media.wcf_dir 共享其 WeChat Files 目录后才能保存"
            )
        }
        guard let path = Self.localPath(windowsPath, root: root) else { throw .permanent("路径不在 WeChat Files 目录下，不读取") }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path), let size = attributes[.size] as? Int else {
            // WeChat downloads a picture when it is opened or after a while: it may come.
            throw .retry("文件尚未出现在共享目录中")
        }
        guard size <= maxBytes + 16 else { throw .tooLarge(size) }
        guard let data = FileManager.default.contents(atPath: path) else { throw .retry("无法读取文件") }
        var bytes = [UInt8](data)
        if path.lowercased().hasSuffix(".dat") {
            guard let decoded = WeChatImageDat.decode(bytes) else { throw .permanent("无法解码微信 .dat 图片（新版加密格式）") }
            bytes = decoded
        }
        guard bytes.count <= maxBytes else { throw .tooLarge(bytes.count) }
        return Fetched(bytes: bytes, fileName: (path as NSString).lastPathComponent)
    }
}
