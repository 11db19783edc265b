#!/usr/bin/env bash
# The generated unit under a real systemd. systemd 252 boots as PID 1 of private PID and mount
# namespaces (root only: unshare), with its own /run, /tmp, /var, /etc/systemd and /etc/claimwatch
# on tmpfs. Every unit a stock system would pull in at boot is masked, and so is every generator,
# so this systemd starts journald and claimwatch and touches nothing of the machine's own.
# Then, against the unit as built (plus a drop-in that shortens the watchdog to 2 s and sets the
# sanitisers' options):
#   start: Type=notify reaches "active", as a transient user, with no capabilities, no new
#     privileges and a seccomp filter; the demo's events land in the StateDirectory and on a
#     Kafka broker on loopback (read back with kcat), and /healthz and /metrics answer;
#   watchdog: systemd records pings and does not kill the daemon;
#   reload: `systemctl reload` (SIGHUP) keeps the same process, which reloads its claims;
#   crash: SIGKILL -> Restart=on-failure starts a new process;
#   stop: SIGTERM drains and exits 0 (Result=success).
set -euo pipefail
src=${CW_SOURCE_DIR:?} build=${CW_BUILD_DIR:?}
[ "$(id -u)" -eq 0 ] || { echo "FAIL needs root: it boots systemd in private namespaces (unshare)"; exit 1; }
for t in unshare nsenter /lib/systemd/systemd; do
  command -v "$t" >/dev/null || { echo "FAIL $t missing (util-linux, systemd)"; exit 1; }
done

# Outside /tmp: the namespace gets a /tmp of its own.
w=$(mktemp -d "$build/ops_systemd.XXXXXX")
ns_pid=""
fail=0
cgroups() { find /sys/fs/cgroup/systemd /sys/fs/cgroup/unified -mindepth 1 -type d 2>/dev/null | sort; }
cleanup() {
  # SIGKILL to PID 1 of a PID namespace ends every process in it.
  [ -n "$ns_pid" ] && kill -9 "$ns_pid" 2>/dev/null || true
  [ -n "${mock_pid:-}" ] && kill "$mock_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  # The cgroup hierarchies are the machine's: remove the (now empty) groups this boot made.
  if [ -s "$w/cgroups.before" ]; then
    for _ in 1 2 3 4 5; do
      comm -13 "$w/cgroups.before" <(cgroups) | sort -r | xargs -r rmdir 2>/dev/null || true
      [ -z "$(comm -13 "$w/cgroups.before" <(cgroups))" ] && break
      sleep 0.2
    done
  fi
  rm -rf "$w"
}
trap cleanup EXIT

# What the namespace's /etc/claimwatch will hold: the demo config, made for the unit.
mkdir -p "$w/etc"
cp -r "$src/config/claims" "$src/config/demo" "$w/etc/"
cat >"$w/etc/claimwatch.json" <<'J'
{
  "claims": ["claims/example.json"],
  "feeds": [
    {"url": "demo/feed.xml", "title": "Demo wire (RSS)", "fetch_articles": true},
    {"url": "demo/feed-atom.xml", "title": "Demo desk (Atom)", "fetch_articles": true}
  ],
  "fetch": {"allow_file": true},
  "sinks": [{"type": "file", "path": "/var/lib/claimwatch/events.jsonl"},
            {"type": "kafka", "name": "kafka", "metadata_timeout_ms": 2000,
             "rdkafka": {"bootstrap.servers": "@KAFKA@", "reconnect.backoff.max.ms": 500}}],
  "metrics": {"listen": "127.0.0.1:@PORT@"},
  "log": {"level": "info"}
}
J
# The metrics endpoint, reached from outside (the network namespace is the machine's).
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -i "s/@PORT@/$port/" "$w/etc/claimwatch.json"
# A Kafka broker (librdkafka's mock cluster) on loopback, outside the namespace: librdkafka's
# threads and sockets must live with the unit's seccomp filter.
coproc mock { "${CW_TOOLS_DIR:-$build/tests}/mockbroker" --brokers 1 --partitions 2; }
mock_pid=$mock_PID
read -r -t 30 kafka <&"${mock[0]}" || { echo "FAIL mockbroker did not start"; exit 1; }
sed -i "s/@KAFKA@/$kafka/" "$w/etc/claimwatch.json"
# How many item events the demo gives (the same binary, outside systemd).
want=$("$build/claimwatch" once -c "$src/config/demo.json" --state-dir "$w/once" 2>/dev/null |
  grep -c '"claimwatch.item.v1"')
