#!/usr/bin/env python3
"""Scores `claimwatch tag` on the FNC-1 claim-disjoint development split: every dev document is
tagged against every dev claim through the real CLI. Prints the FNC score, confusion matrix,
per-class F1, macro-F1, relatedness accuracy and the false-tag rate across claims (markdown).

usage: evaluate.py BIN FNC_DIR [--workdir DIR]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fnc  # noqa: E402

FROM_STANCE = {"supports": "agree", "refutes": "disagree", "discusses": "discuss"}


def score(pairs, pred):
    got = 0.0
    best = 0.0
    for h, b, gold in pairs:
        p = pred.get((fnc.claim_id(h), b), "unrelated")
        best += 0.25 + (0.75 if gold != "unrelated" else 0)
        if (gold == "unrelated") == (p == "unrelated"):
            got += 0.25
        if gold != "unrelated" and p == gold:
            got += 0.75
    return 100.0 * got / best


def report(pairs, pred, title):
    L = fnc.LABELS
    cm = {g: {p: 0 for p in L} for g in L}
    for h, b, gold in pairs:
        cm[gold][pred.get((fnc.claim_id(h), b), "unrelated")] += 1
    out = ["### " + title, "", "| gold \\ predicted | " + " | ".join(L) + " |",
           "| --- |" + " --- |" * len(L)]
    for g in L:
        out.append("| %s | " % g + " | ".join(str(cm[g][p]) for p in L) + " |")
    f1s = {}
    for c in L:
        tp = cm[c][c]
        fp = sum(cm[g][c] for g in L) - tp
        fn = sum(cm[c].values()) - tp
        pr = tp / (tp + fp) if tp + fp else 0.0
        rc = tp / (tp + fn) if tp + fn else 0.0
        f1s[c] = 2 * pr * rc / (pr + rc) if pr + rc else 0.0
    n = len(pairs)
    rel_ok = sum(cm[g][p] for g in L for p in L if (g == "unrelated") == (p == "unrelated"))
    out += ["", "- FNC score: **%.1f**" % score(pairs, pred),
            "- per-class F1: " + ", ".join("%s %.3f" % (c, f1s[c]) for c in L),
            "- macro-F1: **%.3f**" % (sum(f1s.values()) / len(L)),
            "- relatedness accuracy: **%.4f** (%d pairs)" % (rel_ok / n, n), ""]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("fnc_dir")
    ap.add_argument("--workdir")
    ap.add_argument("--split", default="dev", help="dev (the report), or train (in-sample diagnostics)")
    a = ap.parse_args()
    bodies, pairs = fnc.load(a.fnc_dir)
    dev = fnc.split(pairs)[a.split]
    work = a.workdir or tempfile.mkdtemp(prefix="cw-eval-")
    os.makedirs(work, exist_ok=True)
    heads = sorted(set(h for h, _, _ in dev))
    docs = sorted(set(b for _, b, _ in dev))
    cpath, dpath = os.path.join(work, "dev_claims.json"), os.path.join(work, "dev_docs.jsonl")
    fnc.write_claims(cpath, heads)
    fnc.write_docs(dpath, bodies, docs)
    out = subprocess.run([a.binary, "tag", "--claims", cpath, "--docs", dpath], check=True,
                         capture_output=True, text=True).stdout
    pred = {}
    for line in out.splitlines():
        d = json.loads(line)
        for c in d["claims"]:
            pred[(c["id"], d["id"])] = FROM_STANCE[c["stance"]]
    lines = report(dev, pred, "Labelled dev pairs (%d claims, %d documents)" % (len(heads), len(docs)))
    # every document against every claim: pairs not labelled related count as unrelated
    related = set((fnc.claim_id(h), b) for h, b, s in dev if s != "unrelated")
    total = len(heads) * len(docs) - len(related)
    false = sum(1 for k in pred if k not in related)
    gold_heads = {}
    for h, b, s in dev:
        if s != "unrelated":
            gold_heads.setdefault(b, []).append(h)
    hid = {fnc.claim_id(h): h for h in heads}
    story = set((fnc.claim_id(h), b) for h in heads for b in docs
                if (fnc.claim_id(h), b) not in related and fnc.same_story(h, gold_heads.get(b, [])))
    false2 = sum(1 for k in pred if k not in related and k not in story)
    # claim clusters (connected components of related pairs: one per FNC-1 claim); an unlabelled
    # pair inside a cluster is the same claim, so only pairs across clusters are surely unrelated
    find = fnc.clusters(dev)
    hc = {fnc.claim_id(h): find(("h", h)) for h in heads}
    bc = {b: find(("b", b)) for b in docs}
    cross_total = sum(1 for h in heads for b in docs if hc[fnc.claim_id(h)] != bc[b])
    cross_false = sum(1 for (cid, b) in pred if hc[cid] != bc[b])
    lines += ["### Every dev document against every dev claim", "",
              "- pairs across claims (headline and body in different claim clusters; all unrelated): "
              "%d; tagged (false tags across claims): %d = **%.3f%%**"
              % (cross_total, cross_false, 100.0 * cross_false / cross_total),
              "- pairs not labelled related: %d; tagged anyway (false tags): %d = **%.3f%%**"
              % (total, false, 100.0 * false / total),
              "- without the %d unlabelled pairs whose claim reads like another headline of the "
              "document's own story (see fnc.same_story): %d of %d = **%.3f%%**"
              % (len(story), false2, total - len(story), 100.0 * false2 / (total - len(story))), ""]
    del hid
    allpairs = [(h, b, "unrelated") for h in heads for b in docs if (fnc.claim_id(h), b) not in related]
    allpairs += [p for p in dev if p[2] != "unrelated"]
    lines += report(allpairs, pred, "All %d dev pairs, unlabelled ones as unrelated" % len(allpairs))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
