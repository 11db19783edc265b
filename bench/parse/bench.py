#!/usr/bin/env python3
"""Runs the parse benchmark: claimwatch parse, python3-feedparser (defaults; it sanitises too)
and xmllint --stream --noout (the libxml2 tokenising floor) on the same inputs, in one run.
Times are CPU seconds (user + system) of the child process, best of RUNS: the build machine is
shared, and CPU time is what the daemon's budget is. Wall-clock best-of is printed too."""
import json
import os
import resource
import subprocess
import sys
import time

build, data = sys.argv[1], sys.argv[2]
runs = int(os.environ.get("RUNS", "5"))
cw = os.path.join(build, "claimwatch")
FP = ("import feedparser,sys\n"
      "d=feedparser.parse(open(sys.argv[1],'rb').read())\n"
      "assert len(d.entries)>0\n")


def measure(cmd, n):
    best_cpu, best_wall = 1e9, 1e9
    for _ in range(n):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.monotonic()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        t1 = time.monotonic()
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        best_cpu = min(best_cpu, r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
        best_wall = min(best_wall, t1 - t0)
    return best_cpu, best_wall


print(f"{'input':<11} {'items':>6} {'claimwatch':>12} {'feedparser':>12} {'xmllint':>12} {'fp/cw':>7} {'cw/xmllint':>10}  (items/s, CPU)")
for name in ("bench.rss", "bench.atom"):
    path = os.path.join(data, name)
    out = subprocess.run([cw, "parse", "--compact", path], capture_output=True, check=True).stdout
    items = len(json.loads(out)["items"])
    c_cpu, c_wall = measure([cw, "parse", "--compact", path], runs)
    f_cpu, f_wall = measure(["/usr/bin/python3", "-c", FP, path], max(1, min(runs, 2)))
    x_cpu, x_wall = measure(["xmllint", "--stream", "--noout", path], runs)
    print(f"{name:<11} {items:>6} {items / c_cpu:>10.0f}/s {items / f_cpu:>10.0f}/s {items / x_cpu:>10.0f}/s "
          f"{f_cpu / c_cpu:>6.1f}x {c_cpu / x_cpu:>9.2f}x")
    print(f"{'  wall':<11} {'':>6} {c_wall:>11.3f}s {f_wall:>11.3f}s {x_wall:>11.3f}s {f_wall / c_wall:>6.1f}x {c_wall / x_wall:>9.2f}x")
