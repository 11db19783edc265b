#!/bin/bash
# claimwatch tag: the CLI contract (help, usage errors, claim-set errors with file:line:column,
# bad document lines reported by line number while the rest keeps going, input order kept).
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
BIN=${CW_BIN:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

"$BIN" tag --help >"$T/help" || fail "--help exit $?"
grep -q -- "--claims FILE" "$T/help" || fail "--help lacks --claims"

"$BIN" tag >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 2 ] || fail "no --claims: exit $rc, want 2"
grep -q "claims" "$T/err" || fail "usage error does not name --claims"
"$BIN" tag --bogus >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "unknown option: exit $rc, want 2"

cat >"$T/bad.json" <<'J'
[
  {"id": "a", "text": "Iran supplied ballistic missiles to Russia"},
  {"id": "b", "text": "x", "colour": "red"}
]
J
echo '{}' | "$BIN" tag --claims "$T/bad.json" >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] || fail "bad claims: exit $rc, want 1"
grep -q "bad.json:3:[0-9]*: claim \"b\" (#1): unknown field \"colour\"" "$T/err" || { cat "$T/err"; fail "claim error lacks file:line:column"; }
"$BIN" tag --claims "$T/missing.json" </dev/null >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] || fail "missing claims file: exit $rc, want 1"
# the trainer's lexicon option: a broken file is named with line and column
printf '{"dim": 32,\n "words": [' >"$T/lex.json"
echo '[{"id": "a", "text": "Iran supplied missiles"}]' >"$T/one.json"
"$BIN" tag --lexicon "$T/lex.json" --claims "$T/one.json" </dev/null >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] || fail "bad lexicon: exit $rc, want 1"
grep -q "lex.json:2:[0-9]*: " "$T/err" || { cat "$T/err"; fail "lexicon error lacks file:line:column"; }

cat >"$T/claims.json" <<'J'
{"claims": [
  {"id": "missiles", "text": "Iran supplied ballistic missiles to Russia"},
  {"id": "library", "text": "The city council approved a new budget for public libraries"}
]}
J
cat >"$T/docs.jsonl" <<'J'
{"id": "d1", "title": "Missiles", "text": "The United States said Iran supplied ballistic missiles to Russia. Iran denied it."}
{"id": "d2", "text": "not json"
{"id": "d3", "title": "Budget vote", "text": "The city council approved a new budget for the public libraries on Monday."}

["an array"]
{"id": 7, "text": "Nothing to see here."}
{"title": "no id"}
J
"$BIN" tag --claims "$T/claims.json" --docs "$T/docs.jsonl" >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 0 ] || fail "tag exit $rc"
python3 - "$T/out" "$T/err" <<'P' || fail "output check"
import json, sys
out = [json.loads(l) for l in open(sys.argv[1])]
err = open(sys.argv[2]).read()
assert len(out) == 6, out
assert out[0]["id"] == "d1" and [c["id"] for c in out[0]["claims"]] == ["missiles"], out[0]
c = out[0]["claims"][0]
assert c["stance"] in ("supports", "refutes", "discusses") and 0 <= c["score"] <= 1, c
ev = c["evidence"][0]
text = "The United States said Iran supplied ballistic missiles to Russia. Iran denied it."
assert text[ev["start"]:ev["end"]] == ev["text"], ev
assert out[1].get("error") and out[1]["line"] == 2, out[1]
assert ":2: invalid JSON" in err, err
assert out[2]["id"] == "d3" and [c["id"] for c in out[2]["claims"]] == ["library"], out[2]
assert out[3].get("error") and out[3]["line"] == 5, out[3]
assert out[4]["id"] == "7" and out[4]["claims"] == [], out[4]
assert out[5].get("error") and out[5]["line"] == 7, out[5]
for o in out:
    if "error" not in o:
        assert set(o) == {"id", "claims", "entities"}, o
P
# stdin works the same as --docs
"$BIN" tag --claims "$T/claims.json" <"$T/docs.jsonl" 2>/dev/null | cmp -s - "$T/out" || fail "stdin output differs from --docs"
# --min-score: 1 leaves every claim out (no score is above 1), 0 changes nothing, 2 is a usage error
"$BIN" tag --min-score 0 --claims "$T/claims.json" <"$T/docs.jsonl" 2>/dev/null | cmp -s - "$T/out" || fail "--min-score 0 changed the output"
"$BIN" tag --min-score 1 --claims "$T/claims.json" <"$T/docs.jsonl" 2>/dev/null |
  python3 -c 'import json, sys; assert all(json.loads(l).get("claims", []) == [] for l in sys.stdin)' ||
  fail "--min-score 1 still reports claims"
"$BIN" tag --min-score 2 --claims "$T/claims.json" </dev/null >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 2 ] || fail "--min-score 2: exit $rc, want 2"
grep -q "from 0 to 1" "$T/err" || fail "--min-score error does not give the range"
echo ok
