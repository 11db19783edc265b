"""Fetcher limits against a loopback server: low-speed abort, total timeout, the decoded size cap
(chunked 50 MB and a gzip bomb) and the per-host connection limit, also on the host a redirect
leads to."""
import os
import sys

sys.path.insert(0, os.path.join(os.environ.get("CW_SOURCE_DIR", "."), "tests", "tools"))
import fetchsrv  # noqa: E402

fails = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fails.append(what)


srv = fetchsrv.Server("127.0.0.1")
A = ["--allow", "127.0.0.1/32"]
b = srv.base
try:
    r = fetchsrv.tool(A + ["--low-speed", "100", "2", b + "/drip"])[b + "/drip"]
    check(r["error"] == "too_slow", "slow drip aborted by the low-speed limit (%s)" % r["errmsg"])
    r = fetchsrv.tool(A + ["--timeout-ms", "1500", "--low-speed", "1", "60", b + "/hang"])[b + "/hang"]
    check(r["error"] == "timeout", "hanging server cut by the total timeout (%s)" % r["errmsg"])
    res = fetchsrv.tool(A + ["--max-bytes", "1048576", b + "/big", b + "/bomb"])
    check(res[b + "/big"]["error"] == "too_big", "chunked 50 MB body stopped at the cap")
    check(res[b + "/bomb"]["error"] == "too_big", "gzip bomb stopped at the decoded cap")
    check(srv.st.sent.get("/big", 0) < 50 * 65536 * 16, "server did not get to send the whole 50 MB")
    urls = [b + "/slow/%d" % i for i in range(8)]
    res = fetchsrv.tool(A + ["--per-host", "2", "--concurrency", "16"] + urls)
    check(all(res[u]["error"] == "ok" for u in urls), "per-host: all 8 fetched")
    check(srv.st.max_active == 2, "per-host limit 2 respected (max concurrent %d)" % srv.st.max_active)
    srv.st.max_active = 0
    urls = [b + "/slow/x%d" % i for i in range(8)]
    res = fetchsrv.tool(A + ["--per-host", "4", "--concurrency", "3"] + urls)
    check(srv.st.max_active == 3, "global limit 3 respected (max concurrent %d)" % srv.st.max_active)
    # the limit holds for the host a redirect leads to: four hosts (127.0.0.2-5) each redirect
    # two feeds to this one; our queue counts the original hosts (one transfer each at a time),
    # libcurl's connection limit per host (the same number) holds the target to one
    srv.st.max_active = 0
    srcs = [fetchsrv.Server("127.0.0.%d" % i, peer=b) for i in range(2, 6)]
    try:
        urls = [s.base + "/toslow/r%d%d" % (i, j) for i, s in enumerate(srcs) for j in range(2)]
        res = fetchsrv.tool(["--allow", "127.0.0.0/8", "--per-host", "1", "--concurrency", "16"] + urls)
        check(all(res[u]["error"] == "ok" for u in urls), "redirected: all 8 fetched")
        check(srv.st.max_active == 1, "per-host limit 1 holds on the redirect target (max concurrent %d)"
              % srv.st.max_active)
        # and it is that limit, not the test's timing: at 3 the target sees 3 at once (the
        # original hosts alone would let all 8 through)
        srv.st.max_active = 0
        urls = [s.base + "/toslow/q%d%d" % (i, j) for i, s in enumerate(srcs) for j in range(2)]
        fetchsrv.tool(["--allow", "127.0.0.0/8", "--per-host", "3", "--concurrency", "16"] + urls)
        check(srv.st.max_active == 3, "per-host limit 3 on the redirect target (max concurrent %d)"
              % srv.st.max_active)
    finally:
        for s in srcs:
            s.close()
finally:
    srv.close()

print("%d failures" % len(fails))
sys.exit(1 if fails else 0)
