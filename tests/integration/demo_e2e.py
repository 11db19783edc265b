"""End to end: `claimwatch once` over the bundled demo (file:// feeds, article pages, example claim
set, stdout sink). Checks every demo article is published exactly once, every item event is valid
against docs/events.schema.json, the expected claims and stances are tagged, a second pass emits
nothing new (the state store remembers), and `check` accepts the demo config."""
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import jsonschema

BIN = os.environ["CW_BIN"]
SRC = os.environ["CW_SOURCE_DIR"]
CONFIG = os.path.join(SRC, "config", "demo.json")


def run_once(state, config=CONFIG):
    p = subprocess.run([BIN, "once", "-c", config, "--state-dir", state],
                       capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        sys.exit("once failed (%d): %s" % (p.returncode, p.stderr[-3000:]))
    return [json.loads(l) for l in p.stdout.splitlines() if l.strip()], p.stderr


def demo_links():
    """Article file names the demo feeds link to."""
    names = set()
    for feed in ("feed.xml", "feed-atom.xml"):
        path = os.path.join(SRC, "config", "demo", feed)
        if not os.path.exists(path):
            continue
        for el in ET.parse(path).iter():
            tag = el.tag.split("}")[-1]
            href = (el.get("href") or el.text) if tag == "link" else None
            if href and href.strip().endswith(".html"):
                names.add(os.path.basename(href.strip()))
    return names


def main():
    with open(os.path.join(SRC, "docs", "events.schema.json")) as f:
        schema = json.load(f)
    p = subprocess.run([BIN, "check", "-c", CONFIG], capture_output=True, text=True)
    assert p.returncode == 0, "check rejected the demo config: " + p.stderr
    assert "warning" not in p.stderr, "check warns about the demo's claims: " + p.stderr

    with tempfile.TemporaryDirectory() as state:
        events, stderr = run_once(state)
        items = [e for e in events if e.get("schema") == "claimwatch.item.v1"]
        assert items, "no item events; stderr: " + stderr[-2000:]
        for e in items:
            jsonschema.validate(e, schema)
        # every linked article exactly once (ids are per canonical URL, so the Atom copy is a repeat)
        by_page = {}
        for e in items:
            assert e.get("text_source") == "article", "article not extracted: %s %s" % (
                e.get("url"), e.get("extract_error"))
            by_page.setdefault(e["url"], []).append(e)
        ids = [e["id"] for e in items]
        assert len(ids) == len(set(ids)), "an item id was published twice"
        links = demo_links()
        assert len(items) == len(links), "expected %d items (one per demo article), got %d: %s" % (
            len(links), len(items), sorted(by_page))

        # claims the demo's ground truth says each article speaks to
        exp_path = os.path.join(SRC, "tests", "fixtures", "demo", "expected.json")
        with open(exp_path) as f:
            expected = json.load(f)
        pages = {exp["canonical"]: exp for exp in expected["articles"].values()}
        checked = 0
        for e in items:
            page = pages.get(e.get("url"))
            assert page is not None, "event url %s is not a demo page's canonical URL" % e.get("url")
            text = e.get("text", "")
            got = {c["id"]: c["stance"] for c in e["claims"]}
            for c in page["claims"]:
                assert c["id"] in got, "%s: claim %s not tagged (got %s)" % (e["title"], c["id"], got)
                assert got[c["id"]] in c["acceptable_stances"], "%s: claim %s tagged %s, want one of %s" % (
                    e["title"], c["id"], got[c["id"]], c["acceptable_stances"])
                checked += 1
            for cid in expected.get("control_claims", []):
                assert cid not in got, "%s: unrelated control claim %s tagged" % (e["title"], cid)
            for s in page.get("must_contain", []):
                assert s in text, "%s: extracted text lacks %r" % (e["title"], s)
            for s in page.get("must_not_contain", []):
                assert s not in text, "%s: boilerplate %r in text" % (e["title"], s)
        assert checked > 0, "no expected claim was checked (expected.json format?)"

        again, _ = run_once(state)
        new_items = [e for e in again if e.get("schema") == "claimwatch.item.v1"]
        assert not new_items, "second pass re-published %d items" % len(new_items)

    # claims_min_score reaches the daemon's tagger: at 0.9 only claims scored that high are
    # reported, and fewer than at the model's own threshold
    first = [c["score"] for e in items for c in e["claims"]]
    with open(CONFIG) as f:
        cfg = json.load(f)
    cdir = os.path.dirname(CONFIG)
    cfg["claims"] = [os.path.join(cdir, c) for c in cfg["claims"]]
    for feed in cfg["feeds"]:
        feed["url"] = os.path.join(cdir, feed["url"])
    cfg["claims_min_score"] = 0.9
    with tempfile.TemporaryDirectory() as state:
        path = os.path.join(state, "strict.json")
        with open(path, "w") as f:
            json.dump(cfg, f)
        strict, stderr = run_once(os.path.join(state, "s"), path)
        scores = [c["score"] for e in strict if e.get("schema") == "claimwatch.item.v1" for c in e["claims"]]
        assert all(s >= 0.9 for s in scores), "claims_min_score 0.9: got scores %s" % scores
        assert len(scores) < len(first), "claims_min_score 0.9 left all %d claims in" % len(first)
    print("demo e2e: %d items, %d events, %d expected claims checked; %d of %d claims at min score 0.9"
          % (len(items), len(events), checked, len(scores), len(first)))


if __name__ == "__main__":
    main()
