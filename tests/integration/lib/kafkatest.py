"""Shared helpers for the delivery integration tests: the mock broker process, the outbox tool,
kcat as the independent reader, and checks on the state DB. Not a test itself (lib/ is not
globbed by tests/CMakeLists.txt)."""
import atexit
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

TOOLS = os.environ.get("CW_TOOLS_DIR", "build/tests")
MOCKBROKER = os.path.join(TOOLS, "mockbroker")
OUTBOX_TOOL = os.path.join(TOOLS, "outbox_tool")


_failed = []  # set by fail(): the work directories stay behind for a look


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    _failed.append(msg)
    sys.exit(1)


def need_kcat():
    if shutil.which("kcat") is None:
        fail("kcat is not installed (scripts/install-deps.sh installs it)")


class MockBroker:
    """librdkafka's mock cluster in its own process; commands per tests/tools/mockbroker.c."""

    def __init__(self, brokers=3, partitions=4):
        self.p = subprocess.Popen([MOCKBROKER, "--brokers", str(brokers), "--partitions", str(partitions)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.addr = self.p.stdout.readline().strip()
        if not self.addr:
            fail("mock broker printed no bootstrap address")

    def cmd(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        reply = self.p.stdout.readline().strip()
        if reply != "ok":
            fail("mock broker refused %r: %s" % (line, reply))

    def close(self):
        if self.p.poll() is None:
            try:
                self.cmd("quit")
            except Exception:
                pass
            try:
                self.p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


def kafka_sink(addr, **rdkafka):
    conf = {"bootstrap.servers": addr, "message.timeout.ms": 10000, "socket.timeout.ms": 3000,
            "reconnect.backoff.max.ms": 500, "retry.backoff.ms": 100}
    conf.update(rdkafka)
    return json.dumps({"type": "kafka", "name": "kafka", "rdkafka": conf, "metadata_timeout_ms": 2000})


def tool_args(db, n, sinks, *extra):
    args = [OUTBOX_TOOL, "--db", db, "--n", str(n)]
    for s in sinks:
        args += ["--sink", s]
    return args + [str(x) for x in extra]


def run_tool(db, n, sinks, *extra, timeout=120):
    p = subprocess.run(tool_args(db, n, sinks, *extra), capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def kcat_read(addr, topic, fmt="%k\\n", timeout=60):
    """Every message on the topic (all partitions, from the beginning, until the end)."""
    p = subprocess.run(["kcat", "-C", "-b", addr, "-t", topic, "-e", "-q", "-f", fmt, "-X",
                        "topic.metadata.refresh.interval.ms=1000"],
                       capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        fail("kcat failed on %s: %s" % (topic, p.stderr[-500:]))
    return p.stdout


def topic_item_urls(addr, topic="claimwatch.items", timeout=60):
    """The "url" of every item event on the topic (lines that are not JSON are skipped)."""
    urls = set()
    for line in kcat_read(addr, topic, fmt="%s\\n", timeout=timeout).split("\n"):
        if line:
            try:
                urls.add(json.loads(line).get("url", ""))
            except ValueError:
                pass
    return urls


def kcat_keys(addr, topic):
    return [k for k in kcat_read(addr, topic).split("\n") if k]


def expect_all_keys(addr, n, topic="claimwatch.items", start=0, exclude=()):
    keys = set(kcat_keys(addr, topic))
    missing = [i for i in range(start, start + n) if i not in exclude and ("item-%d" % i) not in keys]
    if missing:
        fail("%d of %d items missing from %s, e.g. %s" % (len(missing), n, topic, missing[:5]))
    return keys


def outbox_rows(db):
    con = sqlite3.connect(db, timeout=10)
    try:
        return con.execute("SELECT count(*) FROM outbox").fetchone()[0]
    finally:
        con.close()


def integrity_ok(db):
    con = sqlite3.connect(db, timeout=10)
    try:
        r = con.execute("PRAGMA integrity_check").fetchall()
    finally:
        con.close()
    if r != [("ok",)]:
        fail("integrity_check on %s: %s" % (db, r[:5]))


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def workdir(name):
    """A fresh directory, removed when the test ends unless it failed (or CW_KEEP_WORKDIRS=1)."""
    d = tempfile.mkdtemp(prefix="cw-%s-" % name)
    atexit.register(_drop_workdir, d)
    return d


def _drop_workdir(d):
    if _failed or hasattr(sys, "last_value") or os.environ.get("CW_KEEP_WORKDIRS") == "1":
        print("work directory kept: " + d, file=sys.stderr)
    else:
        shutil.rmtree(d, ignore_errors=True)


class DaemonLog(threading.Thread):
    """Drains a daemon's stderr (so its pipe never fills), keeps the last lines and picks out the
    metrics port from the "listening" line."""

    def __init__(self, pipe):
        super().__init__(daemon=True)
        self.pipe, self.lines, self.port, self.got_port = pipe, [], None, threading.Event()

    def run(self):
        for line in self.pipe:
            self.lines.append(line)
            if len(self.lines) > 4000:
                del self.lines[:1000]
            if self.port is None and "listening" in line:
                m = re.search(r"port=(\d+)", line)
                if m:
                    self.port = int(m.group(1))
                    self.got_port.set()

    def text(self):
        return "".join(self.lines)

    def tail(self, n=40):
        return "".join(self.lines[-n:])


def checker(failures):
    """check(cond, what): prints ok/FAIL and what, records what in failures when cond is false,
    and returns cond (so a later check can depend on it)."""
    def check(cond, what):
        print(("ok   " if cond else "FAIL ") + what, flush=True)
        if not cond:
            failures.append(what)
        return cond
    return check


def metrics(port):
    """{name{labels}: value} from a daemon's /metrics, or {} if it does not answer."""
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as r:
            body = r.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError):
        return {}
    out = {}
    for line in body.split("\n"):
        m = re.match(r"^([a-z_]+(?:\{[^}]*\})?) (\S+)$", line)
        if m:
            out[m.group(1)] = float(m.group(2))
    return out


def wait_until(pred, timeout, step=0.2):
    """pred()'s first true value within timeout seconds, else None (bounds a hang, times nothing)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return None
