#!/usr/bin/env bash
# Benchmark: kind-must-gather against the ways people gather today, on the same synthetic cluster,
# in the same run. See ci/bench.py --help and ci/bench_record.py --help. `ci/bench.sh --smoke` is the tiny version CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/install-deps.sh
build=${KMG_BUILD_DIR:-build-bench}
if [ ! -d "$build" ]; then
  meson setup "$build" --buildtype=release >/dev/null
fi
meson compile -C "$build" kind-must-gather fake-apiserver >/dev/null
# `ci/bench.sh --record [--smoke]`: the recorder's cost while clusters churn (ci/bench_record.py).
if [ "${1:-}" = "--record" ]; then
  shift
  exec python3 ci/bench_record.py --build "$build" "$@"
fi
exec python3 ci/bench.py --build "$build" "$@"
