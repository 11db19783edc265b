"""Produce errors injected by the mock broker.
Retriable (REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS, NOT_LEADER): every item is delivered.
Permanent (TOPIC_AUTHORIZATION_FAILED, INVALID_RECORD) and an event larger than message.max.bytes
(caught before producing): each such event is in the dead-letter topic (or the dead-letter file
when its dead-letter event was refused too) with its reason; none is silently gone."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import kafkatest as kt  # noqa: E402

kt.need_kcat()
d = kt.workdir("errors")

# 1. Retriable errors: all delivered, nothing dead-lettered.
with kt.MockBroker() as mb:
    mb.cmd("err 7 5")
    mb.cmd("err 19 5")
    mb.cmd("err 6 3")
    db = os.path.join(d, "retriable.db")
    rc, out, err = kt.run_tool(db, 1000, [kt.kafka_sink(mb.addr)], "--deadline-ms", 60000)
    if rc != 0 or "pending=0" not in out or "dead=0" not in out:
        kt.fail("retriable run: exit %d %s %s" % (rc, out, err[-2000:]))
    kt.expect_all_keys(mb.addr, 1000)
    if kt.kcat_keys(mb.addr, "claimwatch.dead-letter"):
        kt.fail("retriable errors produced dead letters")
    print("retriable: %s" % out.strip())


def check_accounted(addr, db, dlfile, n, expect_dead_min):
    """Every item is on the items topic, or dead-lettered (topic or file) with a reason."""
    items = set(kt.kcat_keys(addr, "claimwatch.items"))
    dead = {}
    for line in kt.kcat_read(addr, "claimwatch.dead-letter", "%s\\n").split("\n"):
        if line:
            ev = json.loads(line)
            dead[ev["key"]] = ev
    if os.path.exists(dlfile):
        with open(dlfile) as f:
            for line in f:
                ev = json.loads(line)
                dead[ev["key"]] = ev
    for key, ev in dead.items():
        if not ev.get("reason") or ev.get("schema") != "claimwatch.dead-letter.v1" or not ev.get("event_id"):
            kt.fail("dead letter without reason/schema/event id: %s" % json.dumps(ev)[:300])
    lost = [i for i in range(n) if ("item-%d" % i) not in items and ("item-%d" % i) not in dead]
    if lost:
        kt.fail("%d items neither delivered nor dead-lettered, e.g. %s" % (len(lost), lost[:5]))
    if len(dead) < expect_dead_min:
        kt.fail("expected at least %d dead letters, found %d" % (expect_dead_min, len(dead)))
    if kt.outbox_rows(db) != 0:
        kt.fail("outbox not empty")
    return items, dead


# 2. Permanent errors pushed on the next produce requests.
with kt.MockBroker() as mb:
    db = os.path.join(d, "permanent.db")
    dlfile = os.path.join(d, "permanent.dead.jsonl")
    # Deliver some first so errors hit the middle of the run.
    rc, out, err = kt.run_tool(db, 200, [kt.kafka_sink(mb.addr)], "--dl-file", dlfile)
    if rc != 0:
        kt.fail("warm-up: %s %s" % (out, err[-1000:]))
    mb.cmd("err 29 2")
    mb.cmd("err 87 1")
    rc, out, err = kt.run_tool(db, 600, [kt.kafka_sink(mb.addr)], "--dl-file", dlfile, "--deadline-ms", 60000)
    if rc != 0 or "pending=0" not in out:
        kt.fail("permanent run: exit %d %s %s" % (rc, out, err[-2000:]))
    items, dead = check_accounted(mb.addr, db, dlfile, 600, 1)
    reasons = {ev["reason"].split(":")[0] for ev in dead.values()}
    if not any("TOPIC_AUTHORIZATION_FAILED" in r or "INVALID_RECORD" in r for r in reasons):
        kt.fail("dead letters do not name the broker's error: %s" % reasons)
    print("permanent: delivered=%d dead=%d reasons=%s" % (len(items), len(dead), sorted(reasons)))

# 3. Too large for message.max.bytes: caught before producing, dead-lettered with a prefix.
with kt.MockBroker() as mb:
    db = os.path.join(d, "large.db")
    dlfile = os.path.join(d, "large.dead.jsonl")
    sink = kt.kafka_sink(mb.addr, **{"message.max.bytes": 100000})
    rc, out, err = kt.run_tool(db, 500, [sink], "--big-every", 50, "--big-size", 150000, "--dl-file", dlfile)
    if rc != 0 or "pending=0" not in out:
        kt.fail("large run: exit %d %s %s" % (rc, out, err[-2000:]))
    items, dead = check_accounted(mb.addr, db, dlfile, 500, 10)
    big = {"item-%d" % i for i in range(0, 500, 50)}
    if set(dead) != big:
        kt.fail("dead letters %s, expected exactly the oversized %s" % (sorted(dead)[:12], sorted(big)))
    if big & items:
        kt.fail("an oversized event reached the items topic")
    for ev in dead.values():
        if "event_prefix" not in ev or ev["event_bytes"] < 150000 or "refused" not in ev["reason"]:
            kt.fail("oversized dead letter lacks prefix/size/reason: %s" % json.dumps(ev)[:300])
    print("too large: %d dead-lettered before producing" % len(dead))
# 4. A fatal producer error (idempotence sequence lost): the producer is rebuilt, what was in
#    flight goes back to pending, everything is delivered, nothing dead-lettered.
with kt.MockBroker() as mb:
    db = os.path.join(d, "fatal.db")
    rc, out, err = kt.run_tool(db, 100, [kt.kafka_sink(mb.addr)])
    if rc != 0:
        kt.fail("warm-up: %s %s" % (out, err[-1000:]))
    mb.cmd("err 45 1")  # OUT_OF_ORDER_SEQUENCE_NUMBER
    rc, out, err = kt.run_tool(db, 600, [kt.kafka_sink(mb.addr)], "--deadline-ms", 60000)
    if rc != 0 or "pending=0" not in out or "dead=0" not in out:
        kt.fail("fatal run: exit %d %s %s" % (rc, out, err[-2000:]))
    if "rebuilding" not in err:
        kt.fail("the fatal error was not seen (mock behaviour changed?): %s" % err[-1000:])
    kt.expect_all_keys(mb.addr, 600)
    print("fatal: producer rebuilt, %s" % out.strip())
print("ok")
