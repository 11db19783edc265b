#!/usr/bin/env bash
# Builds bench/parse/phases.c against BUILD_DIR's libclaimwatch.a and prints the in-process CPU
# breakdown of claimwatch parse (docs/benchmarks.md). Run bench/parse/run.sh first for the data.
# Usage: bench/parse/phases.sh [BUILD_DIR] [FILE...]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
shift || true
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(bench/data/bench.rss bench/data/bench.atom)
out="$build/bench-parse-phases"
libs=$(pkg-config --libs rdkafka libcurl libxml-2.0 jansson sqlite3 libsystemd libmicrohttpd libutf8proc libcrypto zlib)
cflags=$(pkg-config --cflags libxml-2.0 jansson)
cc -O2 -std=c11 -D_GNU_SOURCE -I. $cflags bench/parse/phases.c "$build/libclaimwatch.a" $libs -lstemmer -lm -o "$out"
for f in "${files[@]}"; do "$out" "$f" 9; done
python3 - "$build/claimwatch" <<'PY'
import resource, subprocess, sys
best = 1e9
for _ in range(9):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.argv[1], "--version"], stdout=subprocess.DEVNULL, check=True)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    best = min(best, r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
print(f"process start-up (claimwatch --version), best of 9: {best * 1000:.2f} CPU ms")
PY
