#!/bin/sh
# Checks what can be checked of the Dockerfiles without a Docker engine
# (run by ./scripts/test): each runtime stage installs — itself or through
# the dependencies apt resolves — every Debian package that owns a shared
# library the service's binary (and chitieu-probe) loads; each runs as a
# non-root user, has a grpc.health.v1 health check, and starts its service.
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
  # The runtime stage: from the last FROM on.
  runtime=$(awk '/^FROM /{block=""} {block=block $0 "\n"} END{printf "%s", block}' "$file")
  installed=$(printf '%s' "$runtime" | sed -n '/apt-get install/,/rm -rf/p' | tr ' \\' '\n\n' \
    | grep -E '^[a-z0-9][a-z0-9.+-]+$' | grep -vE '^(apt-get|install|no-install-recommends|rm|rf|y|&&)$' || true)
  closure=$(closure_of $installed)
  libs=$(for b in "chitieu-$svc" chitieu-probe; do
      ldd "$BIN/$b" | awk '$3 ~ /^\// {print $3}'
    done | xargs -r readlink -f | sort -u)
  needed=$(dpkg -S $libs 2>/dev/null | cut -d: -f1 | sort -u)
  for pkg in $needed; do
    case "$pkg" in libc6|libgcc-s1|libstdc++6|zlib1g) continue ;; esac  # in bookworm-slim
    if ! printf '%s\n' "$closure" | grep -qx "$pkg"; then
      echo "$svc.Dockerfile: the runtime stage lacks $pkg (needed by the binary)"
      status=1
    fi
  done
  printf '%s' "$runtime" | grep -q '^USER 10001' || { echo "$svc.Dockerfile: not USER 10001"; status=1; }
  printf '%s' "$runtime" | grep -q 'HEALTHCHECK .*' || { echo "$svc.Dockerfile: no HEALTHCHECK"; status=1; }
  printf '%s' "$runtime" | grep -q 'chitieu-probe' || { echo "$svc.Dockerfile: health check without chitieu-probe"; status=1; }
  printf '%s' "$runtime" | grep -q "ENTRYPOINT \[\"/usr/local/bin/chitieu-$svc\"\]" \
    || { echo "$svc.Dockerfile: ENTRYPOINT is not chitieu-$svc"; status=1; }
  grep -c '^FROM debian:bookworm-slim' "$file" | grep -qx 2 || { echo "$svc.Dockerfile: not two bookworm-slim stages"; status=1; }
done
[ "$status" -eq 0 ] && echo "Dockerfiles OK"
exit "$status"
