#!/usr/bin/env python3
"""The metrics listener: /metrics in the Prometheus text format (0.0.4) checked by a strict parser
written here and, when Debian's prometheus package is installed, by `promtool check metrics`;
counters move between scrapes as the daemon works; /healthz, /readyz (503 once draining), 404
for other paths and 405 for other methods; the listener is on loopback only.
Runs ops_tool (the daemon's operating skeleton) and, when it exists, `claimwatch run`."""
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

TOOLS = os.environ.get("CW_TOOLS_DIR", "build/tests")
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


class ParseError(Exception):
    pass


def parse_value(s, where):
    if s in ("+Inf", "Inf"):
        return math.inf
    if s == "-Inf":
        return -math.inf
    if s == "NaN":
        return math.nan
    if not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", s):
        raise ParseError(f"{where}: bad value {s!r}")
    return float(s)


def parse_labels(s, where):
    """Parses the inside of {...}; returns a dict. Escapes: only \\\\, \\" and \\n."""
    labels, i = {}, 0
    while i < len(s):
        m = re.compile(LABEL).match(s, i)
        if not m:
            raise ParseError(f"{where}: bad label name at {s[i:]!r}")
        name = m.group(0)
        if name.startswith("__"):
            raise ParseError(f"{where}: reserved label name {name}")
        i = m.end()
        if s[i:i + 2] != '="':
            raise ParseError(f"{where}: expected =\" after {name}")
        i += 2
        val = []
        while True:
            if i >= len(s):
                raise ParseError(f"{where}: unterminated label value")
            c = s[i]
            if c == "\\":
                nxt = s[i + 1:i + 2]
                if nxt not in ("\\", '"', "n"):
                    raise ParseError(f"{where}: bad escape \\{nxt}")
                val.append({"n": "\n"}.get(nxt, nxt))
                i += 2
            elif c == '"':
                i += 1
                break
            elif c == "\n":
                raise ParseError(f"{where}: raw newline in label value")
            else:
                val.append(c)
                i += 1
        if name in labels:
            raise ParseError(f"{where}: duplicate label {name}")
        labels[name] = "".join(val)
        if i < len(s):
            if s[i] != ",":
                raise ParseError(f"{where}: expected , between labels")
            i += 1
    return labels


def family_of(name, types):
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and types.get(name[: -len(suffix)]) in ("histogram", "summary"):
            return name[: -len(suffix)]
    return name


def parse_exposition(text):
    """Strict parse; returns {(name, frozenset(labels)): value} and {family: type}."""
    if text and not text.endswith("\n"):
        raise ParseError("exposition does not end with a newline")
    samples, types, helps, seen_families, closed = {}, {}, {}, [], set()
    for n, line in enumerate(text.split("\n")[:-1], 1):
        where = f"line {n}"
        if line == "":
            continue
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                name = parts[2]
                if not re.fullmatch(NAME, name):
                    raise ParseError(f"{where}: bad metric name {name!r}")
                if name in closed or any(family_of(k[0], types) == name for k in samples):
                    raise ParseError(f"{where}: {parts[1]} for {name} after its samples")
                if parts[1] == "TYPE":
                    if name in types:
                        raise ParseError(f"{where}: second TYPE for {name}")
                    if len(parts) != 4 or parts[3] not in TYPES:
                        raise ParseError(f"{where}: bad TYPE line")
                    types[name] = parts[3]
                else:
                    if name in helps:
                        raise ParseError(f"{where}: second HELP for {name}")
                    doc = parts[3] if len(parts) == 4 else ""
                    if re.search(r"\\[^\\n]", doc.replace("\\\\", "")):
                        raise ParseError(f"{where}: bad escape in HELP")
                    helps[name] = doc
            continue
        m = re.fullmatch(rf"({NAME})(\{{(.*)\}})? (\S+)( -?\d+)?", line)
        if not m:
            raise ParseError(f"{where}: not a sample line: {line!r}")
        name, labels = m.group(1), parse_labels(m.group(3) or "", where)
        value = parse_value(m.group(4), where)
        fam = family_of(name, types)
        if seen_families and seen_families[-1] != fam:
            if fam in seen_families:
                raise ParseError(f"{where}: samples of {fam} are not contiguous")
            closed.add(seen_families[-1])
        if not seen_families or seen_families[-1] != fam:
            seen_families.append(fam)
        key = (name, frozenset(labels.items()))
        if key in samples:
            raise ParseError(f"{where}: duplicate series {line!r}")
        if types.get(fam) == "counter" and not (value >= 0):
            raise ParseError(f"{where}: negative counter")
        if types.get(fam) == "histogram" and name == fam:
            raise ParseError(f"{where}: bare sample in histogram {fam}")
        if name.endswith("_bucket") and types.get(fam) == "histogram" and "le" not in labels:
            raise ParseError(f"{where}: bucket without le")
        samples[key] = value
    check_histograms(samples, types)
    return samples, types


