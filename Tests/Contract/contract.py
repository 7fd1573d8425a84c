#!/usr/bin/env python3
"""The API contract (issue 19 §2): Sources/WeiminServer/Resources/openapi.json against the running product.

  1. the document is valid OpenAPI 3.1 (openapi-spec-validator), and every `/api/v1` route registered in the Swift
     controllers (`group.get("…")` and the like) is in it;
  2. the demo server starts on a free port with a temporary data folder (as Tests/Browser/console_e2e.py does);
  3. tokens by POST /api/v1/sessions for shouli (operator), jiaotong (department), dabaiyan (village admin) and — after
     setting TOTP up through the console's sign-in pages, as their roles require — admin, jijian (discipline) and duban
     (supervisor); source tokens from `weimin source add`;
  4. records for the examples: messages that triage decides and clusters, a notice, a robot the platform refuses (an
     alert), a photo through the wechatbot bridge (a media file); the path examples of a temporary copy of the document
     are pointed at them;
  5. regression probes: requests that once answered 5xx, sent once each;
  6. schemathesis runs each operation as the identities that use it, with the checks not_a_server_error,
     status_code_conformance and response_schema_conformance, positive and negative data, phases examples, coverage,
     fuzzing (at most --examples cases per operation) and stateful (the document's links) — about 2–3 minutes in all on
     2 cores.

    python3 Tests/Contract/contract.py [--weimin .build/debug/weimin] [--examples 50] [--seed N]

Exits 1 with a summary on any failure. Without openapi-spec-validator or schemathesis it prints why and exits 0,
unless WEIMIN_REQUIRE_CONTRACT=1 (then 1). Install: python3 -m pip install schemathesis openapi-spec-validator
Written against schemathesis 4.32.5 and openapi-spec-validator 0.9.0 (no version is pinned here).

Every operation in the document must be in some run (RUNS below), so a new route cannot slip by untested. Two are special:
  - DELETE /api/v1/sessions revokes the token it is called with, so it runs alone with a throwaway token of its own: the
    first call answers 204, later ones 401 — both in the contract; the other runs' tokens stay valid.
  - GET /api/v1/openapi.json: when the server serves the document, that one is tested (a copy of the file made at build
    time; a difference from the file is reported, and --from-file tests the file instead). While the server answers 404
    (a build without the route) the file is tested and this operation is skipped.
Logs and schemathesis' JSON/NDJSON reports: test-output/contract/.
"""
import argparse, atexit, base64, collections, glob, hashlib, hmac, html, http.server, json, os, pathlib, re, shutil, socket, sqlite3, struct
import subprocess, sys, tempfile, threading, time, urllib.error, urllib.parse, urllib.request, zlib

root = pathlib.Path(__file__).resolve().parents[2]  # this file is Tests/Contract/contract.py
DOC = root / "Sources/WeiminServer/Resources/openapi.json"
PASSWORD = "weimin-demo-2026"
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"

ap = argparse.ArgumentParser()
ap.add_argument("--weimin", default=str(root / ".build/debug/weimin"))
ap.add_argument("--out", default=str(root / "test-output"))
ap.add_argument("--examples", type=int, default=50, help="schemathesis --max-examples per operation (fuzzing phase)")
ap.add_argument("--seed", type=int, default=int(time.time()) % 100000)
ap.add_argument("--keep", action="store_true", help="keep the temporary data folder")
ap.add_argument("--from-file", action="store_true", help="test the file even when the server serves a (different) document")
args = ap.parse_args()
out = pathlib.Path(args.out) / "contract"


def skip_or_fail(why):
    if os.environ.get("WEIMIN_REQUIRE_CONTRACT") == "1":
        sys.exit(f"contract: {why} (WEIMIN_REQUIRE_CONTRACT=1)")
    print(f"contract: SKIPPED — {why}. Install with: python3 -m pip install schemathesis openapi-spec-validator")
    sys.exit(0)


