#!/bin/sh
# Checks the units with systemd-analyze verify (run by ./scripts/test):
# the units are copied with ExecStart pointing into BIN_DIR, since verify
# insists that the binary exists, and the sysusers file is parsed.
#   deploy/systemd/verify.sh BIN_DIR
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=${1:?usage: verify.sh BIN_DIR}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
for unit in "$HERE"/chitieu-*.service; do
  sed "s#/usr/local/bin/#$BIN/#" "$unit" >"$TMP/$(basename "$unit")"
done
cd "$TMP"
out=$(systemd-analyze verify --man=no ./chitieu-*.service 2>&1) || { echo "$out"; exit 1; }
# verify reports some problems as warnings without failing: fail on any.
if [ -n "$out" ]; then
  echo "$out"
  exit 1
fi
# The hardening score of each unit (lower is safer; for the record).
for unit in chitieu-*.service; do
  printf '%s: ' "$unit"
  systemd-analyze security --offline=true --no-pager "./$unit" 2>/dev/null | tail -1 || echo "(no score)"
done
systemd-sysusers --dry-run "$HERE/chitieu.sysusers" >/dev/null 2>&1
echo "systemd units OK"
