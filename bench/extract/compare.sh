#!/usr/bin/env bash
# Output check for extractor changes meant to be pure speed-ups: runs two claimwatch binaries
# over both bench page sets, the seed pages and the test fixtures, and lists every page whose
# `claimwatch extract` output differs.
#   bash bench/extract/compare.sh OLD_BIN NEW_BIN
set -euo pipefail
cd "$(dirname "$0")/../.."
old=$1 new=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seeds=""
[ -d ../shared/seeds ] && seeds=../shared/seeds
python3 bench/extract/make_pages.py "$work/classic" $seeds >/dev/null
python3 bench/extract/make_pages.py "$work/deep" $seeds --deep >/dev/null
n=0 diffs=0
while IFS= read -r -d '' f; do
  n=$((n + 1))
  a=$("$old" extract "$f" 2>&1 || true)
  b=$("$new" extract "$f" 2>&1 || true)
  if [ "$a" != "$b" ]; then
    diffs=$((diffs + 1))
    echo "DIFF $f"
  fi
done < <(find "$work" tests ${seeds:+"$seeds"} \( -name '*.html' -o -name '*.htm' \) -print0 | sort -z)
echo "compared $n pages, $diffs differ"
[ "$diffs" -eq 0 ]
