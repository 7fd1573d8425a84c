#!/usr/bin/env python3
"""Sends through the PyPI package `dingtalkchatbot` — an independent implementation of DingTalk's robot
signing — to a DingTalk robot endpoint (our loopback fake), once with the right secret and once with a
wrong one. Prints the two answers as JSON; exits 1 unless the first is accepted and the second refused
with 310000.

usage: dingtalkchatbot_send.py WEBHOOK_URL SECRET TEXT
"""
import json
import sys

from dingtalkchatbot.chatbot import DingtalkChatbot


def main():
    url, secret, text = sys.argv[1:4]
    good = DingtalkChatbot(url, secret=secret).send_text(msg=text, at_dingtalk_ids=["user0412"])
    bad = DingtalkChatbot(url, secret=secret + "x").send_text(msg="伪造的签名")
    print(json.dumps({"good": good, "bad": bad}, ensure_ascii=False))
    sys.exit(0 if good.get("errcode") == 0 and bad.get("errcode") == 310000 else 1)


if __name__ == "__main__":
    main()
