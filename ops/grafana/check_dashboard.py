#!/usr/bin/env python3
"""Checks ops/grafana/weimin-dashboard.json (and optionally the alert rules) against a live Weimin /metrics scrape.

    python3 ops/grafana/check_dashboard.py --url http://127.0.0.1:8080/metrics
    python3 ops/grafana/check_dashboard.py --url http://127.0.0.1:8080/metrics \
        --rules ops/prometheus/weimin-alerts.yml --prometheus http://127.0.0.1:9090

What it checks:
  * the dashboard is well-formed JSON with schemaVersion 39, unique panel ids, panels that do not overlap, every
    panel and query on the `${datasource}` variable, and only template variables that exist;
  * every metric name in every PromQL expression (panel queries, variable queries, and with --rules the alert
    expressions) appears in the scrape — `up` and `scrape_*` are Prometheus's own and are allowed;
  * every label named in a matcher (`{status="pending"}`) or a grouping (`by (route)`) is a label that metric has
    in the scrape (job and instance are added by Prometheus and always allowed); an exact value that the scrape
    does not show yet is a warning, not an error (counters appear only after their first event);
  * with --prometheus: every expression is evaluated by that Prometheus (template variables replaced by "all"),
    and a query that Prometheus refuses is an error; one that answers nothing is a warning.

Weimin creates each counter and histogram series at its first event, so a freshly started server has only its
gauges and HTTP metrics: run this against one that has taken messages through a source, refused a sign-in, sent to a
group and issued supervision (`weimin demo` does the last; the rest takes a few requests), or expect "not in the
scrape" for those names.

Only the standard library is used. A token for a scraper that is not on loopback is read from --token-file or from
the WEIMIN_METRICS_TOKEN environment variable, never from the command line (it would show in `ps`) or the URL.
Exit status: 0 when there are no errors, 1 otherwise.
"""
import argparse
import json
import os
import re
import sys
import urllib.parse
import urllib.request

# Metrics Prometheus writes itself for every target.
SYNTHETIC = re.compile(r"^(up|scrape_[a-z_]+)$")
# Labels Prometheus adds at scrape time (target labels); `le` is checked with the histogram it belongs to.
TARGET_LABELS = {"job", "instance"}
KEYWORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "and", "or", "unless", "atan2",
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile",
    "limitk", "limit_ratio", "inf", "nan", "start", "end",
}
GROUPING = {"by", "without", "on", "ignoring", "group_left", "group_right"}
# What the template variables stand for when an expression is checked or evaluated.
SUBSTITUTE = {
    "__rate_interval": "1m", "__interval": "1m", "__range": "1h", "__range_s": "3600", "__interval_ms": "60000",
}
BUILTIN_VARIABLES = set(SUBSTITUTE) | {"__name", "__org", "__user", "__dashboard", "__from", "__to", "__all"}


class Report:
    def __init__(self):
        self.errors = []
        self.warnings = []

    def error(self, msg):
        self.errors.append(msg)

    def warn(self, msg):
        self.warnings.append(msg)


# ------------------------------------------------------------------------------------------------ the scrape

LABEL_PAIR = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"')
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+\S+")


def parse_scrape(text):
    """{series name: {label name: set of values}} from Prometheus text format."""
    series = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if not m:
            continue
        labels = series.setdefault(m.group(1), {})
        for name, value in LABEL_PAIR.findall(m.group(3) or ""):
            labels.setdefault(name, set()).add(value)
    return series


def fetch(url, token):
    request = urllib.request.Request(url, headers={"Accept": "text/plain"})
    if token:
        request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request, timeout=15) as response:
        return response.read().decode("utf-8")


# ------------------------------------------------------------------------------------------------ PromQL

def substitute(expr):
    """Template variables → values PromQL accepts: builtins by their stand-ins, the rest by the regex `.*`."""
    def one(m):
        name = m.group(1) or m.group(2) or m.group(3)
        return SUBSTITUTE.get(name, ".*")
    return re.sub(r"\$\{([A-Za-z0-9_]+)(?::[a-z]+)?\}|\[\[([A-Za-z0-9_]+)\]\]|\$([A-Za-z0-9_]+)", one, expr)


def variables_in(expr):
    return {m.group(1) or m.group(2) or m.group(3)
            for m in re.finditer(r"\$\{([A-Za-z0-9_]+)(?::[a-z]+)?\}|\[\[([A-Za-z0-9_]+)\]\]|\$([A-Za-z0-9_]+)", expr)}


