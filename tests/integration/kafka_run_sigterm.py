"""`claimwatch run` with every broker down: events back up in the outbox; SIGTERM makes it exit 0
after its drain deadline with everything still pending; with the brokers back, the next start
(`claimwatch once`) delivers all of it."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import kafkatest as kt  # noqa: E402

kt.need_kcat()
BIN = os.environ.get("CW_BIN", "build/claimwatch")
SRC = os.environ.get("CW_SOURCE_DIR", ".")
d = kt.workdir("runterm")


def outbox_rows(db):
    if not os.path.exists(db):
        return 0
    con = sqlite3.connect(db, timeout=10)
    try:
        return con.execute("SELECT count(*) FROM outbox").fetchone()[0]
    except sqlite3.Error:
        return 0
    finally:
        con.close()


with kt.MockBroker() as mb:
    state = os.path.join(d, "state")
    os.makedirs(state)
    conf = {
        "state_dir": state,
        "claims": [os.path.join(SRC, "config/claims/example.json")],
        "feeds": [{"url": "file://" + os.path.join(SRC, "config/demo/feed.xml"), "fetch_articles": True},
                  {"url": "file://" + os.path.join(SRC, "config/demo/feed-atom.xml"), "fetch_articles": True}],
        "fetch": {"allow_file": True},
        "sinks": [{"type": "kafka", "name": "kafka", "metadata_timeout_ms": 500,
                   "rdkafka": {"bootstrap.servers": mb.addr, "message.timeout.ms": 30000}}],
        "metrics": {"listen": ""},
        "drain_timeout_ms": 1500,
        "log": {"level": "info"},
    }
    path = os.path.join(d, "claimwatch.json")
    with open(path, "w") as f:
        json.dump(conf, f)
    mb.cmd("down all")
    p = subprocess.Popen([BIN, "run", "-c", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    db = os.path.join(state, "state.db")
    deadline = time.time() + 60
    n = 0
    while time.time() < deadline and p.poll() is None:
        n = outbox_rows(db)
        if n > 0:
            time.sleep(2)  # let the rest of the pass land too
            n = outbox_rows(db)
            break
        time.sleep(0.2)
    if p.poll() is not None:
        kt.fail("claimwatch run exited early: %s" % p.communicate()[1][-2000:])
    if n == 0:
        p.kill()
        kt.fail("no events reached the outbox while brokers were down")
    t0 = time.time()
    p.send_signal(signal.SIGTERM)
    try:
        out, err = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        kt.fail("claimwatch run did not stop within 60 s of SIGTERM (drain deadline 1.5 s)")
    took = time.time() - t0
    if p.returncode != 0:
        kt.fail("SIGTERM: exit %d\n%s" % (p.returncode, err[-2000:]))
    left = outbox_rows(db)
    if left < n:
        kt.fail("rows lost on SIGTERM during the outage: %d before, %d after" % (n, left))
    kt.integrity_ok(db)
    mb.cmd("up all")
    r = subprocess.run([BIN, "once", "-c", path], capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        kt.fail("next start: exit %d\n%s" % (r.returncode, r.stderr[-2000:]))
    if outbox_rows(db) != 0:
        kt.fail("outbox not empty after the next start")
    items = set(kt.kcat_keys(mb.addr, "claimwatch.items"))
    if not items:
        kt.fail("no items on the topic after the next start")
print("ok: %d rows pending at SIGTERM (stopped in %.1fs, exit 0), %d items delivered on the next start"
      % (left, took, len(items)))
