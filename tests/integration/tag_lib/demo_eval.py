"""Shared scoring of claimwatch tag output against tests/fixtures/demo/expected.json (used by the
tag_seeds and tag_demo tests and handy by hand: python3 tag_demo_eval.py BIN SOURCE_DIR SHARED)."""
import json
import os
import subprocess
import sys
from html.parser import HTMLParser


def run_tag(binary, claims, docs):
    inp = "".join(json.dumps(d) + "\n" for d in docs)
    out = subprocess.run([binary, "tag", "--claims", claims], input=inp, capture_output=True,
                         text=True, check=True).stdout
    return [json.loads(l) for l in out.splitlines()]


def seed_docs(shared, expected):
    docs = []
    for name in sorted(expected["seeds"]):
        text = open(os.path.join(shared, "seeds", name), encoding="utf-8").read()
        title, _, body = text.partition("\n")
        docs.append({"id": name, "title": title.strip(), "text": body.strip()})
    return docs


class _Text(HTMLParser):
    """Paragraph text of <article> (or of <main>/<body>), enough to feed the tagger in tests."""
    BLOCK = {"p", "h1", "h2", "h3", "li", "blockquote"}

    def __init__(self):
        super().__init__()
        self.depth_skip = 0
        self.cur = None
        self.paras = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "nav", "footer", "aside", "form"):
            self.depth_skip += 1
        elif tag in self.BLOCK and self.depth_skip == 0:
            self.cur = []

    def handle_endtag(self, tag):
        if tag in ("script", "style", "nav", "footer", "aside", "form"):
            self.depth_skip = max(0, self.depth_skip - 1)
        elif tag in self.BLOCK and self.cur is not None:
            t = " ".join("".join(self.cur).split())
            if t:
                self.paras.append(t)
            self.cur = None

    def handle_data(self, data):
        if self.cur is not None and self.depth_skip == 0:
            self.cur.append(data)


def article_docs(src, expected):
    docs = []
    for path, a in sorted(expected["articles"].items()):
        p = _Text()
        p.feed(open(os.path.join(src, path), encoding="utf-8").read())
        docs.append({"id": path, "title": a["title"], "text": "\n".join(p.paras)})
    return docs


def score(results, docs, truth):
    """Returns (metrics dict, list of problems)."""
    by_id = {r["id"]: r for r in results}
    m = {"expected": 0, "found": 0, "stance_ok": 0, "evidence_ok": 0, "speaker_ok": 0,
         "speaker_total": 0, "false_tags": 0}
    problems = []
    for d in docs:
        t = truth[d["id"]]
        got = {c["id"]: c for c in by_id[d["id"]]["claims"]}
        for c in t["claims"]:
            m["expected"] += 1
            g = got.get(c["id"])
            if g is None:
                problems.append("%s: missing %s" % (d["id"], c["id"]))
                continue
            m["found"] += 1
            if g["stance"] in c["acceptable_stances"]:
                m["stance_ok"] += 1
            else:
                problems.append("%s: %s stance %s" % (d["id"], c["id"], g["stance"]))
            ev_ok = False
            for ev in g["evidence"]:
                assert d["text"][ev["start"]:ev["end"]] == ev["text"], ev
                for f in c["evidence"]:
                    if f["fragment"] in ev["text"] or ev["text"] in f["fragment"]:
                        ev_ok = True
                        if f["speakers"]:
                            m["speaker_total"] += 1
                            sp = (ev["speaker"] or "").lower()
                            if sp and any(s.lower().split()[-1] in sp or sp in s.lower()
                                          for s in f["speakers"]):
                                m["speaker_ok"] += 1
            m["evidence_ok"] += ev_ok
        for a in t.get("absent_claims", []):
            if a in got:
                m["false_tags"] += 1
                problems.append("%s: false tag %s" % (d["id"], a))
    return m, problems


if __name__ == "__main__":
    binary, src, shared = sys.argv[1:4]
    exp = json.load(open(os.path.join(src, "tests/fixtures/demo/expected.json")))
    claims = os.path.join(src, exp["claims_file"])
    for label, docs, truth in (("seeds", seed_docs(shared, exp), exp["seeds"]),
                               ("articles", article_docs(src, exp), exp["articles"])):
        res = run_tag(binary, claims, docs)
        m, probs = score(res, docs, truth)
        print(label, m)
        for p in probs:
            print("  ", p)


def check(results, docs, truth, control_claims, speaker_slack):
    """Scores results against the ground truth, prints the measures, asserts the bar both tag tests
    hold (every expected claim, no absent claim tagged, stances, evidence, speakers within
    speaker_slack, control claims never tagged). Returns the results by document and claim id."""
    m, problems = score(results, docs, truth)
    print(m)
    for p in problems:
        print("  ", p)
    assert m["found"] == m["expected"], "missing claims"
    assert m["false_tags"] == 0, "claims the ground truth marks absent were tagged"
    assert m["stance_ok"] >= m["found"] - 1, "stances"
    assert m["evidence_ok"] >= m["found"] - 2, "evidence"
    assert m["speaker_ok"] >= m["speaker_total"] - speaker_slack, "speakers"
    by = {r["id"]: {c["id"]: c for c in r["claims"]} for r in results}
    for r in results:
        for ctl in control_claims:
            assert ctl not in by[r["id"]], (r["id"], ctl)
    return by
