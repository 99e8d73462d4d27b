#!/bin/sh
# Checks what can be checked of the Dockerfiles without a Docker engine
# (run by ./scripts/test): each runtime stage installs — itself or through
# the dependencies apt resolves — every Debian package that owns a shared
# library the service's binary (and chitieu-probe) loads, and reporting's
# the PDF's font; each runs as a non-root user, has a grpc.health.v1 health
# check, and starts its service; its prebuilt and from-source stages both
# start from it and copy the service's binary and the probe.
#   deploy/docker/check.sh BIN_DIR
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=${1:?usage: check.sh BIN_DIR}
status=0

# The packages named and everything they depend on (Depends and
# Pre-Depends, every alternative), from the installed packages' metadata.
closure_of() {
  seen=" "
  queue="$*"
  while [ -n "$queue" ]; do
    set -- $queue
    pkg=$1
    shift
    queue="$*"
    case "$seen" in *" $pkg "*) continue ;; esac
    seen="$seen$pkg "
    deps=$(dpkg-query -W -f='${Depends}, ${Pre-Depends}' "$pkg" 2>/dev/null \
      | tr ',|' '\n\n' | sed 's/(.*)//; s/:any//; s/ //g' | grep -v '^$' || true)
    queue="$queue $deps"
  done
  printf '%s\n' $seen
}

for svc in registry quota reporting gateway; do
  file="$HERE/$svc.Dockerfile"
  # The stage named runtime, which both final stages start from.
  runtime=$(awk '/^FROM /{keep = ($0 ~ / AS runtime$/)} keep' "$file")
  installed=$(printf '%s' "$runtime" | sed -n '/apt-get install/,/rm -rf/p' | tr ' \\' '\n\n' \
    | grep -E '^[a-z0-9][a-z0-9.+-]+$' | grep -vE '^(apt-get|install|no-install-recommends|rm|rf|y|&&)$' || true)
  closure=$(closure_of $installed)
  libs=$(for b in "chitieu-$svc" chitieu-probe; do
      ldd "$BIN/$b" | awk '$3 ~ /^\// {print $3}'
    done | xargs -r readlink -f | sort -u)
  # dpkg knows a library by the path its package ships (/lib/… or
  # /usr/lib/…, merged here): each is asked both ways, and one no package
  # owns fails the check.
  needed=$(for lib in $libs; do
      dpkg -S "$lib" 2>/dev/null || dpkg -S "${lib#/usr}" 2>/dev/null \
        || echo "UNOWNED:$lib"
    done | cut -d: -f1 | sort -u)
  case "$needed" in *UNOWNED*)
    echo "$svc: no Debian package owns a library the binary loads"
    status=1 ;;
  esac
  for pkg in $needed; do
    case "$pkg" in libc6|libgcc-s1|libstdc++6|zlib1g|UNOWNED) continue ;; esac  # in bookworm-slim
    if ! printf '%s\n' "$closure" | grep -qx "$pkg"; then
      echo "$svc.Dockerfile: the runtime stage lacks $pkg (needed by the binary)"
      status=1
    fi
  done
  # What ldd cannot see: the PDF's font.
  if [ "$svc" = reporting ] && ! printf '%s\n' "$closure" | grep -qx fonts-dejavu-core; then
    echo "$svc.Dockerfile: the runtime stage lacks fonts-dejavu-core (the PDF's font)"
    status=1
  fi
  printf '%s' "$runtime" | grep -q '^USER 10001' || { echo "$svc.Dockerfile: not USER 10001"; status=1; }
  # The HEALTHCHECK instruction, its continuation lines joined.
  printf '%s\n' "$runtime" | sed -e ':a' -e '/\\$/N; s/\\\n//; ta' \
    | grep -qE '^HEALTHCHECK .*CMD \["/usr/local/bin/chitieu-probe"' \
    || { echo "$svc.Dockerfile: no HEALTHCHECK running chitieu-probe"; status=1; }
  printf '%s' "$runtime" | grep -q "ENTRYPOINT \[\"/usr/local/bin/chitieu-$svc\"\]" \
    || { echo "$svc.Dockerfile: ENTRYPOINT is not chitieu-$svc"; status=1; }
  for stage in "debian:bookworm-slim AS runtime" "debian:bookworm-slim AS build" \
    "runtime AS prebuilt" "runtime AS from-source"; do
    grep -qx "FROM $stage" "$file" || { echo "$svc.Dockerfile: no stage FROM $stage"; status=1; }
  done
  for stage in prebuilt from-source; do
    awk -v s="$stage" '/^FROM /{keep = ($0 ~ (" AS " s "$"))} keep' "$file" \
      | grep -q "^COPY .*chitieu-$svc .*chitieu-probe /usr/local/bin/" \
      || { echo "$svc.Dockerfile: the $stage stage does not copy chitieu-$svc and chitieu-probe"; status=1; }
  done
done
[ "$status" -eq 0 ] && echo "Dockerfiles OK"
exit "$status"
