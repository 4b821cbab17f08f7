#!/usr/bin/env bash
# Builds the Kind-like node image for the real-node tests and imports it into the engines asked for.
#
#   build-node-image.sh --fake-apiserver PATH [--docker-host unix://SOCK] [--podman] [--rootfs-only]
#
# 1. The Debian 12 root (debootstrap minbase + systemd + containerd + dbus) is built once and cached
#    outside the repository: ${KMG_NODE_CACHE:-${XDG_CACHE_HOME:-~/.cache}/kind-must-gather}/node-rootfs.tar
#    (rebuilt when absent). This is the slow step (minutes); it needs the Debian archive.
# 2. The node layer is added on top: /kind/version, /etc/kubernetes/, the fake kube-apiserver as
#    kube-apiserver.service on 6443 (TLS; only on *-control-plane), a kubelet.service whose journal
#    replays real kubelet journal lines (the unit's stdout), and a tiny image archive for `ctr images import`.
#    The result is cached by the hash of its inputs, so a new fake-apiserver build gives a new tag.
# 3. The image is imported (`podman import`, `docker import`) unless the engine already holds the tag.
# Prints the image reference on stdout. Exit 77 (meson's SKIP) with the reason on stderr when the
# root cannot be built here (no debootstrap, no Debian archive, not root).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fake_apiserver="" docker_host="" podman=0 rootfs_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --fake-apiserver) fake_apiserver=$2; shift 2 ;;
    --docker-host) docker_host=$2; shift 2 ;;
    --podman) podman=1; shift ;;
    --rootfs-only) rootfs_only=1; shift ;;
    *) echo "build-node-image: unknown argument $1" >&2; exit 2 ;;
  esac
done
skip() { echo "build-node-image: SKIP: $*" >&2; exit 77; }
log() { echo "build-node-image: $*" >&2; }

cache=${KMG_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kind-must-gather}
mirror=${KMG_DEBIAN_MIRROR:-http://deb.debian.org/debian}
rootfs_tar=$cache/node-rootfs.tar
mkdir -p "$cache"

build_rootfs() {
  [ "$(id -u)" -eq 0 ] || skip "debootstrap needs root (uid $(id -u))"
  command -v debootstrap >/dev/null || skip "debootstrap is not installed (ci/install-deps.sh installs it)"
  curl -sfI --max-time 15 "$mirror/dists/bookworm/Release" >/dev/null ||
    skip "the Debian archive ($mirror) cannot be reached: no node image"
  local dir; dir=$(mktemp -d "$cache/rootfs.XXXXXX")
  local started=$SECONDS
  log "debootstrap bookworm into $dir (once; cached as $rootfs_tar)"
  if ! debootstrap --variant=minbase \
      --include=systemd,systemd-sysv,containerd,runc,dbus,procps,libcpp-httplib0.11,libssl3,libbrotli1 \
      bookworm "$dir" "$mirror" >"$cache/debootstrap.log" 2>&1; then
    rm -rf "$dir"
    skip "debootstrap failed (see $cache/debootstrap.log): $(tail -1 "$cache/debootstrap.log")"
  fi
  # What a container does not need and Kind's base image drops too: apt lists, docs, man pages.
  rm -rf "$dir"/var/lib/apt/lists/* "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/var/cache/apt/*.bin
  tar -C "$dir" --numeric-owner -cf "$rootfs_tar.tmp" . && mv "$rootfs_tar.tmp" "$rootfs_tar"
  rm -rf "$dir"
  log "root filesystem built in $((SECONDS - started))s: $(du -h "$rootfs_tar" | cut -f1)"
}

[ -s "$rootfs_tar" ] || build_rootfs
[ "$rootfs_only" -eq 1 ] && { echo "$rootfs_tar"; exit 0; }
[ -x "$fake_apiserver" ] || { echo "build-node-image: --fake-apiserver PATH is required" >&2; exit 2; }

# ---- the node layer -------------------------------------------------------------------------
layer=$(mktemp -d)
trap 'rm -rf "$layer"' EXIT
python3 "$here/node_layer.py" --fake-apiserver "$fake_apiserver" --out "$layer" \
  --kubelet-journal "$here/data/kubelet-kind-worker.journal.txt" \
  --scenario "$here/../scenarios/seed.json"
hash=$( (stat -c "%s %Y" "$rootfs_tar"; sha256sum "$0"; cd "$layer" && find . -type f | sort | xargs sha256sum) | sha256sum | cut -c1-12)
image=localhost/kmg-kind-node:$hash
node_tar=$cache/node-$hash.tar
if [ ! -s "$node_tar" ]; then
  started=$SECONDS
  cp "$rootfs_tar" "$node_tar.tmp"
  # Podman refuses a layer with a path twice: the root's folders are not added again, and its
  # files that the node layer replaces are deleted first. Names are "./..." in both.
  lists=$(mktemp -d)
  tar -tf "$rootfs_tar" | sed 's#/$##' | sort >"$lists/root"
  (cd "$layer" && find . -mindepth 1 ! -type d | sort) >"$lists/files"
  (cd "$layer" && find . -mindepth 1 -type d | sort) >"$lists/dirs"
  comm -12 "$lists/root" "$lists/files" >"$lists/replaced"
  [ -s "$lists/replaced" ] && tar --delete -f "$node_tar.tmp" -T "$lists/replaced"
  comm -23 "$lists/dirs" "$lists/root" | cat - "$lists/files" >"$lists/add"
  (cd "$layer" && tar --numeric-owner --owner=0 --group=0 --no-recursion -rf "$node_tar.tmp" -T "$lists/add")
  rm -rf "$lists"
  mv "$node_tar.tmp" "$node_tar"
  # Older node tars of other builds are of no use any more.
  find "$cache" -maxdepth 1 -name 'node-*.tar' ! -name "node-$hash.tar" ! -name node-rootfs.tar -delete
  log "node image tar assembled in $((SECONDS - started))s"
fi

if [ "$podman" -eq 1 ] && ! podman image exists "$image"; then
  started=$SECONDS
  podman import --quiet "$node_tar" "$image" >/dev/null
  log "imported into podman in $((SECONDS - started))s"
fi
if [ -n "$docker_host" ] && ! docker -H "$docker_host" image inspect "$image" >/dev/null 2>&1; then
  started=$SECONDS
  docker -H "$docker_host" import "$node_tar" "$image" >/dev/null
  log "imported into docker ($docker_host) in $((SECONDS - started))s"
fi
# Older node images of other builds: removed where no container uses them any more.
if [ "$podman" -eq 1 ]; then
  podman images --format '{{.Repository}}:{{.Tag}}' | grep '^localhost/kmg-kind-node:' |
    grep -vx "$image" | xargs -r podman rmi >/dev/null 2>&1 || true
fi
if [ -n "$docker_host" ]; then
  docker -H "$docker_host" images --format '{{.Repository}}:{{.Tag}}' | grep '^localhost/kmg-kind-node:' |
    grep -vx "$image" | xargs -r docker -H "$docker_host" rmi >/dev/null 2>&1 || true
fi
echo "$image"