try:
    from openapi_spec_validator import validate as validate_spec
    import schemathesis  # noqa: F401  (the CLI below runs in this same interpreter)
except ImportError as e:
    skip_or_fail(f"{e.name} is not installed")

# ---------------------------------------------------------------------------------------------------------------
# 1. The document, and the routes the Swift code registers.
problems = []
document = json.loads(DOC.read_text(encoding="utf-8"))
try:
    validate_spec(document)
except Exception as e:  # openapi_spec_validator raises its own ValidationError subclasses
    sys.exit(f"contract: {DOC.relative_to(root)} is not valid OpenAPI: {e}")
documented = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops if m in ("get", "post", "put", "delete", "patch")}
print(f"contract: {DOC.relative_to(root)} is valid OpenAPI {document['openapi']}, {len(documented)} operations")

registered = set()
for swift in sorted(glob.glob(str(root / "Sources/WeiminServer/Controllers/*.swift")) + glob.glob(str(root / "Sources/WeiminServer/Ingest/*.swift"))):
    # Routes on the `api/v1` group are added as `group.get("…")` (or `api.get` for media), a few on the router with their
    # whole path (`router.get("/api/v1/openapi.json")`); the ingest callbacks (`routes.`) and the console are not the API.
    for receiver, method, path in re.findall(r'\b(group|api|router)\.(get|post|put|delete|patch)\(\s*"([^"]+)"',
                                             pathlib.Path(swift).read_text()):
        path = re.sub(r":(\w+)", r"{\1}", path.strip("/"))
        if receiver != "router":
            registered.add((method.upper(), "/api/v1/" + path))
        elif path.startswith("api/v1/"):
            registered.add((method.upper(), "/" + path))
for method, path in sorted(registered - documented):
    problems.append(f"route {method} {path} is registered in Swift but not in openapi.json")
for method, path in sorted(m for m in documented - registered if m[1].startswith("/api/v1/")):
    print(f"contract: note — {method} {path} is documented but its registration was not found by the route scan")

# ---------------------------------------------------------------------------------------------------------------
# 2. The demo server.
if not os.access(args.weimin, os.X_OK):
    sys.exit(f"contract: no weimin binary at {args.weimin} (swift build first)")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


shutil.rmtree(out, ignore_errors=True)
(out / "reports").mkdir(parents=True)
port = free_port()
data = tempfile.mkdtemp(prefix="weimin-contract-")
server_log = open(out / "server.log", "wb")  # a file, not a pipe: a server logging many errors must never block on it
server = subprocess.Popen([args.weimin, "demo", "--dir", data, "--port", str(port), "--log-level", "warning"],
                          stdout=subprocess.DEVNULL, stderr=server_log)
base = f"http://127.0.0.1:{port}"


def stop_server():
    """Idempotent; also run at exit, so an unexpected error never leaves the server running."""
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    if not server_log.closed:
        server_log.close()
    if not args.keep:
        shutil.rmtree(data, ignore_errors=True)


atexit.register(stop_server)


def fail(message):
    stop_server()
    sys.exit(f"contract: {message}")


for _ in range(900):
    try:
        urllib.request.urlopen(base + "/healthz", timeout=1)
        break
    except Exception:
        if server.poll() is not None:
            sys.exit("contract: the demo server exited: " + (out / "server.log").read_text(errors="replace")[-2000:])
        time.sleep(0.2)
else:
    fail("the demo server did not start within 3 minutes")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


opener = urllib.request.build_opener(NoRedirect)


def call(method, path, body=None, token=None, form=False, cookies=None):
    """(status, Set-Cookie values by name, body text)."""
    headers, data_bytes = {}, None
    if body is not None:
        data_bytes = urllib.parse.urlencode(body).encode() if form else json.dumps(body).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded" if form else "application/json"
    if token:
        headers["Authorization"] = "Bearer " + token
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    try:
        r = opener.open(urllib.request.Request(base + path, data=data_bytes, method=method, headers=headers), timeout=60)
    except urllib.error.HTTPError as e:
        r = e
    set_cookies = {}
    for h in r.headers.get_all("Set-Cookie") or []:
        name, _, value = h.split(";")[0].partition("=")
        set_cookies[name.strip()] = value.strip()
    return r.status, set_cookies, r.read().decode("utf-8", "replace")


