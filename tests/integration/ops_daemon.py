#!/usr/bin/env python3
"""`claimwatch run` operated as systemd would, against local file:// feeds and the stdout sink:

- sd_notify: READY=1 only after startup, from the daemon's pid (SO_PASSCRED); periodic
  WATCHDOG=1; RELOADING=1 then READY=1 around each SIGHUP; SIGSTOP stops the pings;
  STOPPING=1 on SIGTERM and exit 0.
- reload: a valid change is applied (a claim added to the set tags the items that arrive after
  the reload, and the claim-set version changes); an invalid claim file is refused with the reason
  in the log and the old set keeps tagging; no item is lost across the reloads.
- metrics: /metrics passes the strict parser of ops_metrics.py and promtool, and its counters
  move with the work done (fetches, items, deliveries, reloads); /healthz and /readyz answer.

While `claimwatch run` is still a placeholder the test says so and checks only that (the
operating skeleton is covered by ops_notify.py and ops_metrics.py through ops_tool)."""
import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.environ.get("CW_BIN", "build/claimwatch")
failures = []


def load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


ops_notify = load("ops_notify")
ops_metrics = load("ops_metrics")


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


CLAIMS = [
    {"id": "chile-nationalises-lithium",
     "text": "Chile will nationalise its lithium mining industry by 2026."},
    {"id": "norway-opens-arctic-seabed-mining",
     "text": "Norway will open three deep-sea mining zones in the Arctic by 2027."},
]

ITEMS = {
    "a": ("Chile moves to nationalise its lithium mining industry",
          "Chile will nationalise its lithium mining industry by 2026, the president announced on "
          "Thursday, putting the state in charge of lithium production. Mining companies said the "
          "plan to nationalise the lithium industry by 2026 would change their investments in Chile."),
    "b": ("Norway to open three deep-sea mining zones in the Arctic",
          "Norway will open three deep-sea mining zones in the Arctic by 2027, the government said. "
          "Environmental groups protested the plan to open deep-sea mining in the Arctic, while the "
          "ministry said the three zones would be licensed by 2027."),
}


