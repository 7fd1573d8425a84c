#!/usr/bin/env python3
"""Server time of every console page on the demo data, signed in as the people who use them.

    swift build -c release --product weimin && python3 bench/console-pages.py [--weimin .build/release/weimin] [--runs 20]

Starts `weimin demo` on a free port in a temporary folder, signs in through the login form (cookie, CSRF token),
then requests each page `--runs` times one after another and prints the median and the slowest time per page
(time to the full response on loopback), with /healthz as the same-run baseline.
"""
import argparse, http.cookiejar, json, pathlib, re, socket, statistics, subprocess, sys, tempfile, time, urllib.parse, urllib.request

root = pathlib.Path(__file__).resolve().parent.parent
ap = argparse.ArgumentParser()
ap.add_argument("--weimin", default=str(root / ".build/release/weimin"))
ap.add_argument("--runs", type=int, default=20)
args = ap.parse_args()

s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
base = f"http://127.0.0.1:{port}"
server = subprocess.Popen([args.weimin, "demo", "--dir", tempfile.mkdtemp(prefix="weimin-pages-"), "--port", str(port), "--log-level", "warning"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for _ in range(600):
    try:
        urllib.request.urlopen(base + "/healthz", timeout=1); break
    except Exception:
        time.sleep(0.2)


def browser(user):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
    opener.open(base + "/login", data=urllib.parse.urlencode({"username": user, "password": "weimin-demo-2026", "_csrf": csrf}).encode())
    return opener


def timed(opener, path):
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        r = opener.open(base + path)
        r.read()
        times.append((time.perf_counter() - t0) * 1000)
        assert r.status == 200, (path, r.status)
    return {"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}


try:
    op, leader = browser("shouli"), browser("lingdao")
    ledger = op.open(base + "/cases?state=in_progress").read().decode()
    number = re.search(r'href="/cases/(\d{6}-\d{4}-\d{6})"', ledger).group(1)
    results = {"/healthz (baseline)": timed(urllib.request.build_opener(), "/healthz")}
    for who, opener, path in [("operator", op, "/workbench"), ("operator", op, "/cases"), ("operator", op, "/cases?q=" + urllib.parse.quote("路灯")),
                              ("operator", op, f"/cases/{number}"), ("operator", op, "/groups"), ("leader", leader, "/dashboard"),
                              ("operator", op, "/exports/cases.xlsx"), ("leader", leader, "/exports/assessment.xlsx")]:
        results[f"{path} ({who})"] = timed(opener, path)
    print(json.dumps(results, ensure_ascii=False, indent=1))
    for k, v in results.items():
        print(f"{k:45s} median {v['median_ms']:7.1f} ms   max {v['max_ms']:7.1f} ms", file=sys.stderr)
finally:
    server.terminate()
