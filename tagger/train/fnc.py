"""FNC-1 helpers shared by the trainer and the evaluation: loading, the claim-disjoint split,
and writing claim sets / document files in claimwatch's formats. Python stdlib only."""
import csv
import hashlib
import json
import os

LABELS = ["unrelated", "discuss", "agree", "disagree"]
# FNC label -> claimwatch stance
TO_STANCE = {"agree": "supports", "disagree": "refutes", "discuss": "discusses"}


def load(fnc_dir):
    csv.field_size_limit(1 << 26)
    bodies = {}
    with open(os.path.join(fnc_dir, "train_bodies.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            bodies[row["Body ID"]] = row["articleBody"]
    pairs = []
    with open(os.path.join(fnc_dir, "train_stances.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            pairs.append((row["Headline"], row["Body ID"], row["Stance"]))
    return bodies, pairs


def clusters(pairs):
    """Connected components of headlines and bodies joined by related pairs: one per claim."""
    parent = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for h, b, s in pairs:
        find(("h", h))
        find(("b", b))
        if s != "unrelated":
            ra, rb = find(("h", h)), find(("b", b))
            if ra != rb:
                parent[ra] = rb
    return find


def split(pairs, dev_share=0.2, seed="claimwatch"):
    """Claim clusters = connected components of headlines and bodies joined by related pairs; a
    whole cluster goes to train or to dev, so no claim (nor any of its bodies) is in both."""
    find = clusters(pairs)

    def side(node):
        d = hashlib.sha256((seed + repr(find(node))).encode()).digest()
        return "dev" if d[0] < int(256 * dev_share) else "train"

    roots = {}
    out = {"train": [], "dev": []}
    for h, b, s in pairs:
        sh = roots.setdefault(("h", h), side(("h", h)))
        sb = roots.setdefault(("b", b), side(("b", b)))
        if sh == sb:
            out[sh].append((h, b, s))
    return out


def claim_id(headline):
    return "h" + hashlib.sha256(headline.encode()).hexdigest()[:12]


def write_claims(path, headlines):
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"claims": [{"id": claim_id(h), "text": h} for h in sorted(set(headlines))]}, f)


def write_docs(path, bodies, body_ids, dump_claims=None):
    with open(path, "w", encoding="utf-8") as f:
        for b in body_ids:
            d = {"id": b, "title": "", "text": bodies[b]}
            if dump_claims is not None:
                d["dump_claims"] = sorted(dump_claims[b])
            f.write(json.dumps(d) + "\n")


_STOP = set("the a an of to in on for and or is are was were be by with at from as that this it its "
            "has have had not no says said say will would can could after over into new".split())


def _keys(text):
    words = "".join(c.lower() if c.isalnum() else " " for c in text).split()
    return set(w[:5] for w in words if len(w) >= 3 and w not in _STOP)


def same_story(headline, gold_headlines):
    """True when headline reads like another headline of the same story as one of gold_headlines
    (overlap coefficient of 5-letter word prefixes >= 0.5). FNC-1 labels only a sample of pairs,
    so unlabelled pairs with such headlines are probably related, not unrelated; training and the
    false-tag measurement set them apart. Only used on FNC-1 data, never in the tagger."""
    a = _keys(headline)
    for g in gold_headlines:
        b = _keys(g)
        if a and b and len(a & b) / min(len(a), len(b)) >= 0.5:
            return True
    return False
