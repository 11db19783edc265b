#!/usr/bin/env bash
# claimwatch parse as a command: exit codes, help, stdin, file:// base URLs for relative links,
# Content-Type charset, and an error that names the file.
set -euo pipefail
: "${CW_BIN:?}" "${CW_SOURCE_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
fx="$CW_SOURCE_DIR/tests/fixtures/feeds"

"$CW_BIN" parse --help | grep -q "Usage: claimwatch parse" || fail "--help"
set +e
"$CW_BIN" parse >/dev/null 2>&1; [ $? -eq 2 ] || fail "no FILE must be a usage error"
"$CW_BIN" parse --bogus x >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown option must be a usage error"
"$CW_BIN" parse a b >/dev/null 2>&1; [ $? -eq 2 ] || fail "two files must be a usage error"
"$CW_BIN" parse "$tmp/missing.xml" 2>"$tmp/err" >/dev/null; [ $? -eq 1 ] || fail "missing file must exit 1"
grep -q "missing.xml" "$tmp/err" || fail "error must name the file"
printf 'just some text' > "$tmp/notafeed.txt"
"$CW_BIN" parse "$tmp/notafeed.txt" 2>"$tmp/err" >/dev/null; [ $? -eq 1 ] || fail "unparseable must exit 1"
grep -q "notafeed.txt" "$tmp/err" || fail "parse error must name the file"
printf '<html><body>hi</body></html>' > "$tmp/page.html"
"$CW_BIN" parse "$tmp/page.html" 2>"$tmp/err" >/dev/null; [ $? -eq 1 ] || fail "HTML page must exit 1"
grep -q "page.html.*html" "$tmp/err" || fail "HTML error must name the file and root"
set -e

# Relative links against a file:// URL (the demo serves feeds this way).
mkdir -p "$tmp/demo/articles"
cat > "$tmp/demo/feed.xml" <<'XML'
<rss version="2.0"><channel><title>Demo</title><link>./</link>
<item><title>X</title><link>articles/x.html</link><description>&lt;a href="y.html"&gt;y&lt;/a&gt;</description></item>
</channel></rss>
XML
"$CW_BIN" parse --compact --url "file://$tmp/demo/feed.xml" "$tmp/demo/feed.xml" > "$tmp/out.json"
python3 - "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]
d = json.load(open(f"{tmp}/out.json"))
it = d["items"][0]
assert it["link"] == f"file://{tmp}/demo/articles/x.html", it["link"]
assert f'href="file://{tmp}/demo/y.html"' in it["summary"], it["summary"]
assert d["feed"]["link"] == f"file://{tmp}/demo/", d["feed"]
assert len(it["id"]) == 32
PY

# stdin, and a charset that only the HTTP header names.
printf '<rss version="2.0"><channel><title>Caf\xe9</title></channel></rss>' > "$tmp/latin.xml"
"$CW_BIN" parse --compact --content-type 'application/rss+xml; charset=ISO-8859-1' - < "$tmp/latin.xml" > "$tmp/o2.json"
python3 -c "import json,sys; d=json.load(open('$tmp/o2.json')); assert d['feed']['title']=='Caf\u00e9', d; assert d['encoding']=='iso-8859-1', d; assert d['errors']==[], d"

# Every fixture parses, in its format.
for f in rss20.xml:rss atom10.xml:atom rss091.xml:rss rdf10.xml:rdf atom03.xml:atom feed.json:json \
         sitemap_news.xml:sitemap sitemap_index.xml:sitemap broken.xml:rss; do
  file=${f%%:*}; want=${f##*:}
  got=$("$CW_BIN" parse --compact "$fx/$file" | python3 -c "import json,sys; print(json.load(sys.stdin)['format'])")
  [ "$got" = "$want" ] || fail "$file: format $got, want $want"
done
echo "parse_cli: ok"
