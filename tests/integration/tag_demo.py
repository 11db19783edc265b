"""claimwatch tag over the demo article pages (config/demo, paragraph text taken with Python's
HTML parser, not the project's extractor) with the example claim set, checked against
tests/fixtures/demo/expected.json."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "tag_lib"))
import demo_eval as E  # noqa: E402

src = os.environ["CW_SOURCE_DIR"]
exp_path = os.path.join(src, "tests/fixtures/demo/expected.json")
if not os.path.exists(exp_path):
    print("skip: no demo fixtures")
    sys.exit(77)
exp = json.load(open(exp_path))
docs = E.article_docs(src, exp)
res = E.run_tag(os.environ["CW_BIN"], os.path.join(src, exp["claims_file"]), docs)
by = E.check(res, docs, exp["articles"], exp["control_claims"], 4)
main = by["config/demo/articles/iran-rejects-missile-claims.html"]["iran-supplied-ballistic-missiles-to-russia"]
assert any(e["stance"] == "refutes" and "Araghchi" in (e["speaker"] or "") for e in main["evidence"]), main
print("ok")
