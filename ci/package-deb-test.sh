#!/usr/bin/env bash
# Installs the .deb with apt, as a user would (`apt install ./kind-must-gather_*.deb`), and runs
# `kind-must-gather version` from /usr/bin — without touching this machine: apt runs chrooted in a
# throw-away overlay of / (a private mount namespace, the changes in a tmpfs that vanishes with it).
# apt resolves the Depends against the real package database and must install nothing else: the
# libraries are what this system already has.
#
#   ci/package-deb-test.sh [DEB]     (default: the newest dist/kind-must-gather_*.deb)
set -euo pipefail
cd "$(dirname "$0")/.."
deb=${1:-$(find dist -maxdepth 1 -name 'kind-must-gather_*.deb' -printf '%T@ %p\n' | sort -n |
  tail -1 | cut -d' ' -f2-)}
[ -f "$deb" ] || { echo "package-deb-test: no .deb (run ci/package.sh --deb)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "package-deb-test: needs root (mount namespace, chroot)" >&2; exit 1; }
deb=$(realpath "$deb")
echo "== $(basename "$deb"): $(dpkg-deb -f "$deb" Depends)"

work=$(mktemp -d /tmp/kmg-deb-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
# shellcheck disable=SC2016 # expanded by the inner sh
unshare --mount --propagation private /bin/sh -c '
  set -e
  work=$1 deb=$2
  mount -t tmpfs tmpfs "$work"
  mkdir "$work/upper" "$work/work" "$work/merged"
  mount -t overlay overlay -o "lowerdir=/,upperdir=$work/upper,workdir=$work/work" "$work/merged"
  mount -t proc proc "$work/merged/proc"
  mkdir -p "$work/merged/tmp"
  mount --rbind /dev "$work/merged/dev"
  cp "$deb" "$work/merged/tmp/"
  chroot "$work/merged" sh -c "
    set -e
    if [ -e /usr/bin/kind-must-gather ]; then echo \"already installed: not a fair test\" >&2; exit 1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y /tmp/$(basename "$deb") >/tmp/apt.log 2>&1 ||
      { cat /tmp/apt.log >&2; exit 1; }
    grep -q \"^0 upgraded, 1 newly installed\" /tmp/apt.log ||
      { cat /tmp/apt.log >&2; echo \"apt installed more than the package\" >&2; exit 1; }
    dpkg -s kind-must-gather | sed -n \"s/^Status: /status: /p\"
    echo \"$ command -v kind-must-gather: \$(command -v kind-must-gather)\"
    kind-must-gather version
    test -f /usr/share/man/man1/kind-must-gather.1.gz
    test -f /usr/share/bash-completion/completions/kind-must-gather
  "
' sh "$work" "$deb"
echo "package-deb-test: ok (installed with apt in an overlay, ran from /usr/bin)"
