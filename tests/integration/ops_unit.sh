#!/usr/bin/env bash
# The systemd unit: scripts/check-unit.sh passes on the generated unit (verify prints nothing,
# exposure <= 1.5), and fails on a unit with a typo or with the hardening removed (it can fail).
# Also: `cmake --install` into a staging DESTDIR puts the binary, the unit and the docs in place.
set -euo pipefail
src=${CW_SOURCE_DIR:?} build=${CW_BUILD_DIR:?}
command -v systemd-analyze >/dev/null || { echo "systemd-analyze missing (install-deps.sh installs systemd)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

bash "$src/scripts/check-unit.sh" "$build" || { echo "FAIL check-unit on the generated unit"; fail=1; }

# Negative controls: the check must be able to fail.
mkdir -p "$tmp/typo/systemd" "$tmp/soft/systemd"
cp "$build/claimwatchd" "$tmp/typo/" && cp "$build/claimwatchd" "$tmp/soft/"
sed 's/^ProtectHome=yes/ProtectHom=yes/' "$build/systemd/claimwatch.service" > "$tmp/typo/systemd/claimwatch.service"
if bash "$src/scripts/check-unit.sh" "$tmp/typo" >/dev/null 2>&1; then echo "FAIL a typo passed"; fail=1; else echo "ok   a typo fails verify"; fi
grep -v -E '^(SystemCallFilter|PrivateUsers|ProtectSystem|PrivateDevices)=' "$build/systemd/claimwatch.service" \
  > "$tmp/soft/systemd/claimwatch.service"
if bash "$src/scripts/check-unit.sh" "$tmp/soft" >/dev/null 2>&1; then echo "FAIL a soft unit passed"; fail=1; else echo "ok   a weakly hardened unit fails the threshold"; fi

# The unit's essentials (not left to defaults by accident).
u="$build/systemd/claimwatch.service"
for line in 'Type=notify' 'NotifyAccess=main' 'WatchdogSec=30s' 'ExecReload=/bin/kill -HUP $MAINPID' \
            'Restart=on-failure' 'DynamicUser=yes' 'StateDirectory=claimwatch' 'ConfigurationDirectory=claimwatch' \
            'CapabilityBoundingSet=' 'UMask=0077'; do
  if grep -qxF "$line" "$u"; then echo "ok   $line"; else echo "FAIL unit lacks $line"; fail=1; fi
done
grep -q '^ExecStart=/.*/claimwatchd run -c /etc/claimwatch/claimwatch.json$' "$u" || { echo "FAIL ExecStart"; fail=1; }

# The front runs parse/extract/tag without loading the daemon's libraries (daemon/main.c), and
# hands the daemon's commands to claimwatchd in the same process (same pid: Type=notify holds).
if ldd "$build/claimwatch" | grep -E 'libcurl|librdkafka|libsqlite3|libmicrohttpd|libsystemd'; then
  echo "FAIL the claimwatch front links a daemon library"; fail=1
else echo "ok   the claimwatch front links no daemon library"; fi
if "$build/claimwatch" --version | grep -q librdkafka; then echo "ok   claimwatch --version reaches claimwatchd"
else echo "FAIL claimwatch --version did not reach claimwatchd"; fail=1; fi
pid_out=$("$build/claimwatch" check -c /nonexistent/claimwatch.json 2>&1 || true)
if echo "$pid_out" | grep -q '/nonexistent/claimwatch.json'; then echo "ok   claimwatch check runs in claimwatchd"
else echo "FAIL claimwatch check: $pid_out"; fail=1; fi
mkdir -p "$tmp/alone" && cp "$build/claimwatch" "$tmp/alone/"
prefix_bin=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")/bin
if [ ! -e "$prefix_bin/claimwatchd" ]; then
  # claimwatchd neither beside the front nor installed: a clear error, not a crash or a hang.
  rc=0; out=$("$tmp/alone/claimwatch" run -c /nonexistent.json 2>&1) || rc=$?
  if [ "$rc" = 1 ] && echo "$out" | grep -q "cannot run claimwatchd"; then echo "ok   a missing claimwatchd is reported"
  else echo "FAIL missing claimwatchd: rc=$rc $out"; fail=1; fi
fi

# Install layout.
DESTDIR="$tmp/stage" cmake --install "$build" >/dev/null
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
for f in "bin/claimwatch" "bin/claimwatchd" "lib/systemd/system/claimwatch.service" "share/doc/claimwatch/operations.md" \
         "share/doc/claimwatch/cli.md" "share/doc/claimwatch/examples/claimwatch.example.json" \
         "share/doc/claimwatch/examples/claims/example.json"; do
  if [ -e "$tmp/stage$prefix/$f" ]; then echo "ok   installs $f"; else echo "FAIL not installed: $f"; fail=1; fi
done
exit $fail
