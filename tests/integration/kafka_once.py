"""`claimwatch once` against the mock broker: the demo feeds are polled once, every event lands on
the Kafka topics (read back with kcat), the outbox ends empty, and a second `once` emits nothing
new. Skipped (exit 77, with a message) while `claimwatch once` is still the placeholder."""
import json
import os
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import kafkatest as kt  # noqa: E402

kt.need_kcat()
BIN = os.environ.get("CW_BIN", "build/claimwatch")
SRC = os.environ.get("CW_SOURCE_DIR", ".")
d = kt.workdir("once")
with kt.MockBroker() as mb:
    conf = {
        "state_dir": os.path.join(d, "state"),
        "claims": [os.path.join(SRC, "config/claims/example.json")],
        "feeds": [
            {"url": "file://" + os.path.join(SRC, "config/demo/feed.xml"), "fetch_articles": True},
            {"url": "file://" + os.path.join(SRC, "config/demo/feed-atom.xml"), "fetch_articles": True},
        ],
        "fetch": {"allow_file": True},
        "sinks": [{"type": "kafka", "name": "kafka",
                   "rdkafka": {"bootstrap.servers": mb.addr, "message.timeout.ms": 10000}}],
        "metrics": {"listen": ""},
        "log": {"level": "notice"},
    }
    os.makedirs(conf["state_dir"])
    path = os.path.join(d, "claimwatch.json")
    with open(path, "w") as f:
        json.dump(conf, f)
    p = subprocess.run([BIN, "once", "-c", path], capture_output=True, text=True, timeout=120)
    if "not built yet" in p.stderr:
        print("SKIP: claimwatch once is still the placeholder; this test runs once the pipeline lands")
        sys.exit(77)
    if p.returncode != 0:
        kt.fail("claimwatch once: exit %d\n%s" % (p.returncode, p.stderr[-3000:]))
    items = kt.kcat_read(mb.addr, "claimwatch.items", "%k\\t%s\\n").strip().split("\n")
    items = [line for line in items if line]
    if not items:
        kt.fail("no item events on claimwatch.items")
    for line in items:
        key, value = line.split("\t", 1)
        ev = json.loads(value)
        if ev.get("id") != key or ev.get("schema") != "claimwatch.item.v1":
            kt.fail("item event key/schema mismatch: key=%s %s" % (key, value[:200]))
    claims = [k for k in kt.kcat_keys(mb.addr, "claimwatch.claims")]
    db = os.path.join(conf["state_dir"], "state.db")
    if os.path.exists(db):
        con = sqlite3.connect(db)
        left = con.execute("SELECT count(*) FROM outbox").fetchone()[0]
        con.close()
        if left != 0:
            kt.fail("%d rows left in the outbox after once" % left)
    # Second run: everything is seen; nothing new on the topic.
    p = subprocess.run([BIN, "once", "-c", path], capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        kt.fail("second once: exit %d\n%s" % (p.returncode, p.stderr[-3000:]))
    again = [k for k in kt.kcat_keys(mb.addr, "claimwatch.items")]
    if len(again) != len(items):
        kt.fail("second once published again: %d -> %d item events" % (len(items), len(again)))

# Brokers down: once gives up at its drain deadline (bounded), says events are left, keeps them in
# the outbox; the next once (brokers back) delivers them.
with kt.MockBroker() as mb:
    conf["state_dir"] = os.path.join(d, "state2")
    os.makedirs(conf["state_dir"])
    conf["sinks"][0]["rdkafka"]["bootstrap.servers"] = mb.addr
    conf["drain_timeout_ms"] = 2000
    with open(path, "w") as f:
        json.dump(conf, f)
    mb.cmd("down all")
    t0 = time.time()
    p = subprocess.run([BIN, "once", "-c", path], capture_output=True, text=True, timeout=120)
    took = time.time() - t0
    if p.returncode == 0:
        kt.fail("once reported success with all brokers down")
    if took > 60:
        kt.fail("once took %.0fs with a 2 s drain deadline" % took)
    db = os.path.join(conf["state_dir"], "state.db")
    con = sqlite3.connect(db)
    left = con.execute("SELECT count(*) FROM outbox").fetchone()[0]
    con.close()
    if left == 0:
        kt.fail("nothing pending in the outbox after an outage")
    mb.cmd("up all")
    p = subprocess.run([BIN, "once", "-c", path], capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        kt.fail("once after the outage: exit %d\n%s" % (p.returncode, p.stderr[-3000:]))
    got = kt.kcat_keys(mb.addr, "claimwatch.items")
    if len(set(got)) != len(items):
        kt.fail("after the outage %d distinct items on the topic, expected %d" % (len(set(got)), len(items)))
print("ok: %d item events, %d claim events via claimwatch once; outage kept %d rows, delivered next run"
      % (len(items), len(claims), left))
