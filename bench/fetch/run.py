#!/usr/bin/env python3
"""bench/fetch: N feeds of 50 items served by a local nginx (Debian nginx-light).

  python3 bench/fetch/run.py [BUILD_DIR] [N ...]      (default: build 1000 10000)

For each N: round 1 (every feed 200, parsed) and round 2 (every feed 304) with poll_tool --once
--count-only (fetcher + poller + state store + feed_parse; no item rows), the parse-only baseline on
the same files, and the peer: curl's own multi interface (curl -Z, same concurrency) on round 1.
Prints a markdown table for docs/benchmarks.md."""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

build = sys.argv[1] if len(sys.argv) > 1 else "build"
sizes = [int(x) for x in sys.argv[2:]] or [1000, 10000]
tool = os.path.join(build, "tests", "poll_tool")
CONC = 32


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def feed(k):
    items = "".join(
        "<item><title>Story %d of feed %d</title><link>http://news%d.example/%d/%d</link>"
        "<guid>http://news%d.example/%d/%d</guid><pubDate>Sat, 01 Nov 2025 10:%02d:00 GMT</pubDate>"
        "<description>A summary of story %d with a few sentences of text, as feeds carry; officials said "
        "on Saturday that the talks would continue next week.</description></item>"
        % (j, k, k, k, j, k, k, j, j % 60, j) for j in range(50))
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Feed %d</title>'
            "<link>http://news%d.example/</link><description>bench</description>%s</channel></rss>\n"
            % (k, k, items))


def run(cmd):
    """Runs cmd; returns (stdout, wall s, cpu s, maxrss KiB) of the child."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = status
    wall = time.monotonic() - t0
    return out.decode(), wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss


def last_json(out, ev):
    for line in reversed(out.splitlines()):
        try:
            j = json.loads(line)
        except ValueError:
            continue
        if j.get("event") == ev:
            return j
    raise SystemExit("no %s in output" % ev)


rows = []
for n in sizes:
    tmp = tempfile.mkdtemp(prefix="cw_bench_fetch_")
    os.chmod(tmp, 0o755)  # nginx workers run unprivileged when started as root
    root = os.path.join(tmp, "www")
    os.makedirs(os.path.join(root, "f"))
    paths = []
    for k in range(n):
        p = os.path.join(root, "f", "%d.xml" % k)
        with open(p, "w") as f:
            f.write(feed(k))
        paths.append(p)
    total_bytes = sum(os.path.getsize(p) for p in paths)
    port = free_port()
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write("""worker_processes 1;
pid %(tmp)s/nginx.pid;
error_log %(tmp)s/error.log error;
daemon off;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  types { application/rss+xml xml; }
  server { listen 127.0.0.1:%(port)d; root %(root)s; etag on; }
}
""" % {"tmp": tmp, "port": port, "root": root})
    ng = subprocess.Popen(["nginx", "-c", conf, "-p", tmp], stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    base = "http://127.0.0.1:%d/f/" % port
    with open(os.path.join(tmp, "urls"), "w") as f:
        f.write("".join("%s%d.xml\n" % (base, k) for k in range(n)))
    with open(os.path.join(tmp, "paths"), "w") as f:
        f.write("\n".join(paths) + "\n")
    cmd = [tool, "--once", "--count-only", "--state-dir", os.path.join(tmp, "st"), "--allow", "127.0.0.1/32",
           "--concurrency", str(CONC), "--per-host", str(CONC), "--urls", os.path.join(tmp, "urls")]
    try:
        o1, w1, c1, r1 = run(cmd)
        s1 = last_json(o1, "summary")
        o2, w2, c2, r2 = run(cmd)
        s2 = last_json(o2, "summary")
        op, _, _, _ = run([tool, "--parse-files", os.path.join(tmp, "paths")])
        sp = last_json(op, "parse_summary")
        with open(os.path.join(tmp, "curl.cfg"), "w") as f:
            for k in range(n):
                f.write('url = "%s%d.xml"\noutput = "/dev/null"\n' % (base, k))
        _, wc, cc, rc = run(["curl", "-s", "-Z", "--parallel-max", str(CONC), "--noproxy", "*", "-K",
                             os.path.join(tmp, "curl.cfg")])
    finally:
        ng.terminate()
        ng.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    r = {
        "n": n, "bytes": total_bytes,
        "r1_wall": s1["elapsed_ms"] / 1000, "r1_cpu": s1["cpu_s"], "r1_items": s1["items"], "r1_docs": s1["docs"],
        "r2_wall": s2["elapsed_ms"] / 1000, "r2_cpu": s2["cpu_s"], "r2_docs": s2["docs"],
        "rss_mb": max(s1["maxrss_kb"], s2["maxrss_kb"]) / 1024,
        "parse_items_s": sp["items"] / max(sp["cpu_s"], 1e-6), "parse_cpu": sp["cpu_s"], "parse_wall": sp["elapsed_ms"] / 1000,
        "curl_wall": wc, "curl_cpu": cc, "curl_rss_mb": rc / 1024,
        "proc_wall1": w1, "proc_cpu1": c1,
    }
    r["r1_items_s"] = r["r1_items"] / max(r["r1_wall"], 1e-6)
    r["parse_items_s_wall"] = sp["items"] / max(sp["elapsed_ms"] / 1000, 1e-6)
    rows.append(r)
    print(json.dumps(r), file=sys.stderr)

print("| feeds | round | wall s | CPU s | req/s | items/s | peak RSS MB |")
print("|---:|---|---:|---:|---:|---:|---:|")
for r in rows:
    n = r["n"]
    print("| %d | 1: all 200 (%d docs, %d items) | %.2f | %.2f | %.0f | %.0f | %.0f |" % (
        n, r["r1_docs"], r["r1_items"], r["r1_wall"], r["r1_cpu"], n / r["r1_wall"], r["r1_items_s"], r["rss_mb"]))
    print("| %d | 2: all 304 | %.2f | %.2f | %.0f | - | %.0f |" % (n, r["r2_wall"], r["r2_cpu"], n / r["r2_wall"],
                                                                   r["rss_mb"]))
print()
# The host is shared (2 cores, other builds running): ratios use CPU seconds, which noise inflates far
# less than wall time. items per CPU second: end-to-end round 1 vs parse-only on the same files.
print("| feeds | parse-only items/CPU-s | end-to-end items/CPU-s | ratio | fetch CPU s (round 1 - parse-only) | "
      "curl -Z CPU s / wall s | fetch CPU ratio (ours/curl) |")
print("|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    fetch_cpu = max(r["r1_cpu"] - r["parse_cpu"], 0.0)
    e2e = r["r1_items"] / max(r["r1_cpu"], 1e-6)
    print("| %d | %.0f | %.0f | %.0f%% | %.2f | %.2f / %.2f | %.2f |" % (
        r["n"], r["parse_items_s"], e2e, 100 * e2e / r["parse_items_s"],
        fetch_cpu, r["curl_cpu"], r["curl_wall"], fetch_cpu / max(r["curl_cpu"], 1e-6)))
