import Foundation
import Testing
import WeiminCore

@Suite("Our own messages, mentions, media types and rich messages (issue 18)")
struct OwnMessagesAndMediaTests {
    @Test("the outbox hash survives what robots and bridges do to our words, and ignores what is too short to be ours")
    func echoHash() throws {
        let sent = "【受理回执】您反映的“村口路灯不亮”已受理，工单号 433125-2026-000123，3个工作日内答复。"
        let hash = try #require(OutboundEcho.contentHash(sent))
        #expect(OutboundEcho.contentHash("@田大姐\u{2005}" + sent) == hash)
        #expect(OutboundEcho.contentHash("**【受理回执】**\n您反映的 “村口路灯不亮” 已受理，工单号 433125-2026-000123，3 个工作日内答复。 ") == hash)
        #expect(OutboundEcho.contentHash("<@wm0412> " + sent) == hash)
        #expect(OutboundEcho.contentHash("您反映的“村口路灯不亮”还没修好") != hash)
        #expect(OutboundEcho.contentHash("好的") == nil)
        #expect(OutboundEcho.contentHash("👍👍。。。") == nil)
        #expect(hash.count == 16)
    }

    @Test("WeChat's leading @bot\\u{2005} is dropped; other mentions and a bare mention are kept")
    func mentions() {
        let bot: Set<String> = ["为民小助手"]
        #expect(WeChatMention.strippingLeading("@为民小助手\u{2005}三组的水管又爆了", names: bot, mentioned: true) == "三组的水管又爆了")
        #expect(WeChatMention.strippingLeading("@村支书\u{2005}路灯坏了", names: bot, mentioned: false) == "@村支书\u{2005}路灯坏了")
        #expect(WeChatMention.strippingLeading("@为民小助手\u{2005}@村支书\u{2005}路灯坏了", names: bot, mentioned: true) == "@村支书\u{2005}路灯坏了")
        #expect(WeChatMention.strippingLeading("路灯坏了 @为民小助手\u{2005}", names: bot, mentioned: true) == "路灯坏了 @为民小助手\u{2005}")
        #expect(WeChatMention.strippingLeading("@为民小助手\u{2005}", names: bot, mentioned: true) == "@为民小助手\u{2005}")
        // WeChatFerry names no one: with is_at, the first leading mention is the bot's.
        #expect(WeChatMention.strippingLeading("@小助手\u{2005}@村支书\u{2005}路灯", names: [], mentioned: true) == "@村支书\u{2005}路灯")
        #expect(WeChatMention.strippingLeading("@小助手\u{2005}路灯", names: [], mentioned: false) == "@小助手\u{2005}路灯")
    }

    @Test("types are read from the bytes, not the name or the declared type")
    func sniffing() {
        #expect(MediaType.sniff([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]).mime == "image/jpeg")
        #expect(MediaType.sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0]).kind == .image)
        #expect(MediaType.sniff(Array("GIF89a....".utf8)).ext == "gif")
        #expect(MediaType.sniff([0x02] + Array("#!SILK_V3".utf8)).mime == "audio/silk")
        #expect(MediaType.sniff(Array("#!AMR\n".utf8) + [0x3C]).kind == .voice)
        #expect(MediaType.sniff([0, 0, 0, 0x18] + Array("ftypmp42".utf8)).mime == "video/mp4")
        #expect(MediaType.sniff(Array("%PDF-1.4".utf8)).mime == "application/pdf")
        #expect(MediaType.sniff(Array("<svg xmlns=\"http://www.w3.org/2000/svg\">".utf8)) == .unknown)
        #expect(MediaType.sniff(Array("<html><script>".utf8)).inline == false)
        #expect(MediaType.kind(declared: "image/jpeg") == .image && MediaType.kind(declared: "audio/silk") == .voice)
        #expect(MediaType.kind(declared: "video/mp4") == .video && MediaType.kind(declared: "application/pdf") == nil)
    }

