#!/usr/bin/env python3
"""Plays WeCom's side of an app callback against a running Weimin, using wechatpy's own implementation
of the crypto (pip install --pre wechatpy cryptography), so our code is checked against an independent one.

usage: wechatpy_wecom.py BASE_URL SOURCE_ID TOKEN ENCODING_AES_KEY CORP_ID CHAT_ID MSG_ID
Prints one JSON object with what happened; exits 1 if the server answered anything unexpected.
"""
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

from wechatpy.work.crypto import WeChatCrypto


def call(method, url, body=None):
    req = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": "text/xml; charset=utf-8"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def main():
    base, source, token, key, corp, chat, msg_id = sys.argv[1:8]
    crypto = WeChatCrypto(token, key, corp)
    url = f"{base}/ingest/wecom/{source}"
    out = {}

    # URL check: WeCom encrypts a random echostr; the server must answer with the plaintext.
    nonce, ts = "1320562132", str(int(time.time()))
    envelope = ET.fromstring(crypto.encrypt_message("5927782489442352469", nonce, ts))
    echostr, signature = envelope.findtext("Encrypt"), envelope.findtext("MsgSignature")
    q = urllib.parse.urlencode({"msg_signature": signature, "timestamp": ts, "nonce": nonce, "echostr": echostr})
    out["verify"] = call("GET", f"{url}?{q}")

    # A Chinese text message, delivered twice as WeCom does when the first answer is slow.
    text = (f"<xml><ToUserName><![CDATA[{corp}]]></ToUserName><FromUserName><![CDATA[LiuXiaoMing]]></FromUserName>"
            f"<CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[镇上到村里的班车这周停了三天，老人看病没法去，请问什么时候恢复？]]></Content>"
            f"<MsgId>{msg_id}</MsgId><AgentID>1000002</AgentID></xml>")
    # A member joining the registered customer group.
    event = (f"<xml><ToUserName><![CDATA[{corp}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>"
             f"<CreateTime>{ts}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_chat]]></Event>"
             f"<ChatId><![CDATA[{chat}]]></ChatId><ChangeType><![CDATA[update]]></ChangeType>"
             f"<UpdateDetail><![CDATA[add_member]]></UpdateDetail><JoinScene>3</JoinScene><MemChangeCnt>1</MemChangeCnt>"
             f"<MemChangeList><Item><![CDATA[wmWechatpyVillager]]></Item></MemChangeList></xml>")
    for name, plain in [("text", text), ("event", event)]:
        results = []
        for attempt in range(2):
            nonce = f"{attempt + 7}4411"
            env = ET.fromstring(crypto.encrypt_message(plain, nonce, ts))
            body = (f"<xml><ToUserName><![CDATA[{corp}]]></ToUserName><Encrypt><![CDATA[{env.findtext('Encrypt')}]]></Encrypt>"
                    f"<AgentID><![CDATA[1000002]]></AgentID></xml>").encode("utf-8")
            q = urllib.parse.urlencode({"msg_signature": env.findtext("MsgSignature"), "timestamp": ts, "nonce": nonce})
            results.append(call("POST", f"{url}?{q}", body))
        out[name] = results

    # A forged signature must be refused.
    q = urllib.parse.urlencode({"msg_signature": "0" * 40, "timestamp": ts, "nonce": "1"})
    out["forged"] = call("POST", f"{url}?{q}", body)

    print(json.dumps(out, ensure_ascii=False))
    ok = (out["verify"] == [200, "5927782489442352469"] or tuple(out["verify"]) == (200, "5927782489442352469"))
    ok = ok and all(s == 200 for s, _ in out["text"] + out["event"]) and out["forged"][0] == 401
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
