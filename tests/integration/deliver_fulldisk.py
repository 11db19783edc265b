"""The state directory on a full disk (a 1 MiB tmpfs): accepting fails with a clear error naming
the problem, the database stays intact and consistent (every item marked seen has its event
queued: one transaction), and after the disk grows the same run resumes and delivers everything.
Needs root (mount); skipped with a message otherwise."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import kafkatest as kt  # noqa: E402
import json  # noqa: E402
import sqlite3  # noqa: E402

d = kt.workdir("fulldisk")
mnt = os.path.join(d, "state")
os.mkdir(mnt)
if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt],
                                       capture_output=True).returncode != 0:
    print("SKIP: cannot mount a small tmpfs (needs root); the full-disk case is not tested here")
    sys.exit(77)
try:
    db = os.path.join(mnt, "state.db")
    out_path = os.path.join(d, "events.jsonl")
    sink = json.dumps({"type": "file", "path": out_path})
    N = 3000
    rc, out, err = kt.run_tool(db, N, [sink], "--accept-only", "--batch", 20)
    if rc != 3:
        kt.fail("expected exit 3 (store error) on a full disk, got %d: %s %s" % (rc, out, err[-1000:]))
    if "disk is full" not in err:
        kt.fail("the error does not say the disk is full: %s" % err[-1000:])
    kt.integrity_ok(db)
    con = sqlite3.connect(db)
    seen = con.execute("SELECT count(*) FROM items").fetchone()[0]
    orphans = con.execute("SELECT count(*) FROM items WHERE id NOT IN (SELECT key FROM outbox)").fetchone()[0]
    con.close()
    if seen == 0 or seen >= N or orphans != 0:
        kt.fail("after the full disk: %d items seen, %d without their event" % (seen, orphans))
    print("disk full after %d items: %s" % (seen, err.strip().splitlines()[-2][:200]))
    subprocess.run(["mount", "-o", "remount,size=32m", mnt], check=True)
    rc, out, err = kt.run_tool(db, N, [sink], "--batch", 20, "--deadline-ms", 60000)
    if rc != 0 or "pending=0" not in out:
        kt.fail("after space returned: exit %d %s %s" % (rc, out, err[-1000:]))
    kt.integrity_ok(db)
    with open(out_path) as f:
        ids = {json.loads(line)["id"] for line in f}
    missing = [i for i in range(N) if "item-%d" % i not in ids]
    if missing:
        kt.fail("%d items missing from the file sink, e.g. %s" % (len(missing), missing[:5]))
    print("ok: resumed and delivered all %d" % N)
finally:
    subprocess.run(["umount", "-l", mnt])
