#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + coverage over the project's own libraries) in a
# separate build folder and runs each for a bounded time.
#
#   tests/fuzz/run_fuzzers.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Environment: KMG_FUZZ_BUILD_DIR (default build-fuzz), KMG_FUZZ_JOBS (ninja -j, default 2).
# Exit status: non-zero when a target finds a crash, a leak or a timeout; the reproducer is left in
# $KMG_FUZZ_BUILD_DIR/fuzz-artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${1:-20}
shift || true
all_targets=(fuzz_kubeconfig fuzz_bundle fuzz_signatures fuzz_junit fuzz_test_results fuzz_ps_output fuzz_layout)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")
build=${KMG_FUZZ_BUILD_DIR:-build-fuzz}
jobs=${KMG_FUZZ_JOBS:-2}

# clang and its runtime (libFuzzer, ASan) from Debian 12.
if ! command -v clang++ >/dev/null || ! dpkg -s libclang-rt-14-dev >/dev/null 2>&1; then
  echo "== installing clang and libclang-rt-14-dev"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq clang libclang-rt-14-dev
fi

if [ ! -d "$build" ]; then
  echo "== configuring $build (clang, ASan, libFuzzer coverage)"
  CC=clang CXX=clang++ meson setup "$build" --buildtype=debugoptimized \
    -Dfuzzers=true -Db_sanitize=address -Db_lundef=false \
    -Dcpp_args=-fsanitize=fuzzer-no-link >/dev/null
fi
echo "== building ${targets[*]}"
ninja -C "$build" -j "$jobs" "${targets[@]/#/tests/fuzz/}"

status=0
for target in "${targets[@]}"; do
  corpus_seed="tests/fuzz/corpus/${target#fuzz_}"
  work="$build/fuzz-corpus/$target"        # grows across runs; the seeds stay read-only
  artifacts="$build/fuzz-artifacts/$target/"
  mkdir -p "$work" "$artifacts"
  echo "== $target for ${seconds}s"
  if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
      "$build/tests/fuzz/$target" "$work" "$corpus_seed" \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -artifact_prefix="$artifacts" -print_final_stats=1 >"$build/fuzz-$target.log" 2>&1; then
    echo "!! $target failed; reproducer in $artifacts, log $build/fuzz-$target.log"
    tail -n 40 "$build/fuzz-$target.log"
    status=1
  else
    grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$build/fuzz-$target.log" || true
  fi
done
exit $status
