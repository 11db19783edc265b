#!/usr/bin/env python3
"""A broker outage through the real daemon: `claimwatch run` with a Kafka sink to the mock broker,
file:// feeds the test keeps appending items to, every broker down for CW_OUTAGE_S seconds
(default 60, as the issue asks) in the middle. During the outage the service must stay up and responsive: no
STOPPING=1, WATCHDOG=1 pings keep coming (NOTIFY_SOCKET bound here, WATCHDOG_USEC 5 s: the loop
never blocks on the broker), /readyz stays 200, the backlog is visible in
claimwatch_outbox_pending_rows, and RSS stays bounded (the backlog waits on disk). With the
brokers back every item ends up on claimwatch.items (read back with kcat), and SIGTERM then
exits 0 with STOPPING=1."""
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import kafkatest as kt  # noqa: E402

kt.need_kcat()
BIN = os.environ.get("CW_BIN", "build/claimwatch")
SRC = os.path.abspath(os.environ.get("CW_SOURCE_DIR", "."))
OUTAGE = float(os.environ.get("CW_OUTAGE_S", "60"))  # the 60 s
WATCHDOG_USEC = 5000000  # pings every 2.5 s; a gap past 5 s means the loop blocked (2 s flaked under ASan on a loaded machine)
NFEEDS = 2
INITIAL = 40      # items per feed before the daemon starts
PER_STEP = 15     # items appended per feed every STEP seconds
STEP = 0.5
RSS_BOUND_KB = 30 * 1024
d = kt.workdir("daemon-outage")
failures = []
check = kt.checker(failures)


