#!/usr/bin/env bash
# The main job on its bundled demo: install dependencies, build, and run one pass of the daemon
# over the demo feeds (config/demo.json: file:// feeds, stdout sink, no broker needed).
# Usage: scripts/demo.sh [--no-deps] [claimwatch once options...]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--no-deps" ]; then shift; else bash scripts/install-deps.sh --build-only; fi
cmake -S . -B build-demo -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCW_TESTS=OFF >/dev/null
cmake --build build-demo -j"$(nproc)" >/dev/null
state=$(mktemp -d)
trap 'rm -rf "$state"' EXIT
# A fresh state directory each time, so the demo always shows its events.
./build-demo/claimwatch once -c config/demo.json --state-dir "$state" "$@"
