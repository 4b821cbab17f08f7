#!/usr/bin/env bash
# Benchmark: kind-must-gather against the ways people gather today, on the same synthetic cluster,
# in the same run. See ci/bench.py --help. `ci/bench.sh --smoke` is the tiny version CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/install-deps.sh
build=${KMG_BUILD_DIR:-build-bench}
if [ ! -d "$build" ]; then
  meson setup "$build" --buildtype=release >/dev/null
fi
meson compile -C "$build" kind-must-gather fake-apiserver >/dev/null
exec python3 ci/bench.py --build "$build" "$@"
