import Foundation

/// What a media file really is, read from its first bytes (magic numbers), never from the name or the type a platform
/// or bridge declared: a file is served with the type sniffed here, and anything unrecognised as a download.
public struct MediaType: Sendable, Hashable {
    /// The MIME type served.
    public var mime: String
    /// The kind of message it belongs to (image, voice, video or file).
    public var kind: MessageKind
    /// The usual file extension, without the dot.
    public var ext: String
    /// Whether a browser may show it in the page (images, audio and video it can decode); everything else is served
    /// as an attachment.
    public var inline: Bool

    public init(mime: String, kind: MessageKind, ext: String, inline: Bool) {
        self.mime = mime
        self.kind = kind
        self.ext = ext
        self.inline = inline
    }

    public static let unknown = MediaType(mime: "application/octet-stream", kind: .file, ext: "bin", inline: false)

    /// The type of `bytes` (only the first 64 are read), or `.unknown`.
    public static func sniff<C: Collection>(_ bytes: C) -> MediaType where C.Element == UInt8 {
        let b = Array(bytes.prefix(64))
        func at(_ offset: Int, _ magic: [UInt8]) -> Bool {
            b.count >= offset + magic.count && Array(b[offset..<offset + magic.count]) == magic
        }
        func ascii(_ offset: Int, _ text: String) -> Bool { at(offset, Array(text.utf8)) }
        if at(0, [0xFF, 0xD8, 0xFF]) { return MediaType(mime: "image/jpeg", kind: .image, ext: "jpg", inline: true) }
        if at(0, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            return MediaType(mime: "image/png", kind: .image, ext: "png", inline: true)
        }
        if ascii(0, "GIF87a") || ascii(0, "GIF89a") { return MediaType(mime: "image/gif", kind: .image, ext: "gif", inline: true) }
        if ascii(0, "RIFF") && ascii(8, "WEBP") { return MediaType(mime: "image/webp", kind: .image, ext: "webp", inline: true) }
        if ascii(0, "BM"), b.count >= 18, [12, 40, 56, 108, 124].contains(b[14]), b[15] == 0, b[16] == 0, b[17] == 0 {
            return MediaType(mime: "image/bmp", kind: .image, ext: "bmp", inline: true)
        }
        if ascii(4, "ftyp") {
            let brand = b.count >= 12 ? String(decoding: b[8..<12], as: UTF8.self) : ""
            switch brand {
            case "heic", "heix", "heim", "heis", "mif1", "msf1":
                return MediaType(mime: "image/heic", kind: .image, ext: "heic", inline: false)
            case "M4A ", "M4B ": return MediaType(mime: "audio/mp4", kind: .voice, ext: "m4a", inline: true)
            case "qt  ": return MediaType(mime: "video/quicktime", kind: .video, ext: "mov", inline: false)
            default: return MediaType(mime: "video/mp4", kind: .video, ext: "mp4", inline: true)
            }
        }
        // WeChat voice notes are SILK v3, usually behind one 0x02 byte; AMR is what WeCom and DingTalk send.
        if ascii(0, "#!SILK_V3") || (at(0, [0x02]) && ascii(1, "#!SILK_V3")) {
            return MediaType(mime: "audio/silk", kind: .voice, ext: "silk", inline: false)
        }
        if ascii(0, "#!AMR\n") { return MediaType(mime: "audio/amr", kind: .voice, ext: "amr", inline: false) }
        if ascii(0, "#!AMR-WB\n") { return MediaType(mime: "audio/amr-wb", kind: .voice, ext: "awb", inline: false) }
        if ascii(0, "ID3") || (b.count >= 2 && b[0] == 0xFF && (b[1] & 0xE0) == 0xE0 && (b[1] & 0x06) != 0) {
            return MediaType(mime: "audio/mpeg", kind: .voice, ext: "mp3", inline: true)
        }
        if ascii(0, "RIFF") && ascii(8, "WAVE") { return MediaType(mime: "audio/wav", kind: .voice, ext: "wav", inline: true) }
        if ascii(0, "OggS") { return MediaType(mime: "audio/ogg", kind: .voice, ext: "ogg", inline: true) }
        if at(0, [0x1A, 0x45, 0xDF, 0xA3]) { return MediaType(mime: "video/webm", kind: .video, ext: "webm", inline: true) }
        if ascii(0, "RIFF") && ascii(8, "AVI ") { return MediaType(mime: "video/x-msvideo", kind: .video, ext: "avi", inline: false) }
        if ascii(0, "%PDF-") { return MediaType(mime: "application/pdf", kind: .file, ext: "pdf", inline: false) }
        if at(0, [0x50, 0x4B, 0x03, 0x04]) { return MediaType(mime: "application/zip", kind: .file, ext: "zip", inline: false) }
        if at(0, [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            return MediaType(mime: "application/x-ole-storage", kind: .file, ext: "doc", inline: false)
        }
        if ascii(0, "Rar!") { return MediaType(mime: "application/vnd.rar", kind: .file, ext: "rar", inline: false) }
        return .unknown
    }

    /// The kind a platform's declared content type suggests (wechatbot-webhook sends every image, voice note and video as
    /// `type=file`; only its part's Content-Type tells them apart).
    public static func kind(declared contentType: String?) -> MessageKind? {
        guard let t = contentType?.lowercased() else { return nil }
        if t.hasPrefix("image/") { return .image }
        if t.hasPrefix("audio/") { return .voice }
        if t.hasPrefix("video/") { return .video }
        return nil
    }
}

/// Images as the Windows WeChat client keeps them (`…\FileStorage\MsgAttach\…\Image\….dat`, the path WeChatFerry
/// forwards in `extra`): the picture's bytes XORed with one key byte, found by assuming the file is a JPEG, PNG or GIF.
/// The newer V1/V2 `.dat` formats (AES with a key from the client's memory) are not read.
public enum WeChatImageDat {
    public static func decode(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count >= 8 else { return nil }
        for magic in [[0xFF, 0xD8, 0xFF], [0x89, 0x50, 0x4E, 0x47], [0x47, 0x49, 0x46, 0x38]] as [[UInt8]] {
            let key = bytes[0] ^ magic[0]
            if zip(bytes.prefix(magic.count), magic).allSatisfy({ $0 ^ key == $1 }) {
                return bytes.map { $0 ^ key }
            }
        }
        return nil
    }
}

/// What a fetcher needs to get a media item's bytes from where the platform keeps them (stored with a pending item,
/// forgotten once it is fetched). docs/protocols.md §6.
public enum MediaRef: Sendable, Hashable, Codable {
    /// WeCom self-built app: `MediaId`, fetched with `cgi-bin/media/get` and the app's access token (valid three days).
    case wecomMediaID(String)
    /// WeCom smart robot: a download URL (valid five minutes) whose bytes are encrypted with the robot's EncodingAESKey.
    case wecomRobotURL(String)
    /// DingTalk robot: a `downloadCode`, turned into a download URL by `v1.0/robot/messageFiles/download`.
    case dingtalk(downloadCode: String, robotCode: String?)
    /// WeChatFerry: a path on the bridge's Windows machine (`extra`), readable only through a shared folder.
    case bridgePath(String)