[ "$want" -gt 0 ] || { echo "FAIL claimwatch once gave no item events"; exit 1; }

exec_path=$(sed -n 's/^ExecStart=\([^ ]*\) .*/\1/p' "$build/systemd/claimwatch.service")
cat >"$w/boot.sh" <<EOF
set -eu
mount --make-rprivate /
mount -t proc proc /proc
for d in /run /var/lib /var/log /var/cache /etc/systemd /etc/claimwatch $(dirname "$exec_path"); do
  mkdir -p "\$d"
  mount -t tmpfs -o mode=0755 tmpfs "\$d"
done
for d in /tmp /var/tmp; do mount -t tmpfs -o mode=1777 tmpfs "\$d"; done
cp "$build/claimwatchd" "$exec_path"
cp -r "$w/etc/." /etc/claimwatch/
mkdir -p /etc/systemd/system/claimwatch.service.d /etc/systemd/system-generators
cp "$build/systemd/claimwatch.service" /etc/systemd/system/
# In the sanitiser build: UB is fatal; LeakSanitizer is off, for it stops the world with ptrace,
# which the unit's seccomp filter refuses (the other tests check for leaks). Both are ignored by
# the normal build.
printf '[Service]\nWatchdogSec=2s\nEnvironment=ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1\n' \
  >/etc/systemd/system/claimwatch.service.d/test.conf
