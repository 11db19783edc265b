#!/bin/bash
# The docs quote the model's relatedness threshold as "trained threshold (X)": every such mention
# must be the threshold of the model that is built in (claimwatch --version), so a retrained
# model cannot leave stale numbers behind for operators.
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
BIN=${CW_BIN:?}
SRC=${CW_SOURCE_DIR:?}

model=$("$BIN" --version | sed -n 's/.*tagger model: trained threshold (\([0-9.]*\)).*/\1/p')
[ -n "$model" ] || fail "claimwatch --version does not print the trained threshold"
n=0
while IFS=: read -r file line value; do
  n=$((n + 1))
  [ "$value" = "trained threshold ($model)" ] ||
    fail "$file:$line says \"$value\"; the built-in model's is $model (update the docs after retraining)"
done < <(cd "$SRC" && grep -rnoE "trained threshold \([0-9.]+\)" docs README.md)
# config, operations, events, claims and quality all give it
[ "$n" -ge 5 ] || fail "only $n mentions of \"trained threshold (X)\" in docs/ (want at least 5)"
echo "ok: $n mentions agree with the model's threshold $model"
