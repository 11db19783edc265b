#!/usr/bin/env python3
"""Several daemons share the feeds through a Kafka consumer group (docs/operations.md, "Several
daemons"). Two `claimwatch run` daemons, cw-a and cw-b, each with its own state, join the group
"cw-share-test" on the mock cluster, whose topic claimwatch.feeds has 4 partitions, and poll 8
loopback feeds whose items appear page by page. Checked, from the HTTP server's request log (the
User-Agent names the daemon), the metrics and both state databases:
  1. once the group has split the partitions, every feed is polled by exactly one daemon over a
     window longer than the poll interval, both daemons poll some, and each database's owner
     column names its own daemon for exactly the feeds it polls;
  2. after SIGTERM to cw-b, cw-a holds all 4 partitions and polls every feed;
  3. cw-b restarts on its old state and gets a share back;
  4. after SIGKILL to cw-a (no goodbye: the group notices when its session times out), cw-b holds
     all 4 partitions and polls every feed;
  5. cut off from the brokers (the mock cluster refuses connections), cw-b gives its partitions up
     ("lost") when its session times out and polls nothing; when they are back it takes every
     partition again and polls every feed;
  6. every item the server has shown is on claimwatch.items at least once (read with kcat).
The daemons set a 6 s session timeout through share_rdkafka (a 1 s heartbeat), which the join log
line shows. Every wait is bounded and only bounds a hang; nothing is asserted about speed.
librdkafka's mock cluster waits about 3 s before its first assignment and then, on every later
rebalance, the session timeout less 1 s for members to rejoin (44 s with librdkafka's default):
the session timeout sets the pace of phases 2 to 5."""
import json
import os
import re
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
NFEEDS, PER_FEED, PAGE = 8, 200, 5
PARTITIONS = 4
INTERVAL = 10      # the shortest poll interval allowed: a feed is due again 9-11 s after a fetch
GROUP, TOPIC = "cw-share-test", "claimwatch.feeds"
SESSION_MS, HEARTBEAT_MS = 6000, 1000  # share_rdkafka: the brokers' usual minimum session timeout
NAMES = ("cw-a", "cw-b")
d = kt.workdir("share-group")
failures = []
check = kt.checker(failures)


def check_sigterm(proc, name):
    """SIGTERM: the daemon leaves the group, drains and exits 0."""
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        rc = None
    check(rc == 0, "%s exits 0 on SIGTERM (rc %s)" % (name, rc))


def owners(name):
    """{feed url: owner} from a daemon's state database (read only, beside the running daemon)."""
    db = os.path.join(d, name, "state.db")
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=10)
    try:
        return dict(con.execute("SELECT url, owner FROM feeds"))
    finally:
        con.close()


feeds = PagedFeeds("share", NFEEDS, PER_FEED, PAGE)
UA = {name: "claimwatch-test/%s" % name for name in NAMES}


def all_by(name, since):
    """Every feed requested since the mark, and only by daemon `name`."""
    seen = polled_by(feeds.requests_since(since))
    return len(seen) == NFEEDS and all(w == {name} for w in seen.values())


def polled_by(entries):
    """{feed: set of daemon names} for request-log entries."""
    out = {}
    for f, ua in entries:
        who = [n for n in NAMES if UA[n] == ua]
        out.setdefault(f, set()).update(who or {"?" + ua})
    return out


