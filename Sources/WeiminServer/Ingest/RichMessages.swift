import Foundation
import Hummingbird
import WeiminCore
import WeiminPersistence

/// Platform messages that carry more than words (docs/protocols.md §1.6, §2.3, §6): the words are kept as text (so
/// triage reads "桥栏杆断了" sent with a photo), and each picture, voice note, video or file as a pending media item that
/// the media service fetches after the message is acknowledged.
extension PlatformCallbacksController {
    /// A WeCom smart-robot push as a message; nil for pushes that are not messages (events, stream refreshes).
    static func weComRobotMessage(_ m: WeComRobotContent, source: UUID, now: Date) throws -> PlatformMessage? {
        guard m.isMessage else { return nil }
        // A private chat with the robot has no group: it is kept under the sender, in quarantine until registered.
        let group = m.chattype == "group" ? (m.chatid ?? "") : "single:\(m.from.userid)"
        let files = m.media
        var kind = MessageKind(platformType: m.msgtype)
        var text = m.words
        switch m.msgtype {
        case "mixed":
            if text.isEmpty { kind = files.isEmpty ? .system : .image }
        case "voice":
            // WeCom transcribes the voice note itself and sends only the words: kept, marked as machine-made.
            let heard = (m.voice?.content ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            text = heard.isEmpty ? "[语音]" : "[语音] 企业微信转写：\(heard)"
        case "text":
            break
        default:
            if text.isEmpty { text = "[\(CoreStrings.messageKind(kind))]" }
        }
        if text.isEmpty { text = "[\(CoreStrings.messageKind(kind))]" }
        let media = files.enumerated().map { i, f in
            IncomingMedia(ordinal: i, kind: f.kind, status: .pending, fetchRef: MediaRef.wecomRobotURL(f.url).encoded, sourceID: source)
        }
        return PlatformMessage(
            platform: .wecom, groupExternalID: group, groupName: "", platformMessageID: m.msgid, senderID: m.from.userid,
            senderName: m.from.userid, kind: kind, text: text, sentAt: now, media: media)
    }

    /// A DingTalk robot callback as a message.
    static func dingTalkMessage(_ m: DingTalkContent, source: UUID, now: Date) throws -> PlatformMessage {
        let group = m.conversationType == "2" ? m.conversationId : "single:\(m.senderId)"
        let sentAt = m.createAt.map { Date(timeIntervalSince1970: Double($0) / 1000) } ?? now
        let media = m.media.enumerated().map { i, f in
            IncomingMedia(
                ordinal: i, kind: f.kind, fileName: f.fileName.map { String($0.prefix(200)) }, status: .pending,
                fetchRef: MediaRef.dingtalk(downloadCode: f.downloadCode, robotCode: m.robotCode).encoded, sourceID: source)
        }
        return PlatformMessage(
            platform: .dingtalk, groupExternalID: group, groupName: m.conversationTitle ?? "", platformMessageID: m.msgId,
            senderID: m.senderStaffId ?? m.senderId, senderName: m.senderNick ?? m.senderId, kind: m.kind,
            text: m.storedText, sentAt: sentAt, media: media)
    }
}
