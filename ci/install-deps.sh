#!/usr/bin/env bash
# Installs exactly what the build, the tests and the demo need, from Debian 12 packages.
# Idempotent: a fast no-op when everything is present. Works as root (or with sudo) on a fresh machine.
set -euo pipefail

packages=(
  # build
  meson ninja-build pkg-config g++ cmake
  # libraries (every one found by Meson's dependency())
  libcurl4-openssl-dev nlohmann-json3-dev libarchive-dev libcli11-dev libspdlog-dev doctest-dev
  libyaml-cpp-dev libre2-dev libkainjow-mustache-dev libpugixml-dev
  # test servers only
  libcpp-httplib-dev libssl-dev
  # tests and demo: the container engine, Markdown checks, archive tools
  podman cmark-gfm zstd python3 clang-format curl
  # packaging and lint: the launcher's static libc, dpkg-deb, ci/lint.sh
  libc6-dev dpkg yamllint shellcheck
  # real-node tests (tests/nodes): Docker Engine as Kind uses it, runc for both engines, the node root
  docker.io runc debootstrap
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# podman needs its runtime helpers, which come as recommends; install them explicitly if absent.
if [[ " ${missing[*]} " == *" podman "* ]]; then
  "${sudo_cmd[@]}" apt-get install -y -qq crun conmon catatonit netavark aardvark-dns \
    containernetworking-plugins slirp4netns uidmap fuse-overlayfs golang-github-containers-common \
    >/dev/null 2>&1 || true
fi