def tokens(expr):
    """A small PromQL lexer: (kind, text) with kind in ident, string, number, punct."""
    i, n = 0, len(expr)
    while i < n:
        c = expr[i]
        if c.isspace():
            i += 1
        elif c == "#":  # comment to end of line
            while i < n and expr[i] != "\n":
                i += 1
        elif c in "\"'`":
            j = i + 1
            while j < n and expr[j] != c:
                j += 2 if expr[j] == "\\" and c != "`" else 1
            yield "string", expr[i + 1:j]
            i = j + 1
        elif c.isdigit() or (c == "." and i + 1 < n and expr[i + 1].isdigit()):
            j = i
            while j < n and (expr[j].isalnum() or expr[j] in "._"):
                j += 1
            yield "number", expr[i:j]
            i = j
        elif c.isalpha() or c in "_:":
            j = i
            while j < n and (expr[j].isalnum() or expr[j] in "_:"):
                j += 1
            yield "ident", expr[i:j]
            i = j
        else:
            two = expr[i:i + 2]
            if two in ("=~", "!~", "!=", "==", ">=", "<="):
                yield "punct", two
                i += 2
            else:
                yield "punct", c
                i += 1


def analyse(expr):
    """Metric selectors [(metric or None, [(label, op, value)])] and grouping label names in one expression."""
    toks = list(tokens(substitute(expr)))
    selectors, grouping = [], set()
    i = 0

    def matchers(start):
        """Parses `{a="x", b=~"y"}` from the `{` at start; returns (matchers, index after `}`)."""
        found, j = [], start + 1
        while j < len(toks) and toks[j] != ("punct", "}"):
            if toks[j][0] == "ident" and j + 2 < len(toks) and toks[j + 1][0] == "punct" and toks[j + 2][0] == "string":
                found.append((toks[j][1], toks[j + 1][1], toks[j + 2][1]))
                j += 3
            else:
                j += 1
        return found, j + 1

    while i < len(toks):
        kind, text = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else (None, None)
        if kind == "punct" and text == "[":
            while i < len(toks) and toks[i] != ("punct", "]"):
                i += 1
            i += 1
        elif kind == "ident" and text.lower() in GROUPING and nxt == ("punct", "("):
            j = i + 2
            while j < len(toks) and toks[j] != ("punct", ")"):
                if toks[j][0] == "ident":
                    grouping.add(toks[j][1])
                j += 1
            i = j + 1
        elif kind == "ident" and text.lower() == "offset":
            i += 2
        elif kind == "ident" and nxt == ("punct", "("):
            i += 1  # a function or an aggregation
        elif kind == "ident" and text.lower() in KEYWORDS:
            i += 1
        elif kind == "ident":
            if nxt == ("punct", "{"):
                found, i = matchers(i + 1)
            else:
                found, i = [], i + 1
            selectors.append((text, found))
        elif kind == "punct" and text == "{":
            found, i = matchers(i)
            name = next((v for (l, op, v) in found if l == "__name__" and op == "="), None)
            selectors.append((name, [m for m in found if m[0] != "__name__"]))
        else:
            i += 1
    return selectors, grouping


LABEL_VALUES = re.compile(r"^\s*label_values\(\s*(.*?)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$", re.S)


def check_expression(where, expr, scrape, report, used):
    """Metric names, matcher labels and grouping labels of `expr` against the scrape."""
    label_values = LABEL_VALUES.match(expr)
    extra_label = None
    if label_values:
        expr, extra_label = label_values.group(1), label_values.group(2)
    selectors, grouping = analyse(expr)
    if not selectors:
        report.error(f"{where}: no metric found in {expr!r}")
        return
    known_labels = set(TARGET_LABELS)
    for metric, found in selectors:
        if metric is None:
            report.error(f"{where}: a selector without a metric name in {expr!r}")
            continue
        used.setdefault(metric, set()).add(where)
        if SYNTHETIC.match(metric):
            continue
        if metric not in scrape:
            report.error(f"{where}: metric {metric} is not in the scrape")
            continue
        labels = scrape[metric]
        known_labels |= set(labels)
        for label, op, value in found:
            if label in TARGET_LABELS:
                continue
            if label not in labels:
                report.error(f"{where}: {metric} has no label {label!r} (it has: {', '.join(sorted(labels)) or 'none'})")
            elif op == "=" and value not in labels[label]:
                report.warn(f"{where}: {metric}{{{label}=\"{value}\"}} is not in the scrape yet")
        if extra_label and extra_label not in labels and extra_label not in TARGET_LABELS:
            report.error(f"{where}: label_values asks for {extra_label!r}, which {metric} does not have")
    for label in grouping - known_labels:
        report.error(f"{where}: grouping by {label!r}, which none of the expression's metrics has")


