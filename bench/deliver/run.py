#!/usr/bin/env python3
"""bench/deliver: events/s and CPU per event from the outbox to a Kafka broker (librdkafka's mock
cluster, tests/tools/mockbroker), side by side in the same run with `kcat -P` producing the same
messages from a file (the floor: a bare librdkafka producer, no durability of its own).

Both use 1 KiB JSON events, acks=all, enable.idempotence=true, compression lz4, linger.ms=5.
claimwatch's path is the whole one: outbox write (SQLite transaction, WAL, synchronous=FULL, one
commit per 1000 items), produce, delivery report, outbox delete. It is also split into its two
halves (accept only; then drain only) to show where the time goes.

Usage: bench/deliver/run.py [BUILD_DIR] [N] [ROUNDS]   (defaults: build 100000 3)
Prints a table and the ratio claimwatch/kcat; numbers depend on the machine."""
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

build = sys.argv[1] if len(sys.argv) > 1 else "build"
N = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
ROUNDS = int(sys.argv[3]) if len(sys.argv) > 3 else 3
tools = os.path.join(build, "tests")
COMMON = {"acks": "all", "enable.idempotence": "true", "compression.type": "lz4", "linger.ms": "5"}


def payload(i, size=1024):
    # The same bytes outbox_tool generates for item i.
    head = '{"schema":"claimwatch.item.v1","id":"item-%d","seq":%d,"text":"' % (i, i)
    body = "".join(chr(ord("a") + (k * 7 + i) % 26) for k in range(len(head), size - 2))
    return head + body + '"}'


def timed(args, **kw):
    """Runs args; returns (wall seconds, CPU seconds of the child, completed process)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    p = subprocess.run(args, capture_output=True, text=True, **kw)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if p.returncode != 0:
        sys.exit("bench: %s failed (%d): %s" % (args[0], p.returncode, p.stderr[-1000:]))
    return wall, cpu, p


def count(addr, topic):
    """Messages on the topic: the sum of high watermarks (kcat -Q would need offsets per partition;
    reading back is exact and cheap enough here)."""
    p = subprocess.run(["kcat", "-C", "-b", addr, "-t", topic, "-e", "-q", "-f", "%k\n"],
                       capture_output=True, text=True, timeout=600)
    return len([k for k in p.stdout.split("\n") if k])


def main():
    work = tempfile.mkdtemp(prefix="cw-bench-deliver-")
    msgfile = os.path.join(work, "messages.tsv")
    with open(msgfile, "w") as f:
        for i in range(N):
            f.write("item-%d\t%s\n" % (i, payload(i)))
    mb = subprocess.Popen([os.path.join(tools, "mockbroker"), "--brokers", "3"], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True)
    addr = mb.stdout.readline().strip()
    rows = {"kcat": [], "claimwatch": [], "accept": [], "drain": []}
    try:
        for r in range(ROUNDS):
            for name in ("kcat-%d" % r, "cw-%d" % r, "cw2-%d" % r):
                mb.stdin.write("topic bench.%s 4\n" % name)
                mb.stdin.flush()
                mb.stdout.readline()
            # kcat -P: the floor.
            args = ["kcat", "-P", "-b", addr, "-t", "bench.kcat-%d" % r, "-K", "\t"]
            for k, v in COMMON.items():
                args += ["-X", "%s=%s" % (k, v)]
            wall, cpu, _ = timed(args + ["-l", msgfile])
            rows["kcat"].append((wall, cpu))
            # claimwatch: the whole path in one process.
            sink = json.dumps({"type": "kafka", "rdkafka": dict(COMMON, **{"bootstrap.servers": addr}),
                               "topics": {"items": "bench.cw-%d" % r}})
            db = os.path.join(work, "whole-%d.db" % r)
            wall, cpu, p = timed([os.path.join(tools, "outbox_tool"), "--db", db, "--n", str(N), "--size", "1024",
                                  "--batch", "1000", "--sink", sink, "--deadline-ms", "600000"])
            if "pending=0" not in p.stdout:
                sys.exit("bench: claimwatch did not deliver everything: " + p.stdout)
            rows["claimwatch"].append((wall, cpu))
            # The two halves: accept only, then drain only.
            sink2 = sink.replace("bench.cw-%d" % r, "bench.cw2-%d" % r)
            db2 = os.path.join(work, "split-%d.db" % r)
            tool = [os.path.join(tools, "outbox_tool"), "--db", db2, "--sink", sink2]
            rows["accept"].append(timed(tool + ["--n", str(N), "--size", "1024", "--batch", "1000", "--accept-only"])[:2])
            rows["drain"].append(timed(tool + ["--n", "0", "--drain-only", "--deadline-ms", "600000"])[:2])
        got_k, got_c = count(addr, "bench.kcat-0"), count(addr, "bench.cw-0")
        if got_k < N or got_c < N:
            sys.exit("bench: messages missing on the topics: kcat %d, claimwatch %d of %d" % (got_k, got_c, N))
    finally:
        mb.stdin.write("quit\n")
        mb.stdin.flush()
        mb.wait(timeout=30)

    def med(name):
        wall = statistics.median(w for w, _ in rows[name])
        cpu = statistics.median(c for _, c in rows[name])
        return N / wall, cpu / N * 1e6

    print("N=%d events of 1 KiB, %d rounds (median), mock cluster of 3 brokers" % (N, ROUNDS))
    print("%-32s %12s %14s" % ("", "events/s", "CPU us/event"))
    res = {}
    for name, label in (("kcat", "kcat -P (floor)"), ("claimwatch", "claimwatch outbox->broker (whole)"),
                        ("accept", "  of which: outbox write only"), ("drain", "  of which: produce+DR+delete")):
        res[name] = med(name)
        print("%-32s %12.0f %14.1f" % (label, res[name][0], res[name][1]))
    print("throughput ratio claimwatch/kcat: %.2f" % (res["claimwatch"][0] / res["kcat"][0]))
    print("CPU per event ratio claimwatch/kcat: %.2f" % (res["claimwatch"][1] / res["kcat"][1]))


main()
