"""Crash safety: 10,000 items; the drainer (accepting and sending, as the daemon does) is killed
with SIGKILL at 20 random moments and restarted each time; at the end every item is on the topic
at least once and the state DB passes PRAGMA integrity_check."""
import os
import random
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import kafkatest as kt  # noqa: E402

kt.need_kcat()
seed = int(os.environ.get("CW_TEST_SEED", str(int(time.time()))))
rng = random.Random(seed)
print("seed=%d" % seed)
d = kt.workdir("kill9")
db = os.path.join(d, "state.db")
N, KILLS = 10000, 20
with kt.MockBroker() as mb:
    sink = kt.kafka_sink(mb.addr)
    killed_with_work = 0
    for k in range(KILLS):
        p = subprocess.Popen(kt.tool_args(db, N, [sink], "--rate", 8000, "--batch", 50),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.02, 1.2))
        if p.poll() is None:
            killed_with_work += 1
        p.send_signal(signal.SIGKILL)
        p.wait()
        kt.integrity_ok(db)
    print("killed %d runs mid-work" % killed_with_work)
    # Run to completion (bounded).
    rc, out, err = kt.run_tool(db, N, [sink], "--deadline-ms", 60000)
    if rc != 0 or "pending=0" not in out:
        kt.fail("final run: exit %d %s %s" % (rc, out, err[-2000:]))
    keys = kt.kcat_keys(mb.addr, "claimwatch.items")
    kt.expect_all_keys(mb.addr, N)
    print("messages on topic=%d distinct=%d (duplicates are allowed: at-least-once)" % (len(keys), len(set(keys))))
kt.integrity_ok(db)
if kt.outbox_rows(db) != 0:
    kt.fail("outbox not empty at the end")
if killed_with_work < KILLS // 2:
    kt.fail("only %d of %d kills hit a running drainer; the test did not test much" % (killed_with_work, KILLS))
print("ok")
