#!/usr/bin/env python3
"""sd_notify protocol end to end: ops_tool (the daemon's operating skeleton) and, when it exists,
`claimwatch run`, started with NOTIFY_SOCKET pointing at a unix datagram socket this test binds
with SO_PASSCRED (the kernel stamps each message with the sender's pid, as systemd sees it) and
WATCHDOG_USEC set. Checks READY=1, periodic WATCHDOG=1, RELOADING=1 then READY=1 around SIGHUP,
STOPPING=1 on SIGTERM and a clean exit, that a stopped process (SIGSTOP) and a stalled main loop
stop the pings, and that /healthz turns 503 while the loop is stalled."""
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

TOOLS = os.environ.get("CW_TOOLS_DIR", "build/tests")
WATCHDOG_USEC = 400000  # pings every 200 ms
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


class NotifySocket:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.sock.bind(path)
        self.log = []  # (pid, {field: value})

    def recv(self, timeout):
        """One message as (pid, fields), or None after timeout seconds."""
        r, _, _ = select.select([self.sock], [], [], timeout)
        if not r:
            return None
        size = struct.calcsize("3i")
        data, anc, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(size))
        pid = None
        for level, typ, payload in anc:
            if level == socket.SOL_SOCKET and typ == socket.SCM_CREDENTIALS:
                pid, _uid, _gid = struct.unpack("3i", payload[:size])
        fields = {}
        for line in data.decode("utf-8", "replace").split("\n"):
            if "=" in line:
                k, v = line.split("=", 1)
                fields[k] = v
        self.log.append((pid, fields))
        return pid, fields

    def wait_for(self, key, value=None, timeout=10.0, pid=None):
        """Reads messages until one has key (=value); returns it, or None. Bounded by time."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            m = self.recv(max(0.0, end - time.monotonic()))
            if m is None:
                return None
            if key in m[1] and (value is None or m[1][key] == value):
                if pid is not None and m[0] != pid:
                    continue
                return m
        return None

    def drain(self):
        while self.recv(0) is not None:
            pass

    def count(self, key, seconds):
        """Counts messages carrying key during the next seconds."""
        n = 0
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            m = self.recv(max(0.0, end - time.monotonic()))
            if m is not None and key in m[1]:
                n += 1
        return n


def http_status(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def run_ops_tool(tmp):
    print("== ops_tool", flush=True)
    ns = NotifySocket(os.path.join(tmp, "notify.sock"))
    env = dict(os.environ, NOTIFY_SOCKET=os.path.join(tmp, "notify.sock"), WATCHDOG_USEC=str(WATCHDOG_USEC))
    env.pop("WATCHDOG_PID", None)
    p = subprocess.Popen([os.path.join(TOOLS, "ops_tool"), "--stale-ms", "600"], env=env,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        port = int(p.stdout.readline().strip().split("=")[1])
        m = ns.wait_for("READY", "1")
        check(m is not None, "READY=1 received")
        check(m is not None and m[0] == p.pid, "READY=1 comes from the daemon's pid (SCM_CREDENTIALS)")
        check(m is not None and "STATUS" in m[1], "READY=1 carries a STATUS= line")
        pings = ns.count("WATCHDOG", 1.5)
        check(pings >= 3, f"periodic WATCHDOG=1 ({pings} in 1.5 s at a 200 ms period)")
        check(all(pid == p.pid for pid, f in ns.log if "WATCHDOG" in f), "every ping has the daemon's pid")
        check(http_status(port, "/healthz") == 200, "/healthz 200 while the loop turns")
        check(http_status(port, "/readyz") == 200, "/readyz 200 once ready")

        ns.drain()
        p.send_signal(signal.SIGHUP)
        m = ns.wait_for("RELOADING", "1")
        check(m is not None and m[0] == p.pid, "RELOADING=1 after SIGHUP")
        check(m is not None and m[1].get("MONOTONIC_USEC", "").isdigit(), "RELOADING=1 carries MONOTONIC_USEC")
        m = ns.wait_for("READY", "1")
        check(m is not None and "generation 1" in m[1].get("STATUS", ""), "READY=1 after the reload, new generation")

        # A failed reload keeps the old generation and still answers READY=1 (the service runs on).
        p.stdin.write("fail-reload\n")
        p.stdin.flush()
        p.stdout.readline()
        p.send_signal(signal.SIGHUP)
        check(ns.wait_for("RELOADING", "1") is not None, "RELOADING=1 for a reload that fails")
        m = ns.wait_for("READY", "1")
        check(m is not None and "generation 1" in m[1].get("STATUS", ""), "failed reload keeps the old generation")

        # SIGSTOP: a frozen process sends nothing. The window is several ping periods.
        p.send_signal(signal.SIGSTOP)
        time.sleep(0.3)
        ns.drain()
        stopped = ns.count("WATCHDOG", 1.2)
        check(stopped == 0, f"no WATCHDOG=1 while stopped (got {stopped})")
        p.send_signal(signal.SIGCONT)
        check(ns.wait_for("WATCHDOG", "1", timeout=5) is not None, "pings resume after SIGCONT")

        # A stalled main loop (the process runs, the loop does not): pings stop, /healthz says 503.
        ns.drain()
        p.stdin.write("stall 3000\n")
        p.stdin.flush()
        time.sleep(0.3)
        ns.drain()
        stalled = ns.count("WATCHDOG", 1.0)
        check(stalled == 0, f"no WATCHDOG=1 while the main loop is stalled (got {stalled})")
        saw_503 = False
        end = time.monotonic() + 2.0
        while time.monotonic() < end and not saw_503:
            saw_503 = http_status(port, "/healthz") == 503
            time.sleep(0.1)
        check(saw_503, "/healthz 503 while the main loop is stalled")
        p.stdout.readline()  # "stalled 3000": the loop is back
        ns.drain()
        check(ns.wait_for("WATCHDOG", "1", timeout=5) is not None, "pings resume after the stall")
        ok = False
        for _ in range(50):
            if http_status(port, "/healthz") == 200:
                ok = True
                break
            time.sleep(0.1)
        check(ok, "/healthz 200 again after the stall")

        p.send_signal(signal.SIGTERM)
        m = ns.wait_for("STOPPING", "1")
        check(m is not None and m[0] == p.pid, "STOPPING=1 after SIGTERM")
        rc = p.wait(timeout=20)
        check(rc == 0, f"clean exit after SIGTERM (rc={rc})")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        ns.sock.close()


def run_interrupt(tmp):
    """SIGINT drains like SIGTERM; a second signal during a (here: endless) drain stops at once."""
    print("== ops_tool: SIGINT, then a second signal", flush=True)
    path = os.path.join(tmp, "notify2.sock")
    ns = NotifySocket(path)
    env = dict(os.environ, NOTIFY_SOCKET=path)
    env.pop("WATCHDOG_USEC", None)
    p = subprocess.Popen([os.path.join(TOOLS, "ops_tool"), "--drain-ms", "600000"], env=env,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        p.stdout.readline()
        check(ns.wait_for("READY", "1") is not None, "READY=1")
        check(ns.count("WATCHDOG", 0.5) == 0, "no WATCHDOG=1 when systemd did not ask for it")
        p.send_signal(signal.SIGINT)
        check(ns.wait_for("STOPPING", "1") is not None, "STOPPING=1 after SIGINT")
        check(p.poll() is None, "still draining after the first signal")
        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            rc = None
        check(rc == 0, f"second signal ends the drain at once, exit 0 (rc={rc})")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        ns.sock.close()


def main():
    if not os.path.exists(os.path.join(TOOLS, "ops_tool")):
        print("ops_tool not built", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        run_ops_tool(tmp)
        run_interrupt(tmp)
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