def check_histograms(samples, types):
    for fam, t in types.items():
        if t != "histogram":
            continue
        groups = {}
        for (name, labels), v in samples.items():
            if name == fam + "_bucket":
                rest = frozenset(x for x in labels if x[0] != "le")
                le = dict(labels)["le"]
                groups.setdefault(rest, []).append((parse_value(le, fam), v))
        for rest, buckets in groups.items():
            buckets.sort()
            if buckets[-1][0] != math.inf:
                raise ParseError(f"{fam}: no +Inf bucket")
            vals = [v for _, v in buckets]
            if vals != sorted(vals):
                raise ParseError(f"{fam}: buckets not cumulative")
            count = samples.get((fam + "_count", rest))
            if count is None or (fam + "_sum", rest) not in samples:
                raise ParseError(f"{fam}: _count or _sum missing")
            if count != vals[-1]:
                raise ParseError(f"{fam}: +Inf bucket {vals[-1]} != _count {count}")


def self_test_parser():
    """The parser must be able to fail: feed it broken expositions."""
    bad = [
        "x 1",                                        # no final newline
        "x{a=\"1\"} 1\nx{a=\"1\"} 2\n",              # duplicate series
        "x{a=\"\\q\"} 1\n",                           # bad escape
        "# TYPE x counter\nx -1\n",                   # negative counter
        "x 1\ny 1\nx{a=\"2\"} 1\n",                   # not contiguous
        "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",  # no +Inf
        "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
        "x abc\n",
        "1x 1\n",
        "# TYPE x counter\n# TYPE x counter\nx 1\n",
    ]
    for text in bad:
        try:
            parse_exposition(text)
        except ParseError:
            continue
        check(False, f"parser rejects {text!r}")
        return
    parse_exposition('# HELP x a \\\\ b\\n c\n# TYPE x counter\nx{a="q\\"\\n\\\\"} 1 1700000000000\n')
    check(True, "the strict parser rejects every broken sample and accepts a tricky valid one")


def get(port, path, method="GET"):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode("utf-8", "replace")


def scrape(port, label):
    status, ctype, body = get(port, "/metrics")
    check(status == 200, f"{label}: /metrics 200")
    check(ctype.startswith("text/plain") and "version=0.0.4" in ctype, f"{label}: content type {ctype!r}")
    try:
        samples, types = parse_exposition(body)
        check(True, f"{label}: exposition passes the strict parser ({len(samples)} samples)")
    except ParseError as e:
        check(False, f"{label}: strict parser: {e}")
        samples, types = {}, {}
    promtool = shutil.which("promtool")
    if promtool:
        r = subprocess.run([promtool, "check", "metrics"], input=body, text=True, capture_output=True)
        check(r.returncode == 0, f"{label}: promtool check metrics {r.stdout.strip()} {r.stderr.strip()}")
    else:
        print(f"note {label}: promtool not installed; strict parser only", flush=True)
    return samples, types, body


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())))


