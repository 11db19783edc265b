#!/usr/bin/env python3
"""Trains the tagger's model from FNC-1 (claim-disjoint train split only) and writes
tagger/tg_model_params.c: gradient-boosted trees for relatedness and for stance, plus decision
thresholds tuned by cross-validation grouped by claim cluster. Features come from the C code
itself (claimwatch tag --dump-features), so training and inference cannot drift.

Needs numpy and scikit-learn (Debian: apt-get install python3-sklearn). The build only compiles
the generated C files; CI reruns the trainer and checks they are byte for byte its output
(tests/integration/tag_model_rebuild.py).

usage: train.py BIN FNC_DIR OUT_C [--lexicon-out PATH] [--workdir DIR]
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fnc  # noqa: E402
import lexicon  # noqa: E402

# 0 = off: small sets of whole FNC-1 clusters are almost all related pairs and taught the model
# that any candidate in a small claim set is related (more sibling tags on the demo)
SMALL_SET = int(os.environ.get("CW_SMALL_SET", "0"))
NFOLD = 4  # claim-disjoint folds of the training split; each is its own claim set (as dev is)
UNLABELLED_WEIGHT = float(os.environ.get("CW_UNLABELLED_WEIGHT", "0.3"))
# budget of false tags on cross-claim pairs the relatedness threshold may spend (share of pairs)
FALSE_TAG_BUDGET = float(os.environ.get("CW_FALSE_TAG_BUDGET", "0.0045"))
# 1 = score and tune on "home" pairs only (see main); off for the committed model, whose dev
# numbers were measured before this was found (docs/quality.md)
TUNE_HOME = os.environ.get("CW_TUNE_HOME", "1") == "1"
REL_LR = float(os.environ.get("CW_REL_LR", "0.15"))
REL_TREES = int(os.environ.get("CW_REL_TREES", "100"))
ST_TREES = int(os.environ.get("CW_ST_TREES", "60"))  # per class
ST_LR = float(os.environ.get("CW_ST_LR", "0.2"))
LEAVES = int(os.environ.get("CW_LEAVES", "15"))
CLASS_POWER = float(os.environ.get("CW_CLASS_POWER", "0.5"))
EXIT_AT = (20, 40)
EXIT_MARGIN = 0.5
EXIT_QUANTILE = 0.001  # share of the rows near or above the threshold an exit may cut
# the first stage's exits keep what can matter to a neighbour's TG_NPROP features: rows whose
# probability ends near this or above (an exit gives 0, and the trainer does the same)
# (its partial scores fall more slowly than the second stage's: its first exit comes later)
P1_FLOOR = 0.1
# the first stage is smaller: its probabilities only feed the neighbours' TG_NPROP features
REL1_TREES = int(os.environ.get("CW_REL1_TREES", "50"))
REL1_LR = float(os.environ.get("CW_REL1_LR", "0.25"))
EXIT_AT1 = tuple(int(v) for v in os.environ.get("CW_EXIT_AT1", "15,30").split(","))
# a pair the first stage lets go early (probability 0) skips the second stage unless a neighbour
# gives it this much of the first TG_NPROP feature (tg_model.rel2_min_prop): out of fold this
# skips about 70% of the candidate rows and 8 of 11,009 labelled related ones
REL2_MIN_PROP = 0.02
NAME_GATE = os.environ.get("CW_NAME_GATE", "0") == "1"  # FNC-1 claims declare no key phrases
F_NAMES = 34 + 21  # TG_FMORE + 21: share of the claim's own names and numbers in the document
STANCES = ["discuss", "agree", "disagree"]  # order of TG_DISCUSS, TG_SUPPORT, TG_REFUTE


def fold_of(root):
    return hashlib.sha256(("fold" + repr(root)).encode()).digest()[0] % NFOLD


def dump_fold(binary, bodies, pairs, workdir, k, lexpath):
    """Features of every candidate claim of the fold for every document of the fold, as at
    inference: each document meets every claim of its claim set, not only the labelled ones."""
    heads = sorted(set(h for h, _, _ in pairs))
    docs = sorted(set(b for _, b, _ in pairs))
    cpath = os.path.join(workdir, "claims%d.json" % k)
    dpath = os.path.join(workdir, "docs%d.jsonl" % k)
    fnc.write_claims(cpath, heads)
    fnc.write_docs(dpath, bodies, docs)
    out = subprocess.run([binary, "tag", "--dump-features", "--lexicon", lexpath, "--claims", cpath,
                          "--docs", dpath],
                         check=True, capture_output=True, text=True).stdout
    feats = {}  # (claim, doc) -> (features, first-stage probability, [(neighbour claim, cosine)])
    for line in out.splitlines():
        d = json.loads(line)
        for r in d["features"]:  # in the tagger's candidate order (prop_features' ties)
            feats[(r["claim"], d["id"])] = (r["f"], r["p1"], r["nb"])
    return heads, docs, feats


def early_exits(g, X, floor, label, at_trees=EXIT_AT):
    """Exit bounds for the relatedness trees g: after EXIT_AT[k] trees, the lowest partial score
    of the rows of X whose final score is within EXIT_MARGIN (log-odds) of floor or above (their
    EXIT_QUANTILE quantile), less a further EXIT_MARGIN, is the bound: what falls below it was,
    but for that sliver, going to end below floor anyway."""
    staged = list(g.staged_decision_function(X))
    keep = staged[-1] >= floor - EXIT_MARGIN
    exits = []
    for at in at_trees:
        part = staged[at - 1]
        bound = float(np.quantile(part[keep], EXIT_QUANTILE)) - EXIT_MARGIN
        exits.append((at, bound))
        if label:
            print("%s: early exit after %d trees below %.3f: %.1f%% of candidate rows leave there, "
                  "%.2f%% of those near or above %.3f" % (label, at, bound, 100.0 * np.mean(part < bound),
                                                         100.0 * np.mean(part[keep] < bound), floor),
                  file=sys.stderr)
    return exits


def exited(g, X, exits):
    """Rows of X that the C walk (tg_model_related_many) stops early: their probability is 0."""
    out = np.zeros(len(X), dtype=bool)
    staged = g.staged_decision_function(X)
    for i, z in enumerate(staged, 1):
        for at, bound in exits:
            if i == at:
                out |= z < bound
        if i >= max(at for at, _ in exits):
            break
    return out


def prop_features(p1, docrows, nbrows):
    """The TG_NPROP features of tagger.c's prop_features from first-stage probabilities p1:
    docrows lists each document's rows in candidate order, nbrows[r] the (row, cosine) of the
    row's claim's neighbours that are candidates of the same document."""
    F = np.zeros((len(p1), 3))
    for rows in docrows:
        b0 = b1 = None
        for r in rows:
            if b0 is None or p1[r] > p1[b0]:
                b1, b0 = b0, r
            elif b1 is None or p1[r] > p1[b1]:
                b1 = r
        for r in rows:
            other = b1 if r == b0 else b0
            for r2, sim in nbrows[r]:
                F[r, 0] = max(F[r, 0], sim * p1[r2])
                F[r, 1] = sim if r2 == other else F[r, 1]
                F[r, 2] = max(F[r, 2], sim)
    return F


def gbt(n_trees, seed=1, lr=0.1):
    return HistGradientBoostingClassifier(max_iter=n_trees, learning_rate=lr, max_leaf_nodes=LEAVES,
                                          max_depth=6, min_samples_leaf=20, l2_regularization=1.0,
                                          early_stopping=False, random_state=seed)


def class_weights(y, k):
    cnt = np.bincount(y, minlength=k).astype(float)
    return (len(y) / (k * np.maximum(cnt, 1))) ** CLASS_POWER


def fnc_score(gold, rel_pred, st_pred):
    """gold: labels 0 unrelated, 1 discuss, 2 agree, 3 disagree; rel_pred bool; st_pred 0..2."""
    pred = np.where(rel_pred, st_pred + 1, 0)
    got = 0.25 * ((gold == 0) == (pred == 0)) + 0.75 * ((gold != 0) & (pred == gold))
    best = 0.25 + 0.75 * (gold != 0)
    return 100.0 * got.sum() / best.sum(), pred


def macro_f1(gold, pred, k=4):
    f = []
    for c in range(k):
        tp = np.sum((gold == c) & (pred == c))
        fp = np.sum((gold != c) & (pred == c))
        fn = np.sum((gold == c) & (pred != c))
        f.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(f)), f


def export(g, nfeat):
    """Flattens a fitted HistGradientBoostingClassifier into (nodes, roots, nclass, base)."""
    nodes, roots, depth = [], [], 0
    for it in g._predictors:
        for pred in it:
            roots.append(len(nodes))
            for i, n in enumerate(pred.nodes):
                depth = max(depth, int(n["depth"]))
                if n["is_leaf"]:  # steps onto itself: walks take a fixed number of steps
                    nodes.append((float(n["value"]), 0, i, i))
                else:
                    assert 0 <= n["feature_idx"] < nfeat and n["left"] > i and n["right"] > i
                    nodes.append((float(n["num_threshold"]), int(n["feature_idx"]), int(n["left"]),
                                  int(n["right"])))
    base = [float(v) for v in np.ravel(g._baseline_prediction)]
    return nodes, roots, len(g._predictors[0]), base, depth


def raw_scores(exp, X):
    """The C evaluation in Python, to check the export against scikit-learn."""
    nodes, roots, ncl, base, depth = exp
    z = np.tile(np.array(base), (len(X), 1))
    for i, r in enumerate(roots):
        for j, x in enumerate(X):
            n = 0
            for _ in range(depth):
                v, f, le, ri = nodes[r + n]
                n = le if x[f] <= v else ri
            z[j, i % ncl] += nodes[r + n][0]
    return z


def c_gbt(name, exp, exits=()):
    nodes, roots, ncl, base, depth = exp
    out = ["static const struct tg_tree_node %s_nodes[%d] = {" % (name, len(nodes))]
    line = []
    for v, f, le, ri in nodes:
        line.append("{%.9g,%d,%d,%d}" % (v, f, le, ri))
        if len(line) == 6:
            out.append("    " + ",".join(line) + ",")
            line = []
    if line:
        out.append("    " + ",".join(line) + ",")
    out.append("};")
    out.append("static const uint32_t %s_roots[%d] = {" % (name, len(roots)))
    for i in range(0, len(roots), 16):
        out.append("    " + ",".join(str(r) for r in roots[i:i + 16]) + ",")
    out.append("};")
    b = list(base) + [0.0] * (3 - len(base))
    ex = list(exits) + [(0, 0.0)] * (2 - len(exits))
    init = ("{%s_nodes, %s_roots, %d, %d, %d, %d, {%.9g, %.9g, %.9g}, {%d, %d}, {%.9g, %.9g}}"
            % (name, name, len(roots), len(nodes), depth, ncl, b[0], b[1], b[2], ex[0][0], ex[1][0],
               ex[0][1], ex[1][1]))
    return "\n".join(out) + "\n", init


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("fnc_dir")
    ap.add_argument("out_c")
    ap.add_argument("--lexicon-out", help="default: tg_lexicon_params.c beside OUT_C")
    ap.add_argument("--workdir")
    a = ap.parse_args()
    bodies, pairs = fnc.load(a.fnc_dir)
    train = fnc.split(pairs)["train"]
    find = fnc.clusters(train)
    work = a.workdir or tempfile.mkdtemp(prefix="cw-train-")
    os.makedirs(work, exist_ok=True)
    fold_pairs = [[] for _ in range(NFOLD)]
    for p in train:
        fold_pairs[fold_of(find(("h", p[0])))].append(p)
    # the background lexicon: one per fold from the other folds' bodies (a fold's documents are
    # as new to its lexicon as dev's and the daemon's are to the committed one), and the final
    # one from every training body
    train_bodies = sorted(set(b for _, b, _ in train))
    words = lexicon.terms(a.binary, bodies, train_bodies, work)
    lexpaths = []
    for k in range(NFOLD):
        lex = lexicon.build([words[b] for b in train_bodies if fold_of(find(("b", b))) != k])
        lexpaths.append(os.path.join(work, "lexicon%d.json" % k))
        lexicon.write_json(lexpaths[-1], lex)
    final_lex = lexicon.build([words[b] for b in train_bodies])
    lexicon.write_json(os.path.join(work, "lexicon-final.json"), final_lex)
    print("lexicon: %d words from %d bodies" % (len(final_lex["words"]), len(train_bodies)),
          file=sys.stderr)
    # each fold is also cut into small claim sets (whole clusters, about SMALL_SET claims): claim
    # sets in use range from a handful of claims to thousands, and the claim-set IDF and the
    # competition between candidates behave differently at each size
    sets = []  # (fold, pairs, small)
    for k in range(NFOLD):
        sets.append((k, fold_pairs[k], False))
        if SMALL_SET <= 0:
            continue
        byc = {}
        for p in fold_pairs[k]:
            byc.setdefault(find(("h", p[0])), []).append(p)
        order = sorted(byc, key=lambda r: hashlib.sha256(repr(r).encode()).hexdigest())
        cur, heads_in = [], set()
        for r in order:
            cur += byc[r]
            heads_in |= set(h for h, _, _ in byc[r])
            if len(heads_in) >= SMALL_SET:
                sets.append((k, cur, True))
                cur, heads_in = [], set()
        if cur:
            sets.append((k, cur, True))
    LAB = {"unrelated": 0, "discuss": 1, "agree": 2, "disagree": 3}
    rows, y, w, grp, is_lab, is_cross = [], [], [], [], [], []
    # every candidate row, also those left out of training (use False): their first-stage
    # probabilities feed their neighbours' TG_NPROP features, as at inference
    use, p1_dump, nbrows, docrows = [], [], [], []
    lab_extra = []  # gold labels of labelled pairs that are not candidates (always unrelated)
    cross_total = 0
    is_small, is_home = [], []
    for si, (k, spairs, small) in enumerate(sets):
        heads, docs, feats = dump_fold(a.binary, bodies, spairs, work, si, lexpaths[k])
        labelled = {(fnc.claim_id(h), b): LAB[s] for h, b, s in spairs}
        hc = {fnc.claim_id(h): find(("h", h)) for h in heads}
        bc = {b: find(("b", b)) for b in docs}
        # scores and thresholds count only "home" pairs, whose body's claim is in the fold too, as
        # the dev split does (it drops pairs across the split): a fold's documents also include
        # other folds' bodies (labelled unrelated to its claims), which train well but would
        # inflate the easy cross-claim pairs and make the false-tag rate look too good
        home_docs = [b for b in docs if fold_of(bc[b]) == k or not TUNE_HOME]
        same = sum(1 for h in heads for b in home_docs if hc[fnc.claim_id(h)] == bc[b])
        if not small:
            cross_total += len(heads) * len(home_docs) - same
        base = len(rows)
        at = {key: base + i for i, key in enumerate(sorted(feats))}
        bydoc = {}
        for key in feats:  # candidate order
            bydoc.setdefault(key[1], []).append(at[key])
        docrows += bydoc.values()
        for (cid, b), (f, p1, nb) in sorted(feats.items()):
            lab = labelled.get((cid, b))
            # same claim cluster, unlabelled: probably related, stance unknown; not trained on
            use.append(not (lab is None and hc[cid] == bc[b]))
            p1_dump.append(p1)
            nbrows.append([(at[(c2, b)], sim) for c2, sim in nb])
            rows.append(f)
            y.append(lab if lab is not None else 0)
            w.append(1.0 if lab is not None else UNLABELLED_WEIGHT)
            grp.append(k)
            is_lab.append(lab is not None)
            is_cross.append(hc[cid] != bc[b])
            is_small.append(small)
            is_home.append(fold_of(bc[b]) == k or not TUNE_HOME)
        if not small:
            lab_extra += [lab for (cid, b), lab in labelled.items()
                          if (cid, b) not in feats and (fold_of(bc[b]) == k or not TUNE_HOME)]
            print("fold %d: %d claims, %d docs, %d labelled pairs, %d rows so far"
                  % (k, len(heads), len(docs), len(labelled), len(rows)), file=sys.stderr)
    print("%d small claim sets" % sum(1 for s in sets if s[2]), file=sys.stderr)
    X = np.array(rows, dtype=np.float64)
    use = np.array(use)
    # the C code's TG_NPROP features, recomputed from its own first stage, must come out as the
    # C code's (a tie in p1 after rounding can pick another "other": allow a sliver)
    nprop = 3
    P1_LOGIT = float(np.log(P1_FLOOR / (1 - P1_FLOOR)))
    fprop = X.shape[1] - nprop
    Fc = prop_features(np.array(p1_dump), docrows, nbrows)
    bad = np.sum(np.any(np.abs(Fc - X[:, fprop:]) > 2e-6, axis=1))
    print("TG_NPROP features recomputed from the dump: %d of %d rows differ" % (bad, len(X)), file=sys.stderr)
    assert bad <= len(X) // 1000, "train.py's prop_features no longer matches tagger.c's"
    # first stage out of fold, over every row: each fold's TG_NPROP features come from models
    # that never saw its claims, as a new claim set's do at inference
    yu = np.array([v != 0 for v in y])
    grp_all = np.array(grp)
    p1 = np.zeros(len(X))
    for k in range(NFOLD):
        tr = (grp_all != k) & use
        te = grp_all == k
        g1 = gbt(REL1_TREES, lr=REL1_LR).fit(X[tr, :fprop], yu[tr], sample_weight=np.array(w)[tr])
        ex1 = early_exits(g1, X[tr, :fprop], P1_LOGIT, None, EXIT_AT1)
        p1[te] = np.where(exited(g1, X[te, :fprop], ex1), 0.0, g1.predict_proba(X[te, :fprop])[:, 1])
    X[:, fprop:] = prop_features(p1, docrows, nbrows)
    X = X[use]
    skip2 = (p1[use] == 0) & (X[:, fprop] < REL2_MIN_PROP)
    y, w, grp = np.array(y)[use], np.array(w)[use], grp_all[use]
    y_all = y.copy()
    is_lab, is_cross, is_small = np.array(is_lab)[use], np.array(is_cross)[use], np.array(is_small)[use]
    is_home = np.array(is_home)[use]
    lab_extra = np.array(lab_extra)
    print("labelled pairs that are not candidates, by gold label:", np.bincount(lab_extra, minlength=4),
          file=sys.stderr)
    nfeat = X.shape[1]
    np.savez_compressed(os.path.join(work, "rows.npz"), X=X, y=y, w=w, grp=grp, is_lab=is_lab,
                        is_cross=is_cross)
    yrel = (y != 0).astype(int)
    related = y != 0
    # out-of-fold predictions: each fold is scored by models that never saw its claims
    oof_rel = np.zeros(len(X))
    oof_st = np.zeros((len(X), 3))
    for k in range(NFOLD):
        tr, te = grp != k, grp == k
        g = gbt(REL_TREES, lr=REL_LR).fit(X[tr], yrel[tr], sample_weight=w[tr])
        oof_rel[te] = np.where(skip2[te], 0.0, g.predict_proba(X[te])[:, 1])
        trs = tr & related
        ys = y[trs] - 1
        s = gbt(ST_TREES, lr=ST_LR).fit(X[trs, :fprop], ys, sample_weight=class_weights(ys, 3)[ys])
        oof_st[te] = s.predict_proba(X[te, :fprop])
        print("cross-validation fold %d done" % k, file=sys.stderr)
    # the tagger's name gate (tagger.c): a claim none of whose own names and numbers (against the
    # document's best other candidate) occurs in the document is not related, whatever the trees say
    if NAME_GATE:
        gated = X[:, F_NAMES] == 0
        print("name gate: %d rows, %d of them related" % (gated.sum(), (gated & (y != 0)).sum()),
              file=sys.stderr)
        oof_rel[gated] = 0
    # thresholds are tuned on the full-size folds (their pairs are what lab_extra and cross_total
    # count); the small claim sets only add training rows
    full = ~is_small & np.array(is_home)
    oof_rel, oof_st, y, is_lab, is_cross, related = (oof_rel[full], oof_st[full], y[full], is_lab[full],
                                                    is_cross[full], related[full])
    # thresholds on the out-of-fold predictions. Relatedness: the best labelled relatedness
    # accuracy whose false-tag rate on cross-claim pairs stays within the budget.
    gold = np.concatenate([y[is_lab], lab_extra])
    nextra = len(lab_extra)
    best = None
    for t in np.arange(0.05, 0.96, 0.01):
        rel = oof_rel >= t
        acc = (np.sum(rel[is_lab] == (y[is_lab] != 0)) + np.sum(lab_extra == 0)) / len(gold)
        false = np.sum(rel & is_cross & ~related) / cross_total
        print("  threshold %.2f: labelled relatedness acc %.4f, cross-claim false tags %.3f%%"
              % (t, acc, 100 * false), file=sys.stderr)
        key = (false <= FALSE_TAG_BUDGET, acc)
        if best is None or key > best[0]:
            best = (key, float(t), acc, false)
    thr = best[1]
    print("relatedness threshold %.2f: acc %.4f, false tags %.3f%%" % (thr, best[2], 100 * best[3]),
          file=sys.stderr)
    # stance biases: best FNC score (ties: macro-F1) on the out-of-fold labelled pairs
    rel_lab = np.concatenate([oof_rel[is_lab] >= thr, np.zeros(nextra, dtype=bool)])
    lp = np.log(oof_st[is_lab] + 1e-12)
    bbest = None
    grid = np.arange(-1.0, 1.01, 0.1)
    for b1 in grid:
        for b2 in grid:
            st = np.argmax(lp + np.array([0.0, b1, b2]), axis=1)
            sc, pred = fnc_score(gold, rel_lab, np.concatenate([st, np.zeros(nextra, dtype=int)]))
            mf, _ = macro_f1(gold, pred)
            key = (round(sc, 1) + 10 * mf, sc, mf)
            if bbest is None or key > bbest[0]:
                bbest = (key, [0.0, float(b1), float(b2)], sc, mf)
    biases = bbest[1]
    st = np.argmax(lp + np.array(biases), axis=1)
    sc, pred = fnc_score(gold, rel_lab, np.concatenate([st, np.zeros(nextra, dtype=int)]))
    mf, f1s = macro_f1(gold, pred)
    print("stance biases %s: out-of-fold FNC %.1f, macro-F1 %.3f, per class %s"
          % (biases, sc, mf, " ".join("%.3f" % v for v in f1s)), file=sys.stderr)
    cm = np.zeros((4, 4), dtype=int)
    for gg, pp in zip(gold, pred):
        cm[gg, pp] += 1
    print(cm, file=sys.stderr)
    # final models on every training fold
    y = np.array(y_all)
    related = y != 0
    # (the first stage on the rows it was trained on, the second on the TG_NPROP features of the
    # out-of-fold first stage: the first stage's probabilities on new claims are what it sees)
    g1 = gbt(REL1_TREES, lr=REL1_LR).fit(X[:, :fprop], yrel, sample_weight=w)
    g = gbt(REL_TREES, lr=REL_LR).fit(X, yrel, sample_weight=w)
    ys = y[related] - 1
    s = gbt(ST_TREES, lr=ST_LR).fit(X[related, :fprop], ys, sample_weight=class_weights(ys, 3)[ys])
    erel1, erel, est = export(g1, fprop), export(g, nfeat), export(s, fprop)
    # the export must reproduce scikit-learn's scores (what the C code computes)
    chk = X[:200]
    assert np.allclose(raw_scores(erel1, chk)[:, 0], g1.decision_function(chk[:, :fprop]), atol=1e-6)
    assert np.allclose(raw_scores(erel, chk)[:, 0], g.decision_function(chk), atol=1e-6)
    assert np.allclose(raw_scores(est, chk), s.decision_function(chk[:, :fprop]), atol=1e-6)
    # early exits: most candidates are clearly unrelated and leave both stages early
    exits1 = early_exits(g1, X[:, :fprop], P1_LOGIT, "first stage", EXIT_AT1)
    exits = early_exits(g, X, float(np.log(thr / (1 - thr))), "second stage")
    rel1_src, rel1_init = c_gbt("tg_rel", erel1, exits1)
    rel_src, rel_init = c_gbt("tg_rel2", erel, exits)
    st_src, st_init = c_gbt("tg_st", est)
    lexicon.write_c(a.lexicon_out or os.path.join(os.path.dirname(a.out_c), "tg_lexicon_params.c"),
                    final_lex, "the %d bodies of the FNC-1 claim-disjoint training split"
                    % len(train_bodies))
    with open(a.out_c, "w") as f:
        f.write("/* Generated by tagger/train/train.py from the FNC-1 claim-disjoint training split\n"
                " * (%d pairs, %d candidate rows, %d features; %d + %d + %d trees). Do not edit; rerun the\n"
                " * trainer (docs/quality.md). Thresholds from %d-fold cross-validation grouped by claim:\n"
                " * out-of-fold FNC %.1f, macro-F1 %.3f, cross-claim false tags %.3f%%. */\n"
                % (len(train), len(X), nfeat, len(erel1[1]), len(erel[1]), len(est[1]), NFOLD, sc, mf,
                   100 * best[3]))
        f.write('#include "tagger/tg_internal.h"\n\n')
        f.write(rel1_src)
        f.write(rel_src)
        f.write(st_src)
        f.write("\nconst struct tg_model tg_model_default = {\n")
        f.write("    .nfeat = %d,\n" % nfeat)
        f.write("    .rel = %s,\n" % rel1_init)
        f.write("    .rel2 = %s,\n" % rel_init)
        f.write("    .rel2_min_prop = %.3f,\n" % REL2_MIN_PROP)
        f.write("    .rel_threshold = %.3f,\n" % thr)
        f.write("    .st = %s,\n" % st_init)
        f.write("    .st_bias = {%.3f, %.3f, %.3f},\n" % tuple(biases))
        f.write("};\n")


if __name__ == "__main__":
    main()
