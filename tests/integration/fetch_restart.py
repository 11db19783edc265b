"""Restart at poller level: poll 40 slow feeds, kill -9 mid-round, poll again. No item is emitted
twice, feeds whose fetch was recorded before the kill are not fetched again (the schedule resumed),
and the rest are fetched. Then `claimwatch feeds list` shows each feed's state."""
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.environ.get("CW_SOURCE_DIR", "."), "tests", "tools"))
import fetchsrv  # noqa: E402

fails = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fails.append(what)


tool = os.path.join(os.environ.get("CW_TOOLS_DIR", "build/tests"), "poll_tool")
cw = os.environ.get("CW_BIN", "build/claimwatch")
srv = fetchsrv.Server("127.0.0.1")
tmp = tempfile.mkdtemp(prefix="cw_restart_")
N = 40
urls = [srv.base + "/f/%d" % k for k in range(N)] + [srv.base + "/gone"]
with open(os.path.join(tmp, "urls"), "w") as f:
    f.write("\n".join(urls) + "\n")
base = [tool, "--state-dir", os.path.join(tmp, "st"), "--allow", "127.0.0.1/32", "--per-host", "2",
        "--urls", os.path.join(tmp, "urls")]
try:
    # run 1: killed once a third of the items are out
    p = subprocess.Popen(base + ["--run-ms", "120000"], stdout=subprocess.PIPE, text=True)
    emitted = []
    deadline = time.time() + 60
    while len(emitted) < 40 and time.time() < deadline:
        line = p.stdout.readline()
        if not line:
            break
        ev = json.loads(line)
        if ev["event"] == "item":
            emitted.append(ev["id"])
    p.send_signal(signal.SIGKILL)
    p.wait()
    # whatever it printed before dying was committed: count it too
    for line in p.stdout.read().splitlines():
        try:
            ev = json.loads(line)
        except ValueError:
            continue  # a line cut by the kill
        if ev["event"] == "item":
            emitted.append(ev["id"])
    p.stdout.close()
    check(len(emitted) >= 40, "run 1 emitted items before the kill (%d)" % len(emitted))
    check(len(emitted) < 3 * N, "run 1 was killed mid-round")

    db = sqlite3.connect(os.path.join(tmp, "st", "state.db"))
    now_ms = int(time.time() * 1000)
    done = {r[0] for r in db.execute("SELECT url FROM feeds WHERE last_fetch_ms IS NOT NULL AND next_fetch_ms > ?",
                                     (now_ms,))}
    db.close()
    check(len(done) > 0, "feeds fetched before the kill were recorded (%d)" % len(done))
    hits1 = dict(srv.st.hits)

    # run 2: until idle
    out = subprocess.run(base + ["--run-ms", "120000", "--until-idle"], capture_output=True, text=True, timeout=180)
    check(out.returncode == 0, "run 2 exit status 0 (%s)" % out.stderr.strip()[:200])
    ev2 = [json.loads(x) for x in out.stdout.splitlines()]
    emitted2 = [e["id"] for e in ev2 if e["event"] == "item"]
    allitems = emitted + emitted2
    check(len(allitems) == len(set(allitems)), "no item emitted twice (%d + %d)" % (len(emitted), len(emitted2)))
    # ids are the parser's (a hash of the canonical URL, else the GUID): count them, do not spell them
    check(len(set(allitems)) == 3 * N, "every item emitted once (%d of %d)" % (len(set(allitems)), 3 * N))
    refetched = [u for u in done if srv.st.hits.get(u[len(srv.base):], 0) != hits1.get(u[len(srv.base):], 0)]
    check(not refetched, "feeds recorded before the kill were not fetched again (%s)" % refetched[:3])
    check(any(e["event"] == "status" and e["health"] == "failing" for e in ev2) or
          any(u.endswith("/gone") for u in done), "the 404 feed reported failing")

    # claimwatch feeds list, with a config naming the state dir, tabular and JSON
    cfgp = os.path.join(tmp, "c.json")
    with open(cfgp, "w") as f:
        json.dump({"state_dir": os.path.join(tmp, "st")}, f)
    lst = subprocess.run([cw, "feeds", "list", "-c", cfgp, "--json"], capture_output=True, text=True)
    check(lst.returncode == 0, "feeds list --json exit 0 (%s)" % lst.stderr.strip()[:200])
    rows = json.loads(lst.stdout)
    check(len(rows) == N + 1, "feeds list shows every feed (%d)" % len(rows))
    ok = [r for r in rows if "/f/" in r["url"]]
    check(all(r["last_status"] == 200 and r["failures"] == 0 and r["etag"].startswith('"e') and
              r["next_fetch"] != "due" for r in ok), "healthy feeds: 200, no failures, ETag kept, scheduled")
    gone = [r for r in rows if r["url"].endswith("/gone")][0]
    check(gone["last_status"] == 404 and gone["failures"] == 1 and gone["last_error"] == "HTTP 404",
          "failing feed: status, failure count and error visible")
    tab = subprocess.run([cw, "feeds", "list", "--state-dir", os.path.join(tmp, "st")], capture_output=True,
                         text=True)
    check(tab.returncode == 0 and "NEXT FETCH" in tab.stdout and "last error: HTTP 404" in tab.stdout and
          "validators: etag=\"e1\"" in tab.stdout, "feeds list tabular")
    # claimwatch feeds import: OPML feeds registered (once), then polled with the rest
    opml = os.path.join(tmp, "more.opml")
    with open(opml, "w") as f:
        f.write('<?xml version="1.0"?><opml version="2.0"><head/><body><outline text="more">'
                '<outline text="x" xmlUrl="%s/f/100"/><outline text="y" xmlUrl="%s/f/101"/>'
                '<outline text="dup" xmlUrl="%s/f/1"/></outline></body></opml>' % (srv.base, srv.base, srv.base))
    imp = subprocess.run([cw, "feeds", "import", "-c", cfgp, opml], capture_output=True, text=True)
    check(imp.returncode == 0 and "3 feeds" in imp.stdout and "2 new" in imp.stdout,
          "feeds import registers the new OPML feeds (%s%s)" % (imp.stdout.strip(), imp.stderr.strip()[:200]))
    out = subprocess.run(base + ["--run-ms", "60000", "--until-idle"], capture_output=True, text=True, timeout=120)
    ev3 = [json.loads(x) for x in out.stdout.splitlines()]
    new3 = {e["id"] for e in ev3 if e["event"] == "item"}
    check(len(new3) == 6 and not (new3 & set(allitems)), "imported feeds polled, nothing re-emitted (%d)" % len(new3))
    rows = json.loads(subprocess.run([cw, "feeds", "list", "-c", cfgp, "--json"], capture_output=True,
                                     text=True).stdout)
    check(sum(1 for r in rows if r["source"] == "import") == 2, "imported feeds listed with source import")
    bad = subprocess.run([cw, "feeds", "frobnicate", "--state-dir", tmp], capture_output=True, text=True)
    check(bad.returncode == 2, "unknown subcommand is a usage error")
finally:
    srv.close()
    shutil.rmtree(tmp, ignore_errors=True)

print("%d failures" % len(fails))
sys.exit(1 if fails else 0)
