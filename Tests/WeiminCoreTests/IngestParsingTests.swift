import Foundation
import Testing
import WeiminCore

@Suite("XML reader")
struct XMLReaderTests {
    @Test("reads a WeCom envelope with CDATA, plain text and entities")
    func envelope() throws {
        let xml = try XMLNode.parse(
            """
            <?xml version="1.0"?>
            <xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName><Content><![CDATA[路灯坏了 <急>]]></Content>
            <AgentID>1000002</AgentID><Note>a &amp; b &lt;c&gt; &#20320;&#x597D;</Note><Empty/></xml>
            """)
        #expect(xml.name == "xml")
        #expect(xml.value("ToUserName") == "ww1436e0e65a779aee")
        #expect(xml.value("Content") == "路灯坏了 <急>")
        #expect(xml.value("AgentID") == "1000002")
        #expect(xml.value("Note") == "a & b <c> 你好")
        #expect(xml.value("Empty") == "")
        #expect(xml.value("Missing") == nil)
    }

    @Test("nested lists and attributes: a member-change event and an app message quote")
    func nested() throws {
        let event = try XMLNode.parse("<xml><MemChangeList><Item><![CDATA[wmA]]></Item><Item>wmB</Item></MemChangeList></xml>")
        #expect(event["MemChangeList"]?.children.map(\.text) == ["wmA", "wmB"])
        let app = try XMLNode.parse(
            #"<msg><appmsg appid="" sdkver="0"><title>修好了吗</title><type>57</type><refermsg><svrid>8812</svrid></refermsg></appmsg></msg>"#)
        #expect(app.value("appmsg", "refermsg", "svrid") == "8812")
        #expect(app["appmsg"]?.attributes["sdkver"] == "0")
        #expect(app.all("svrid").count == 1)
    }

    @Test(
        "malformed documents are refused with a reason",
        arguments: [
            "", "hello", "<xml><a>1</b></xml>", "<xml><a>1</a>", "<xml></xml><more/>", "<xml a=1></xml>",
            "<!DOCTYPE x [<!ENTITY a \"b\">]><xml>&a;</xml>", "<xml>&bogus;</xml>", "<xml><![CDATA[open</xml>",
        ])
    func malformed(text: String) {
        #expect(throws: XMLError.self) { try XMLNode.parse(text) }
    }

    @Test("deep nesting is refused rather than exhausting the stack")
    func deep() {
        let text = String(repeating: "<a>", count: 500) + String(repeating: "</a>", count: 500)
        #expect(throws: XMLError.self) { try XMLNode.parse(text) }
    }
}

@Suite("multipart/form-data")
struct MultipartTests {
    @Test("boundary from the Content-Type header")
    func boundary() {
        #expect(MultipartForm.boundary(contentType: "multipart/form-data; boundary=----abc") == "----abc")
        #expect(MultipartForm.boundary(contentType: #"multipart/form-data; charset=utf-8; boundary="x y""#) == "x y")
        #expect(MultipartForm.boundary(contentType: "application/json") == nil)
        #expect(MultipartForm.boundary(contentType: "multipart/form-data") == nil)
    }

    @Test("text fields and a file part, CRLF inside values kept")
    func parts() throws {
        let body =
            "--B\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\ntext\r\n"
            + "--B\r\nContent-Disposition: form-data; name=\"content\"\r\n\r\n第一行\r\n第二行\r\n"
            + "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"照片.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n\u{1}\u{2}\r\n--B--\r\n"
        let form = try MultipartForm.parse(Array(body.utf8), boundary: "B")
        #expect(form["type"] == "text")
        #expect(form["content"] == "第一行\r\n第二行")
        #expect(form.part("file")?.filename == "照片.jpg")
        #expect(form.part("file")?.contentType == "image/jpeg")
        #expect(form.part("file")?.body == [1, 2])
    }

    @Test(
        "truncated or foreign bodies are refused",
        arguments: [
            "no boundary here", "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunterminated", "--B\r\nX: y\r\n\r\nv\r\n--B--",
            "--Bjunk",
        ])
    func refused(body: String) {
        #expect(throws: MultipartForm.Problem.self) { try MultipartForm.parse(Array(body.utf8), boundary: "B") }
    }
}

@Suite("Chat exports (MemoTrace CSV and TXT)")
struct ChatExportTests {
    static let now = Date(timeIntervalSince1970: 1_790_000_000)
    static let header = "localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender\n"