def run_ops_tool():
    print("== ops_tool", flush=True)
    p = subprocess.Popen([os.path.join(TOOLS, "ops_tool")], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)
    try:
        port = int(p.stdout.readline().strip().split("=")[1])
        s1, types, body = scrape(port, "first scrape")
        check(types.get("claimwatch_fetches_total") == "counter", "fetch counter typed counter")
        check(types.get("claimwatch_fetch_duration_seconds") == "histogram", "latency typed histogram")
        check('path="C:\\\\tmp\\"x\\"\\n"' in body, "label values escaped")
        check("# HELP claimwatch_label_escape_test_total Help with a backslash \\\\ and\\nnewline." in body,
              "HELP text escaped")
        f1 = value(s1, "claimwatch_fetches_total", result="ok")
        p.stdin.write("tick 10\n")
        p.stdin.flush()
        p.stdout.readline()
        s2, _, _ = scrape(port, "second scrape")
        f2 = value(s2, "claimwatch_fetches_total", result="ok")
        check(f1 == 0 and f2 == 10, f"fetch counter moved by the work done ({f1} -> {f2})")
        check(value(s2, "claimwatch_items_total", state="new") == 30, "items counter moved")
        check(value(s2, "claimwatch_fetch_duration_seconds_count") == 10, "histogram count moved")
        scrapes = value(s2, "claimwatch_metrics_scrapes_total")
        check(scrapes is not None and scrapes >= 2, "scrape counter counts scrapes")
        p.send_signal(signal.SIGHUP)
        ok = False
        for _ in range(50):
            s3, _, _ = scrape(port, "after reload")
            if value(s3, "claimwatch_reloads_total", result="ok") == 1:
                ok = True
                break
            time.sleep(0.1)
        check(ok, "reload counter moved after SIGHUP")
        check(get(port, "/healthz")[0] == 200, "/healthz 200")
        check(get(port, "/readyz")[0] == 200, "/readyz 200 once ready")
        check(get(port, "/nope")[0] == 404, "/nope 404")
        check(get(port, "/metrics", "POST")[0] == 405, "POST /metrics 405")
        check(get(port, "/metrics", "HEAD")[0] == 200, "HEAD /metrics 200")
        # Bound to 127.0.0.1 itself, not to every address: 127.0.0.2 (also this host) refuses.
        s = socket.socket()
        s.settimeout(2)
        refused = s.connect_ex(("127.0.0.2", port)) != 0
        s.close()
        check(refused, "listener bound to 127.0.0.1 only (127.0.0.2 refused)")
    finally:
        p.send_signal(signal.SIGTERM)
        rc = p.wait(timeout=20)
        check(rc == 0, f"ops_tool exits 0 on SIGTERM (rc={rc})")

    # Draining, with a drain long enough to observe /readyz.
    p = subprocess.Popen([os.path.join(TOOLS, "ops_tool"), "--drain-ms", "3000"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    port = int(p.stdout.readline().strip().split("=")[1])
    p.send_signal(signal.SIGTERM)
    saw = False
    for _ in range(20):
        try:
            if get(port, "/readyz")[0] == 503:
                saw = True
                break
        except OSError:
            break
        time.sleep(0.1)
    check(saw, "/readyz 503 while draining")
    check(p.wait(timeout=20) == 0, "exit 0 after the drain")

    # A listen address that cannot be parsed is a clear error, "" disables.
    r = subprocess.run([os.path.join(TOOLS, "ops_tool"), "--listen", "nonsense"], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=20)
    check(r.returncode != 0 and "nonsense" in r.stderr, "bad listen address names itself in the error")
    p = subprocess.Popen([os.path.join(TOOLS, "ops_tool"), "--listen", ""], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    check(p.stdout.readline().strip() == "port=0", "empty listen address disables the listener")
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=20)


def main():
    self_test_parser()
    run_ops_tool()
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
