#!/usr/bin/env bash
# Builds the release tarball (and with --deb the Debian package) from a release build:
#
#   dist/kind-must-gather-<version>-linux-<arch>.tar.gz (+ .sha256)
#     kind-must-gather-<version>-linux-<arch>/
#       bin/kind-must-gather        static launcher: runs libexec/ with lib/'s loader and libraries
#       libexec/kind-must-gather    the real binary, stripped
#       lib/                        its whole ldd closure, glibc and the dynamic loader included
#       LICENSE  licenses/<debian package>/copyright
#       share/man/man1/kind-must-gather.1  share/{bash-completion,zsh,fish}/…
#   dist/kind-must-gather_<version>_<debian arch>.deb   (--deb) /usr/bin, Depends on Debian libraries
#
# Reproducible: the same commit gives the same bytes (mtimes from the commit time, sorted names,
# numeric owner 0, gzip -n). KMG_RELEASE_BUILD_DIR picks the build folder (build-release).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

make_deb=0
for arg in "$@"; do
  case "$arg" in
    --deb) make_deb=1 ;;
    *) echo "usage: ci/package.sh [--deb]" >&2; exit 2 ;;
  esac
done

export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root} LC_ALL=C TZ=UTC
build=${KMG_RELEASE_BUILD_DIR:-build-release}
if [ ! -d "$build" ]; then
  # -O2, not release's -O3: GCC 12 reports false -Wrestrict errors in std::string at -O3 (GCC bug 105329).
  meson setup "$build" --werror --buildtype=release -Doptimization=2 -Dtests=false >/dev/null
fi
meson compile -C "$build" kind-must-gather >/dev/null

built="$build/src/app/kind-must-gather"
version=$("$built" version | sed -n '1s/^kind-must-gather //p')
arch=$(uname -m)
name="kind-must-gather-$version-linux-$arch"
# Every timestamp in the archives: the commit's time, so a rebuild of the commit is identical.
SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || echo 0)
export SOURCE_DATE_EPOCH

stage=$(mktemp -d "${TMPDIR:-/tmp}/kmg-package.XXXXXX")
trap 'rm -rf "$stage"' EXIT
top="$stage/$name"
mkdir -p "$top"/{bin,libexec,lib,licenses} "$root/dist"

# The loader the binary names (PT_INTERP), e.g. /lib64/ld-linux-x86-64.so.2.
interp=$(readelf -l "$built" | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
loader=$(basename "$interp")

strip --strip-all -o "$top/libexec/kind-must-gather" "$built"
cc -static -Os -s -Wall -Wextra -Werror -DKMG_LOADER="\"$loader\"" \
  -o "$top/bin/kind-must-gather" ci/launcher/launcher.c

# The ldd closure: "soname => /path (addr)" lines, and the loader's own line.
mapfile -t libs < <(ldd "$built" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u)
for lib in "${libs[@]}"; do
  cp -L "$lib" "$top/lib/$(basename "$lib")"
done
cp -L "$interp" "$top/lib/$loader"

# The Debian package that owns a file. Debian 12 merged /lib into /usr/lib, but dpkg still records
# some packages under /lib (libc6) and others under /usr/lib, so ask for every spelling.
owner_of() {
  local file=$1 real candidates c found
  real=$(readlink -f "$file")
  candidates=("$file" "$real" "${file#/usr}" "${real#/usr}" "/usr${file#/usr}" "/usr${real#/usr}")
  for c in "${candidates[@]}"; do
    if found=$(dpkg -S "$c" 2>/dev/null) && [ -n "$found" ]; then
      sed -n '1{s/:.*//; s/, .*//; p}' <<<"$found"
      return 0
    fi
  done
  return 1
}

owner() {
  owner_of "$1" || { echo "package.sh: no Debian package owns $1" >&2; return 1; }
}
# The .deb depends on the libraries' packages; the licenses cover every Debian package whose code
# is in the tarball: those, the loader's, the launcher's static libc, the header-only libraries.
lib_packages=()
for lib in "${libs[@]}"; do
  pkg=$(owner "$lib") || exit 1
  lib_packages+=("$pkg")
done
mapfile -t lib_packages < <(printf '%s\n' "${lib_packages[@]}" | sort -u)
packages=("${lib_packages[@]}" nlohmann-json3-dev libcli11-dev libkainjow-mustache-dev)
for file in "$interp" "$(cc -print-file-name=libc.a)"; do
  pkg=$(owner "$file") || exit 1
  packages+=("$pkg")
done
mapfile -t packages < <(printf '%s\n' "${packages[@]}" | sort -u)
cp LICENSE "$top/LICENSE"
for pkg in "${packages[@]}"; do
  mkdir -p "$top/licenses/$pkg"
  cp "/usr/share/doc/$pkg/copyright" "$top/licenses/$pkg/copyright"
done

# Man page and completions, generated from the CLI's own --help so they cannot drift.
python3 ci/dist/generate.py "$top/libexec/kind-must-gather" "$version" "$top/share"

chmod -R u=rwX,go=rX "$top"
chmod 0755 "$top/bin/kind-must-gather" "$top/libexec/kind-must-gather" "$top/lib/$loader"

# gzip -6: -9 takes three times the CPU for 0.5 % less.
tarball="dist/$name.tar.gz"
tar --sort=name --format=gnu --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
  -C "$stage" -cf - "$name" | gzip -n -6 >"$tarball.tmp"
mv "$tarball.tmp" "$tarball"
(cd dist && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
echo "$tarball"

if [ "$make_deb" = 1 ]; then
  ci/package-deb.sh "$top" "$version" "${lib_packages[@]}"
fi
