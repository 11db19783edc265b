#!/usr/bin/env python3
"""Bench input for bench/tag: N claims and D documents of about 5 KB, built from the FNC-1 data
in ../shared (read at run time, never committed). Claims beyond the 1,648 FNC-1 headlines are
made by recombining headline halves, so their vocabulary stays that of news headlines.

usage: gen.py FNC_DIR NCLAIMS NDOCS OUTDIR"""
import json
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../tagger/train"))
import fnc  # noqa: E402

fnc_dir, nclaims, ndocs, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rnd = random.Random(7)
bodies, pairs = fnc.load(fnc_dir)
heads = sorted(set(h for h, _, _ in pairs))
claims = list(heads[:nclaims])
while len(claims) < nclaims:
    a, b = rnd.choice(heads).split(), rnd.choice(heads).split()
    claims.append(" ".join(a[: len(a) // 2] + b[len(b) // 2:]))
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "claims.json"), "w") as f:
    json.dump([{"id": "c%d" % i, "text": t} for i, t in enumerate(claims)], f)
ids = sorted(bodies)
with open(os.path.join(out, "docs.jsonl"), "w") as f:
    for i in range(ndocs):
        text = ""
        while len(text) < 5000:
            text += bodies[rnd.choice(ids)] + "\n\n"
        f.write(json.dumps({"id": "d%d" % i, "title": "", "text": text[:5200]}) + "\n")