# ------------------------------------------------------------------------------------------------ the dashboard

def all_panels(panels):
    for p in panels:
        yield p
        yield from all_panels(p.get("panels", []))


def dashboard_expressions(dashboard, report):
    """(where, expr) for every panel query and query variable; checks the structure on the way."""
    if dashboard.get("schemaVersion") != 39:
        report.error(f"schemaVersion is {dashboard.get('schemaVersion')!r}, expected 39")
    variables = {v.get("name"): v for v in dashboard.get("templating", {}).get("list", [])}
    ds_variables = {name for name, v in variables.items() if v.get("type") == "datasource"}
    if not ds_variables:
        report.error("no datasource template variable: the dashboard would be tied to one Grafana's data source")
    if "township" not in variables:
        report.error("no township template variable")
    ids, out = set(), []

    def check_ds(where, ds):
        uid = ds.get("uid") if isinstance(ds, dict) else ds
        if not isinstance(uid, str) or not re.fullmatch(r"\$\{?([A-Za-z0-9_]+)\}?", uid or "") \
                or re.sub(r"[${}]", "", uid) not in ds_variables | {"DS_PROMETHEUS"}:
            report.error(f"{where}: data source {ds!r} is not the datasource variable")

    for p in all_panels(dashboard.get("panels", [])):
        where = f"panel {p.get('id')} “{p.get('title')}”"
        if p.get("id") in ids:
            report.error(f"{where}: duplicate panel id")
        ids.add(p.get("id"))
        if "gridPos" not in p:
            report.error(f"{where}: no gridPos")
        if p.get("type") == "row":
            continue
        check_ds(where, p.get("datasource"))
        if not p.get("targets"):
            report.error(f"{where}: no queries")
        for t in p.get("targets", []):
            check_ds(f"{where} query {t.get('refId')}", t.get("datasource", p.get("datasource")))
            if t.get("expr"):
                out.append((f"{where} query {t.get('refId')}", t["expr"]))
    boxes = []
    for p in dashboard.get("panels", []):
        g = p.get("gridPos", {})
        box = (g.get("x", 0), g.get("y", 0), g.get("x", 0) + g.get("w", 0), g.get("y", 0) + g.get("h", 0))
        if box[2] > 24:
            report.error(f"panel {p.get('id')} “{p.get('title')}”: wider than the 24-column grid")
        for other_id, other in boxes:
            if box[0] < other[2] and other[0] < box[2] and box[1] < other[3] and other[1] < box[3]:
                report.error(f"panel {p.get('id')} “{p.get('title')}” overlaps panel {other_id}")
        boxes.append((p.get("id"), box))
    for name, v in variables.items():
        if v.get("type") == "query":
            check_ds(f"variable ${name}", v.get("datasource"))
            q = v.get("query")
            q = q.get("query") if isinstance(q, dict) else q
            if q:
                out.append((f"variable ${name}", q))
    for where, expr in out:
        for var in variables_in(expr) - set(variables) - BUILTIN_VARIABLES:
            report.error(f"{where}: template variable ${var} is not defined")
    return out


def rule_expressions(path, report):
    """(where, expr) for every `expr:` in a rules file (single-line or block scalar), standard library only."""
    out, lines = [], open(path, encoding="utf-8").read().splitlines()
    name = None
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"^\s*-?\s*(alert|record):\s*(\S+)", line)
        if m:
            name = m.group(2)
        m = re.match(r"^(\s*)-?\s*expr:\s*(.*)$", line)
        if m:
            value = m.group(2).strip()
            if value in ("|", "|-", ">", ">-", "|+", ">+"):
                indent, body = len(m.group(1)), []
                i += 1
                while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
                    body.append(lines[i].strip())
                    i += 1
                value = "\n".join(body)
                out.append((f"{os.path.basename(path)} {name}", value))
                continue
            if len(value) > 1 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            out.append((f"{os.path.basename(path)} {name}", value))
        i += 1
    if not out:
        report.error(f"{path}: no expr found")
    return out