def totp(base32_key, step):
    """RFC 6238 (SHA-1, 30 s, 6 digits), as in Tests/Browser/console_e2e.py."""
    key = base64.b32decode(base32_key + "=" * (-len(base32_key) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def api_token(user, code=None):
    body = {"username": user, "password": PASSWORD}
    if code:
        body["code"] = code
    status, _, text = call("POST", "/api/v1/sessions", body)
    if status != 201:
        fail(f"signing in as {user} answered {status}: {text[:300]}")
    return json.loads(text)["token"]


def totp_token(user):
    """Sets TOTP up as the console's first sign-in asks, then signs in to the API with the next step's code (the
    server accepts one step either side and each step once)."""
    status, cookies, page = call("GET", "/login")
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
    status, set_cookies, _ = call("POST", "/login", {"username": user, "password": PASSWORD, "_csrf": csrf}, form=True, cookies=cookies)
    if status != 303 or "weimin_session" not in set_cookies:
        fail(f"console sign-in as {user} answered {status}")
    session = {"weimin_session": set_cookies["weimin_session"]}
    status, _, page = call("GET", "/login/code", cookies=session)
    secret = re.search(r'id="secret">([^<]+)<', page)
    if not secret:
        fail(f"the code page for {user} showed no key to set up (status {status})")
    key = html.unescape(secret.group(1)).replace(" ", "")
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
    status, _, _ = call("POST", "/login/code", {"code": totp(key, int(time.time() // 30)), "_csrf": csrf}, form=True, cookies=session)
    if status != 303:
        fail(f"setting up TOTP for {user} answered {status}")
    return api_token(user, totp(key, int(time.time() // 30) + 1))


operator = api_token("shouli")
throwaway = api_token("shouli")
handler = api_token("jiaotong")
village = api_token("dabaiyan")
admin = totp_token("admin")
discipline = totp_token("jijian")
supervisor = totp_token("duban")


def weimin(*arguments):
    """A `weimin` subcommand on the server's data folder (SQLite in WAL mode takes a second process)."""
    run = subprocess.run([args.weimin, *arguments, "--dir", data], capture_output=True, text=True)
    if run.returncode != 0:
        fail(f"weimin {' '.join(arguments)} failed: " + (run.stderr or run.stdout)[-1000:])
    return run.stdout


def new_source(kind):
    """(source id, token) of a new ingestion source."""
    printed = weimin("source", "add", "--county", "433125", "--kind", kind, "--name", f"contract-{kind}")
    return (re.search(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}", printed).group(0),
            re.search(r"wms_[A-Za-z0-9_-]+", printed).group(0))


_, source = new_source("generic")
print("contract: signed in as shouli (operator), jiaotong (department), dabaiyan (village admin), and — setting TOTP up — "
      "admin, jijian (discipline) and duban (supervisor); source token made")

# ---------------------------------------------------------------------------------------------------------------
# 3. Records for the examples: messages that triage decides (and clusters as a hot issue), and a notice.
DEMAND = "村口那段路又塌了一大截，车子过不去，请派人来修一下"
now = int(time.time())
batch = {"messages": [
    {"platform": "wechat", "group_id": f"{code}@chatroom", "group_name": "村民群", "message_id": f"contract-{i}",
     "sender_id": f"wxid_contract{i}", "sender_name": "村民", "type": "text", "text": DEMAND, "sent_at": now - 60 + i}
    for i, code in enumerate(["433125100201", "433125101202", "433125110201"])]}
status, _, text = call("POST", "/api/v1/messages", batch, token=source)
if status != 200:
    fail(f"ingesting the seed messages answered {status}: {text[:300]}")


# A robot whose key the platform refuses (WeCom 93000): the outbox disables it and raises an alert for the group's admins.
class RefusingRobot(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        answer = json.dumps({"errcode": 93000, "errmsg": "invalid webhook url"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *_):
        pass


robot = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RefusingRobot)
threading.Thread(target=robot.serve_forever, daemon=True).start()
robot_file = pathlib.Path(data) / "contract-robot.json"
robot_file.write_text(json.dumps({"url": f"http://127.0.0.1:{robot.server_address[1]}/cgi-bin/webhook/send?key=contract"}))
weimin("robot", "bind", "--group", "433125111201@chatroom", "--platform", "wechat", "--kind", "wecom_robot", "--secrets-file", str(robot_file))

# A photo through the wechatbot-webhook bridge, kept with its message (the API has no listing of media ids: it is read
# from the database, read-only).
bot_id, bot_token = new_source("wechatbot")
png = b"\x89PNG\r\n\x1a\n" + b"".join(
    struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    for t, d in ((b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)), (b"IDAT", zlib.compress(b"\x00\xff\x00\x00")), (b"IEND", b"")))
boundary = "contract-boundary"
parts = [("type", None, b"file"), ("isMentioned", None, b"0"), ("isMsgFromSelf", None, b"0"),
         ("source", None, json.dumps({"room": {"id": "433125111201@chatroom", "topic": "大白岩村村民群"},
                                     "from": {"id": "wxid_contract_photo", "payload": {"name": "村民"}}}).encode()),
         ("content", "photo.png", png)]
form = b"".join(
    f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"".encode()
    + (f"; filename=\"{filename}\"\r\nContent-Type: image/png".encode() if filename else b"") + b"\r\n\r\n" + value + b"\r\n"
    for name, filename, value in parts) + f"--{boundary}--\r\n".encode()
request = urllib.request.Request(f"{base}/ingest/wechatbot/{bot_id}?token={bot_token}", data=form, method="POST",
                                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
if urllib.request.urlopen(request, timeout=30).status != 200:
    fail("the wechatbot photo was refused")
media_id = None
try:
    with sqlite3.connect(f"file:{data}/weimin.sqlite?mode=ro", uri=True) as db:
        row = db.execute("SELECT id FROM media WHERE status = 'stored' ORDER BY created_at DESC LIMIT 1").fetchone()
        media_id = row[0] if row else None
except sqlite3.Error as e:
    print(f"contract: note — could not read a media id from the database ({e}); the media example stays static")

status, _, text = call("POST", "/api/v1/notices", {"kind": "policy", "title": "合同测试公告", "body": "接口合同测试", "region": "433125100"},
                       token=operator)
if status != 201:
    fail(f"publishing the seed notice answered {status}: {text[:300]}")
notice_id = json.loads(text)["notice"]["id"]
group_id = json.loads(call("GET", "/api/v1/groups?per_page=1", token=operator)[2])["items"][0]["id"]
departments = [d["code"] for d in json.loads(call("GET", "/api/v1/departments", token=operator)[2])["items"]]
sealed = [c["number"] for c in json.loads(call("GET", "/api/v1/cases?per_page=200", token=discipline)[2])["items"] if c["sealed"]]
accepted = [c["number"] for c in json.loads(call("GET", "/api/v1/cases?state=accepted&per_page=200", token=operator)[2])["items"]]
message_id = None
for _ in range(60):  # triage runs about a second after the messages are on disk
    issues = json.loads(call("GET", "/api/v1/hot-issues?days=2", token=operator)[2])["items"]
    # `message_i_ds` is what the server sends (Swift's snake-casing of `messageIDs`); `message_ids` if that is ever fixed.
    ids = [i for issue in issues for i in issue.get("message_i_ds", issue.get("message_ids", []))]
    if ids:
        message_id = max(ids)
        break
    time.sleep(0.5)
if message_id is None:
    print("contract: note — triage decided none of the seed messages within 30 s; the triage example stays static")
alert_id = None
for _ in range(60):  # the outbox tries the robot within a few seconds (delivery.interval 2 s)
    alerts = json.loads(call("GET", "/api/v1/alerts", token=operator)[2])["items"]
    if alerts:
        alert_id = alerts[0]["id"]
        break
    time.sleep(0.5)
robot.shutdown()
if alert_id is None:
    print("contract: note — the refused robot raised no alert within 30 s; the alert example stays static")

# ---------------------------------------------------------------------------------------------------------------
# 4. Regression probes: requests that once answered 5xx, each sent once; the answer must be documented and not 5xx.
PROBES = []
if len(accepted) >= 1 and len(departments) >= 2:
    PROBES.append(("dispatch naming a co-department twice", operator, "post", "/api/v1/cases/{number}/actions",
                   f"/api/v1/cases/{accepted[0]}/actions",
                   {"action": "dispatch", "department": departments[0], "co_departments": [departments[1], departments[1]]}))
for title, token, method, template, path, body in PROBES:
    status, _, text = call(method.upper(), path, body, token=token)
    documented_statuses = document["paths"][template][method]["responses"]
    if status >= 500 or str(status) not in documented_statuses:
        problems.append(f"probe “{title}”: {method.upper()} {path} {json.dumps(body, ensure_ascii=False)} answered {status} {text[:200]}")
    print(f"contract: probe {title}: {status}")


def set_example(doc, method, path, name, value):
    for parameter in doc["paths"][path][method].get("parameters", []):
        if parameter["name"] == name:
            parameter["example"] = value


# The document under test: the server's own when it serves one (it is the file as it was at build time), else the file.
status, _, served = call("GET", "/api/v1/openapi.json")
excluded = []
if status == 200:
    under_test = json.loads(served)
    if under_test != document:
        print("contract: WARNING — the served document differs from the file (a build older than the file?); testing the "
              + ("file (--from-file)" if args.from_file else "served one (--from-file tests the file)"))
        if args.from_file:
            under_test = json.loads(json.dumps(document))
    else:
        print("contract: the server serves the document, identical to the file")
else:
    print(f"contract: GET /api/v1/openapi.json answered {status}; testing the file and skipping getOpenAPI")
    under_test = json.loads(json.dumps(document))
    excluded.append("getOpenAPI")
# Examples that reach real records of this demo (a temporary copy; the committed document keeps generic ones).
set_example(under_test, "get", "/api/v1/groups/{id}/members", "id", group_id)
set_example(under_test, "get", "/api/v1/notices/{id}", "id", notice_id)
if message_id is not None:
    set_example(under_test, "get", "/api/v1/messages/{id}/triage", "id", message_id)
if sealed:
    set_example(under_test, "get", "/api/v1/cases/{number}/sealed", "number", sealed[0])
if alert_id:
    set_example(under_test, "post", "/api/v1/alerts/{id}/resolve", "id", alert_id)
if media_id:
    set_example(under_test, "get", "/api/v1/media/{id}", "id", media_id)
if len(accepted) >= 2:
    set_example(under_test, "post", "/api/v1/cases/{number}/actions", "number", accepted[1])
if len(departments) >= 3:
    action_media = under_test["paths"]["/api/v1/cases/{number}/actions"]["post"]["requestBody"]["content"]["application/json"]
    action_media.pop("example", None)
    action_media["examples"] = {
        "accept": {"value": {"action": "accept", "note": "已受理"}},
        "dispatch": {"value": {"action": "dispatch", "department": departments[1], "co_departments": [departments[2]], "note": "请尽快办理"}},
        "review": {"value": {"action": "review", "satisfaction": "basically_satisfied"}},
        "extension": {"value": {"action": "request_extension", "limit": "3wd", "reason": "需要协调"}},
    }
work = pathlib.Path(tempfile.mkdtemp(prefix="weimin-contract-run-"))
spec_file = work / "openapi.json"
spec_file.write_text(json.dumps(under_test, ensure_ascii=False), encoding="utf-8")

# ---------------------------------------------------------------------------------------------------------------
# 5. schemathesis, one run per identity. Each list names operationIds; together they must cover the document.
RUNS = [
    ("operator", operator, ["createSession", "getMe", "listRegions", "listGroups", "listGroupMembers", "listDepartments", "listCases",
                            "getCase", "actOnCase", "listSupervisionOrders", "listOutbox", "listAlerts", "resolveAlert",
                            "getAssessmentWeights", "listNotices", "publishNotice", "getNotice", "listTemplates", "getMessageTriage",
                            "listHotIssues", "getMedia", "getHealth", "getOpenAPI", "listDutyShifts", "addDutyShift",
                            "deleteDutyShift", "listDutyAlerts", "acknowledgeDutyAlert", "openCaseFromMessage", "splitCase"]),
    ("department", handler, ["getMe", "listCases", "getCase", "actOnCase", "listSupervisionOrders", "getMessageTriage", "getMedia",
                             "listRegions", "listGroups"]),
    ("village", village, ["getMe", "listRegions", "listGroups", "listGroupMembers", "listCases", "getCase", "listAlerts", "resolveAlert",
                          "listNotices", "publishNotice", "getNotice", "getMessageTriage"]),
    ("supervisor", supervisor, ["listCases", "getCase", "actOnCase", "listSupervisionOrders", "listOutbox", "getAssessmentWeights",
                                "setAssessmentWeights", "listTemplates", "getPrivateAnswers", "setPrivateAnswers"]),
    ("admin", admin, ["getMe", "listTemplates", "setTemplate", "resetTemplate", "getSealedReply", "setSealedReply", "getAssessmentWeights",
                      "setAssessmentWeights", "listOutbox", "listAlerts", "listNotices", "publishNotice", "listRegions", "listGroups",
                      "listDepartments"]),
    ("discipline", discipline, ["getSealedReport", "listCases", "getCase", "actOnCase", "listOutbox", "getSealedReply", "setSealedReply",
                                "getMessageTriage", "getMedia"]),
    ("source", source, ["ingestMessages"]),
    ("signout", throwaway, ["deleteSession"]),
]
all_ids = {o["operationId"] for ops in under_test["paths"].values() for o in ops.values() if isinstance(o, dict) and "operationId" in o}
covered = {i for _, _, ids in RUNS for i in ids}
for missing in sorted(all_ids - covered):
    problems.append(f"operation {missing} is in the document but in no schemathesis run (add it to RUNS)")

reports = out / "reports"
totals = collections.Counter()
statuses = collections.defaultdict(collections.Counter)  # "GET /path" -> status -> count
other_methods = collections.Counter()  # the coverage phase's probes with methods the path does not have
failed_runs = []
started = time.time()
for name, token, ids in RUNS:
    ids = [i for i in ids if i not in excluded and i in all_ids]
    if not ids:
        continue
    # The stateful phase follows the document's links; without a link between two of the run's operations it has nothing to do.
    linked = any(o.get("operationId") in ids and target.get("operationId") in ids
                 for ops in under_test["paths"].values() for o in ops.values() if isinstance(o, dict)
                 for response in o.get("responses", {}).values() for target in response.get("links", {}).values())
    command = [sys.executable, "-m", "schemathesis.cli", "run", str(spec_file), "--url", base,
               "--header", f"Authorization: Bearer {token}", "--checks", CHECKS,
               "--phases", "examples,coverage,fuzzing" + (",stateful" if linked else ""),
               "--max-examples", str(args.examples if name != "signout" else 5),
               "--seed", str(args.seed), "--workers", "1",  # one worker: hypothesis' lambda repr races in ast.parse on 3.11
               "--generation-with-security-parameters", "false", "--generation-database", "none",
               "--request-timeout", "30", "--no-color", "--warnings", "off",
               "--report", "json,ndjson", "--report-dir", str(reports),
               "--report-json-path", str(reports / f"{name}.json"), "--report-ndjson-path", str(reports / f"{name}.ndjson")]
    for i in ids:
        command += ["--include-operation-id", i]
    t0 = time.time()
    run = subprocess.run(command, capture_output=True, text=True, cwd=work)
    (out / f"{name}.log").write_text(run.stdout + run.stderr, encoding="utf-8")
    try:
        report = json.loads((reports / f"{name}.json").read_text())
    except (OSError, ValueError):
        report = {}
    cases = report.get("test_cases", {})
    totals["operations"] += report.get("operations", {}).get("tested", 0)
    totals["cases"] += cases.get("generated", 0)
    totals["failing cases"] += cases.get("with_failures", 0)
    totals["unique failures"] += cases.get("unique_failures", 0)
    totals["errors"] += len(report.get("errors", []))
    ndjson = reports / f"{name}.ndjson"
    for line in ndjson.read_text().splitlines() if ndjson.exists() else []:
        event = json.loads(line).get("ScenarioFinished")
        if not event:
            continue
        for interaction in event.get("recorder", {}).get("interactions", {}).values():
            request, response = interaction.get("request") or {}, interaction.get("response") or {}
            if "status_code" not in response:
                continue
            path = urllib.parse.urlsplit(request.get("uri", "")).path
            label = next((f"{m.upper()} {t}" for t, ops in under_test["paths"].items() for m in ops
                          if m.upper() == request.get("method") and re.fullmatch(re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(t)), path)), None)
            if label:
                statuses[label][response["status_code"]] += 1
            else:
                other_methods[response["status_code"]] += 1
    print(f"contract: run {name:<10} {len(ids):>2} operations, {cases.get('generated', 0):>5} cases, "
          f"{cases.get('with_failures', 0)} failing, {len(report.get('errors', []))} errors, exit {run.returncode}, {time.time() - t0:.0f} s")
    if run.returncode != 0:
        failed_runs.append(name)
        # schemathesis' own account of each failure: its FAILURES and ERRORS sections (the whole tail if it has neither).
        text = run.stdout + run.stderr
        sections = re.split(r"^(=+ [A-Za-z ]+ =+)$", text, flags=re.M)
        shown = "".join(sections[i] + sections[i + 1] for i in range(1, len(sections) - 1, 2)
                        if re.search(r"= (FAILURES|ERRORS) =", sections[i]))
        print((shown or text[-6000:])[:20000])

stop_server()
shutil.rmtree(work, ignore_errors=True)

print("\ncontract: responses by operation (status: count)")
for label in sorted(statuses):
    print(f"  {label:<45} " + ", ".join(f"{s}: {n}" for s, n in sorted(statuses[label].items())))
if other_methods:
    print(f"  {'(methods a path does not have)':<45} " + ", ".join(f"{s}: {n}" for s, n in sorted(other_methods.items())))
print(f"\ncontract: {totals['operations']} operation runs, {totals['cases']} test cases, {totals['failing cases']} failing, "
      f"{totals['unique failures']} unique failures, {totals['errors']} errors, {time.time() - started:.0f} s (seed {args.seed}); "
      f"logs in {out.relative_to(root) if out.is_relative_to(root) else out}")
logged = [line for line in (out / "server.log").read_text(errors="replace").splitlines() if "request failed" in line]
if logged:
    print(f"\ncontract: the server logged {len(logged)} failed requests ({out / 'server.log'}):")
    for line in dict.fromkeys(re.sub(r"^\S+ ", "", l) for l in logged):
        print("  " + line[:400])
for p in problems:
    print(f"contract: FAIL — {p}")
if failed_runs:
    print(f"contract: FAIL — schemathesis reported failures in: {', '.join(failed_runs)} (see above and {out}/<run>.log)")
if problems or failed_runs:
    sys.exit(1)
print("contract: OK")
