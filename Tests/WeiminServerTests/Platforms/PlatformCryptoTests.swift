import Foundation
import Testing
@testable import WeiminServer

/// The vectors of docs/protocols.md (§1.8, §2.2–§2.4), checked against the platforms' official sample code.
@Suite("Platform crypto vectors")
struct PlatformCryptoTests {
    let a = try! WeComCrypto(
        token: "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo", encodingAESKey: "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt",
        receiveID: "ww1436e0e65a779aee")

    @Test("WeCom vector A: URL verification")
    func urlCheck() throws {
        let echo = "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA=="
        #expect(a.signature(timestamp: "1476416373", nonce: "47744683", encrypted: echo) == "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb")
        #expect(
            a.verify(signature: "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb", timestamp: "1476416373", nonce: "47744683", encrypted: echo))
        #expect(
            !a.verify(signature: "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebec", timestamp: "1476416373", nonce: "47744683", encrypted: echo))
        #expect(try a.decrypt(echo) == "1288432023552776189")
    }

    @Test("WeCom vector A: message")
    func message() throws {
        let enc =
            "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+"
        #expect(a.signature(timestamp: "1476422779", nonce: "1597212914", encrypted: enc) == "0c3914025cb4b4d68103f6bfc8db550f79dcf48e")
        #expect(
            try a.decrypt(enc)
                == "<xml><ToUserName>ww1436e0e65a779aee</ToUserName><FromUserName>ChenJiaShun</FromUserName><CreateTime>1476422779</CreateTime><MsgType>text</MsgType><Content>你好</Content><MsgId>1456453720</MsgId><AgentID>1000002</AgentID></xml>"
        )
        // The same ciphertext for another corp is refused.
        let other = try WeComCrypto(
            token: "x", encodingAESKey: "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt", receiveID: "ww0000000000000000")
        #expect(throws: WeComCrypto.Failure.wrongReceiver) { try other.decrypt(enc) }
    }

    @Test("WeCom vector B: deterministic encryption and its signature")
    func vectorB() throws {
        let b = try WeComCrypto(
            token: "123456", encodingAESKey: "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR", receiveID: "wx49f0ab532d5d035a")
        let text =
            "<xml>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>\n<ToUserName><![CDATA[messense]]></ToUserName>\n<AgentID>1</AgentID>\n<CreateTime>1411525903</CreateTime>\n</xml>"
        let enc = try b.encrypt(text, random: Array("1234567890123456".utf8))
        #expect(
            enc
                == "9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3"
        )
        #expect(b.signature(timestamp: "1411525903", nonce: "461056294", encrypted: enc) == "407518b7649e86ef23978113f92d27afa9296533")
        #expect(try b.decrypt(enc) == text)
    }

    /// Messages whose length leaves 17–32 bytes of padding: valid for WeCom, rejected by a 16-byte PKCS#7 unpadder.
    @Test("padding of 1 to 32 bytes round-trips", arguments: 0..<32)
    func padding(extra: Int) throws {
        // 16 random + 4 length + message + 18-byte receive id; choose message lengths to hit every pad value.
        let message = String(repeating: "a", count: 10 + extra)
        let enc = try a.encrypt(message)
        let raw = try #require(Data(base64Encoded: enc))
        #expect(raw.count % 32 == 0)
        #expect(try a.decrypt(enc) == message)
    }

    @Test("bad input is refused with a reason")
    func refusals() throws {
        #expect(throws: WeComCrypto.Failure.badKey) { try WeComCrypto(token: "t", encodingAESKey: "short", receiveID: "r") }
        #expect(throws: WeComCrypto.Failure.self) { try a.decrypt("not base64 !!") }
        #expect(throws: WeComCrypto.Failure.self) { try a.decrypt(Data(repeating: 1, count: 32).base64EncodedString()) }
        #expect(throws: WeComCrypto.Failure.self) { try a.decrypt("") }
    }

    @Test("DingTalk and Feishu signature vectors")
    func signatures() {
        #expect(
            PlatformSignature.dingTalkURLEncoded(timestampMillis: 1_577_262_236_757, secret: "SECtest123")
                == "XFYJ6M1dpOCWs3BOLIAKRgcsJDm%2FDBDaam5piULq0qA%3D")
        #expect(
            PlatformSignature.dingTalk(timestampMillis: 1_577_262_236_757, secret: "appsecret123")
                == "AXRO/1jxB3by0xoRBkWbvgSjqJ13PCrmfdrS1cpvThM=")
        #expect(
            PlatformSignature.feishu(timestampSeconds: 1_599_360_473, secret: "feishusecret")
                == "JaqlL3oEJfpKmEpzBT5PwTFumxDsG8lRLr43XuMaVHo=")
        let now = Date(timeIntervalSince1970: 1_577_262_236.757)
        #expect(PlatformSignature.withinWindow(timestampMillis: 1_577_262_236_757, now: now.addingTimeInterval(3599)))
        #expect(!PlatformSignature.withinWindow(timestampMillis: 1_577_262_236_757, now: now.addingTimeInterval(3601)))
    }
}