def evaluate(prometheus, where, expr, report, warn_empty=True):
    """Runs one expression on a Prometheus; an error is an error, an empty answer a warning (for a panel: an alert
    expression answers nothing while all is well)."""
    query = substitute(expr)
    label_values = LABEL_VALUES.match(query)
    if label_values:
        url = prometheus.rstrip("/") + f"/api/v1/label/{label_values.group(2)}/values?" + \
            urllib.parse.urlencode({"match[]": label_values.group(1)})
    else:
        url = prometheus.rstrip("/") + "/api/v1/query?" + urllib.parse.urlencode({"query": query})
    try:
        with urllib.request.urlopen(url, timeout=15) as response:
            answer = json.load(response)
    except urllib.error.HTTPError as e:
        try:
            answer = json.load(e)
        except Exception:
            report.error(f"{where}: Prometheus answered {e.code}")
            return
    except Exception as e:  # noqa: BLE001
        report.error(f"{where}: cannot reach Prometheus: {e}")
        return
    if answer.get("status") != "success":
        report.error(f"{where}: Prometheus refused the query: {answer.get('error')}  [{query}]")
    elif warn_empty and not (answer.get("data") if label_values else answer.get("data", {}).get("result")):
        report.warn(f"{where}: Prometheus answered nothing (no data yet?)  [{query}]")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="Weimin's /metrics, e.g. http://127.0.0.1:8080/metrics")
    parser.add_argument("--file", help="a saved scrape instead of --url")
    parser.add_argument("--token-file", help="file holding metrics.token (else WEIMIN_METRICS_TOKEN, else none)")
    parser.add_argument("--dashboard", default=os.path.join(here, "weimin-dashboard.json"))
    parser.add_argument("--rules", action="append", default=[], help="a Prometheus rules file to check too")
    parser.add_argument("--prometheus", help="a Prometheus that scrapes this Weimin, to evaluate every expression")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    args = parser.parse_args()
    if bool(args.url) == bool(args.file):
        parser.error("give exactly one of --url or --file")

    report = Report()
    token = None
    if args.token_file:
        token = open(args.token_file, encoding="utf-8").read().strip()
    elif os.environ.get("WEIMIN_METRICS_TOKEN"):
        token = os.environ["WEIMIN_METRICS_TOKEN"].strip()
    if args.url:
        try:
            text = fetch(args.url, token)
        except Exception as e:  # noqa: BLE001
            print(f"cannot scrape {args.url}: {e}", file=sys.stderr)
            return 1
    else:
        text = open(args.file, encoding="utf-8").read()
    scrape = parse_scrape(text)
    if not scrape:
        print("the scrape holds no samples", file=sys.stderr)
        return 1

    try:
        with open(args.dashboard, encoding="utf-8") as f:
            dashboard = json.load(f)
    except ValueError as e:
        print(f"{args.dashboard} is not well-formed JSON: {e}", file=sys.stderr)
        return 1
    expressions = [(where, expr, True) for where, expr in dashboard_expressions(dashboard, report)]
    for path in args.rules:
        expressions += [(where, expr, False) for where, expr in rule_expressions(path, report)]

    used = {}
    for where, expr, panel in expressions:
        check_expression(where, expr, scrape, report, used)
        if args.prometheus:
            evaluate(args.prometheus, where, expr, report, warn_empty=panel)

    families = sorted({re.sub(r"_(bucket|sum|count)$", "", m) if re.sub(r"_(bucket|sum|count)$", "", m) + "_bucket" in scrape
                       else m for m in scrape})
    unused = [f for f in families if not any(u == f or u.startswith(f + "_") for u in used)]
    print(f"{len(expressions)} expressions, {len(used)} metric names used, {len(scrape)} series names in the scrape")
    for metric in sorted(used):
        state = "prometheus" if SYNTHETIC.match(metric) else ("ok" if metric in scrape else "MISSING")
        print(f"  {state:10} {metric}")
    if unused:
        print("in the scrape but not used: " + ", ".join(unused))
    for w in report.warnings:
        print("warning: " + w)
    for e in report.errors:
        print("ERROR: " + e)
    failed = bool(report.errors) or (args.strict and bool(report.warnings))
    print("FAIL" if failed else "PASS")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
