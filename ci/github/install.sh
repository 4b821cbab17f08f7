#!/usr/bin/env bash
# The install step of the Action: puts kind-must-gather on PATH within seconds from the release
# tarball of the version the action is pinned to, checked against the release's SHA256SUMS; says
# when there is no release, so the Action builds from source instead (ci/github/build.sh).
#
# Env: KMG_REPOSITORY (owner/name), KMG_REF (the action's ref: v0.2.0, v1, main, a commit),
# KMG_VERSION (a release tag overriding the ref), KMG_PREFIX (where to unpack), GITHUB_OUTPUT,
# GITHUB_PATH; KMG_DOWNLOAD_BASE replaces https://github.com/OWNER/NAME/releases/download (tests).
# Outputs: installed=true|false, commit=<the ref's commit, for the build cache key>.
set -euo pipefail

prefix=${KMG_PREFIX:?}
tag=${KMG_VERSION:-${KMG_REF:-}}
repo=${KMG_REPOSITORY:-}
arch=$(uname -m)
out=${GITHUB_OUTPUT:-/dev/stdout}

# The commit the ref names on GitHub (for the from-source cache key); the source files' hash when
# the action is local (uses: ./), the ref cannot be resolved, or the release is not GitHub's.
commit=""
if [ -n "$repo" ] && [ -n "$tag" ] && [ -z "${KMG_DOWNLOAD_BASE:-}" ]; then
  commit=$(git ls-remote "https://github.com/$repo" "$tag" "refs/tags/$tag^{}" 2>/dev/null |
    awk '{ sha = $1 } END { print sha }') || true
  [[ "$tag" =~ ^[0-9a-f]{40}$ ]] && commit=$tag
fi
if [ -z "$commit" ]; then
  source_dir="$(dirname "$0")/../.."
  commit=src-$(cd "$source_dir" && find . -path ./.git -prune -o -type f -print0 | sort -z |
    xargs -0 sha256sum | sha256sum | cut -c1-40)
fi
echo "commit=$commit" >>"$out"

installed=false
if [ -n "$repo" ] && [ -n "$tag" ]; then
  base="${KMG_DOWNLOAD_BASE:-https://github.com/$repo/releases/download}/$tag"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  if curl -fsSL --retry 3 -o "$work/SHA256SUMS" "$base/SHA256SUMS" 2>/dev/null; then
    file=$(awk -v suffix="-linux-$arch.tar.gz" '
      substr($2, length($2) - length(suffix) + 1) == suffix { print $2; exit }' "$work/SHA256SUMS")
    file=${file#\*}
    if [ -z "$file" ]; then
      echo "::warning::release $tag of $repo has no tarball for linux-$arch; building from source"
    else
      curl -fsSL --retry 3 -o "$work/$file" "$base/$file"
      (cd "$work" && grep -F " $file" SHA256SUMS | sed 's/ \*/  /' | sha256sum --check --strict --quiet) ||
        { echo "::error::$file does not match the SHA-256 in $tag's SHA256SUMS"; exit 1; }
      mkdir -p "$prefix"
      tar -xzf "$work/$file" -C "$prefix"
      echo "$prefix/${file%.tar.gz}/bin" >>"${GITHUB_PATH:-/dev/null}"
      "$prefix/${file%.tar.gz}/bin/kind-must-gather" version
      installed=true
    fi
  else
    echo "no release $tag in $repo: building kind-must-gather from source (cached per commit)"
  fi
fi
echo "installed=$installed" >>"$out"
