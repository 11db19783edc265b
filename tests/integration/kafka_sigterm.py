"""SIGTERM during an outage: the drainer stops within its flush deadline and exits 0, every
accepted event stays pending in the outbox, and the next start delivers them all."""
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import kafkatest as kt  # noqa: E402

kt.need_kcat()
d = kt.workdir("sigterm")
db = os.path.join(d, "state.db")
N = 2000
with kt.MockBroker() as mb:
    sink = kt.kafka_sink(mb.addr)
    rc, out, err = kt.run_tool(db, 100, [sink])  # the producer knows the cluster
    if rc != 0:
        kt.fail("warm-up: %s %s" % (out, err[-1000:]))
    mb.cmd("down all")
    p = subprocess.Popen(kt.tool_args(db, N, [sink], "--start", 100, "--stop-ms", 1500, "--deadline-ms", 60000),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    while time.time() < deadline and kt.outbox_rows(db) < N:
        time.sleep(0.1)
    if kt.outbox_rows(db) < N:
        kt.fail("events were not accepted while brokers were down")
    time.sleep(1)
    t0 = time.time()
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=30)
    took = time.time() - t0
    if p.returncode != 0:
        kt.fail("SIGTERM: exit %d %s %s" % (p.returncode, out, err[-2000:]))
    if took > 20:
        kt.fail("stopping took %.1fs (flush deadline 1.5s)" % took)
    pending = kt.outbox_rows(db)
    if pending != N:
        kt.fail("after SIGTERM %d rows pending, expected %d" % (pending, N))
    kt.integrity_ok(db)
    mb.cmd("up all")
    rc, out, err = kt.run_tool(db, 0, [sink], "--drain-only", "--deadline-ms", 60000)
    if rc != 0 or "pending=0" not in out:
        kt.fail("next start: exit %d %s %s" % (rc, out, err[-2000:]))
    kt.expect_all_keys(mb.addr, N + 100)
print("ok: stopped in %.1fs with %d pending; all delivered on the next start" % (took, N))