with kt.MockBroker() as mb:
    mb.cmd("topic %s %d" % (TOPIC, PARTITIONS))
    procs, logs, ports = {}, {}, {}

    def start(name):
        """Starts (or restarts, on the same state) one daemon; returns once its metrics answer."""
        cpath = os.path.join(d, name + ".json")
        if not os.path.exists(cpath):
            os.makedirs(os.path.join(d, name))
            conf = {
                "instance": name,
                "share_group": GROUP,
                "share_topic": TOPIC,
                "share_rdkafka": {"session.timeout.ms": SESSION_MS, "heartbeat.interval.ms": HEARTBEAT_MS},
                "state_dir": os.path.join(d, name),
                "claims": [os.path.join(SRC, "config/claims/example.json")],
                "feeds": [{"url": feeds.url(f), "max_items": PER_FEED} for f in range(NFEEDS)],
                "fetch": {"allow_cidrs": ["127.0.0.0/8"], "interval_s": INTERVAL, "min_interval_s": INTERVAL,
                          "per_host": 8, "user_agent": UA[name]},
                "sinks": [{"type": "kafka", "name": "kafka", "metadata_timeout_ms": 2000,
                           "rdkafka": {"bootstrap.servers": mb.addr, "message.timeout.ms": 30000,
                                       "reconnect.backoff.max.ms": 500, "retry.backoff.ms": 100}}],
                "metrics": {"listen": "127.0.0.1:0"},
                "drain_timeout_ms": 5000,
                "log": {"level": "info"},
            }
            with open(cpath, "w") as f:
                json.dump(conf, f)
        procs[name] = subprocess.Popen([BIN, "run", "-c", cpath], stdout=subprocess.DEVNULL,
                                       stderr=subprocess.PIPE, text=True)
        logs[name] = kt.DaemonLog(procs[name].stderr)
        logs[name].start()

    def takes_all(name, after, bound):
        """`name` comes to own every feed (within bound: a hang), then polls each, nobody else."""
        t0 = time.monotonic()
        took = kt.wait_until(lambda: kt.metrics(ports[name]).get("claimwatch_feeds_owned") == NFEEDS, bound)
        check(took is not None, "%s owns all %d feeds %s (%.1f s)" % (name, NFEEDS, after, time.monotonic() - t0))
        mark = len(feeds.requests_since(0))
        check(kt.wait_until(lambda: all_by(name, mark), 60) is not None, "%s polls every feed %s" % (name, after))

    def up(name):
        if not check(logs[name].got_port.wait(60), "%s: metrics port logged" % name):
            raise RuntimeError("%s did not come up:\n%s" % (name, logs[name].tail()))
        ports[name] = logs[name].port

    try:
        for name in NAMES:
            start(name)
        for name in NAMES:
            up(name)

        # 1. The group splits the partitions: both hold some, together all, and together they own
        # every feed once.
        def split():
            m = {n: kt.metrics(ports[n]) for n in NAMES}
            parts = [m[n].get("claimwatch_share_partitions", 0) for n in NAMES]
            owned = [m[n].get("claimwatch_feeds_owned", 0) for n in NAMES]
            if sum(parts) == PARTITIONS and min(parts) > 0 and sum(owned) == NFEEDS:
                return owned
            return None
        t0 = time.monotonic()
        owned = kt.wait_until(split, 90)
        check(owned is not None, "the group splits %d partitions between both daemons (%.1f s)"
              % (PARTITIONS, time.monotonic() - t0))
        if owned is None:
            raise RuntimeError("no split")
        print("owned feeds: %s" % dict(zip(NAMES, owned)), flush=True)
        # A fetch submitted just before a rebalance may still reach the server; let it land.
        time.sleep(1.5)
        mark = len(feeds.requests_since(0))
        t_window = time.monotonic()

        def window_done():
            seen = polled_by(feeds.requests_since(mark))
            return len(seen) == NFEEDS and time.monotonic() - t_window > INTERVAL * 1.1 + 2
        check(kt.wait_until(window_done, 60) is not None, "every feed polled in a window of over %d s" % INTERVAL)
        window = feeds.requests_since(mark)
        who = polled_by(window)
        both = {f: sorted(w) for f, w in who.items() if len(w) != 1}
        check(not both, "every feed polled by exactly one daemon (%d requests); by several: %s"
              % (len(window), both))
        pollers = set().union(*who.values()) if who else set()
        check(pollers == set(NAMES), "both daemons poll some feeds: %s" % sorted(pollers))
        check(split() == owned, "the split did not change during the window")
        own = {n: owners(n) for n in NAMES}
        for n in NAMES:
            mine = sorted(f for f in range(NFEEDS) if own[n].get(feeds.url(f)) == n)
            others = [v for v in own[n].values() if v not in (None, n)]
            polled = sorted(f for f, w in who.items() if w == {n})
            check(mine == polled, "%s: owner column names %s for the feeds it polls: %s (polled %s)"
                  % (n, n, mine, polled))
            check(not others, "%s: its database names no other owner: %s" % (n, others))
            check(re.search(r"share: group %s assigned partitions [0-9,]+ of %d: polling %d of %d feeds"
                            % (GROUP, PARTITIONS, len(polled), NFEEDS), logs[n].text()) is not None,
                  "%s: logs the assignment with the feeds it polls" % n)
            check(re.search(r"share: joining group=%s .*session_timeout_ms=%d" % (GROUP, SESSION_MS),
                            logs[n].text()) is not None, "%s: joins with share_rdkafka's session timeout" % n)

        # 2. cw-b stops: it leaves the group, cw-a gets every partition and polls every feed.
        mark = len(feeds.requests_since(0))
        check_sigterm(procs["cw-b"], "cw-b")
        check(all(v is None for v in owners("cw-b").values()), "cw-b cleared its owner column when it left")
        t0 = time.monotonic()
        took = kt.wait_until(lambda: kt.metrics(ports["cw-a"]).get("claimwatch_feeds_owned") == NFEEDS, 90)
        check(took is not None, "cw-a owns all %d feeds after cw-b left (%.1f s)" % (NFEEDS, time.monotonic() - t0))

        check(kt.wait_until(lambda: all_by("cw-a", mark), 90) is not None, "cw-a polls every feed, and nobody else does")
        check(all(v == "cw-a" for v in owners("cw-a").values()), "cw-a's owner column names it for every feed")
        check(re.search(r"share: group %s assigned partitions 0,1,2,3 of %d: polling %d of %d feeds"
                        % (GROUP, PARTITIONS, NFEEDS, NFEEDS), logs["cw-a"].text()) is not None,
              "cw-a logs taking over every partition")

        # 3. cw-b comes back on its old state: the group splits again.
        mark = len(feeds.requests_since(0))
        start("cw-b")
        up("cw-b")
        t0 = time.monotonic()
        # The mock cluster takes up to its session timeout to rebalance here; the bound is for a hang.
        check(kt.wait_until(split, 240) is not None, "the group splits the partitions again after cw-b's restart (%.1f s)"
              % (time.monotonic() - t0))
        check(kt.wait_until(lambda: "cw-b" in set().union(*polled_by(feeds.requests_since(mark)).values() or [set()]),
                         60) is not None, "the restarted cw-b polls some feeds")

        # 4. cw-a is killed: it cannot leave the group, so its partitions move when the group's
        # session timeout (SESSION_MS) expires; the bound only catches a hang.
        procs["cw-a"].send_signal(signal.SIGKILL)
        procs["cw-a"].wait()
        takes_all("cw-b", "after cw-a was killed", 300)

        # 5. The brokers go away: cw-b, alone now, cannot heartbeat, so once its session timeout
        # passes it gives its partitions up without a handover and polls nothing until the brokers
        # are back. (All daemons share the mock cluster, so one cannot be cut off alone; phase 4
        # is the other side: a member that went silent loses its feeds to the rest.)
        mb.cmd("down all")
        t0 = time.monotonic()
        gone = kt.wait_until(lambda: kt.metrics(ports["cw-b"]).get("claimwatch_feeds_owned") == 0, 90)
        check(gone is not None, "cw-b gives up its feeds when cut off from the brokers (%.1f s)"
              % (time.monotonic() - t0))
        check(re.search(r"share: group %s took our partitions away without a handover" % GROUP,
                        logs["cw-b"].text()) is not None, "cw-b logs that its partitions were lost")
        time.sleep(1.5)  # a fetch started just before may still land
        mark = len(feeds.requests_since(0))
        time.sleep(INTERVAL * 1.1 + 2)  # every feed came due at least once meanwhile
        cut_off = polled_by(feeds.requests_since(mark))
        check(not cut_off, "cw-b polls nothing while cut off: %s" % cut_off)
        mb.cmd("up all")
        takes_all("cw-b", "again once the brokers are back", 120)

        # 6. Nothing shown is lost: freeze the feeds, let cw-b fetch each once more (so it has read
        # everything shown), then every shown item must be on the topic.
        feeds.frozen = True
        mark = len(feeds.requests_since(0))
        check(kt.wait_until(lambda: all_by("cw-b", mark), 60) is not None, "cw-b polls every frozen feed")
        want = {feeds.item_url(f, i) for f in range(NFEEDS) for i in range(feeds.shown[f])}
        got = set()

        def delivered():
            got.clear()
            got.update(kt.topic_item_urls(mb.addr, timeout=60))
            return want <= got
        check(kt.wait_until(delivered, 90, step=2) is not None,
              "all %d items shown are on claimwatch.items (%d missing, e.g. %s)"
              % (len(want), len(want - got), sorted(want - got)[:3]))
        events = [k for k in kt.kcat_read(mb.addr, "claimwatch.items").split("\n") if k]
        print("items shown %d, item events on the topic %d (repeats from the moves: %d)"
              % (len(want), len(events), len(events) - len(set(events))), flush=True)

        for n in NAMES:
            print("%s's share log lines:\n  %s" % (n, "\n  ".join(
                line.strip() for line in logs[n].lines if "share:" in line)), flush=True)
        check_sigterm(procs["cw-b"], "cw-b")
    except RuntimeError as e:
        failures.append(str(e))
    finally:
        for name, p in procs.items():
            if p.poll() is None:
                p.kill()
                p.wait()
        feeds.close()

if failures:
    for name in logs:
        print("--- %s log tail:\n%s" % (name, logs[name].tail(60)), file=sys.stderr)
    kt.fail("%d check(s) failed: %s" % (len(failures), failures))
print("ok: share group test passed")