class Notify(threading.Thread):
    """Receives sd_notify datagrams (SO_PASSCRED: the kernel stamps the sender's pid) and keeps
    (monotonic time, pid, fields) for each."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.sock.bind(path)
        self.sock.settimeout(0.2)
        self.log = []
        self.lock = threading.Lock()
        self.stop = False

    def run(self):
        size = struct.calcsize("3i")
        while not self.stop:
            try:
                data, anc, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(size))
            except socket.timeout:
                continue
            except OSError:
                return
            pid = None
            for level, typ, payload in anc:
                if level == socket.SOL_SOCKET and typ == socket.SCM_CREDENTIALS:
                    pid = struct.unpack("3i", payload[:size])[0]
            fields = dict(line.split("=", 1) for line in data.decode("utf-8", "replace").split("\n") if "=" in line)
            with self.lock:
                self.log.append((time.monotonic(), pid, fields))

    def events(self, key, since=0.0, until=None):
        with self.lock:
            return [(t, pid, f) for t, pid, f in self.log
                    if key in f and t >= since and (until is None or t <= until)]

    def wait_for(self, key, value, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for t, pid, f in self.events(key):
                if f[key] == value:
                    return t, pid, f
            time.sleep(0.05)
        return None


class Feeds:
    """NFEEDS RSS files; append() adds PER_STEP new items to each and replaces the file atomically
    (rename), so a fetch never sees half a document."""

    def __init__(self, base):
        self.paths = [os.path.join(base, "feed%d.xml" % i) for i in range(NFEEDS)]
        self.items = [[] for _ in range(NFEEDS)]
        self.n = 0

    def append(self, per_feed):
        for f in range(NFEEDS):
            for _ in range(per_feed):
                i = self.n
                self.n += 1
                self.items[f].append(
                    "<item><title>Outage test report number %d</title>"
                    "<link>https://outage.test/feed%d/item-%d</link>"
                    "<guid isPermaLink=\"false\">urn:outage-test:item-%d</guid>"
                    "<description>Report %d of the outage test, written while the brokers %s.</description>"
                    "</item>" % (i, f, i, i, i, "come and go"))
            tmp = self.paths[f] + ".tmp"
            with open(tmp, "w") as fh:
                fh.write("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>"
                         "<title>outage test feed %d</title><link>https://outage.test/feed%d/</link>"
                         "<description>items appended by the test</description>\n" % (f, f))
                # Newest first, as feeds usually are.
                fh.write("\n".join(reversed(self.items[f])))
                fh.write("\n</channel></rss>\n")
            os.replace(tmp, self.paths[f])

    def urls(self):
        return {"https://outage.test/feed%d/item-%d" % (f, i)
                for f in range(NFEEDS) for i in self._ids(f)}

    def _ids(self, f):
        for it in self.items[f]:
            yield int(re.search(r"item-(\d+)</link>", it).group(1))


def http_get(port, path):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=5) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, ""
    except OSError as e:
        return None, str(e)


def pending_rows(port):
    st, body = http_get(port, "/metrics")
    if st != 200:
        return None
    m = re.search(r"^claimwatch_outbox_pending_rows(?:\{[^}]*\})? (\S+)$", body, re.M)
    return int(float(m.group(1))) if m else None


def topic_items(addr):
    """{url: key} of every message on claimwatch.items."""
    got = {}
    for line in kt.kcat_read(addr, "claimwatch.items", fmt="%k\\t%s\\n").split("\n"):
        if "\t" not in line:
            continue
        key, payload = line.split("\t", 1)
        try:
            ev = json.loads(payload)
        except ValueError:
            continue
        got[ev.get("url", "")] = key
    return got


feeds = Feeds(d)
feeds.append(INITIAL)
state = os.path.join(d, "state")
os.makedirs(state)

with kt.MockBroker() as mb:
    conf = {
        "state_dir": state,
        "claims": [os.path.join(SRC, "config/claims/example.json")],
        "feeds": [{"url": "file://" + p, "max_items": 100000} for p in feeds.paths],
        "fetch": {"allow_file": True, "interval_s": 10, "min_interval_s": 10},
        "sinks": [{"type": "kafka", "name": "kafka", "metadata_timeout_ms": 1000,
                   "rdkafka": {"bootstrap.servers": mb.addr, "message.timeout.ms": 120000,
                               "reconnect.backoff.max.ms": 500, "retry.backoff.ms": 100}}],
        "metrics": {"listen": "127.0.0.1:0"},
        "drain_timeout_ms": 5000,
        "log": {"level": "info"},
    }
    cpath = os.path.join(d, "claimwatch.json")
    with open(cpath, "w") as f:
        json.dump(conf, f)

    sockpath = os.path.join(d, "notify.sock")
    ns = Notify(sockpath)
    ns.start()
    env = dict(os.environ, NOTIFY_SOCKET=sockpath, WATCHDOG_USEC=str(WATCHDOG_USEC))
    env.pop("WATCHDOG_PID", None)
    # Under AddressSanitizer freed blocks sit in a quarantine (256 MB by default) before reuse, so
    # RSS climbs with every allocation until the quarantine is full: that is the sanitizer's memory,
    # not the daemon's. A small quarantine keeps the RSS check about the daemon (no effect without ASan).
    env["ASAN_OPTIONS"] = ":".join(x for x in (os.environ.get("ASAN_OPTIONS", ""),
                                               "quarantine_size_mb=4", "thread_local_quarantine_size_kb=64") if x)
    p = subprocess.Popen([BIN, "run", "-c", cpath, "--state-dir", state], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    log = kt.DaemonLog(p.stderr)
    log.start()
    try:
        ready = ns.wait_for("READY", "1", 30)
        check(ready is not None and ready[1] == p.pid, "READY=1 from the daemon's pid")
        check(log.got_port.wait(10), "metrics port logged")
        if failures:
            raise RuntimeError("daemon did not come up")
        port = log.port

        # Before the outage: the first pass is delivered (outbox empty), items keep arriving.
        end = time.monotonic() + 30
        first = None
        while time.monotonic() < end:
            first = pending_rows(port)
            if first == 0 and "pass done" in "".join(log.lines):
                break
            time.sleep(0.2)
        check(first == 0, "first pass delivered before the outage (pending %s)" % first)
        for _ in range(4):
            feeds.append(PER_STEP)
            time.sleep(STEP)

        # The outage.
        mb.cmd("down all")
        t0 = time.monotonic()
        rss0 = kt.rss_kb(p.pid)
        rss, backlog, readyz = [], [], []
        next_append = t0
        while time.monotonic() - t0 < OUTAGE and p.poll() is None:
            if time.monotonic() >= next_append:
                feeds.append(PER_STEP)
                next_append += STEP
            r = kt.rss_kb(p.pid)
            if r:
                rss.append(r)
            st, _ = http_get(port, "/readyz")
            readyz.append(st)
            n = pending_rows(port)
            if n is not None:
                backlog.append(n)
            time.sleep(0.25)
        t1 = time.monotonic()
        mb.cmd("up all")
        appended_in_outage = feeds.n

        check(p.poll() is None, "daemon alive through the outage")
        stopping = ns.events("STOPPING", since=t0, until=t1)
        check(not stopping, "no STOPPING=1 during the outage")
        pings = [t for t, pid, f in ns.events("WATCHDOG", since=t0 - 1, until=t1)]
        gaps = [b - a for a, b in zip(pings, pings[1:])] + ([t1 - pings[-1]] if pings else [])
        worst = max(gaps) if gaps else float("inf")
        check(len(pings) >= 2 and worst < WATCHDOG_USEC / 1e6,
              "WATCHDOG=1 keeps coming: %d pings in %.0f s, widest gap %.2f s (deadline %.1f s)"
              % (len(pings), t1 - t0, worst, WATCHDOG_USEC / 1e6))
        bad = [s for s in readyz if s != 200]
        check(readyz and not bad, "/readyz 200 throughout (%d probes, not 200: %s)" % (len(readyz), bad[:5]))
        peak = max(backlog) if backlog else 0
        check(peak > 0, "backlog visible: claimwatch_outbox_pending_rows peaked at %d" % peak)
        growth = (max(rss) - rss0) if rss and rss0 else None
        check(growth is not None and growth < RSS_BOUND_KB,
              "RSS bounded over the outage: %s kB at start, peak %s kB, growth %s kB (bound %d kB)"
              % (rss0, max(rss) if rss else None, growth, RSS_BOUND_KB))

        # Brokers back: a few more items, then stop appending and wait until everything made it.
        for _ in range(4):
            feeds.append(PER_STEP)
            time.sleep(STEP)
        want = feeds.urls()
        got = {}
        end = time.monotonic() + 60
        while time.monotonic() < end and p.poll() is None:
            if pending_rows(port) == 0:
                got = topic_items(mb.addr)
                if want <= set(got):
                    break
            time.sleep(1.0)
        missing = want - set(got)
        check(not missing, "every item on claimwatch.items: %d of %d (%d appended before the end of the outage)"
              " missing e.g. %s" % (len(want) - len(missing), len(want), appended_in_outage, sorted(missing)[:3]))
        keys = {got[u] for u in want if u in got}
        check(len(keys) == len(want), "distinct keys on the topic: %d for %d items" % (len(keys), len(want)))
        status, body = http_get(port, "/metrics")
        m = re.search(r"^claimwatch_delivery_retries_total\{[^}]*\} (\S+)$", body, re.M)
        print("info retries during the run: %s" % (m.group(1) if m else "?"), flush=True)

        # SIGTERM: STOPPING=1, exit 0.
        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            rc = None
        check(ns.wait_for("STOPPING", "1", 5) is not None, "STOPPING=1 after SIGTERM")
        check(rc == 0, "exit 0 after SIGTERM (rc=%s)" % rc)
    except Exception as e:  # report, then fail below
        failures.append("exception: %r" % e)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        ns.stop = True
        log.join(5)

if failures:
    print("daemon log (tail):\n" + log.tail(), file=sys.stderr)
    kt.fail("%d check(s) failed: %s" % (len(failures), failures))
kt.integrity_ok(os.path.join(state, "state.db"))
print("ok")
