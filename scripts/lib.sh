# Shared by the scripts: installs what is missing (Debian packages, the npm
# tooling), builds, and starts or stops services. Sourced, not run.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${CHITIEU_BUILD_DIR:-$ROOT/build}
VAR_DIR=${CHITIEU_VAR_DIR:-$ROOT/var}

# Every build and test dependency is a Debian 12 package.
DEBIAN_PACKAGES=(
  cmake g++ make pkg-config git ca-certificates
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libgtest-dev libgmock-dev libsqlite3-dev sqlite3
  libspdlog-dev nlohmann-json3-dev libssl-dev libcpp-httplib-dev libboost-dev libjwt-dev openssl
  libxlsxwriter-dev libcairo2-dev libpango1.0-dev fonts-dejavu-core poppler-utils python3-openpyxl
  libgoogle-perftools-dev
  python3 python3-grpcio python3-protobuf
  golang-go golang-google-grpc-dev golang-google-protobuf-dev golang-google-genproto-dev
  golang-github-golang-protobuf-1-5-dev protoc-gen-go protoc-gen-go-grpc
  systemd python3-yaml iproute2 curl
  postgresql-15 libpq-dev
  clang clang-format libclang-rt-14-dev
  chromium
  podman runc catatonit debootstrap
)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs the packages that are missing: `apt-get update` once, then only
# what is missing. Does nothing (and needs no network) when all are there.
ensure_packages() {
  local missing=() p
  for p in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
  # Any kubectl renders the kustomize overlays; Debian's only if none is here
  # (another vendor's package may own /usr/bin/kubectl).
  command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing missing Debian packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

# buf and the googleapis protos come from npm, pinned by package-lock.json;
# so does the TypeScript client's tooling (clients/typescript).
ensure_node_modules() {
  cd "$ROOT"
  if [ ! -x node_modules/.bin/buf ] || [ ! -f node_modules/google-proto-files/google/api/annotations.proto ] \
     || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing npm tooling (buf, google-proto-files)"
    npm ci --no-audit --no-fund --loglevel=error
  fi
  # The web dashboard's build (Vite) and its browser test's driver
  # (playwright-core, which drives Debian's chromium).
  cd "$ROOT/dashboard"
  if [ ! -x node_modules/.bin/vite ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing the dashboard's npm packages"
    npm ci --no-audit --no-fund --loglevel=error
  fi
  # The TypeScript client's own tooling (ts-proto, tsc, @grpc/grpc-js).
  cd "$ROOT/clients/typescript"
  if [ ! -x node_modules/.bin/tsc ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing the TypeScript client's npm packages"
    npm ci --no-audit --no-fund --loglevel=error
  fi
  # The HTTP/JSON client's (openapi-typescript, openapi-fetch, and
  # @redocly/cli, which lints the OpenAPI document).
  cd "$ROOT/clients/http-typescript"
  if [ ! -x node_modules/.bin/redocly ] || [ ! -x node_modules/.bin/openapi-typescript ] \
     || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing the HTTP/JSON TypeScript client's npm packages"
    npm ci --no-audit --no-fund --loglevel=error
  fi
  cd "$ROOT"
}

build() {
  log "building into $BUILD_DIR"
  cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$BUILD_DIR" -j"$(nproc)"
}

ensure_all() {
  ensure_packages
  ensure_node_modules
  build
}

# The local deployment (one machine, a process and a data folder a
# service): addresses and flags live in deploy/local/services.sh.
source "$ROOT/deploy/local/services.sh"

# The secret the gateway and the services share (libs/common/principal.h):
# with it set, a service refuses calls that skip the gateway. Made once,
# kept in var/service-secret, exported to every service and tool started
# from these scripts.
ensure_service_secret() {
  mkdir -p "$VAR_DIR"
  if [ ! -s "$VAR_DIR/service-secret" ]; then
    (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$VAR_DIR/service-secret")
  fi
  CHITIEU_SERVICE_SECRET=$(cat "$VAR_DIR/service-secret")
  export CHITIEU_SERVICE_SECRET
}

# The key page tokens are signed with (libs/common/page_token_seal.h): made
# once, kept in var/page-token-key, exported like the service secret.
ensure_page_token_key() {
  mkdir -p "$VAR_DIR"
  if [ ! -s "$VAR_DIR/page-token-key" ]; then
    (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$VAR_DIR/page-token-key")
  fi
  CHITIEU_PAGE_TOKEN_KEY=$(cat "$VAR_DIR/page-token-key")
  export CHITIEU_PAGE_TOKEN_KEY
}

# The demo API key: a city_admin over the whole city, made once and kept in
# var/demo-api-key; the gateway's key file holds only its SHA-256.
ensure_demo_key() {
  mkdir -p "$VAR_DIR/gateway"
  if [ ! -s "$VAR_DIR/demo-api-key" ]; then
    (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$VAR_DIR/demo-api-key")
  fi
  if [ ! -s "$VAR_DIR/gateway/api-keys" ]; then
    local hash
    hash=$(tr -d '\n' <"$VAR_DIR/demo-api-key" | sha256sum | cut -d' ' -f1)
    (umask 077; printf '# sha256-of-key principal role scope\n%s demo:city-admin city_admin units/01\n' \
      "$hash" >"$VAR_DIR/gateway/api-keys")
  fi
}

# The demo identity provider: a signing key (var/gateway/idp-key.pem) whose
# JWKS the gateway trusts; `chitieu-token sign` mints tokens for people.
ensure_demo_idp() {
  mkdir -p "$VAR_DIR/gateway"
  if [ ! -s "$VAR_DIR/gateway/jwks.json" ] || [ ! -s "$VAR_DIR/gateway/idp-key.pem" ]; then
    "$BUILD_DIR/bin/chitieu-token" keygen --key_file="$VAR_DIR/gateway/idp-key.pem" \
      --jwks_file="$VAR_DIR/gateway/jwks.json" --kid=demo-1
  fi
}

pid_of() {
  local f="$VAR_DIR/run/$1.pid"
  [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && cat "$f"
}

start_service() {
  local svc=$1 addr=${SERVICE_ADDR[$1]}
  mkdir -p "$VAR_DIR/$svc" "$VAR_DIR/log" "$VAR_DIR/run"
  if pid=$(pid_of "$svc"); then
    log "$svc already running (pid $pid) on $addr"
    return
  fi
  # shellcheck disable=SC2086  # SERVICE_ARGS holds whole flags.
  nohup "$BUILD_DIR/bin/chitieu-$svc" --listen="$addr" --data_dir="$VAR_DIR/$svc" ${SERVICE_ARGS[$svc]} \
    >>"$VAR_DIR/log/$svc.log" 2>&1 </dev/null &
  echo $! >"$VAR_DIR/run/$svc.pid"
  if ! "$BUILD_DIR/bin/chitieu-probe" --addr="$addr" --wait_ms=30000 2>/dev/null; then
    log "$svc did not become SERVING; last log lines:"
    tail -n 20 "$VAR_DIR/log/$svc.log" >&2
    return 1
  fi
  log "$svc SERVING on $addr (pid $(cat "$VAR_DIR/run/$svc.pid"))"
}

stop_service() {
  local svc=$1 pid
  if pid=$(pid_of "$svc"); then
    kill -TERM "$pid"
    # Graceful shutdown drains in-flight calls (at most 10 s).
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    log "$svc stopped"
  fi
  rm -f "$VAR_DIR/run/$svc.pid"
}

# The unit and service tests that the sanitizer builds run (scripts/test:
# ASan+UBSan; scripts/tsan: ThreadSanitizer).
# libFuzzer targets (fuzz/): run by ./scripts/fuzz; CI replays their
# committed corpora (fuzz/corpus/<target>) under ASan+UBSan.
FUZZ_TARGETS=(tax_code_fuzz filter_fuzz names_fuzz csv_import_fuzz http_json_fuzz jwt_fuzz
  http_front_fuzz grpc_metadata_fuzz)
SANITIZER_TESTS=(common_test pg_test registry_test quota_test reporting_test gateway_test jwt_test
                 audit_pg_test cli_test report_snapshot_test)
