"""claimwatch tag over the five seed texts (../shared/seeds) with the example claim set, checked
against tests/fixtures/demo/expected.json: every expected claim found with an acceptable stance,
evidence that overlaps the expected fragments, speakers, control claims never tagged, and the
story's key attributions (a denial quoted from Iran's foreign minister refutes the main claim; a
Blinken statement supports the claim that Russia will use the missiles within weeks)."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "tag_lib"))
import demo_eval as E  # noqa: E402

src = os.environ["CW_SOURCE_DIR"]
shared = os.environ.get("CW_SHARED_DIR", "")
if not os.path.isdir(os.path.join(shared, "seeds")):
    print("skip: no seeds in CW_SHARED_DIR")
    sys.exit(77)
exp = json.load(open(os.path.join(src, "tests/fixtures/demo/expected.json")))
claims = os.path.join(src, exp["claims_file"])
docs = E.seed_docs(shared, exp)
res = E.run_tag(os.environ["CW_BIN"], claims, docs)
by = E.check(res, docs, exp["seeds"], exp["control_claims"], 3)
for r in res:
    for c in r["claims"]:
        assert 0 <= c["score"] <= 1 and c["evidence"], c
    assert any(e["id"] == "iran" for e in r["entities"]), r["entities"]

main = by["001_de3ecafd94c781bd.txt"]["iran-supplied-ballistic-missiles-to-russia"]
ev = [e for e in main["evidence"] if "NOT delivered ballistic missiles" in e["text"]]
assert ev and ev[0]["stance"] == "refutes" and "Aragchi" in (ev[0]["speaker"] or ""), main
weeks = by["001_de3ecafd94c781bd.txt"]["russia-to-use-iranian-missiles-in-ukraine-within-weeks"]
assert any(e["stance"] == "supports" and "Blinken" in (e["speaker"] or "") for e in weeks["evidence"]), weeks
# article 004 reports a Reuters account and a denial
main4 = by["004_7c9935cb7962ef21.txt"]["iran-supplied-ballistic-missiles-to-russia"]
print(json.dumps(main4, indent=1))
print("ok")
