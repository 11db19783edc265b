#!/usr/bin/env python3
"""Restart through the real daemon: `claimwatch run` polls fast and slow loopback RSS feeds, is
killed with SIGKILL while the slow fetches are still in flight (the server holds them until then), then started again, finishes its
round and is stopped with SIGTERM. Across both runs' stdout: no item id is emitted twice, every item
is emitted, and the schedule resumed (feeds fetched before the kill are not fetched again within
their interval, as the server's request counts show)."""
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

BIN = os.environ.get("CW_BIN", "build/claimwatch")
fails = []
NFAST, NSLOW, PER = 6, 3, 4


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        fails.append(what)


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.log = []  # (path, start time, end time or None)
        self.stop = threading.Event()
        # the slow feeds answer only once this is set (after the kill), so the kill always lands
        # while they are in flight, however slow the machine is
        self.release = threading.Event()

    def count(self, path, done_only=False):
        with self.lock:
            return sum(1 for p, _, e in self.log if p == path and (e is not None or not done_only))


def handler(st):
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_GET(self):
            path = self.path.split("?")[0]
            with st.lock:
                st.log.append([path, time.time(), None])
                rec = st.log[-1]
            parts = path.strip("/").split("/")
            if len(parts) != 2 or parts[0] not in ("fast", "slow"):
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if parts[0] == "slow":
                st.release.wait(20)
                if st.stop.is_set():
                    return
            k = path.strip("/").replace("/", "-")
            body = ('<?xml version="1.0"?><rss version="2.0"><channel><title>%s</title>' % k +
                    "".join("<item><guid isPermaLink=\"false\">%s-%d</guid><title>item %s %d</title>"
                            "<link>http://news.invalid/%s/%d</link><description>text %d</description></item>"
                            % (k, j, k, j, k, j, j) for j in range(PER)) +
                    "</channel></rss>").encode()
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                return
            with st.lock:
                rec[2] = time.time()
    return H


class Reader:
    """Collects the item ids a daemon prints on stdout, on a thread."""

    def __init__(self, proc):
        self.proc = proc
        self.items = []
        self.lock = threading.Lock()
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        for line in self.proc.stdout:
            try:
                ev = json.loads(line)
            except ValueError:
                continue  # a line cut by the kill
            if isinstance(ev, dict) and str(ev.get("schema", "")).startswith("claimwatch.item."):
                with self.lock:
                    self.items.append(ev["id"])

    def n(self):
        with self.lock:
            return len(self.items)


def wait_for(cond, timeout):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 64  # the default backlog of 5 would drop connects of a burst for a second


st = State()
httpd = Server(("127.0.0.1", 0), handler(st))
httpd.daemon_threads = True
httpd.handle_error = lambda *a: None
threading.Thread(target=httpd.serve_forever, daemon=True).start()
base = "http://127.0.0.1:%d" % httpd.server_address[1]
tmp = tempfile.mkdtemp(prefix="cw_drestart_")
fast = ["/fast/%d" % k for k in range(NFAST)]
slow = ["/slow/%d" % k for k in range(NSLOW)]
cfgp = os.path.join(tmp, "c.json")
with open(cfgp, "w") as f:
    json.dump({"state_dir": os.path.join(tmp, "st"),
               "feeds": [{"url": base + p} for p in fast + slow],
               # a long interval: a feed fetched before the kill is not due again during this test
               "fetch": {"allow_cidrs": ["127.0.0.0/8"], "interval_s": 3600, "min_interval_s": 60,
                         "per_host": 16, "concurrency": 16, "timeout_ms": 30000},
               "sinks": [{"type": "stdout"}],
               "metrics": {"listen": ""}}, f)
procs = []
try:
    def start():
        p = subprocess.Popen([BIN, "run", "-c", cfgp, "--state-dir", os.path.join(tmp, "st")],
                             stdout=subprocess.PIPE, stderr=open(os.path.join(tmp, "log%d" % len(procs)), "w"),
                             text=True)
        procs.append(p)
        return p, Reader(p)

    # run 1: killed once every fast feed's items are out while the slow feeds are still being served
    p1, r1 = start()
    got = wait_for(lambda: r1.n() >= NFAST * PER, 20)
    check(got, "run 1 emitted the fast feeds' items (%d)" % r1.n())
    time.sleep(0.5)  # past the poller's flush window, so the fast feeds' schedule is on disk
    inflight = [p for p in slow if st.count(p) >= 1 and st.count(p, done_only=True) == 0]
    check(len(inflight) == NSLOW, "slow fetches in flight at the kill (%d)" % len(inflight))
    p1.send_signal(signal.SIGKILL)
    p1.wait(10)
    r1.t.join(5)
    hits1 = {p: st.count(p) for p in fast + slow}
    kill_t = time.time()
    st.release.set()

    # run 2: finishes the round, then SIGTERM
    p2, r2 = start()
    want = (NFAST + NSLOW) * PER
    wait_for(lambda: len(set(r1.items) | set(r2.items)) >= want, 25)
    time.sleep(0.3)  # anything that would be re-emitted has time to show
    p2.send_signal(signal.SIGTERM)
    rc = p2.wait(15)
    r2.t.join(5)
    check(rc == 0, "run 2 exits 0 on SIGTERM (%s)" % rc)

    allitems = r1.items + r2.items
    check(len(allitems) == len(set(allitems)),
          "no item id emitted twice (%d + %d, %d distinct)" % (len(r1.items), len(r2.items), len(set(allitems))))
    check(len(set(allitems)) == want, "every item emitted (%d of %d)" % (len(set(allitems)), want))
    refetched = [p for p in fast if st.count(p) != hits1[p]]
    check(not refetched, "feeds fetched before the kill were not fetched again (%s)" % refetched)
    check(all(hits1[p] == 1 for p in fast), "each fast feed fetched once in run 1 (%s)" % hits1)
    with st.lock:
        after = [(p, s) for p, s, _ in st.log if p in slow and s >= kill_t]
    check(sorted({p for p, _ in after}) == sorted(slow) and len(after) == NSLOW,
          "each interrupted slow feed fetched exactly once again after the restart (%d)" % len(after))
finally:
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    st.stop.set()
    httpd.shutdown()
    httpd.server_close()
    if fails:
        for i in range(len(procs)):
            try:
                sys.stderr.write(open(os.path.join(tmp, "log%d" % i)).read()[-3000:])
            except OSError:
                pass
    shutil.rmtree(tmp, ignore_errors=True)

print("%d failures" % len(fails))
sys.exit(1 if fails else 0)
