import Foundation

/// The words and media of one message pushed by the WeCom smart robot (智能机器人 API mode, developer.work.weixin.qq.com
/// document 100719), decrypted: `text`, `image` (a URL valid five minutes, its bytes encrypted with the robot's
/// EncodingAESKey), `mixed` (图文混排: `mixed.msg_item` of text and image items), `voice` (WeCom's own transcript in
/// `voice.content`), `file` (a URL like images); `event` and `stream` pushes are not messages. docs/protocols.md §1.6.
public struct WeComRobotContent: Decodable, Sendable {
    public struct From: Decodable, Sendable { public let userid: String }
    public struct Text: Decodable, Sendable { public let content: String? }
    public struct Media: Decodable, Sendable { public let url: String? }
    public struct Item: Decodable, Sendable {
        public let msgtype: String
        public let text: Text?
        public let image: Media?
    }
    public struct Mixed: Decodable, Sendable { public let msg_item: [Item]? }

    public let msgid: String
    public let aibotid: String?
    public let chatid: String?
    public let chattype: String?
    public let from: From
    public let msgtype: String
    public let text: Text?
    public let image: Media?
    public let mixed: Mixed?
    public let voice: Text?
    public let file: Media?

    /// Pushes that are not chat messages (entering the chat, stream refreshes, card clicks).
    public var isMessage: Bool { !["event", "stream"].contains(msgtype) }

    /// What the villager wrote: the text, or the text items of a mixed message joined by line breaks.
    public var words: String {
        switch msgtype {
        case "text": return text?.content ?? ""
        case "mixed":
            return (mixed?.msg_item ?? []).compactMap { $0.msgtype == "text" ? $0.text?.content?.trimmingCharacters() : nil }
                .filter { !$0.isEmpty }.joined(separator: "\n")
        default: return ""
        }
    }

    /// The pictures and files, in order, with their download URLs.
    public var media: [(kind: MessageKind, url: String)] {
        switch msgtype {
        case "image": return image?.url.map { [(.image, $0)] } ?? []
        case "file": return file?.url.map { [(.file, $0)] } ?? []
        case "mixed": return (mixed?.msg_item ?? []).compactMap { $0.msgtype == "image" ? $0.image?.url.map { (.image, $0) } : nil }
        default: return []
        }
    }
}

/// One DingTalk robot callback (钉钉机器人接收消息; field names as open-dingtalk's own SDKs read them): `text.content` for
/// text; for the others a `content` object — `picture` {downloadCode, pictureDownloadCode}, `richText` {richText: [{text} or
/// {type: "picture", downloadCode}]}, `audio` {downloadCode, recognition, duration}, `video` {downloadCode, duration,
/// videoType}, `file` {downloadCode, fileName, fileId, spaceId}. docs/protocols.md §2.3.
public struct DingTalkContent: Decodable, Sendable {
    public struct Text: Decodable, Sendable { public let content: String? }
    public struct RichItem: Decodable, Sendable {
        public let text: String?
        public let type: String?
        public let downloadCode: String?
        public let pictureDownloadCode: String?
    }
    public struct Content: Decodable, Sendable {
        public let downloadCode: String?
        public let pictureDownloadCode: String?
        public let fileName: String?
        public let recognition: String?
        public let richText: [RichItem]?
    }

    public let conversationId: String
    public let conversationType: String?
    public let conversationTitle: String?
    public let senderId: String
    public let senderStaffId: String?
    public let senderNick: String?
    public let msgId: String
    public let createAt: Int64?
    public let msgtype: String
    public let robotCode: String?
    public let chatbotUserId: String?
    public let text: Text?
    public let content: Content?

    /// What the sender wrote: the text, or the text runs of a rich text joined by line breaks (DingTalk leaves the
    /// @robot mention out, and a leading space in).
    public var words: String {
        switch msgtype {
        case "text": return (text?.content ?? "").trimmingCharacters()
        case "richText":
            return (content?.richText ?? []).compactMap { $0.text?.trimmingCharacters() }.filter { !$0.isEmpty }.joined(separator: "\n")
        default: return ""
        }
    }

    /// The kind stored: rich text with words is text (triage reads it); a rich text of pictures only is an image.
    public var kind: MessageKind {
        switch msgtype {
        case "richText": return words.isEmpty ? (media.isEmpty ? .system : .image) : .text
        case "audio": return .voice
        case "video": return .video
        case "file": return .file
        default: return MessageKind(platformType: msgtype)
        }
    }

    /// The pictures, voice, video or file, in order, with their download codes.
    public var media: [(kind: MessageKind, downloadCode: String, fileName: String?)] {
        func code(_ a: String?, _ b: String?) -> String? { [a, b].compactMap { $0 }.first { !$0.isEmpty } }
        switch msgtype {
        case "picture": return code(content?.downloadCode, content?.pictureDownloadCode).map { [(.image, $0, nil)] } ?? []
        case "audio": return code(content?.downloadCode, nil).map { [(.voice, $0, nil)] } ?? []
        case "video": return code(content?.downloadCode, nil).map { [(.video, $0, nil)] } ?? []
        case "file": return code(content?.downloadCode, nil).map { [(.file, $0, content?.fileName)] } ?? []
        case "richText":
            return (content?.richText ?? []).compactMap { item in
                guard item.text == nil, let c = code(item.downloadCode, item.pictureDownloadCode) else { return nil }
                return (.image, c, nil)
            }
        default: return []
        }
    }

    /// The stored text: the words, or a placeholder naming what was sent (a voice note keeps DingTalk's own transcript,
    /// marked as machine-made).
    public var storedText: String {
        let w = words
        if !w.isEmpty { return w }
        switch msgtype {
        case "audio":
            let heard = (content?.recognition ?? "").trimmingCharacters()
            return heard.isEmpty ? "[语音]" : "[语音] 钉钉转写：\(heard)"
        case "file": return "[文件] \(content?.fileName ?? "")"
        default: return "[\(CoreStrings.messageKind(kind))]"
        }
    }
}
