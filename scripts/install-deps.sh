#!/usr/bin/env bash
# Installs exactly what claimwatch needs to build, test, fuzz and benchmark on Debian 12.
# Idempotent; run as root (or with sudo available).
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# Build: compiler, CMake, pkg-config and the -dev packages found through pkg-config.
build_pkgs="build-essential cmake pkg-config clang
  librdkafka-dev libcurl4-openssl-dev libxml2-dev libjansson-dev libsqlite3-dev
  libsystemd-dev libmicrohttpd-dev libutf8proc-dev libstemmer-dev libssl-dev zlib1g-dev"
# Tests: cmocka, kcat (independent Kafka client), python3 (fixture servers and oracles),
# feedparser/readability (peers and oracles), nginx (local HTTP server), systemd (systemd-analyze;
# ops_systemd boots it in namespaces), xmllint (parse floor), sqlite3 CLI (integrity checks),
# prometheus (promtool checks /metrics), numpy/scipy/scikit-learn (the tagger's trainer, rerun to
# check the committed model tables).
test_pkgs="libcmocka-dev kcat python3 python3-feedparser python3-readability python3-lxml python3-jsonschema
  python3-numpy python3-scipy python3-sklearn
  nginx-light systemd libxml2-utils sqlite3 curl procps iproute2 libclang-rt-14-dev
  prometheus"
if [ "${1:-}" = "--build-only" ]; then test_pkgs=""; fi
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $build_pkgs $test_pkgs >/dev/null
echo "install-deps: ok"
