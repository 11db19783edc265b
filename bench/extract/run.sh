#!/usr/bin/env bash
# Extraction benchmark: quality (4-gram shingle P/R/F1 vs known main text) and speed (pages/s),
# claimwatch vs readability-lxml (Debian python3-readability), with `xmllint --html --noout` on
# the same pages as the parse floor. Speeds are pages per CPU second (user + system) for all
# three: the machine is shared, and wall-clock time would measure the neighbours. Two page sets, each measured for all three in one run:
#   classic  70 pages in 14 layouts (make_pages.py)
#   deep     60 pages in the DOM shape of big publishers' article pages (make_pages.py --deep)
#   bash bench/extract/run.sh [BUILD_DIR] [ROUNDS] [SETS...]     (default: build 5 classic deep)
# With BASELINE_LIB=path/to/an/older/libclaimwatch.a the harness built against it runs on the
# same pages right after claimwatch's (before/after numbers of a change from one run).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
rounds=${2:-5}
shift $(($# > 2 ? 2 : $#))
sets=("${@:-classic}")
[ $# -eq 0 ] && sets=(classic deep)
py=/usr/bin/python3 # Debian's python3 sees the python3-readability package
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seeds=""
[ -d ../shared/seeds ] && seeds=../shared/seeds

# the in-process speed harness links the same static library the daemon uses
# shellcheck disable=SC2046
cc -O2 -I. -o "$work/bench_extract" bench/extract/bench_extract.c "$build/libclaimwatch.a" \
  $(pkg-config --cflags --libs libxml-2.0 jansson libcrypto libutf8proc) -lm
if [ -n "${BASELINE_LIB:-}" ]; then
  # shellcheck disable=SC2046
  cc -O2 -I. -o "$work/bench_baseline" bench/extract/bench_extract.c "$BASELINE_LIB" \
    $(pkg-config --cflags --libs libxml-2.0 jansson libcrypto libutf8proc) -lm
fi

for set in "${sets[@]}"; do
  flag=""
  [ "$set" = deep ] && flag=--deep
  # shellcheck disable=SC2086
  $py bench/extract/make_pages.py "$work/$set" $seeds $flag
  pages=("$work/$set"/*.html)
  bytes=$(cat "${pages[@]}" | wc -c)
  echo "== set $set: ${#pages[@]} pages, $bytes bytes, $rounds rounds"

  cw=$(BENCH_ROUNDS=$rounds "$work/bench_extract" "${pages[@]}")
  echo "claimwatch:  $cw"
  cw_pps=$(echo "$cw" | awk '{print $6}')
  if [ -n "${BASELINE_LIB:-}" ]; then
    base=$(BENCH_ROUNDS=$rounds "$work/bench_baseline" "${pages[@]}")
    echo "claimwatch baseline ($BASELINE_LIB):  $base"
    base_pps=$(echo "$base" | awk '{print $6}')
  fi

  # CPU seconds (user + system) of the xmllint processes, as for the other two
  cpu=0
  for ((r = 0; r < rounds; r++)); do
    t=$( { TIMEFORMAT='%U %S'; time xmllint --html --noout "${pages[@]}" >/dev/null 2>&1 || true; } 2>&1)
    cpu=$(echo "$cpu $t" | awk '{printf "%.3f", $1 + $2 + $3}')
  done
  xl_pps=$(echo "${#pages[@]} $rounds $cpu" | awk '{printf "%.1f", $1*$2/$3}')
  echo "xmllint --html --noout: pages_per_sec $xl_pps (CPU time; one process per round)"

  out=$($py bench/extract/score.py "$work/$set" "$build/claimwatch" "$rounds")
  echo "$out" | head -n -1
  summary=$(echo "$out" | tail -n 1)
  echo "$summary" | $py -c '
import json, sys
s = json.load(sys.stdin)
cw, xl = float(sys.argv[1]), float(sys.argv[2])
rd = s["readability"]["pages_per_sec"]
print("speed [%s]: claimwatch %.0f pages/s, readability %.0f pages/s (claimwatch %.1fx faster), "
      "xmllint floor %.0f pages/s (claimwatch takes %.2fx the floor time)" % (sys.argv[3], cw, rd, cw / rd, xl, xl / cw))
print("F1 [%s]: claimwatch %.3f, readability %.3f" % (sys.argv[3], s["cw"]["f1"], s["readability"]["f1"]))
if sys.argv[4]:
    b = float(sys.argv[4])
    print("baseline [%s]: %.0f pages/s (%.1fx readability); this build %.2fx the baseline" % (sys.argv[3], b, b / rd, cw / b))
' "$cw_pps" "$xl_pps" "$set" "${base_pps:-}"
done