    @Test("CSV with BOM: text, media placeholders, quotes linked by text, quoted commas and line breaks")
    func csv() throws {
        let text =
            "\u{FEFF}" + Self.header
            + "1,123@chatroom,1,0,0,1700000000,2,村口路灯坏了三天了,2023-11-15 06:13:20,,张三,wxid_a\n"
            + "2,123@chatroom,3,0,0,1700000060,2,<img/>,2023-11-15 06:14:20,李四备注,李四,wxid_b\n"
            + "3,123@chatroom,1,0,0,1700000120,2,\"谁管一下，\"\"急\"\"\n晚上看不见\",2023-11-15 06:15:20,,王五,wxid_c\n"
            + "4,123@chatroom,49,57,0,1700000180,2,\"<msg><appmsg><title>已经报了</title><type>57</type><refermsg><content>村口路灯坏了三天了</content></refermsg></appmsg></msg>\",2023-11-15 06:16:20,,赵六,wxid_d\n"
            + "5,123@chatroom,10000,0,0,1700000240,2,\"\"\"张三\"\"邀请\"\"李四\"\"加入了群聊\",2023-11-15 06:17:20,,,\n"
        let result = try ChatExport.parseCSV(text, now: Self.now)
        #expect(result.read == 5)
        #expect(result.skipped.isEmpty)
        #expect(result.items.map(\.kind) == [.text, .image, .text, .quote, .system])
        #expect(result.items[1].text == "[图片]")
        #expect(result.items[1].senderName == "李四备注")
        #expect(result.items[2].text == "谁管一下，\"急\"\n晚上看不见")
        #expect(result.items[3].text == "已经报了")
        #expect(result.items[3].quotedKey == result.items[0].key)
        #expect(result.items[0].sentAt == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(Set(result.items.map(\.key)).count == 5)
    }

    @Test("bad rows are skipped with reasons; the rest is kept")
    func skipped() throws {
        let text =
            Self.header
            + "1,g,1,0,0,notatime,2,你好,x,,a,wxid_a\n"
            + "2,g,1,0,0,1700000000,2,   ,x,,a,wxid_a\n"
            + "3,g,1,0,0,1700000000,2,too,few\n"
            + "4,g,99,0,0,1700000000,2,?,x,,a,wxid_a\n"
            + "5,g,1,0,0,900000000,2,太早了,x,,a,wxid_a\n"
            + "6,g,1,0,0,1700000000,2,正常的一条,x,,a,wxid_a\n"
        let result = try ChatExport.parseCSV(text, now: Self.now)
        #expect(result.read == 6)
        #expect(result.items.map(\.text) == ["正常的一条"])
        #expect(result.skipped.map(\.line) == [2, 3, 4, 5, 6])
        #expect(result.skipped[0].reason.contains("CreateTime"))
        #expect(result.skipped[2].reason.contains("列"))
    }

    @Test("a CSV that is not a MemoTrace export, or is cut off inside quotes, is refused")
    func refused() {
        #expect(throws: ChatExport.Problem.self) { try ChatExport.parseCSV("name,phone\n张三,1\n") }
        #expect(throws: ChatExport.Problem.self) { try ChatExport.parseCSV(Self.header + "1,g,1,0,0,1700000000,2,\"半截") }
        #expect(throws: ChatExport.Problem.self) { try ChatExport.parseCSV("") }
    }

    @Test("identical messages in the same second get distinct keys; the same file gives the same keys")
    func keys() throws {
        let row = "1,g,1,0,0,1700000000,2,收到,x,,a,wxid_a\n"
        let a = try ChatExport.parseCSV(Self.header + row + row, now: Self.now)
        let b = try ChatExport.parseCSV(Self.header + row + row, now: Self.now)
        #expect(a.items.count == 2 && a.items[0].key != a.items[1].key)
        #expect(a.items.map(\.key) == b.items.map(\.key))
    }

    @Test("TXT blocks: local time to UTC, multi-line content, placeholders, and a CSV of the same history gives the same keys")
    func txt() throws {
        let text = "2023-11-15 06:13:20 张三\n村口路灯坏了三天了\n\n2023-11-15 06:14:20 李四\n[图片]\n\n2023-11-15 06:15:20 王五\n第一行\n\n第二行\n\n"
        let result = ChatExport.parseTXT(text, utcOffset: 8 * 3600, now: Self.now)
        #expect(result.read == 3)
        #expect(result.items.map(\.kind) == [.text, .image, .text])
        #expect(result.items[0].sentAt == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(result.items[2].text == "第一行\n\n第二行")
        let csv = try ChatExport.parseCSV(Self.header + "1,g,1,0,0,1700000000,2,村口路灯坏了三天了,x,,张三,wxid_a\n", now: Self.now)
        #expect(csv.items[0].key == result.items[0].key)
    }

