import Foundation
import Testing
import WeiminCore

/// Every file of the fuzzers' committed corpora (Fuzz/corpus/<Target>/: the seeds and any input that once crashed a
/// parser) goes through its parser here too, so a regression shows in the normal suite without libFuzzer.
@Suite("Fuzz corpora replayed")
struct FuzzRegressionTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/corpus")
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func inputs(_ target: String) throws -> [(String, [UInt8])] {
        let dir = corpus.appendingPathComponent(target)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasPrefix(".") }.sorted()
        return try names.map { ($0, Array(try Data(contentsOf: dir.appendingPathComponent($0)))) }
    }

    @Test("each target has seeds", arguments: ["MessageBatchJSON", "XMLDocument", "MultipartForm", "ChatExport", "SatisfactionReply"])
    func seeded(target: String) throws {
        #expect(try !Self.inputs(target).isEmpty, "no corpus in \(Self.corpus.path)/\(target)")
    }

    @Test("batch JSON")
    func batchJSON() throws {
        for (_, input) in try Self.inputs("MessageBatchJSON") {
            if let fields = try? MessageBatchJSON.parse(input) { #expect(fields.count <= max(1, input.count / 2)) }
        }
    }

    @Test("XML")
    func xml() throws {
        for (_, input) in try Self.inputs("XMLDocument") {
            _ = try? XMLNode.parse(String(decoding: input, as: UTF8.self))
        }
    }

    /// Found by the XMLDocument fuzzer: entities were looked up by Character, so a combining mark right after ";"
    /// hid the end of "&amp;" and a valid document was refused.
    @Test("an entity followed by a combining mark")
    func entityBeforeCombiningMark() throws {
        #expect(try XMLNode.parse("<a>&amp;\u{301} &lt;\u{747}</a>").text == "&\u{301} <\u{747}")
    }

    /// As in the fuzz target: the boundary on the first line, then the body.
    @Test("multipart/form-data")
    func multipart() throws {
        for (name, input) in try Self.inputs("MultipartForm") {
            guard let newline = input.firstIndex(of: 0x0A) else { continue }
            let header = "multipart/form-data; boundary=" + String(decoding: input[..<newline], as: UTF8.self)
            guard let boundary = MultipartForm.boundary(contentType: header) else { continue }
            if let form = try? MultipartForm.parse(Array(input[(newline + 1)...]), boundary: boundary) {
                #expect(form.parts.allSatisfy { !$0.name.isEmpty }, "\(name)")
            }
        }
    }

    @Test("chat exports, both readers")
    func chatExport() throws {
        for (name, input) in try Self.inputs("ChatExport") {
            let text = String(decoding: input, as: UTF8.self)
            if let csv = try? ChatExport.parseCSV(text, now: Self.now) {
                #expect(csv.read == csv.items.count + csv.skipped.count, "\(name)")
            }
            let txt = ChatExport.parseTXT(text, now: Self.now)
            #expect(txt.read == txt.items.count + txt.skipped.count, "\(name)")
        }
    }

    /// Found by the ChatExport fuzzer's line-end check: "\r\n" is one Character, so splitting on "\n" left a Windows
    /// TXT export as one line and nothing was imported.
    @Test("a TXT export with CRLF line ends reads like one with LF")
    func txtLineEnds() {
        let lf = "2024-11-24 09:00:00 向阿姨\n今天村委会几点上班？\n\n2024-11-24 09:01:00 村支书\n九点，\n书记在\n"
        let crlf = ChatExport.parseTXT(lf.replacingOccurrences(of: "\n", with: "\r\n"), now: Self.now)
        #expect(crlf.items.map(\.text) == ["今天村委会几点上班？", "九点，\n书记在"])
        #expect(crlf.items == ChatExport.parseTXT(lf, now: Self.now).items)
    }

    /// Found by the ChatExport fuzzer: a row refused by the input rules (here a NUL in the sender) could still be
    /// quoted by a later row, whose quotedKey then named a message that was never imported.
    @Test("a quote of a refused row quotes nothing")
    func quoteOfRefusedRow() throws {
        let header = "localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender\n"
        let csv =
            header + "1,g,1,0,0,1732410180,2,路灯坏了,x,,a,wxid_\u{0}a\n"
            + "2,g,49,57,0,1732410240,2,<msg><appmsg><title>收到</title><refermsg><content>路灯坏了</content></refermsg>"
            + "</appmsg></msg>,x,,b,wxid_b\n"
        let result = try ChatExport.parseCSV(csv, now: Self.now)
        #expect(result.items.map(\.kind) == [.quote])
        #expect(result.items.first?.quotedKey == nil)
    }

    @Test("satisfaction replies")
    func satisfaction() throws {
        for (name, input) in try Self.inputs("SatisfactionReply") {
            if let n = SatisfactionReply.parse(String(decoding: input, as: UTF8.self))?.caseNumber {
                #expect(CaseNumber(n.description) == n, "\(name)")
            }
        }
    }
}
