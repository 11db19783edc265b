#!/usr/bin/env python3
"""Peer for bench/tag: the straightforward way to tag documents against claims in Python (stdlib):
lower-cased word sets, an inverted index from word to claims, and a claim reported when at least
half of its content words occur in the document. Same input and output shape as claimwatch tag
(no stance, evidence or speakers, so it does strictly less work)."""
import json
import re
import sys

STOP = set("a an the of to in on for and or is are was were be by with at from as that this it its "
           "has have had not no said says will would can could after over into".split())
WORD = re.compile(r"\w+")
claims = json.load(open(sys.argv[1]))
if isinstance(claims, dict):
    claims = claims["claims"]
index = {}
need = []
for i, c in enumerate(claims):
    words = set(w for w in WORD.findall(c["text"].lower()) if w not in STOP)
    need.append(max(1, len(words) // 2))
    for w in words:
        index.setdefault(w, []).append(i)
out = sys.stdout
for line in sys.stdin:
    d = json.loads(line)
    words = set(WORD.findall((d.get("title", "") + " " + d["text"]).lower()))
    hits = {}
    for w in words:
        for i in index.get(w, ()):
            hits[i] = hits.get(i, 0) + 1
    tagged = [{"id": claims[i]["id"], "score": n / (2 * need[i])} for i, n in hits.items() if n >= need[i]]
    out.write(json.dumps({"id": d["id"], "claims": tagged}) + "\n")
