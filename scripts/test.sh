#!/usr/bin/env bash
# The whole test suite, as CI runs it: install dependencies, then build and test twice (normal with
# warnings as errors; AddressSanitizer + UndefinedBehaviorSanitizer), then run every fuzz target
# briefly. Usage: scripts/test.sh [--no-deps] [--quick] (quick: normal build only, no fuzzing).
set -euo pipefail
cd "$(dirname "$0")/.."
deps=1 quick=0
for a in "$@"; do
  case "$a" in
    --no-deps) deps=0 ;;
    --quick) quick=1 ;;
    *) echo "usage: scripts/test.sh [--no-deps] [--quick]" >&2; exit 2 ;;
  esac
done
[ "$deps" -eq 1 ] && bash scripts/install-deps.sh
jobs=$(nproc)

echo "== build: normal (-Werror)"
cmake -S . -B build -DCW_WERROR=ON -DCW_TESTS=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
echo "== tests: normal build"
ctest --test-dir build --output-on-failure -j"$jobs"
bash scripts/check-unit.sh build

[ "$quick" -eq 1 ] && exit 0

echo "== build: ASan + UBSan"
cmake -S . -B build-asan -DCW_WERROR=ON -DCW_TESTS=ON -DCW_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j"$jobs"
echo "== tests: ASan + UBSan build"
ctest --test-dir build-asan --output-on-failure -j"$jobs" -LE nosan

echo "== fuzz: every target, briefly"
CC=clang cmake -S . -B build-fuzz -DCW_FUZZ=ON -DCW_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$jobs"
bash scripts/fuzz.sh build-fuzz "${CW_FUZZ_SECONDS:-30}"
