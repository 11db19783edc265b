"""The outbox bound: with brokers down, accepting (the daemon's fetching) pauses when the outbox
holds --max-rows rows, nothing is dropped, and it resumes once the brokers are back and the
sender drains below the bound."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import kafkatest as kt  # noqa: E402

kt.need_kcat()
d = kt.workdir("bound")
db = os.path.join(d, "state.db")
N, BOUND, BATCH = 3000, 500, 50
with kt.MockBroker() as mb:
    sink = kt.kafka_sink(mb.addr)
    mb.cmd("down all")
    p = subprocess.Popen(kt.tool_args(db, N, [sink], "--max-rows", BOUND, "--batch", BATCH, "--deadline-ms", 60000),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    t0 = time.time()
    while time.time() - t0 < 4:
        time.sleep(0.2)
        peak = max(peak, kt.outbox_rows(db))
    if p.poll() is not None:
        kt.fail("drainer ended while paused: %s" % (p.communicate(),))
    if peak < BOUND or peak > BOUND + BATCH:
        kt.fail("outbox peaked at %d rows; the bound is %d (+ one batch of %d)" % (peak, BOUND, BATCH))
    mb.cmd("up all")
    out, err = p.communicate(timeout=120)
    if p.returncode != 0 or "pending=0" not in out:
        kt.fail("drainer: exit %d %s %s" % (p.returncode, out, err[-2000:]))
    if "paused at item" not in err or "resumed at item" not in err:
        kt.fail("no pause/resume reported: %s" % err[-1000:])
    kt.expect_all_keys(mb.addr, N)
print("ok: paused at %d rows, resumed, %d delivered" % (peak, N))
