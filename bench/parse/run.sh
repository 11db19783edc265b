#!/usr/bin/env bash
# Feed-parsing benchmark (docs/benchmarks.md): generates a 2,000-item RSS 2.0 and Atom 1.0 feed
# with ~2 KB of HTML per item, then runs claimwatch parse, Debian's python3-feedparser and
# `xmllint --stream --noout` on them in one run.
# Usage: bench/parse/run.sh [BUILD_DIR] [ITEMS]     (RUNS=5 by default: best of)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
items=${2:-2000}
mkdir -p bench/data
python3 bench/parse/gen.py bench/data "$items"
python3 bench/parse/bench.py "$build" bench/data