def write_feed(path, items):
    """items: list of (guid, kind) where kind picks a text from ITEMS."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
             '<title>ops test feed</title><link>https://ops.test/</link><description>t</description>']
    for n, (guid, kind) in enumerate(items):
        title, text = ITEMS[kind]
        parts.append(f"<item><title>{title} ({guid})</title><link>https://ops.test/{guid}</link>"
                     f"<guid isPermaLink=\"false\">{guid}</guid>"
                     f"<pubDate>Mon, 0{1 + n % 9} Sep 2025 10:00:00 +0000</pubDate>"
                     f"<description>{text} Item {guid}.</description></item>")
    parts.append("</channel></rss>\n")
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("".join(parts))
    os.replace(tmp, path)  # the daemon never reads a half-written feed


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1)
    os.replace(tmp, path)


class Daemon:
    def __init__(self, config, state, notify_path):
        env = dict(os.environ, NOTIFY_SOCKET=notify_path, WATCHDOG_USEC="1000000")
        env.pop("WATCHDOG_PID", None)
        env.pop("JOURNAL_STREAM", None)
        self.p = subprocess.Popen([BIN, "run", "-c", config, "--state-dir", state], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.events, self.log, self.lock = [], [], threading.Lock()
        threading.Thread(target=self._read, args=(self.p.stdout, self.events), daemon=True).start()
        threading.Thread(target=self._read, args=(self.p.stderr, self.log), daemon=True).start()

    def _read(self, stream, sink):
        for line in stream:
            with self.lock:
                if sink is self.events:
                    try:
                        sink.append(json.loads(line))
                    except ValueError:
                        self.log.append("stdout (not JSON): " + line)
                else:
                    sink.append(line.rstrip("\n"))

    def wait(self, pred, timeout):
        """Polls pred() until true; bounded by time. Returns the last value."""
        end = time.monotonic() + timeout
        while True:
            with self.lock:
                v = pred()
            if v or time.monotonic() > end or self.p.poll() is not None:
                return v
            time.sleep(0.1)

    def metrics_port(self, timeout=20):
        def find():
            for line in self.log:
                m = re.search(r"metrics: listening .*port=(\d+)", line)
                if m:
                    return int(m.group(1))
            return None
        return self.wait(find, timeout)

    def items(self):
        """Events of kind item (schema claimwatch.item.v1), keyed by title suffix guid."""
        out = {}
        for e in self.events:
            if e.get("schema", "").startswith("claimwatch.item"):
                m = re.search(r"\((\w+)\)$", e.get("title", ""))
                if m:
                    out.setdefault(m.group(1), e)
        return out


class ThreadedNotify(ops_notify.NotifySocket):
    """Reads the notify socket all the time, as systemd does, so the daemon's datagrams never
    back up while the test is busy elsewhere; the checks read from an in-memory queue."""

    def __init__(self, path):
        super().__init__(path)
        import queue
        self.q = queue.Queue()
        self.stop = False
        self.thread = threading.Thread(target=self._pump, daemon=True)
        self.thread.start()

    def close(self):
        self.stop = True
        self.thread.join(timeout=5)
        self.sock.close()

    def _pump(self):
        while not self.stop:
            m = ops_notify.NotifySocket.recv(self, 0.2)
            if m is not None:
                self.q.put(m)

    def recv(self, timeout):
        import queue
        try:
            return self.q.get(timeout=max(timeout, 0.0)) if timeout > 0 else self.q.get_nowait()
        except queue.Empty:
            return None


def claim_ids(event):
    return {c.get("id") for c in event.get("claims", [])}


def run_daemon(tmp):
    print("== claimwatch run", flush=True)
    feed1, feed2 = os.path.join(tmp, "feed1.xml"), os.path.join(tmp, "feed2.xml")
    claims = os.path.join(tmp, "claims.json")
    config = os.path.join(tmp, "claimwatch.json")
    state = os.path.join(tmp, "state")
    os.mkdir(state)
    write_feed(feed1, [("a1", "a")])
    write_feed(feed2, [])
    write_json(claims, [CLAIMS[0]])
    base = {
        "state_dir": state,
        "claims": [claims],
        "feeds": [{"url": feed1, "interval_s": 10}],
        "fetch": {"allow_file": True, "min_interval_s": 10, "interval_s": 10},
        "sinks": [{"type": "stdout"}],
        "metrics": {"listen": "127.0.0.1:0"},
        "log": {"level": "info"},
    }
    write_json(config, base)
    ns = ThreadedNotify(os.path.join(tmp, "notify.sock"))
    d = Daemon(config, state, os.path.join(tmp, "notify.sock"))
    try:
        m = ns.wait_for("READY", "1", timeout=30)
        check(m is not None and m[0] == d.p.pid, "READY=1 from the daemon's pid")
        if m is None:
            print("\n".join(d.log[-30:]))
            return
        port = d.metrics_port()
        check(port is not None, "metrics listener port logged")
        check(ns.count("WATCHDOG", 2.5) >= 2, "periodic WATCHDOG=1 (1 s watchdog: pings every 0.5 s)")
        if port:
            check(ops_metrics.get(port, "/readyz")[0] == 200, "/readyz 200 once READY=1 was sent")
            check(ops_metrics.get(port, "/healthz")[0] == 200, "/healthz 200")

        # Phase 1: the first claim tags the first item.
        ev = d.wait(lambda: d.items().get("a1"), 30)
        check(ev is not None and CLAIMS[0]["id"] in claim_ids(ev), "a1 tagged with the first claim")
        version1 = ev.get("claimset") if ev else None
        s1 = ops_metrics.scrape(port, "daemon scrape 1")[0] if port else {}

        # Phase 2: a valid change. The set gains the second claim and a feed is added; an item
        # appended to the first feed just before the reload must not be lost.
        write_feed(feed1, [("a1", "a"), ("a2", "a")])
        write_json(claims, CLAIMS)
        write_feed(feed2, [("b1", "b")])
        write_json(config, dict(base, feeds=base["feeds"] + [{"url": feed2, "interval_s": 10}]))
        ns.drain()
        d.p.send_signal(signal.SIGHUP)
        m = ns.wait_for("RELOADING", "1", timeout=20)
        check(m is not None and m[0] == d.p.pid, "RELOADING=1 after SIGHUP")
        check(ns.wait_for("READY", "1", timeout=30) is not None, "READY=1 after the reload")
        ev = d.wait(lambda: d.items().get("b1"), 40)
        check(ev is not None and CLAIMS[1]["id"] in claim_ids(ev), "valid reload: new claim tags new item b1")
        check(ev is not None and ev.get("claimset") != version1, "valid reload: claim-set version changed")
        version2 = ev.get("claimset") if ev else None
        check(d.wait(lambda: d.items().get("a2"), 40) is not None, "a2 (appended across the reload) delivered")

        # Phase 3: an invalid claim file is refused; the old set (both claims) keeps tagging.
        with open(claims, "w") as f:
            f.write('[{"id": "broken", "text": ')  # truncated JSON
        write_feed(feed2, [("b1", "b"), ("b2", "b")])
        nlog = len(d.log)
        ns.drain()
        d.p.send_signal(signal.SIGHUP)
        check(ns.wait_for("RELOADING", "1", timeout=20) is not None, "RELOADING=1 for the invalid reload")
        check(ns.wait_for("READY", "1", timeout=30) is not None, "READY=1 again: the daemon runs on")
        why = d.wait(lambda: [l for l in d.log[nlog:] if "claims.json" in l], 10)
        check(bool(why), "refused reload logged with the file name: " + (why[0] if why else "(nothing)"))
        ev = d.wait(lambda: d.items().get("b2"), 40)
        check(ev is not None and CLAIMS[1]["id"] in claim_ids(ev), "invalid reload: old set still tags b2")
        check(ev is not None and ev.get("claimset") == version2, "invalid reload: claim-set version kept")
        check(d.p.poll() is None, "daemon still running after the invalid reload")

        got = set(d.items())
        check({"a1", "a2", "b1", "b2"} <= got, f"no item lost across the reloads (got {sorted(got)})")

        if port:
            s2 = ops_metrics.scrape(port, "daemon scrape 2")[0]
            v = ops_metrics.value

            def total(samples, name, **labels):
                return sum(val for (n, lab), val in samples.items()
                           if n == name and all((k, w) in lab for k, w in labels.items()))
            check(total(s2, "claimwatch_fetch_total") > total(s1, "claimwatch_fetch_total"),
                  "claimwatch_fetch_total moved")
            check(total(s2, "claimwatch_items_total", state="new") >= 4, "claimwatch_items_total{state=new} >= 4")
            check(total(s2, "claimwatch_events_delivered_total") >= 4, "claimwatch_events_delivered_total >= 4")
            check(v(s2, "claimwatch_reloads_total", result="ok") == 1, "claimwatch_reloads_total{result=ok} == 1")
            check(v(s2, "claimwatch_reloads_total", result="failed") == 1,
                  "claimwatch_reloads_total{result=failed} == 1")
            check(total(s2, "claimwatch_tags_total", claim=CLAIMS[1]["id"]) >= 2, "claimwatch_tags_total by claim")

        # A frozen daemon sends no pings.
        d.p.send_signal(signal.SIGSTOP)
        time.sleep(0.3)
        ns.drain()
        stopped = ns.count("WATCHDOG", 2.0)
        d.p.send_signal(signal.SIGCONT)
        check(stopped == 0, f"no WATCHDOG=1 while SIGSTOPped (got {stopped})")
        check(ns.wait_for("WATCHDOG", "1", timeout=10) is not None, "pings resume after SIGCONT")

        d.p.send_signal(signal.SIGTERM)
        m = ns.wait_for("STOPPING", "1", timeout=20)
        check(m is not None and m[0] == d.p.pid, "STOPPING=1 after SIGTERM")
        rc = d.p.wait(timeout=60)
        check(rc == 0, f"exit 0 after the drain (rc={rc})")
    finally:
        if d.p.poll() is None:
            d.p.kill()
            d.p.wait()
        if failures:
            print("--- daemon log (last 40 lines)")
            print("\n".join(d.log[-400:]))
        ns.close()


def run_demo(tmp):
    """The bundled demo config as shipped (metrics off, stdout sink): the notify protocol holds."""
    print("== claimwatch run -c config/demo.json", flush=True)
    src = os.environ.get("CW_SOURCE_DIR", os.path.join(HERE, "..", ".."))
    state = os.path.join(tmp, "demo-state")
    os.mkdir(state)
    ns = ThreadedNotify(os.path.join(tmp, "demo-notify.sock"))
    d = Daemon(os.path.join(src, "config", "demo.json"), state, os.path.join(tmp, "demo-notify.sock"))
    try:
        m = ns.wait_for("READY", "1", timeout=30)
        check(m is not None and m[0] == d.p.pid, "demo: READY=1 from the daemon's pid")
        n = d.wait(lambda: len([e for e in d.events if e.get("schema", "").startswith("claimwatch.item")]) >= 5, 60)
        check(bool(n), "demo: the demo articles come out as item events")
        check(ns.count("WATCHDOG", 2.0) >= 2, "demo: periodic WATCHDOG=1")
        d.p.send_signal(signal.SIGHUP)
        check(ns.wait_for("RELOADING", "1", timeout=20) is not None, "demo: RELOADING=1 after SIGHUP")
        check(ns.wait_for("READY", "1", timeout=30) is not None, "demo: READY=1 after the reload")
        d.p.send_signal(signal.SIGTERM)
        check(ns.wait_for("STOPPING", "1", timeout=20) is not None, "demo: STOPPING=1 after SIGTERM")
        rc = d.p.wait(timeout=60)
        check(rc == 0, f"demo: exit 0 (rc={rc})")
    finally:
        if d.p.poll() is None:
            d.p.kill()
            d.p.wait()
        ns.close()


def main():
    probe = subprocess.run([BIN, "run", "--help"], capture_output=True, text=True, timeout=30)
    if "not built yet" in probe.stderr:
        print("note: `claimwatch run` is still a placeholder; daemon checks wait for it", flush=True)
        check(probe.returncode != 0, "the placeholder says so and fails")
        return 1 if failures else 0
    with tempfile.TemporaryDirectory() as tmp:
        run_daemon(tmp)
        run_demo(tmp)
    failures.extend(ops_metrics.failures + ops_notify.failures)  # scrape() checks through its module
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
