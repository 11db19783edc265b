#!/usr/bin/env python3
"""The state directory on a full disk, through the real daemon (issue test 5): `claimwatch run`
with its state on a 1 MiB tmpfs, every broker down so the outbox grows until the disk is full.
The daemon must stay up, say clearly that the disk is full, keep the database intact and
consistent (no item marked seen without its event: one transaction), and, once the tmpfs grows
and the brokers return, take the refused items again on the next polls and deliver every item.
Needs root (mount); skipped with a message otherwise. Every wait is bounded."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import kafkatest as kt  # noqa: E402
from pagedfeeds import PagedFeeds  # noqa: E402

kt.need_kcat()
BIN = os.environ.get("CW_BIN", "build/claimwatch")
SRC = os.path.abspath(os.environ.get("CW_SOURCE_DIR", "."))
NFEEDS, PER_FEED, PAGE = 2, 2000, 1000
d = kt.workdir("daemon-fulldisk")
state = os.path.join(d, "state")
os.mkdir(state)
if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", state],
                                       capture_output=True).returncode != 0:
    print("SKIP: cannot mount a small tmpfs (needs root); the daemon full-disk case is not tested here")
    sys.exit(77)
failures = []
check = kt.checker(failures)


class Log(threading.Thread):
    def __init__(self, pipe):
        super().__init__(daemon=True)
        self.pipe, self.lines = pipe, []

    def run(self):
        for line in self.pipe:
            self.lines.append(line)
            if len(self.lines) > 4000:
                del self.lines[:1000]

    def text(self):
        return "".join(self.lines)


db = os.path.join(state, "state.db")


def db_query(sql):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=10)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


feeds = PagedFeeds("fulldisk", NFEEDS, PER_FEED, PAGE)
p = None
log = None
try:
    with kt.MockBroker() as mb:
        conf = {
            "state_dir": state,
            "claims": [os.path.join(SRC, "config/claims/example.json")],
            "feeds": [{"url": feeds.url(f), "max_items": PER_FEED} for f in range(NFEEDS)],
            "fetch": {"allow_cidrs": ["127.0.0.0/8"], "interval_s": 10, "min_interval_s": 10, "per_host": 8},
            "sinks": [{"type": "kafka", "name": "kafka", "metadata_timeout_ms": 500,
                       "rdkafka": {"bootstrap.servers": mb.addr, "message.timeout.ms": 120000,
                                   "reconnect.backoff.max.ms": 500, "retry.backoff.ms": 100}}],
            "metrics": {"listen": ""},
            "drain_timeout_ms": 5000,
            "log": {"level": "info"},
        }
        cpath = os.path.join(d, "claimwatch.json")
        with open(cpath, "w") as f:
            json.dump(conf, f)
        mb.cmd("down all")
        p = subprocess.Popen([BIN, "run", "-c", cpath, "--state-dir", state], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        log = Log(p.stderr)
        log.start()
        full = kt.wait_until(lambda: "disk is full" in log.text() or p.poll() is not None, 60, step=0.5)
        check(p.poll() is None, "daemon alive on a full disk")
        check(full is not None and "disk is full" in log.text(), "the log says the disk is full")
        time.sleep(1.0)  # a few more refused items, still alive
        check(p.poll() is None, "daemon still alive a second later")
        kt.integrity_ok(db)
        seen = db_query("SELECT count(*) FROM items")[0][0]
        orphans = db_query("SELECT count(*) FROM items WHERE id NOT IN (SELECT key FROM outbox)")[0][0]
        check(seen < feeds.total_shown(), "not every item shown could be accepted: %d of %d"
              % (seen, feeds.total_shown()))
        check(orphans == 0, "every item marked seen has its event queued (%d without)" % orphans)

        # Space returns, brokers return: the refused items come back on the next polls.
        subprocess.run(["mount", "-o", "remount,size=64m", state], check=True)
        mb.cmd("up all")
        want = feeds.all_item_urls()
        got = set()

        def all_delivered():
            global got
            if min(feeds.full_served) < 1:
                return False
            if db_query("SELECT count(*) FROM outbox")[0][0] != 0:
                return False
            got = kt.topic_item_urls(mb.addr)
            return want <= got

        kt.wait_until(all_delivered, 120, step=1.0)
        missing = want - got
        check(not missing, "every item on claimwatch.items after space returned: %d of %d, missing e.g. %s"
              % (len(want) - len(missing), len(want), sorted(missing)[:3]))
        check(p.poll() is None, "daemon alive throughout")
        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            rc = None
        check(rc == 0, "exit 0 after SIGTERM (rc=%s)" % rc)
        kt.integrity_ok(db)
except Exception as e:  # report, then fail below
    failures.append("exception: %r" % e)
finally:
    if p is not None and p.poll() is None:
        p.kill()
        p.wait()
    if log is not None:
        log.join(5)
    feeds.close()
    subprocess.run(["umount", "-l", state])

if failures:
    if log is not None:
        print("daemon log (tail):\n" + "".join(log.lines[-40:]), file=sys.stderr)
    kt.fail("%d check(s) failed: %s" % (len(failures), failures))
print("ok")
