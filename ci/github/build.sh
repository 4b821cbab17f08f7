#!/usr/bin/env bash
# The Action's fallback when its ref has no release: builds the release tarball from the action's
# own source (ci/package.sh) and unpacks it into KMG_PREFIX/kind-must-gather — self-contained, so
# actions/cache can restore it on a later run without any build dependency. A cache hit skips the
# build (KMG_CACHE_HIT=true).
set -euo pipefail
cd "$(dirname "$0")/../.."
prefix=${KMG_PREFIX:?}
if [ "${KMG_CACHE_HIT:-false}" != true ]; then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" ci/install-deps.sh
  tarball=$(KMG_RELEASE_BUILD_DIR="${RUNNER_TEMP:-/tmp}/kmg-build" ci/package.sh | tail -1)
  rm -rf "$prefix/kind-must-gather"
  mkdir -p "$prefix/kind-must-gather"
  tar -xzf "$tarball" -C "$prefix/kind-must-gather" --strip-components=1
fi
echo "$prefix/kind-must-gather/bin" >>"${GITHUB_PATH:-/dev/null}"
"$prefix/kind-must-gather/bin/kind-must-gather" version
