#!/usr/bin/env python3
"""Sitemap indexes through the real daemon: a loopback server serves a sitemap index listing two
news sitemaps, a nested index (not followed: one level only) and a missing child. `claimwatch once`
emits the items of both news sitemaps under the index's feed, fetches each child once, and does
not fetch what the nested index lists. A second index with more children than the cap fetches only
the first 50. Then `claimwatch run` is stopped while a child is still being served: it exits 0 (and,
in the sanitizer build, without a leak of the cancelled child's state)."""
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import signal
import threading
import time

BIN = os.environ.get("CW_BIN", "build/claimwatch")
fails = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        fails.append(what)


def news_sitemap(base, name, n):
    urls = "".join(
        "<url><loc>%s/articles/%s-%d.html</loc><news:news><news:publication><news:name>Test</news:name>"
        "<news:language>en</news:language></news:publication>"
        "<news:publication_date>2025-11-0%dT10:00:00Z</news:publication_date>"
        "<news:title>%s story %d</news:title></news:news></url>" % (base, name, j, 1 + j, name, j)
        for j in range(n))
    return ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">%s</urlset>' % urls)


def index(locs):
    return ('<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join("<sitemap><loc>%s</loc></sitemap>" % l for l in locs) + "</sitemapindex>")


hits = {}
lock = threading.Lock()
stop = threading.Event()


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        path = self.path.split("?")[0]
        with lock:
            hits[path] = hits.get(path, 0) + 1
        base = "http://%s:%d" % self.server.server_address[:2]
        body, code = None, 200
        if path == "/index.xml":
            # one relative loc: resolved against the index's URL
            body = index([base + "/news-a.xml", "news-b.xml", base + "/nested.xml", base + "/missing.xml"])
        elif path == "/news-a.xml":
            body = news_sitemap(base, "a", 3)
        elif path == "/news-b.xml":
            body = news_sitemap(base, "b", 2)
        elif path == "/nested.xml":
            body = index([base + "/deep.xml"])
        elif path == "/deep.xml":
            body = news_sitemap(base, "deep", 1)
        elif path == "/big-index.xml":
            body = index([base + "/many/%d.xml" % k for k in range(60)])
        elif path == "/hang-index.xml":
            body = index([base + "/hang.xml"])
        elif path == "/hang.xml":
            stop.wait(30)
            return
        elif path.startswith("/many/"):
            body = news_sitemap(base, "many" + path[6:-4], 1)
        else:
            body, code = "no", 404
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/xml" if code == 200 else "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 128


httpd = Server(("127.0.0.1", 0), H)
httpd.daemon_threads = True
threading.Thread(target=httpd.serve_forever, daemon=True).start()
base = "http://127.0.0.1:%d" % httpd.server_address[1]
tmp = tempfile.mkdtemp(prefix="cw_smindex_")
try:
    cfgp = os.path.join(tmp, "c.json")
    with open(cfgp, "w") as f:
        json.dump({"state_dir": os.path.join(tmp, "st"),
                   "feeds": [{"url": base + "/index.xml"}, {"url": base + "/big-index.xml"}],
                   "fetch": {"allow_cidrs": ["127.0.0.0/8"], "per_host": 8},
                   "sinks": [{"type": "stdout"}],
                   "metrics": {"listen": ""}}, f)
    out = subprocess.run([BIN, "once", "-c", cfgp, "--state-dir", os.path.join(tmp, "st")], capture_output=True,
                         text=True, timeout=60)
    check(out.returncode == 0, "claimwatch once exits 0 (%d)" % out.returncode)
    events = [json.loads(x) for x in out.stdout.splitlines() if x.strip()]
    items = [e for e in events if str(e.get("schema", "")).startswith("claimwatch.item.")]
    urls = {e.get("url") for e in items}
    want_a = {base + "/articles/a-%d.html" % j for j in range(3)}
    want_b = {base + "/articles/b-%d.html" % j for j in range(2)}
    check(want_a <= urls, "items of the first child sitemap emitted")
    check(want_b <= urls, "items of the second (relative) child sitemap emitted")
    mine = [e for e in items if e.get("url") in want_a | want_b]
    check(all(e.get("feed", {}).get("url") == base + "/index.xml" for e in mine),
          "child items carry the index as their feed")
    check(len(mine) == 5 and len({e["id"] for e in mine}) == 5, "each child item emitted once (%d)" % len(mine))
    check(hits.get("/news-a.xml") == 1 and hits.get("/news-b.xml") == 1 and hits.get("/nested.xml") == 1,
          "each listed child fetched once (%s)" % {k: v for k, v in hits.items() if not k.startswith("/many/")})
    check("/deep.xml" not in hits and base + "/articles/deep-0.html" not in urls,
          "a nested index is not followed (one level only)")
    many = sorted(int(k[6:-4]) for k in hits if k.startswith("/many/"))
    check(many == list(range(50)), "an index with 60 children fetches the first 50 (%d)" % len(many))
    check(sum(1 for u in urls if "/articles/many" in u) == 50, "their items emitted")
    check("child sitemap not fetched" in out.stderr and "missing.xml" in out.stderr,
          "a missing child is logged with its URL")
    if fails:
        sys.stderr.write(out.stderr[-3000:])

    # stop while a child sitemap is in flight
    with open(cfgp, "w") as f:
        json.dump({"state_dir": os.path.join(tmp, "st2"),
                   "feeds": [{"url": base + "/hang-index.xml"}],
                   "fetch": {"allow_cidrs": ["127.0.0.0/8"]},
                   "sinks": [{"type": "stdout"}],
                   "metrics": {"listen": ""}}, f)
    p = subprocess.Popen([BIN, "run", "-c", cfgp, "--state-dir", os.path.join(tmp, "st2")],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    end = time.time() + 20
    while time.time() < end and "/hang.xml" not in hits:
        time.sleep(0.05)
    check("/hang.xml" in hits, "run: the child sitemap was requested")
    p.send_signal(signal.SIGTERM)
    try:
        _, err = p.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
    check(p.returncode == 0 and "LeakSanitizer" not in err,
          "run stopped with a child in flight exits 0 cleanly (%s)" % p.returncode)
    if p.returncode != 0:
        sys.stderr.write(err[-3000:])
finally:
    stop.set()
    httpd.shutdown()
    httpd.server_close()
    shutil.rmtree(tmp, ignore_errors=True)

print("%d failures" % len(fails))
sys.exit(1 if fails else 0)