    public var encoded: String {
        (try? JSONEncoder().encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    public init?(encoded: String) {
        guard let value = try? JSONDecoder().decode(MediaRef.self, from: Data(encoded.utf8)) else { return nil }
        self = value
    }
}

/// What reading a media file gives (`weimin media read`, and the background reader of issue 18 §5 when it comes): its
/// kind and type from the bytes, and the words a machine read from it with the engine that read them. No engine is
/// built in yet (OCR and speech recognition are issue 18 §3–§4), so `text` is empty and `engine` is "none".
public struct MediaReading: Sendable, Hashable, Codable {
    public var kind: MessageKind
    public var mime: String
    public var text: String
    public var engine: String
    /// Why there is no text, for a person.
    public var note: String?

    /// Reads `bytes` (a Windows WeChat `.dat` picture is decoded first, when `fileName` says so).
    public static func read(_ bytes: [UInt8], fileName: String) -> (MediaReading, [UInt8]) {
        var data = bytes
        if fileName.lowercased().hasSuffix(".dat"), let decoded = WeChatImageDat.decode(bytes) { data = decoded }
        let type = MediaType.sniff(data)
        let note: String
        switch type.kind {
        case .image: note = "未配置文字识别（OCR），图片中的文字尚不能读出"
        case .voice: note = "未配置语音转写，语音尚不能转为文字"
        case .video: note = "视频不做识别"
        default: note = type == .unknown ? "不认识的文件类型，按文件保存" : "文件不做识别"
        }
        return (MediaReading(kind: type.kind, mime: type.mime, text: "", engine: "none", note: note), data)
    }
}