    @Test("TXT lines that are not a header are skipped and reading resumes at the next message")
    func txtResync() {
        let text = "乱码一行\n还有一行\n\n2023-11-15 14:13:20 张三\n你好\n\n2023-13-40 14:13:20 坏日期\n"
        let result = ChatExport.parseTXT(text, now: Self.now)
        #expect(result.items.map(\.text) == ["你好"])
        #expect(result.skipped.map(\.line) == [1, 7])
    }

    @Test("format detection by header and by name")
    func detect() {
        #expect(ChatExport.detect(fileName: "x.dat", head: "\u{FEFF}localId,TalkerId") == .csv)
        #expect(ChatExport.detect(fileName: "群.TXT", head: "2023-11-15 14:13:20 张三") == .txt)
        #expect(ChatExport.detect(fileName: "x.dat", head: "hello") == nil)
    }
}

@Suite("Message batch JSON reader")
struct MessageBatchJSONTests {
    func parse(_ s: String) throws -> [MessageBatchJSON.Fields] { try MessageBatchJSON.parse(Array(s.utf8)) }

    @Test("one message, a batch, escapes, surrogate pairs, unknown keys skipped, null fields")
    func shapes() throws {
        let one = try parse(
            #"{"platform":"wechat","group_id":"1@chatroom","message_id":"m1","sender_id":"wxid_a","text":"路灯\"坏了\"\n😀\u4f60\ud83d\ude00","sent_at":1732500000,"extra":{"a":[1,2,{"b":null}],"c":true},"group_name":null}"#
        )
        #expect(one.count == 1)
        #expect(one[0].text == "路灯\"坏了\"\n😀你😀")
        #expect(one[0].sentAt == .number(1_732_500_000))
        #expect(one[0].groupName == nil && one[0].groupID == "1@chatroom")
        let batch = try parse(
            #" {"messages": [ {"message_id":"a","sent_at":"2026-11-26T08:00:00+08:00"}, {"message_id":"b","quote_id":"a"} ] } "#)
        #expect(batch.map(\.messageID) == ["a", "b"])
        #expect(batch[0].sentAt == .text("2026-11-26T08:00:00+08:00"))
        #expect(batch[1].quoteID == "a")
        #expect(try parse(#"{"messages":[]}"#).isEmpty)
    }

    @Test("agrees with Foundation's decoder on generated messages")
    func agrees() throws {
        struct M: Codable { var message_id: String; var text: String; var sent_at: Double }
        let alphabet = Array("村口路灯坏了 \"\\/\n\t😀a1，。！") + [Character("\u{01}"), Character("\u{7f}")]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let text = String((0..<Int.random(in: 0...40, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
            let m = M(
                message_id: "id-\(Int.random(in: 0...999_999, using: &generator))", text: text,
                sent_at: Double(Int.random(in: 1_600_000_000...1_800_000_000, using: &generator)))
            let data = try JSONEncoder().encode(["messages": [m, m]])
            let parsed = try MessageBatchJSON.parse(Array(data))
            #expect(parsed.count == 2)
            #expect(parsed[0].text == m.text && parsed[0].messageID == m.message_id && parsed[0].sentAt == .number(m.sent_at))
        }
    }

    @Test(
        "malformed input is refused with where and why",
        arguments: [
            "", "[]", "{", #"{"text":"a""#, #"{"text":"a",}"#, #"{"text":'a'}"#, #"{"text":"a"} x"#, #"{"text":1}"#,
            #"{"messages":{}}"#, #"{"messages":[1]}"#, #"{"text":"\x"}"#, #"{"text":"\ud83d"}"#, "{\"text\":\"a\u{01}b\"}",
            "{\"text\":\"tab\there\"}", #"{"sent_at":tru}"#, #"{"k":[1,]}"#,
        ])
    func malformed(text: String) {
        #expect(throws: MessageBatchJSON.Problem.self) { try MessageBatchJSON.parse(Array(text.utf8)) }
    }

    @Test("invalid UTF-8 inside a string is refused, not repaired")
    func invalidUTF8() {
        let bytes = Array(#"{"text":""#.utf8) + [0xE6, 0x9D] + Array(#""}"#.utf8)
        #expect(throws: MessageBatchJSON.Problem.self) { try MessageBatchJSON.parse(bytes) }
    }
}
