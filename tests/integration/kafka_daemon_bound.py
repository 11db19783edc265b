#!/usr/bin/env python3
"""The outbox bound through the real daemon (issue test 6): `claimwatch run` with outbox.max_rows
small and every broker down. Loopback HTTP feeds show more items on every request. The first
fetches take the backlog past the bound; then fetching pauses: claimwatch_fetch_paused is 1 and no
feed is requested although every feed comes due meanwhile (the server counts requests; the fetch
counters in /metrics stay flat). With the brokers back the backlog drains, fetching resumes (the
feeds are requested again, claimwatch_fetch_paused 0), and every item shown ends up on
claimwatch.items; SIGTERM exits 0 and integrity_check is ok. Every wait is bounded."""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import kafkatest as kt  # noqa: E402
from pagedfeeds import PagedFeeds  # noqa: E402

kt.need_kcat()
BIN = os.environ.get("CW_BIN", "build/claimwatch")
SRC = os.path.abspath(os.environ.get("CW_SOURCE_DIR", "."))
NFEEDS, PER_FEED, PAGE = 4, 300, 100
BOUND = 150        # rows; the first fetches queue 4 x 100
INTERVAL = 10      # the shortest poll interval allowed; a feed is due again 9-11 s after a fetch
d = kt.workdir("daemon-bound")
failures = []
check = kt.checker(failures)


def fetches(m):
    return sum(v for k, v in m.items() if k.startswith("claimwatch_fetch_total"))


feeds = PagedFeeds("bound", NFEEDS, PER_FEED, PAGE)
state = os.path.join(d, "state")
os.makedirs(state)
with kt.MockBroker() as mb:
    conf = {
        "state_dir": state,
        "claims": [os.path.join(SRC, "config/claims/example.json")],
        "feeds": [{"url": feeds.url(f), "max_items": PER_FEED} for f in range(NFEEDS)],
        "fetch": {"allow_cidrs": ["127.0.0.0/8"], "interval_s": INTERVAL, "min_interval_s": INTERVAL,
                  "per_host": 8},
        "outbox": {"max_rows": BOUND},
        "sinks": [{"type": "kafka", "name": "kafka", "metadata_timeout_ms": 500,
                   "rdkafka": {"bootstrap.servers": mb.addr, "message.timeout.ms": 120000,
                               "reconnect.backoff.max.ms": 500, "retry.backoff.ms": 100}}],
        "metrics": {"listen": "127.0.0.1:0"},
        "drain_timeout_ms": 5000,
        "log": {"level": "info"},
    }
    cpath = os.path.join(d, "claimwatch.json")
    with open(cpath, "w") as f:
        json.dump(conf, f)
    mb.cmd("down all")
    p = subprocess.Popen([BIN, "run", "-c", cpath, "--state-dir", state], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    log = kt.DaemonLog(p.stderr)
    log.start()
    try:
        check(log.got_port.wait(30), "metrics port logged")
        if failures:
            raise RuntimeError("daemon did not come up")
        port = log.port

        # Brokers down: the first fetches queue more than the bound, then fetching pauses.
        paused = kt.wait_until(lambda: kt.metrics(port).get("claimwatch_fetch_paused") == 1, 30)
        check(paused is not None, "claimwatch_fetch_paused becomes 1 with the brokers down")
        m0, r0, t0 = kt.metrics(port), feeds.total_requests(), time.monotonic()
        backlog0 = m0.get("claimwatch_outbox_pending_rows", 0)
        check(backlog0 >= BOUND, "backlog at or past the bound when paused: %d rows (bound %d)" % (backlog0, BOUND))
        # Hold the outage well past the poll interval: every feed comes due, none may be fetched.
        while time.monotonic() - t0 < INTERVAL * 1.1 + 2 and p.poll() is None:
            time.sleep(0.5)
        m1, r1 = kt.metrics(port), feeds.total_requests()
        check(p.poll() is None, "daemon alive while paused")
        check(r1 == r0, "no feed requested while paused: %d requests at the pause, %d %.0f s later (interval %d s)"
              % (r0, r1, time.monotonic() - t0, INTERVAL))
        check(fetches(m1) == fetches(m0), "fetch counters flat while paused: %s -> %s" % (fetches(m0), fetches(m1)))
        check(m1.get("claimwatch_fetch_paused") == 1, "still paused after %.0f s" % (time.monotonic() - t0))
        backlog1 = m1.get("claimwatch_outbox_pending_rows", -1)
        check(backlog1 == backlog0, "backlog kept, not dropped, while paused: %d then %d rows" % (backlog0, backlog1))
        check("fetching paused" in log.text(), "the pause is logged")

        # Brokers back: the backlog drains, fetching resumes, the rest of the items arrive.
        mb.cmd("up all")
        resumed = kt.wait_until(lambda: kt.metrics(port).get("claimwatch_fetch_paused") == 0, 60)
        check(resumed is not None, "claimwatch_fetch_paused back to 0 with the brokers up")
        more = kt.wait_until(lambda: feeds.total_requests() > r1, 30)
        check(more is not None, "feeds requested again after the resume (%d requests)" % feeds.total_requests())
        check("fetching resumed" in log.text(), "the resume is logged")
        want = feeds.all_item_urls()
        got = set()

        def all_delivered():
            global got
            if min(feeds.full_served) < 1 or kt.metrics(port).get("claimwatch_outbox_pending_rows") != 0:
                return False
            got = kt.topic_item_urls(mb.addr)
            return want <= got

        # The remaining pages need further polls, each up to an interval apart; pauses may recur.
        kt.wait_until(all_delivered, 90, step=1.0)
        missing = want - got
        check(not missing, "every item on claimwatch.items: %d of %d, missing e.g. %s"
              % (len(want) - len(missing), len(want), sorted(missing)[:3]))
        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            rc = None
        check(rc == 0, "exit 0 after SIGTERM (rc=%s)" % rc)
    except Exception as e:  # report, then fail below
        failures.append("exception: %r" % e)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        log.join(5)
        feeds.close()

if failures:
    print("daemon log (tail):\n" + "".join(log.lines[-40:]), file=sys.stderr)
    kt.fail("%d check(s) failed: %s" % (len(failures), failures))
kt.integrity_ok(os.path.join(state, "state.db"))
print("ok")