    @Test("a Windows WeChat .dat picture is the picture XORed with one byte")
    func datPicture() throws {
        let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0xFF, 0xD9]
        let dat = jpeg.map { $0 ^ 0x5A }
        #expect(WeChatImageDat.decode(dat) == jpeg)
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00]
        #expect(WeChatImageDat.decode(png.map { $0 ^ 0x21 }) == png)
        #expect(WeChatImageDat.decode(Array("not a picture at all".utf8)) == nil)
    }

    @Test("a form cut at the media limit keeps its fields and marks the file part incomplete; a cut form is still refused otherwise")
    func truncatedForm() throws {
        let body =
            Array(
                "--B\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\nfile\r\n--B\r\nContent-Disposition: form-data; name=\"content\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
                    .utf8)
            + [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]
        let form = try MultipartForm.parse(body, boundary: "B", truncated: true)
        #expect(form["type"] == "file")
        let part = try #require(form.part("content"))
        #expect(!part.complete && part.body.prefix(3) == [0xFF, 0xD8, 0xFF] && part.contentType == "image/jpeg")
        #expect(throws: MultipartForm.Problem.self) { try MultipartForm.parse(body, boundary: "B") }
        // Cut inside the second part's headers: the first part stands.
        let early = Array(body.prefix(70))
        #expect(try MultipartForm.parse(early, boundary: "B", truncated: true).parts.map(\.name) == ["type"])
    }

    @Test("DingTalk: rich text keeps its words and its pictures; a picture, a voice note with DingTalk's transcript")
    func dingTalk() throws {
        let rich = try JSONDecoder().decode(
            DingTalkContent.self,
            from: Data(
                """
                {"conversationId":"cid1","conversationType":"2","senderId":"s","msgId":"m1","msgtype":"richText","robotCode":"dingr",
                 "content":{"richText":[{"text":"桥栏杆断了"},{"pictureDownloadCode":"p1","downloadCode":"d1","type":"picture"},{"text":" 在村口 "}]}}
                """.utf8))
        #expect(rich.kind == .text && rich.storedText == "桥栏杆断了\n在村口")
        #expect(rich.media.map(\.downloadCode) == ["d1"] && rich.media.first?.kind == .image)
        let onlyPicture = try JSONDecoder().decode(
            DingTalkContent.self,
            from: Data(
                """
                {"conversationId":"cid1","senderId":"s","msgId":"m2","msgtype":"richText","content":{"richText":[{"pictureDownloadCode":"p2","type":"picture"}]}}
                """.utf8))
        #expect(onlyPicture.kind == .image && onlyPicture.media.map(\.downloadCode) == ["p2"] && onlyPicture.storedText == "[图片]")
        let picture = try JSONDecoder().decode(
            DingTalkContent.self,
            from: Data(
                """
                {"conversationId":"cid1","senderId":"s","msgId":"m3","msgtype":"picture","content":{"pictureDownloadCode":"p3","downloadCode":"d3"}}
                """.utf8))
        #expect(picture.kind == .image && picture.media.map(\.downloadCode) == ["d3"])
        let audio = try JSONDecoder().decode(
            DingTalkContent.self,
            from: Data(
                """
                {"conversationId":"cid1","senderId":"s","msgId":"m4","msgtype":"audio","content":{"duration":4000,"downloadCode":"d4","recognition":"水管爆了"}}
                """.utf8))
        #expect(audio.kind == .voice && audio.storedText == "[语音] 钉钉转写：水管爆了" && audio.media.first?.kind == .voice)
    }

    @Test("WeCom smart robot: a mixed message's text items are its words, its image items its pictures; events are not messages")
    func weComRobot() throws {
        let mixed = try JSONDecoder().decode(
            WeComRobotContent.self,
            from: Data(
                """
                {"msgid":"m","aibotid":"b","chatid":"c","chattype":"group","from":{"userid":"u"},"msgtype":"mixed",
                 "mixed":{"msg_item":[{"msgtype":"text","text":{"content":"桥栏杆断了"}},{"msgtype":"image","image":{"url":"https://x/1"}},
                                      {"msgtype":"text","text":{"content":"快来修"}},{"msgtype":"image","image":{"url":"https://x/2"}}]}}
                """.utf8))
        #expect(mixed.words == "桥栏杆断了\n快来修")
        #expect(mixed.media.map(\.url) == ["https://x/1", "https://x/2"])
        let event = try JSONDecoder().decode(
            WeComRobotContent.self,
            from: Data(
                """
                {"msgid":"e","from":{"userid":"u"},"msgtype":"event","event":{"eventtype":"enter_chat"}}
                """.utf8))
        #expect(!event.isMessage)
    }

    @Test("media references round-trip through their stored form")
    func refs() {
        for ref in [
            MediaRef.wecomMediaID("1G6nrLmr5EC3MMb_-zK1dDdzmd0p7cNliYu9V5w7o8K0"), .wecomRobotURL("https://x/y?z=1"),
            .dingtalk(downloadCode: "d", robotCode: nil), .bridgePath("C:\\WeChat Files\\a.dat"),
        ] {
            #expect(MediaRef(encoded: ref.encoded) == ref)
        }
        #expect(MediaRef(encoded: "not json") == nil)
    }

    @Test("reading one file (weimin media read): a .dat picture decoded and typed by its bytes; no engine yet, so no text and a reason")
    func reading() {
        let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 0x4A, 0x46, 0x49, 0x46, 0, 1, 0xFF, 0xD9]
        let (r, bytes) = MediaReading.read(jpeg.map { $0 ^ 0x37 }, fileName: "0a1b2c3d.dat")
        #expect(
            bytes == jpeg && r.kind == .image && r.mime == "image/jpeg" && r.text.isEmpty && r.engine == "none"
                && r.note?.contains("OCR") == true)
        let (voice, _) = MediaReading.read([0x02] + Array("#!SILK_V3".utf8) + [1, 2, 3], fileName: "msg.sil")
        #expect(voice.kind == .voice && voice.mime == "audio/silk")
        #expect(MediaReading.read(Array("hello".utf8), fileName: "a.txt").0.kind == .file)
    }
}
