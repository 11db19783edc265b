#!/usr/bin/env python3
"""Second oracle: Debian's python3-feedparser on our own fixtures (tests/fixtures/feeds/),
compared field by field with `claimwatch parse`. Text is compared as plain text (tags stripped,
entities decoded, whitespace collapsed) because both sanitise differently; dates as instants.
Fields where we differ on purpose are listed in KNOWN (and in docs/parse.md)."""
import html
import json
import os
import re
import subprocess
import sys

BIN = os.environ["CW_BIN"]
SRC = os.environ["CW_SOURCE_DIR"]
FP_PY = "/usr/bin/python3"
probe = subprocess.run([FP_PY, "-c", "import feedparser"], capture_output=True)
if probe.returncode != 0:
    print("skip: python3-feedparser is not installed (scripts/install-deps.sh installs it)")
    sys.exit(77)

# feed.json is left out: feedparser 6.0.10 does not read JSON Feed.
FIXTURES = ["rss20.xml", "atom10.xml", "rss091.xml", "rdf10.xml", "atom03.xml", "broken.xml"]
# (fixture, field) -> reason
UPDATED_COPY = "feedparser copies the publication date into updated; we leave updated absent when the feed gives none"
KNOWN = {
    ("rss20.xml", "items[0].updated"): UPDATED_COPY,
    ("rss20.xml", "items[1].updated"): UPDATED_COPY,
    ("rss20.xml", "items[1].link"): "feedburner:origLink is the article's real URL; feedparser keeps the redirector link",
    ("rss20.xml", "items[1].author"): "feedparser mis-splits 'food@gazette.example (Alex Taster)' into 'ple (Alex Taster'",
    ("atom10.xml", "items[1].summary"): "an entry with content only has no summary; feedparser copies content into summary",
    ("rdf10.xml", "items[0].published"): "dc:date is also the publication date for us; feedparser only sets updated",
    ("rdf10.xml", "items[1].published"): "dc:date is also the publication date for us; feedparser only sets updated",
    ("broken.xml", "items[1].title"): "we recover the title of a truncated last item; feedparser drops it",
}

# Runs in Debian's python (feedparser is not in every python3 on PATH); prints our mapped model.
FP_DUMP = r'''
import feedparser, json, sys, calendar, time
d = feedparser.parse(sys.argv[1])
def inst(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(calendar.timegm(t))) if t else None
f = d.feed
out = {"feed": {"title": f.get("title"), "link": f.get("link"), "language": f.get("language"),
                "subtitle": f.get("subtitle"), "updated": inst(f.get("updated_parsed")),
                "rights": f.get("rights"), "generator": f.get("generator")},
       "items": []}
for e in d.entries:
    content = e.get("content")
    out["items"].append({
        "title": e.get("title"), "link": e.get("link"), "guid": e.get("id"),
        "published": inst(e.get("published_parsed")), "updated": inst(e.get("updated_parsed")),
        "author": e.get("author_detail", {}).get("name") if e.get("author_detail") else None,
        "categories": sorted(t.get("term") for t in e.get("tags", []) if t.get("term")),
        "enclosures": sorted(x.get("href") for x in e.get("enclosures", []) if x.get("href")),
        "summary": e.get("summary"),
        "content": content[0].get("value") if content else None,
    })
print(json.dumps(out))
'''


def plain(s):
    if s is None:
        return None
    s = re.sub(r"(?is)<(script|style|iframe)\b.*?</\1\s*>", "", s)
    s = re.sub(r"<[^>]*>", " ", s)
    s = html.unescape(s)
    s = re.sub(r"\s+", " ", s).strip()
    return s or None


def ours_mapped(path):
    p = subprocess.run([BIN, "parse", "--compact", path], capture_output=True, check=True)
    d = json.loads(p.stdout)
    f = d["feed"]
    out = {"feed": {"title": f.get("title"), "link": f.get("link"), "language": f.get("language"),
                    "subtitle": f.get("subtitle"), "updated": f.get("updated"), "rights": f.get("rights"),
                    "generator": f.get("generator")}, "items": []}
    for i in d["items"]:
        out["items"].append({
            "title": i.get("title"), "link": i.get("link"), "guid": i.get("guid"),
            "published": i.get("published"), "updated": i.get("updated"),
            "author": (i.get("authors") or [{}])[0].get("name"),
            "categories": sorted(i.get("categories") or []),
            "enclosures": sorted(e["url"] for e in i.get("enclosures") or []),
            "summary": i.get("summary"), "content": i.get("content"),
        })
    return out


def norm(k, v):
    if k in ("summary", "content", "title", "subtitle", "rights", "generator"):
        return plain(v)
    return v or None


failures, known_hit, compared = [], set(), 0
for fx in FIXTURES:
    path = os.path.join(SRC, "tests/fixtures/feeds", fx)
    fp = json.loads(subprocess.run([FP_PY, "-c", FP_DUMP, path], capture_output=True, check=True).stdout)
    us = ours_mapped(path)
    pairs = [("feed", fp["feed"], us["feed"])]
    if len(fp["items"]) != len(us["items"]):
        key = (fx, "items")
        if key in KNOWN:
            known_hit.add(key)
        else:
            failures.append(f"{fx}: {len(fp['items'])} items in feedparser, {len(us['items'])} ours")
    pairs += [(f"items[{n}]", a, b) for n, (a, b) in enumerate(zip(fp["items"], us["items"]))]
    for where, a, b in pairs:
        for k in a:
            compared += 1
            va, vb = norm(k, a[k]), norm(k, b.get(k))
            if va == vb:
                continue
            key = (fx, f"{where}.{k}")
            if key in KNOWN:
                known_hit.add(key)
                continue
            failures.append(f"{fx} {where}.{k}: feedparser={va!r} ours={vb!r}")
for f in failures:
    print("FAIL", f)
for k in sorted(set(KNOWN) - known_hit):
    print("note: KNOWN entry now matches, remove it:", k)
print(f"{len(FIXTURES)} fixtures, {compared} fields compared, {len(failures)} failing, {len(known_hit)} known differences")
sys.exit(1 if failures or set(KNOWN) - known_hit else 0)
