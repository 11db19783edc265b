#!/bin/bash
# bench/tag: documents/s and peak memory of `claimwatch tag` at 100, 1,000 and 10,000 claims over
# ~5 KB news articles (FNC-1 bodies from ../shared), next to a Python inverted-index peer on the
# same input in the same run. usage: bench/tag/run.sh [BUILD_DIR] [NDOCS] [ROUNDS]
# CW_BENCH_BASELINE=/path/to/an/older/claimwatch adds its rate in the same run (e.g. main's model).
# Each program runs ROUNDS times (default 1), interleaved; the best CPU rate of each is reported.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${1:-$src/build}
ndocs=${2:-2000}
rounds=${3:-1}
base=${CW_BENCH_BASELINE:-}
fnc=${CW_SHARED_DIR:-$src/../shared}/stance/fnc-1
[ -d "$fnc" ] || { echo "bench/tag: needs $fnc" >&2; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# docs/s per core = documents / (user + sys CPU seconds): the machine is shared, so wall-clock
# rates (also printed) move with the neighbours' load; CPU time much less.
if [ -n "$base" ]; then
  printf '| claims | claimwatch docs/s/core (wall) | claimwatch peak RSS | baseline docs/s/core | peer docs/s/core (wall) | peer peak RSS | ratio (CPU) |\n'
  printf '| --- | --- | --- | --- | --- | --- | --- |\n'
else
  printf '| claims | claimwatch docs/s/core (wall) | claimwatch peak RSS | peer docs/s/core (wall) | peer peak RSS | ratio (CPU) |\n'
  printf '| --- | --- | --- | --- | --- | --- |\n'
fi
for n in 100 1000 10000; do
  python3 "$here/gen.py" "$fnc" "$n" "$ndocs" "$work/$n"
  run() { # prints wall seconds, CPU seconds and peak KB
    /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@" <"$work/$n/docs.jsonl" >"$work/out" 2>/dev/null
    awk '{ print $1, $2 + $3, $4 }' "$work/time"
  }
  best() { # keeps the run with the least CPU time: "wall cpu kb" lines on stdin
    sort -k2,2g | head -n 1
  }
  : >"$work/cw.runs"; : >"$work/base.runs"; : >"$work/peer.runs"
  for _ in $(seq "$rounds"); do
    run "$build/claimwatch" tag --claims "$work/$n/claims.json" >>"$work/cw.runs"
    [ -z "$base" ] || run "$base" tag --claims "$work/$n/claims.json" >>"$work/base.runs"
    run python3 "$here/peer.py" "$work/$n/claims.json" >>"$work/peer.runs"
  done
  read -r cw cc ck < <(best <"$work/cw.runs")
  read -r pw pc pk < <(best <"$work/peer.runs")
  bc=0
  [ -z "$base" ] || read -r _ bc _ < <(best <"$work/base.runs")
  awk -v n="$n" -v d="$ndocs" -v cw="$cw" -v cc="$cc" -v ck="$ck" -v pw="$pw" -v pc="$pc" -v pk="$pk" \
      -v bc="$bc" -v hasb="${base:+1}" 'BEGIN {
    m = 0.001; cr = d / (cc > m ? cc : m); pr = d / (pc > m ? pc : m);
    b = hasb ? sprintf(" %.0f |", d / (bc > m ? bc : m)) : "";
    printf "| %d | %.0f (%.0f) | %.1f MB |%s %.0f (%.0f) | %.1f MB | %.2fx |\n", n, cr, d / (cw > m ? cw : m),
      ck / 1024, b, pr, d / (pw > m ? pw : m), pk / 1024, cr / pr }'
done
