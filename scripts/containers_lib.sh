# Shared by scripts/containers: podman's settings for this machine and the
# base image. Sourced after lib.sh, not run.

# podman's settings (CONTAINERS_CONF), as they work on this machine kind:
# runc (crun fails: "cgroups in hybrid mode not supported"), cgroupfs and
# file events/logs (no systemd, no journald), and limits at most the
# host's (raising them is not permitted here).
ensure_container_setup() {
  local work=$1
  cat >"$work/containers.conf" <<'CONF'
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
log_driver = "k8s-file"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
  export CONTAINERS_CONF="$work/containers.conf"
}

# The Debian mirror this machine's apt uses (the first URIs of its
# deb822 sources), else deb.debian.org.
debian_mirror() {
  local uri
  uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

# debian:bookworm-slim, made once from Debian's packages (no image registry
# is reachable): debootstrap's minbase, with this machine's apt sources (so
# that images install the same point releases the binaries were built
# against) and its local certificate authorities (/usr/local/share/
# ca-certificates: where a proxy stands between this machine and the npm
# registry, a build inside an image must trust what the machine trusts),
# imported under the name the Dockerfiles start FROM. Its label
# org.chitieu.base says which recipe made it; another is made again.
BASE_RECIPE=2
ensure_base_image() {
  local work=$1 rootfs made
  made=$(podman image inspect --format '{{index .Labels "org.chitieu.base"}}' \
    docker.io/library/debian:bookworm-slim 2>/dev/null || true)
  if [ "$made" = "$BASE_RECIPE" ]; then
    return
  fi
  rootfs="$work/rootfs"
  log "making the base image debian:bookworm-slim with debootstrap (once)"
  as_root rm -rf "$rootfs"
  as_root debootstrap --variant=minbase bookworm "$rootfs" "$(debian_mirror)" >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log"; log "debootstrap failed"; return 1; }
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    as_root cp /etc/apt/sources.list.d/debian.sources "$rootfs/etc/apt/sources.list.d/"
    as_root rm -f "$rootfs/etc/apt/sources.list"
  fi
  if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    as_root mkdir -p "$rootfs/usr/local/share/ca-certificates"
    as_root cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
  fi
  as_root rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  as_root tar -C "$rootfs" -c . \
    | podman import --quiet --change "LABEL org.chitieu.base=$BASE_RECIPE" - \
      docker.io/library/debian:bookworm-slim >/dev/null
  as_root rm -rf "$rootfs"
}
