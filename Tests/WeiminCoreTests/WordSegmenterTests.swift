import Foundation
import Testing
@testable import WeiminCore

// Serialized: the last test prints a speed, which a test running beside it would skew.
@Suite("WordSegmenter: jieba's words for triage features", .serialized)
struct WordSegmenterTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Expected splits are jieba 0.42.1's (`jieba.cut(text, HMM=False)`), less the tokens that are not
    /// ideographs; chosen where the shipped, pruned list still agrees with jieba's whole dictionary.
    @Test(
        "the shipped list splits sentences as jieba does with its HMM off",
        arguments: [
            ("我们村的自来水管道昨天爆了", "我们/村/的/自来水管/道/昨天/爆/了"),
            ("村口的路塌了车过不去", "村口/的/路/塌/了/车/过不去"),
            ("请问低保申请需要什么材料", "请问/低保/申请/需要/什么/材料"),
            ("下雨天路面积水严重", "下雨天/路/面积/水/严重"),
            ("他说的确实在理", "他/说/的/确实/在/理"),
            ("结婚的和尚未结婚的", "结婚/的/和/尚未/结婚/的"),
            ("研究生命起源", "研究/生命/起源"),
            ("乡政府门口的垃圾没人清理", "乡政府/门口/的/垃圾/没/人/清理"),
            ("我家孩子上学的补助还没到账", "我家/孩子/上学/的/补助/还/没/到/账"),
            ("麻烦书记帮忙看看", "麻烦/书记/帮忙/看看"),
        ])
    func jieba(text: String, expected: String) {
        #expect(WordSegmenter.bundled().words(text).joined(separator: "/") == expected)
    }

    @Test("digits, Latin, spaces and punctuation are no words and split runs; the ranges point into the input")
    func mixed() {
        let seg = WordSegmenter.bundled()
        // jieba: 3/组/的/路灯/坏/了/2/个/，/请/尽快/修理
        #expect(seg.words("3组的路灯坏了2个，请尽快修理").joined(separator: "/") == "组/的/路灯/坏/了/个/请/尽快/修理")
        // jieba: WiFi/密码/是/多少
        #expect(seg.words("WiFi密码是多少").joined(separator: "/") == "密码/是/多少")
        let scalars = "ab路灯 12 尽快".unicodeScalars.map(\.value)
        #expect(seg.segment(scalars) == [2..<4, 8..<10])
        // A word never spans a gap.
        #expect(seg.words("路 灯").joined(separator: "/") == "路/灯")
    }

    @Test("characters the list does not have stand alone; empty and ideograph-free input gives nothing")
    func unknownAndEmpty() {
        let seg = WordSegmenter.bundled()
        // U+3400 and U+20000 are ideographs jieba's dictionary lacks.
        #expect(seg.words("㐀").joined(separator: "/") == "㐀")
        #expect(seg.words("我们㐀𠀀村口").joined(separator: "/") == "我们/㐀/𠀀/村口")
        #expect(seg.segment([]) == [])
        #expect(seg.words("").isEmpty)
        #expect(seg.words("123 abc，！？ …").isEmpty)
    }

    @Test("the most probable path wins; a character that only begins longer words is not taken alone")
    func smallDictionary() throws {
        let seg = WordSegmenter(
            words: [
                ("北京", 100), ("大学", 50), ("北京大学", 20), ("大学生", 10), ("生", 5), ("活", 5),
                ("天气", 1), ("abc", 9), ("", 3), ("坏", 0),
            ], total: 1000)
        #expect(seg.wordCount == 7)
        #expect(seg.maxWordLength == 4)
        // ln(20/1000) beats ln(100/1000) + ln(50/1000).
        #expect(seg.words("北京大学").joined(separator: "/") == "北京大学")
        // 北京/大学生/活: ln .1 + ln .01 + ln .005 > 北京大学/生/活: ln .02 + ln .005 + ln .005.
        #expect(seg.words("北京大学生活").joined(separator: "/") == "北京/大学生/活")
        #expect(seg.words("天天气").joined(separator: "/") == "天/天气")
        #expect(seg.words("坏").joined(separator: "/") == "坏")
        // 天 is no word but begins 天气, so it is never taken alone, though 天/气温 would be likelier. jieba
        // 0.42.1 with this dictionary (天气 1, 气温 900, 其他 99) gives 天气/温 too.
        let weather = WordSegmenter(words: [("天气", 1), ("气温", 900), ("其他", 99)], total: 1000)
        #expect(weather.words("天气温").joined(separator: "/") == "天气/温")

        // The shipped format: header with the total, comments, CRLF tolerated.
        let tsv = "# a comment\n#total\t1000\n北京\t100\r\n大学\t50\n北京大学\t20\n"
        let read = try WordSegmenter(tsv: Data(tsv.utf8))
        #expect(read.wordCount == 3 && read.words("北京大学").joined(separator: "/") == "北京大学")
        #expect(throws: WordSegmenter.FormatError.self) { try WordSegmenter(tsv: Data("北京\t100\n".utf8)) }
        #expect(throws: WordSegmenter.FormatError.self) { try WordSegmenter(tsv: Data("#total\t10\n北京\tx\n".utf8)) }
    }

    @Test("the shipped list: jieba's total, words of up to six characters, and its licence beside it")
    func shippedList() throws {
        let seg = WordSegmenter.bundled()
        #expect(seg.wordCount > 100_000)
        #expect(seg.maxWordLength == 6)
        // jieba's total (dict.txt of 0.42.1): single characters weigh as in jieba.
        #expect(abs(seg.unknownLogP + log(60_101_967.0)) < 1e-9)
        let license = try #require(Bundle.module.url(forResource: "LICENSE", withExtension: nil, subdirectory: "lexicon"))
        #expect(try String(contentsOf: license, encoding: .utf8).contains("Sun Junyi"))
    }

    static var rows: [LabelledExample] {
        var rows: [LabelledExample] = []
        for w in ["停水", "没水", "水管爆了", "自来水不来"] {
            for p in ["三组", "我家", "村里", "上面"] { rows.append(.init(text: "\(p)\(w)了", labels: ["l": "water"])) }
        }
        for w in ["路塌了", "路上有坑", "桥断了", "路被冲坏"] {
            for p in ["三组", "我家", "村里", "上面"] { rows.append(.init(text: "\(p)\(w)", labels: ["l": "road"])) }
        }
        for w in ["早上好", "谢谢", "哈哈", "收到"] {
            for p in ["大家", "书记", "", "各位"] { rows.append(.init(text: "\(p)\(w)", labels: ["l": "none"])) }
        }
        return rows
    }

    @Test("with words the features and the model differ; the model says so in its file and reads back the same")
    func wordsChangeTheModel() throws {
        let plain = FeatureConfig(dimension: 1 << 14)
        let withWords = FeatureConfig(dimension: 1 << 14, words: true)
        var a = FeatureExtractor(config: plain), b = FeatureExtractor(config: withWords)
        var va = SparseVector(), vb = SparseVector()
        a.extract("自来水管道爆了", into: &va)
        b.extract("自来水管道爆了", into: &vb)
        // The grams are the same buckets; words add their own (自来水管 → one more feature at least).
        #expect(Set(va.indices).isStrictSubset(of: Set(vb.indices)))
        #expect(abs(vb.values.reduce(0) { $0 + $1 * $1 } - 1) < 1e-5)
        // The word is explained by its characters.
        let extra = Set(vb.indices).subtracting(va.indices).sorted()
        let explained = b.firstGrams("自来水管道爆了", buckets: extra).compactMap { $0 }
        #expect(explained.contains { String(String.UnicodeScalarView($0.compactMap(Unicode.Scalar.init))) == "自来水管" })

        let m0 = try TextModelTraining.train(Self.rows, labelColumns: ["l"], features: plain)
        let m1 = try TextModelTraining.train(Self.rows, labelColumns: ["l"], features: withWords)
        let m1again = try TextModelTraining.train(Self.rows, labelColumns: ["l"], features: withWords)
        #expect(m0.version != m1.version)
        #expect(try m0.serialized() != m1.serialized())
        #expect(try m1.serialized() == m1again.serialized())
        let bytes = try m1.serialized()
        #expect(bytes[4] == 3)  // format 3: readers from before word features refuse it
        let loaded = try TextModel.load(bytes)
        #expect(loaded == m1 && loaded.features.words)
        #expect(try m0.serialized()[4] == 2)
    }

    @Test("model files from before the option load with words off, and write back the same bytes")
    func oldModelsLoad() throws {
        let old = try JSONDecoder().decode(FeatureConfig.self, from: Data(#"{"dimension":4096,"maxN":3,"minN":1}"#.utf8))
        #expect(old == FeatureConfig(dimension: 4096))
        // The shipped model was written before word features existed.
        let url = Self.root.appendingPathComponent("Sources/WeiminServer/Resources/triage.wmtm")
        let bytes = try Data(contentsOf: url)
        let model = try TextModel.load(bytes)
        #expect(!model.features.words)
        #expect(try model.serialized() == bytes)
        #expect(!String(decoding: bytes.prefix(200), as: UTF8.self).contains("words"))
    }

    @Test("speed on the corpus (printed, not asserted)")
    func speed() throws {
        let texts = try Corpus.load(["category"]).map(\.text)
        var seg = WordSegmenter.bundled()
        var normalized: [[UInt32]] = []
        var buffer: [UInt32] = []
        for t in texts {
            TextNormalizer.normalize(t, into: &buffer)
            normalized.append(buffer)
        }
        var ranges: [Range<Int>] = []
        var words = 0
        let rounds = 20
        for s in normalized { seg.segment(s, into: &ranges) }  // warm
        let clock = ContinuousClock()
        let segTime = clock.measure {
            for _ in 0..<rounds { for s in normalized { seg.segment(s, into: &ranges); words += ranges.count } }
        }
        func rate(_ d: Duration) -> Int {
            let s = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
            return Int(Double(rounds * texts.count) / s)
        }
        var v = SparseVector()
        var plain = FeatureExtractor(config: FeatureConfig())
        var withWords = FeatureExtractor(config: FeatureConfig(words: true))
        for t in texts { plain.extract(t, into: &v); withWords.extract(t, into: &v) }
        let plainTime = clock.measure { for _ in 0..<rounds { for t in texts { plain.extract(t, into: &v) } } }
        let wordsTime = clock.measure { for _ in 0..<rounds { for t in texts { withWords.extract(t, into: &v) } } }
        print(
            "WordSegmenter on \(texts.count) corpus messages ×\(rounds), one thread: segmenting \(rate(segTime)) msg/s; "
                + "features without words \(rate(plainTime)) msg/s, with words \(rate(wordsTime)) msg/s")
        #expect(words > 0)
    }
}
