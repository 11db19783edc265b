"""The committed tagger tables (tagger/tg_model_params.c, tagger/tg_lexicon_params.c) are exactly
what the committed trainer builds: tagger/train/train.py is rerun on the FNC-1 training split
(../shared/stance/fnc-1) into a temporary directory and both outputs are compared byte for byte.
The trainer is deterministic, so any difference means the tables, the trainer or the feature code
changed without the tables being regenerated. Never skips: missing numpy/scikit-learn or missing
training data fail, since CI must prove this on every run."""
import difflib
import os
import shutil
import subprocess
import sys
import tempfile

PY = "/usr/bin/python3"  # the Debian interpreter: the one python3-sklearn installs into
PKGS = "python3-numpy python3-scipy python3-sklearn"
TABLES = ["tagger/tg_model_params.c", "tagger/tg_lexicon_params.c"]
REGEN = ("%s tagger/train/train.py build/claimwatch ../shared/stance/fnc-1 tagger/tg_model_params.c"
         " (writes both tables; docs/quality.md), then rebuild and commit them" % PY)


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def check_python():
    try:
        r = subprocess.run([PY, "-c", "import numpy, scipy, sklearn"], capture_output=True,
                           text=True)
        err = r.stderr if r.returncode else ""
    except OSError as e:
        err = str(e) + "\n"
    if err:
        fail("%s cannot import numpy, scipy and scikit-learn, which the trainer needs:\n%s"
             "install the Debian packages: apt-get install %s (scripts/install-deps.sh)"
             % (PY, err, PKGS))


def train(src, binary, fnc_dir, out):
    # the trainer's tuning knobs are CW_* variables; the committed tables use their defaults
    env = {k: v for k, v in os.environ.items() if not k.startswith("CW_")}
    # one OpenMP thread: ctest -j runs other tests beside this one, and libgomp's spinning threads
    # crawl on a shared core (minutes instead of seconds); the tables come out the same with 1, 2
    # or 4 threads
    env["OMP_NUM_THREADS"] = "1"
    cmd = [PY, os.path.join(src, "tagger/train/train.py"), binary, fnc_dir,
           os.path.join(out, "tg_model_params.c"),
           "--lexicon-out", os.path.join(out, "tg_lexicon_params.c"),
           "--workdir", os.path.join(out, "work")]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    # the work dir holds the dumped features and fold lexicons (36 MB), never needed afterwards
    shutil.rmtree(os.path.join(out, "work"), ignore_errors=True)
    if r.returncode != 0:
        shutil.rmtree(out)
        fail("the trainer exited %d:\n%s\n%s" % (r.returncode, " ".join(cmd), r.stderr[-4000:]))


def first_diff(committed, rebuilt):
    """The first few differing lines, each cut short (a table line holds hundreds of bytes)."""
    with open(committed, errors="replace") as a, open(rebuilt, errors="replace") as b:
        d = difflib.unified_diff(a.readlines(), b.readlines(), "committed", "rebuilt", n=0)
        return "".join(line[:160].rstrip("\n") + "\n" for _, line in zip(range(12), d))


def compare(src, out):
    bad = []
    for rel in TABLES:
        committed = os.path.join(src, rel)
        rebuilt = os.path.join(out, os.path.basename(rel))
        r = subprocess.run(["cmp", committed, rebuilt], capture_output=True, text=True)
        if r.returncode != 0:
            bad.append("%s differs from the rebuilt table: %s%s"
                       % (rel, r.stdout or r.stderr, first_diff(committed, rebuilt)))
    return bad


def main():
    src, binary = os.environ["CW_SOURCE_DIR"], os.environ["CW_BIN"]
    fnc_dir = os.path.join(os.environ.get("CW_SHARED_DIR") or os.path.join(src, "../shared"),
                           "stance", "fnc-1")
    if not os.path.isfile(os.path.join(fnc_dir, "train_stances.csv")):
        fail("no FNC-1 training data in %s (the shared folder beside the checkout, CW_SHARED_DIR)"
             % fnc_dir)
    check_python()
    out = tempfile.mkdtemp(prefix="cw-model-rebuild-")
    train(src, binary, fnc_dir, out)
    bad = compare(src, out)
    if bad:
        fail("the committed tables are not what the committed trainer builds.\n%s"
             "Rebuilt tables kept in %s. If the change is intended, regenerate:\n  %s"
             % ("\n".join(bad), out, REGEN))
    shutil.rmtree(out)
    print("ok: %s are what tagger/train/train.py builds" % " and ".join(TABLES))


main()
