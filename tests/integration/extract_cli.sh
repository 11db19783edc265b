#!/usr/bin/env bash
# claimwatch extract on the command line: JSON on stdout, exit codes 0 / 1 (no content, naming the
# file) / 2 (usage), stdin input, --url and --content-type.
set -euo pipefail
: "${CW_BIN:?}" "${CW_SOURCE_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
page="$CW_SOURCE_DIR/tests/fixtures/pages/news_basic.html"

"$CW_BIN" extract --help >"$tmp/help" || fail "--help exit $?"
grep -q -- "--content-type" "$tmp/help" || fail "--help lacks --content-type"

set +e
"$CW_BIN" extract >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || fail "no FILE: exit $rc, want 2"
"$CW_BIN" extract --bogus "$page" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "bad option: exit $rc, want 2"
"$CW_BIN" extract a.html b.html >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "two files: exit $rc, want 2"
"$CW_BIN" extract "$tmp/missing.html" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] || fail "missing file: exit $rc, want 1"
grep -q "missing.html" "$tmp/err" || fail "missing-file error does not name the file"
printf '<html><body><nav><a href="/">Home</a></nav><p>Sign In</p></body></html>' >"$tmp/empty.html"
"$CW_BIN" extract "$tmp/empty.html" >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] || fail "no content: exit $rc, want 1"
grep -q "empty.html: no main content" "$tmp/err" || fail "no-content reason: $(cat "$tmp/err")"
[ ! -s "$tmp/out" ] || fail "no-content printed to stdout"
set -e

"$CW_BIN" extract --url https://gazette.example/x - <"$page" >"$tmp/out.json"
# Latin-1 page whose charset comes only from the HTTP header
printf '<html><body><article><p>Gr\xfc\xdfe aus M\xfcnchen, sagte der B\xfcrgermeister am Montag vor der Presse, und dann noch mehr Text.</p><p>Zweiter Absatz mit genug Text, damit die Seite als Artikel gilt, ganz sicher.</p></article></body></html>' >"$tmp/latin1.html"
"$CW_BIN" extract --content-type "text/html; charset=iso-8859-1" "$tmp/latin1.html" >"$tmp/latin1.json"

python3 - "$tmp/out.json" "$tmp/latin1.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
assert a["url"] == "https://gazette.example/x", a
assert a["title"] == "Council approves new bridge plan", a["title"]
assert a["authors"] == ["Maria Lopez"], a["authors"]
assert a["published"] == "2024-03-05T08:30:00Z", a["published"]
assert a["canonical_url"] == "https://gazette.example/news/bridge-plan"
assert a["text"] == "\n\n".join(a["paragraphs"])
assert "Skip to content" not in a["text"] and "Sign In" not in a["text"]
assert "pedestrian bridge" in a["text"]
b = json.load(open(sys.argv[2]))
assert "Grüße aus München" in b["text"], b["text"]
assert "title" not in b and "authors" not in b and "published" not in b  # absent values omitted
print("extract_cli: ok")
PY
