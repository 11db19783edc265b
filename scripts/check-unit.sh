#!/usr/bin/env bash
# Checks the generated systemd unit as CI must: `systemd-analyze verify` prints nothing (it only
# warns on typos and unknown settings, with exit status 0, so ANY output is a failure), and
# `systemd-analyze security --offline=yes` rates the exposure at most 1.5 (--threshold=15).
# usage: scripts/check-unit.sh [BUILD_DIR]   (default: build; the unit is BUILD_DIR/systemd/)
set -euo pipefail
build=${1:-build}
unit="$build/systemd/claimwatch.service"
[ -f "$unit" ] || { echo "check-unit: $unit not found (configure the build first)" >&2; exit 1; }
command -v systemd-analyze >/dev/null || { echo "check-unit: systemd-analyze not installed" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# verify also checks that ExecStart's binary exists and is executable. Before `cmake --install`
# it does not, so check a copy whose ExecStart points at the binary just built; every other line
# is the generated unit's, byte for byte.
bin=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
cp "$unit" "$tmp/claimwatch.service"
if [ ! -x "$bin" ]; then
  built=$(cd "$build" && pwd)/$(basename "$bin")
  [ -x "$built" ] || { echo "check-unit: neither $bin nor $built exists (build first)" >&2; exit 1; }
  sed -i "s|^ExecStart=$bin |ExecStart=$built |" "$tmp/claimwatch.service"
fi

out=$(cd "$tmp" && systemd-analyze verify --man=no ./claimwatch.service 2>&1) || true
if [ -n "$out" ]; then
  echo "check-unit: systemd-analyze verify complained:" >&2
  echo "$out" >&2
  exit 1
fi
echo "check-unit: verify clean"

if ! sec=$(systemd-analyze security --offline=yes --threshold=15 "$tmp/claimwatch.service" 2>&1); then
  echo "$sec" | grep -E '^✗|exposure' >&2 || echo "$sec" >&2
  echo "check-unit: exposure above 1.5" >&2
  exit 1
fi
echo "check-unit: $(echo "$sec" | grep -o 'Overall exposure level.*')"
