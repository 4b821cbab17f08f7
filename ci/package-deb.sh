#!/usr/bin/env bash
# The Debian package, from the folder ci/package.sh staged for the tarball (called by
# `ci/package.sh --deb`): the same stripped binary, installed to /usr/bin and run against the
# system's libraries, so it Depends on the Debian packages that own its ldd closure.
#
#   ci/package-deb.sh STAGED_TOP VERSION DEPENDED_PACKAGE...   (the owners of the ldd closure)
set -euo pipefail
cd "$(dirname "$0")/.."

top=$1 version=$2
shift 2
arch=$(dpkg --print-architecture)
# Debian allows a hyphen in the upstream version only before a revision: "0.2.0-3-gabc" -> 0.2.0+3+gabc-1.
deb_version="${version//-/+}-1"

depends_line=$(printf '%s\n' "$@" | sort -u | paste -sd, | sed 's/,/, /g')

stage=$(mktemp -d "${TMPDIR:-/tmp}/kmg-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
root="$stage/root"
mkdir -p "$root/DEBIAN" "$root/usr/bin" "$root/usr/share/man/man1" \
  "$root/usr/share/doc/kind-must-gather" "$root/usr/share/bash-completion/completions" \
  "$root/usr/share/zsh/vendor-completions" "$root/usr/share/fish/vendor_completions.d"
install -m 0755 "$top/libexec/kind-must-gather" "$root/usr/bin/kind-must-gather"
gzip -n -9 -c "$top/share/man/man1/kind-must-gather.1" >"$root/usr/share/man/man1/kind-must-gather.1.gz"
install -m 0644 "$top/share/bash-completion/completions/kind-must-gather" \
  "$root/usr/share/bash-completion/completions/kind-must-gather"
install -m 0644 "$top/share/zsh/site-functions/_kind-must-gather" \
  "$root/usr/share/zsh/vendor-completions/_kind-must-gather"
install -m 0644 "$top/share/fish/vendor_completions.d/kind-must-gather.fish" \
  "$root/usr/share/fish/vendor_completions.d/kind-must-gather.fish"
{
  echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
  echo "Upstream-Name: kind-must-gather"
  echo
  echo "Files: *"
  echo "License: Apache-2.0"
  echo " On Debian systems, the full text is in /usr/share/common-licenses/Apache-2.0."
} >"$root/usr/share/doc/kind-must-gather/copyright"
chmod 0644 "$root/usr/share/man/man1/kind-must-gather.1.gz" "$root/usr/share/doc/kind-must-gather/copyright"

installed_size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<EOF
Package: kind-must-gather
Version: $deb_version
Architecture: $arch
Maintainer: kind-must-gather maintainers <noreply@invalid>
Installed-Size: $installed_size
Depends: $depends_line
Section: admin
Priority: optional
Description: gather every Kind cluster's diagnostics into one bundle with a REPORT.md
 kind-must-gather finds every Kind cluster on the machine, gathers what explains a
 failure (objects, events, logs, node logs, traces) into one .tar.gz bundle and writes
 REPORT.md naming the most likely root causes. Meant for post-failure CI steps.
EOF
find "$root" -type d -exec chmod 0755 {} +

deb="dist/kind-must-gather_${deb_version}_${arch}.deb"
# dpkg-deb takes every mtime from SOURCE_DATE_EPOCH (exported by ci/package.sh): reproducible.
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
(cd dist && sha256sum "$(basename "$deb")" >"$(basename "$deb").sha256")
echo "$deb"