printf '[Unit]\nDescription=claimwatch test boot\nWants=claimwatch.service\n' >/etc/systemd/system/cwtest.target
# Mask everything a stock boot pulls in (mounts, udev, sysctl, clock, users, timers...) but journald.
for u in /lib/systemd/system/*.wants/* /lib/systemd/system/*.requires/* \
         tmp.mount systemd-remount-fs.service systemd-fsck-root.service systemd-timesyncd.service \
         systemd-udevd.service systemd-udev-trigger.service systemd-pstore.service; do
  n=\$(basename "\$u")
  case "\$n" in systemd-journald.service|systemd-journald.socket|systemd-journald-dev-log.socket) continue ;; esac
  ln -sf /dev/null "/etc/systemd/system/\$n"
done
for g in /lib/systemd/system-generators/* /usr/lib/systemd/system-generators/*; do
  [ -e "\$g" ] && ln -sf /dev/null "/etc/systemd/system-generators/\$(basename "\$g")"
done
exec /lib/systemd/systemd --system --unit=cwtest.target --log-target=journal --show-status=no
EOF
{ echo; cgroups; } >"$w/cgroups.before"
unshare --pid --mount --fork /bin/sh "$w/boot.sh" >"$w/systemd.log" 2>&1 &
unshare_pid=$!
for _ in $(seq 100); do
  ns_pid=$(pgrep -P "$unshare_pid" || true)
  [ -n "$ns_pid" ] && break
  sleep 0.1
done
[ -n "$ns_pid" ] || { echo "FAIL the namespace did not start"; cat "$w/systemd.log"; exit 1; }

ns() { nsenter -t "$ns_pid" -m -p -- "$@"; }
prop() { ns systemctl show -P "$1" claimwatch.service 2>/dev/null; }
dump() {
  echo "--- systemd"; tail -20 "$w/systemd.log"; ns journalctl --no-pager _PID=1 2>&1 | tail -30 || true
  echo "--- systemctl status"; ns systemctl status --no-pager claimwatch.service 2>&1 | tail -20 || true
  echo "--- journal"; ns journalctl --no-pager -u claimwatch.service 2>&1 | tail -40 || true
}
check() { # check WHAT CONDITION...: prints ok/FAIL
  local what=$1; shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fail=1; fi
}
wait_for() { # wait_for SECONDS COMMAND...: bounds a hang only; never a speed check
  local end=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $end ] || return 1
    sleep 0.2
  done
}
is_active() { [ "$(prop ActiveState)" = active ]; }
events() { ns cat /var/lib/private/claimwatch/events.jsonl 2>/dev/null | grep -c '"claimwatch.item.v1"' || true; }
all_events() { [ "$(events)" -ge "$want" ]; }

if ! wait_for 120 is_active; then
  echo "FAIL claimwatch.service did not become active"; dump; exit 1
fi
echo "ok   Type=notify: active (READY=1 reached systemd)"
pid=$(prop MainPID)
status=$(ns cat "/proc/$pid/status")
uid=$(echo "$status" | awk '/^Uid:/ {print $2}')
check "runs as a transient user (uid $uid)" [ "$uid" -ne 0 ]
check "no capabilities" grep -q '^CapEff:[[:space:]]*0000000000000000$' <<<"$status"
check "no new privileges" grep -q '^NoNewPrivs:[[:space:]]*1$' <<<"$status"
check "seccomp filter on" grep -q '^Seccomp:[[:space:]]*2$' <<<"$status"
if wait_for 120 all_events; then echo "ok   $want demo events in the StateDirectory"
else echo "FAIL $(events) of $want demo events in the StateDirectory"; fail=1; fi
check "state.db in the StateDirectory" ns test -s /var/lib/private/claimwatch/state.db
kafka_events() { kcat -C -b "$kafka" -t claimwatch.items -e -q -f '%s\n' 2>/dev/null | grep -c '"claimwatch.item.v1"' || true; }
kafka_all() { [ "$(kafka_events)" -ge "$want" ]; }
if wait_for 120 kafka_all; then echo "ok   $want demo events on Kafka (read back with kcat)"
else echo "FAIL $(kafka_events) of $want demo events on Kafka"; fail=1; fi
check "/healthz answers under the unit's address-family and seccomp limits" \
  curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz"
metrics_ok() { curl -fsS "http://127.0.0.1:$port/metrics" | grep -q '^claimwatch_'; }
check "/metrics serves claimwatch_ series" metrics_ok

# Watchdog: pings move WatchdogTimestamp on; missing ones would get the process killed.
w1=$(prop WatchdogTimestampMonotonic)
sleep 5
w2=$(prop WatchdogTimestampMonotonic)
check "watchdog pings recorded ($w1 -> $w2)" [ "$w2" -gt "$w1" ]
check "watchdog: same process, no restart" [ "$(prop MainPID)" = "$pid" -a "$(prop NRestarts)" = 0 ]

# Reload: SIGHUP through ExecReload; the same process stays and says it reloaded.
check "systemctl reload" ns systemctl reload claimwatch.service
reloaded() { ns journalctl --no-pager "_PID=$pid" | grep -q 'reloaded feeds=2 claims='; }
check "the daemon logged its reload (its own line, not systemd's)" wait_for 60 reloaded
check "reload: active, same process" [ "$(prop ActiveState)" = active -a "$(prop MainPID)" = "$pid" ]

# Crash: Restart=on-failure brings up a new process (after RestartSec=5s).
ns systemctl kill -s KILL claimwatch.service
restarted() { [ "$(prop NRestarts)" = 1 ] && is_active; }
if wait_for 120 restarted; then echo "ok   SIGKILL -> restarted (NRestarts=1)"
else echo "FAIL no restart after SIGKILL"; fail=1; dump; fi
check "after the restart: still $want events, nothing published twice" [ "$(events)" -eq "$want" ]

# Stop: SIGTERM, the drain, exit 0.
check "systemctl stop" ns systemctl stop claimwatch.service
check "stopped cleanly (Result=$(prop Result), status $(prop ExecMainStatus))" \
  [ "$(prop Result)" = success -a "$(prop ExecMainStatus)" = 0 ]

[ "$fail" -eq 0 ] || dump
exit "$fail"
