#!/usr/bin/env bash
# Feed-parsing benchmark: claimwatch parse vs Debian's python3-feedparser (defaults: it
# sanitises too) vs `xmllint --stream --noout` (the libxml2 floor: tokenising only), on the same
# generated RSS and Atom inputs, in one run. Best of $RUNS wall-clock runs each.
# Usage: bench/parse/run.sh [BUILD_DIR] [ITEMS]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
items=${2:-2000}
RUNS=${RUNS:-5}
data=bench/data
mkdir -p "$data"
python3 bench/parse/gen.py "$data" "$items"
bin="$build/claimwatch"

best() { # best wall time in seconds of running "$@" RUNS times
  local b=999999
  for _ in $(seq "$RUNS"); do
    local t0 t1
    t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N)
    b=$(python3 -c "print(min($b, $t1 - $t0))")
  done
  echo "$b"
}

fp_prog='import feedparser,sys; d=feedparser.parse(open(sys.argv[1],"rb").read()); assert len(d.entries)>0'
printf "%-6s %8s %12s %12s %12s %10s %10s\n" input items claimwatch feedparser xmllint "fp/cw" "cw/xmllint"
for f in bench.rss bench.atom; do
  n=$("$bin" parse --compact "$data/$f" | python3 -c "import json,sys; print(len(json.load(sys.stdin)['items']))")
  cw=$(best "$bin" parse --compact "$data/$f")
  fp=$(RUNS=$(( RUNS < 2 ? 1 : 2 )) best /usr/bin/python3 -c "$fp_prog" "$data/$f")
  xl=$(best xmllint --stream --noout "$data/$f")
  python3 - "$f" "$n" "$cw" "$fp" "$xl" <<'PY'
import sys
f, n, cw, fp, xl = sys.argv[1], int(sys.argv[2]), *map(float, sys.argv[3:])
print(f"{f:<6} {n:8d} {n/cw:10.0f}/s {n/fp:10.0f}/s {n/xl:10.0f}/s {fp/cw:9.1f}x {cw/xl:9.2f}x")
PY
done
