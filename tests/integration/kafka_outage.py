"""All brokers down in the middle of a burst: the backlog grows on disk (visible in the outbox),
the process's memory stays flat (RSS sampled), and when the brokers come back everything is
delivered. The outage is CW_OUTAGE_S seconds (default 12, longer than message.timeout.ms so
librdkafka's timeouts go back to pending and are re-produced; the issue's 60 s: CW_OUTAGE_S=60)."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import kafkatest as kt  # noqa: E402

kt.need_kcat()
OUTAGE = float(os.environ.get("CW_OUTAGE_S", "12"))
RATE = 1000
N = int(RATE * (OUTAGE + 5))
d = kt.workdir("outage")
db = os.path.join(d, "state.db")
with kt.MockBroker() as mb:
    # Under AddressSanitizer freed blocks wait in a quarantine (256 MB by default) before reuse, so
    # RSS climbs with every allocation until it is full: the sanitizer's memory, not ours. A small
    # quarantine keeps the RSS check about the drainer (no effect without ASan).
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = ":".join(x for x in (os.environ.get("ASAN_OPTIONS", ""), "quarantine_size_mb=4",
                                               "thread_local_quarantine_size_kb=64") if x)
    p = subprocess.Popen(kt.tool_args(db, N, [kt.kafka_sink(mb.addr)], "--rate", RATE, "--deadline-ms", 120000),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    time.sleep(2)
    if p.poll() is not None:
        kt.fail("drainer ended before the outage: %s" % p.communicate())
    mb.cmd("down all")
    t0 = time.time()
    rss, backlog = [], []
    while time.time() - t0 < OUTAGE:
        time.sleep(0.5)
        r = kt.rss_kb(p.pid)
        if r:
            rss.append(r)
        backlog.append(kt.outbox_rows(db))
    mb.cmd("up all")
    out, err = p.communicate(timeout=180)
    if p.returncode != 0 or "pending=0" not in out:
        kt.fail("drainer: exit %d %s %s" % (p.returncode, out, err[-2000:]))
    kt.expect_all_keys(mb.addr, N)
# The backlog must have grown on disk during the outage ...
if max(backlog) < RATE * OUTAGE / 2:
    kt.fail("backlog did not build up on disk during the outage: %s" % backlog)
# ... while memory stayed flat: the second half of the outage may not grow RSS by more than a
# few MB although thousands more events were accepted (they wait in SQLite, not in RAM).
half = len(rss) // 2
growth = max(rss[half:]) - rss[half]
print("outage=%.0fs backlog peak=%d rows, rss %d..%d kB, growth in 2nd half %d kB" %
      (OUTAGE, max(backlog), min(rss), max(rss), growth))
if growth > 16 * 1024:
    kt.fail("RSS grew by %d kB during the outage" % growth)
if kt.outbox_rows(db) != 0:
    kt.fail("outbox not empty")
kt.integrity_ok(db)
print("ok")
