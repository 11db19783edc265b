#!/usr/bin/env bash
# Runs every libFuzzer target in BUILD_DIR for SECONDS each, starting from its seed corpus.
# New inputs go to a scratch corpus; a crash fails the run and leaves crash-* files to turn into
# regression inputs under tests/fuzz/corpus/<name>/.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-fuzz}
secs=${2:-30}
status=0
shopt -s nullglob
for bin in "$build"/tests/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin"); short=${name#fuzz_}
  scratch=$(mktemp -d)
  echo "-- $name for ${secs}s"
  if ! "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=0 \
       -artifact_prefix="$build/" "$scratch" "tests/fuzz/corpus/$short" 2>"$build/$name.log"; then
    echo "FAILED: $name (see $build/$name.log)"; tail -30 "$build/$name.log"; status=1
  fi
  rm -rf "$scratch"
done
exit $status
