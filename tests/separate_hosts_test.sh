#!/usr/bin/env bash
# The four services as if on separate machines: each in its own network
# namespace with its own address on a private switch (a bridge in a fifth
# namespace), callers in a sixth. The test cuts reporting's link, checks that
# the gateway answers UNAVAILABLE for reporting at once while the registry
# and quota keep working (and takes writes), restores the link, and checks
# that reporting's figures then include every write made during the cut.
# Needs root (network namespaces); run by ctest.
#   tests/separate_hosts_test.sh BIN_DIR
set -euo pipefail
BIN=${1:?usage: separate_hosts_test.sh BIN_DIR}
if [ "$(id -u)" -ne 0 ]; then echo "SKIP: needs root for network namespaces"; exit 0; fi
P=ct$$                       # a prefix of our own for every namespace and link
NET=10.$((RANDOM % 200 + 20)).$((RANDOM % 250)).
TMP=$(mktemp -d)
PIDS=()
cleanup() {
  # A service runs in an `in_ns` subshell, so $! is the subshell's pid, not
  # the service's: stop whatever runs in our namespaces, then the subshells.
  local ns left
  for ns in reg quo rep gw cli; do
    ip netns pids "$P-$ns" 2>/dev/null | xargs -r kill -TERM 2>/dev/null || true
  done
  for _ in $(seq 1 100); do
    left=$(for ns in reg quo rep gw cli; do ip netns pids "$P-$ns" 2>/dev/null; done)
    [ -z "$left" ] && break
    sleep 0.1
  done
  [ -n "$left" ] && { echo "$left" | xargs -r kill -KILL 2>/dev/null || true; }
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  for ns in reg quo rep gw cli sw; do ip netns del "$P-$ns" 2>/dev/null || true; done
  if [ -n "${KEEP:-}" ]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

ip netns add "$P-sw"
ip -n "$P-sw" link add br0 type bridge
ip -n "$P-sw" link set br0 up
declare -A ADDR=([reg]=${NET}2 [quo]=${NET}3 [rep]=${NET}4 [gw]=${NET}5 [cli]=${NET}6)
for ns in reg quo rep gw cli; do
  ip netns add "$P-$ns"
  ip link add "$P-$ns" type veth peer name "$P-$ns-sw"
  ip link set "$P-$ns" netns "$P-$ns"
  ip link set "$P-$ns-sw" netns "$P-sw"
  ip -n "$P-sw" link set "$P-$ns-sw" master br0 up
  ip -n "$P-$ns" addr add "${ADDR[$ns]}/24" dev "$P-$ns"
  ip -n "$P-$ns" link set "$P-$ns" up
  ip -n "$P-$ns" link set lo up
done
in_ns() { local ns=$1; shift; ip netns exec "$P-$ns" "$@"; }

SECRET=separate-hosts-secret
REG=${ADDR[reg]}:7401 QUO=${ADDR[quo]}:7402 REP=${ADDR[rep]}:7403 GW=${ADDR[gw]}:7400
start() {
  local ns=$1 name=$2 addr=$3; shift 3
  mkdir -p "$TMP/$name"
  in_ns "$ns" "$BIN/chitieu-$name" --listen="$addr" --data_dir="$TMP/$name" \
    --service_secret="$SECRET" "$@" >"$TMP/$name.log" 2>&1 &
  PIDS+=($!)
  in_ns cli "$BIN/chitieu-probe" --addr="$addr" --wait_ms=30000 \
    || { echo "$name did not start"; tail -20 "$TMP/$name.log"; exit 1; }
}
start reg registry "$REG"
start quo quota "$QUO" --registry_addr="$REG"
start rep reporting "$REP" --registry_addr="$REG" --quota_addr="$QUO"
printf '%s user:city city_admin units/01\n' "$(printf k-city | sha256sum | cut -d' ' -f1)" >"$TMP/keys"
start gw gateway "$GW" --registry_addr="$REG" --quota_addr="$QUO" --reporting_addr="$REP" \
  --api_keys="$TMP/keys" --http_listen="${ADDR[gw]}:8080"
in_ns cli "$BIN/chitieu-seed" --registry_addr="$REG" --quota_addr="$QUO" --scenario=false \
  --service_secret="$SECRET" >"$TMP/seed.log" 2>&1

cli() { in_ns cli env CHITIEU_ADDR="$GW" CHITIEU_API_KEY=k-city "$BIN/chitieu" --timeout_ms=5000 "$@"; }
# Waits (at most 30 s) until `cli ARGS…` prints a line starting with $1.
wait_for_line() {
  local want=$1; shift
  for _ in $(seq 1 300); do
    if cli "$@" 2>/dev/null | grep -q "^$want"; then return 0; fi
    sleep 0.1
  done
  echo "never saw: $want (from: chitieu $*)"; cli "$@" || true
  return 1
}
wait_health() {  # wait_health SERVICE 0|1: the gateway's view of a backend.
  for _ in $(seq 1 300); do
    if in_ns cli "$BIN/chitieu-probe" --addr="$GW" --service="$1" --timeout_ms=500 >/dev/null 2>&1; then
      [ "$2" = 1 ] && return 0
    else
      [ "$2" = 0 ] && return 0
    fi
    sleep 0.1
  done
  echo "the gateway never saw $1 as $2"; return 1
}
fail() { echo "FAIL: $*"; exit 1; }

wait_for_line 'INDICATOR_NEW_PARTY_ORGANIZATIONS,6,' --output=csv progress --unit=002 --year=2013

echo "== cutting reporting's link"
ip -n "$P-sw" link set "$P-rep-sw" down
wait_health chitieu.reporting.v1.ReportingService 0
# The health probe saw it; calls are refused at once only when gRPC's own
# channel does (keepalive pings unanswered, then a connection attempt of
# 2 s: several seconds). Until then a call may wait out its deadline
# (exit 4); nothing else is acceptable.
set +e
code=4
for _ in $(seq 1 20); do
  cli --timeout_ms=2000 progress --unit=002 --year=2013 >"$TMP/cut.out" 2>&1; code=$?
  [ "$code" -eq 4 ] || break
done
[ "$code" -eq 6 ] || fail "progress during the cut: exit $code, want 6 (UNAVAILABLE)"
# From then on, at once: a deadline far longer than the wait for the answer.
cli --timeout_ms=20000 progress --unit=002 --year=2013 >"$TMP/cut.out" 2>&1; code=$?
set -e
[ "$code" -eq 6 ] || fail "progress during the cut, again: exit $code, want 6 (UNAVAILABLE)"
grep -q UNAVAILABLE "$TMP/cut.out" || fail "no UNAVAILABLE: $(cat "$TMP/cut.out")"
# The rest keeps working, and takes writes reporting has not seen.
cli units get 002 >/dev/null || fail "the registry through the gateway during the cut"
CODE=0100999917  # a valid tax code (check digit) no seed uses
cli targets set --unit=002 --assigner=01 --indicator=new_trade_unions --year=2024 --value=1 \
  >/dev/null || fail "a quota write during the cut"
cli enterprises create --code="$CODE" --name="Công ty mạng" --legal_form=partnership \
  --seat=00037 --registered=2023-01-10 >/dev/null || fail "a registry write during the cut"
cli organizations found --enterprise="$CODE" --kind=trade_union --date=2024-04-01 \
  --decision=1/QĐ --body=hk-labour-federation >/dev/null || fail "founding during the cut"

echo "== restoring the link"
ip -n "$P-sw" link set "$P-rep-sw" up
wait_health chitieu.reporting.v1.ReportingService 1
# Exact figures: the target and the founding made during the cut.
wait_for_line 'INDICATOR_NEW_TRADE_UNIONS,1,1,0,PROGRESS_STATUS_MET' \
  --output=csv progress --unit=002 --year=2024
wait_for_line 'INDICATOR_NEW_PARTY_ORGANIZATIONS,6,' --output=csv progress --unit=002 --year=2013
echo "separate hosts OK"
