#!/usr/bin/env python3
"""Crash safety through the real daemon (issue test 1): `claimwatch run` polls 20 HTTP feeds on
loopback that together hold 10,000 items and delivers to the mock broker; it is killed with SIGKILL
at 20 random moments and restarted each time, with a broker round trip of 0, 50 or 200 ms drawn per
run. Each feed reveals its items in pages (100 more per request), so items keep appearing
across restarts and the kills land while items are being fetched, accepted and delivered.
Afterwards every item is on claimwatch.items at least once (read back with kcat, matched by link),
the outbox is empty, and PRAGMA integrity_check is ok after every kill. Kill moments are random
(seed printed; CW_TEST_SEED repeats a run); every wait is bounded."""
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import kafkatest as kt  # noqa: E402
from pagedfeeds import PagedFeeds  # noqa: E402

kt.need_kcat()
BIN = os.environ.get("CW_BIN", "build/claimwatch")
SRC = os.path.abspath(os.environ.get("CW_SOURCE_DIR", "."))
NFEEDS, PER_FEED, PAGE = 20, 500, 100   # 10,000 items; five requests of each feed reveal them all
KILLS = 20
seed = int(os.environ.get("CW_TEST_SEED", str(int(time.time()))))
rng = random.Random(seed)
print("seed=%d" % seed, flush=True)
d = kt.workdir("daemon-kill9")


feeds = PagedFeeds("kill9", NFEEDS, PER_FEED, PAGE)

state = os.path.join(d, "state")
os.makedirs(state)
db = os.path.join(state, "state.db")


def outbox_rows():
    if not os.path.exists(db):
        return 0
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=10)
    try:
        return con.execute("SELECT count(*) FROM outbox").fetchone()[0]
    except sqlite3.Error:
        return 0
    finally:
        con.close()


def start(cpath, logf):
    return subprocess.Popen([BIN, "run", "-c", cpath, "--state-dir", state], stdout=subprocess.DEVNULL,
                            stderr=logf)


with kt.MockBroker() as mb:
    conf = {
        "state_dir": state,
        "claims": [os.path.join(SRC, "config/claims/example.json")],
        "feeds": [{"url": feeds.url(f), "max_items": PER_FEED}
                  for f in range(NFEEDS)],
        # The shortest poll interval allowed: the second page of each feed comes 9-11 s later.
        "fetch": {"allow_cidrs": ["127.0.0.0/8"], "interval_s": 10, "min_interval_s": 10, "per_host": 8},
        "sinks": [{"type": "kafka", "name": "kafka", "metadata_timeout_ms": 1000,
                   "rdkafka": {"bootstrap.servers": mb.addr, "message.timeout.ms": 30000,
                               "reconnect.backoff.max.ms": 500, "retry.backoff.ms": 100}}],
        "metrics": {"listen": ""},
        "drain_timeout_ms": 2000,
        "log": {"level": "notice"},
    }
    cpath = os.path.join(d, "claimwatch.json")
    with open(cpath, "w") as f:
        json.dump(conf, f)
    logpath = os.path.join(d, "daemon.log")
    logf = open(logpath, "a")

    with_pending = mid_fetch = 0
    t_begin = time.monotonic()
    for k in range(KILLS):
        # A broker round trip drawn per run (0, 50 or 200 ms): slow runs are killed with deliveries
        # in flight (produced, no report yet: the rows stay pending and go out after the restart),
        # fast ones with the outbox drained and the next fetch under way.
        rtt = rng.choice((0, 50, 200))
        mb.cmd("rtt all %d" % rtt)
        # The kill moment follows the work, not the clock alone: wait for this run's first feed
        # request (at once if the last kill interrupted a fetch before its schedule was saved,
        # else when the next feed comes due, within 11 s), then kill at a random moment in the
        # 1.5 s after it, while the fetched items are being accepted and delivered.
        r0 = feeds.total_requests()
        p = start(cpath, logf)
        end = time.monotonic() + 15
        while feeds.total_requests() == r0 and time.monotonic() < end and p.poll() is None:
            time.sleep(0.01)
        fetched = feeds.total_requests() > r0
        mid_fetch += fetched
        time.sleep(rng.uniform(0.0, 1.5))
        if p.poll() is not None:
            logf.flush()
            kt.fail("claimwatch run exited on its own (rc %s) before kill %d; log: %s"
                    % (p.returncode, k + 1, open(logpath).read()[-3000:]))
        n = outbox_rows()
        with_pending += n > 0
        p.send_signal(signal.SIGKILL)
        p.wait()
        kt.integrity_ok(db)
        print("kill %2d (rtt %3d ms): %s, %5d rows pending, items shown %5d, requests %d"
              % (k + 1, rtt, "after a fetch" if fetched else "no fetch in 15 s", n, feeds.total_shown(),
                 feeds.total_requests()), flush=True)
    print("20 kills in %.1f s: %d after a fetch began, %d with rows pending in the outbox"
          % (time.monotonic() - t_begin, mid_fetch, with_pending), flush=True)

    # The last start runs to the end: every feed shown in full and fetched once more after that,
    # the outbox empty, every item on the topic. Bounded in time.
    mb.cmd("rtt all 0")
    p = start(cpath, logf)
    want = feeds.all_item_urls()
    got = set()
    end = time.monotonic() + 120
    try:
        while time.monotonic() < end and p.poll() is None:
            time.sleep(1.0)
            if min(feeds.full_served) < 1 or outbox_rows() != 0:
                continue
            got = kt.topic_item_urls(mb.addr, timeout=120)
            if want <= got:
                break
        alive = p.poll() is None
        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = None
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        logf.close()
    missing = want - got
    if not alive:
        kt.fail("claimwatch run exited on its own in the last run; log: %s" % open(logpath).read()[-3000:])
    if missing:
        kt.fail("%d of %d items missing from claimwatch.items after %d kills (seed %d), e.g. %s; feeds shown %s"
                % (len(missing), len(want), KILLS, seed, sorted(missing)[:5], feeds.shown))
    if rc != 0:
        kt.fail("SIGTERM after the last run: exit %s" % rc)
kt.integrity_ok(db)
left = kt.outbox_rows(db)
if left != 0:
    kt.fail("outbox not empty at the end: %d rows" % left)
if mid_fetch < KILLS // 2:
    kt.fail("only %d of %d runs fetched anything before their kill: the daemon stopped polling?" % (mid_fetch, KILLS))
print("ok: %d items on the topic after %d kills (%d after a fetch began, %d with rows pending)"
      % (len(want), KILLS, mid_fetch, with_pending))
