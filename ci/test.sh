#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors, checks formatting, runs every test with
# `meson test`, and prints meson's summary. Then the whole suite again under ASan+UBSan, and each
# libFuzzer target for a bounded time (KMG_SKIP_SANITIZERS=1 / KMG_SKIP_FUZZ=1 skip them locally).
set -euo pipefail
cd "$(dirname "$0")/.."

ci/install-deps.sh

build=${KMG_BUILD_DIR:-build-ci}
if [ -d "$build" ]; then
  meson setup --reconfigure "$build" --werror >/dev/null
else
  meson setup "$build" --werror --buildtype=debugoptimized >/dev/null
fi
meson compile -C "$build"

echo "== clang-format check"
git ls-files '*.cpp' '*.h' | xargs clang-format --dry-run --Werror

echo "== meson test"
meson test -C "$build" --print-errorlogs --num-processes 2 --no-suite nodes

# Real Kind-like nodes on docker and podman (tests/nodes). The node image is built on first use
# (minutes: debootstrap) and cached in ~/.cache/kind-must-gather; without the Debian archive the
# suite is SKIPPED, and says why.
echo "== real-node suite (tests/nodes)"
nodes_started=$SECONDS
meson test -C "$build" --print-errorlogs --num-processes 1 --suite nodes --logbase testlog-nodes
python3 - "$build/meson-logs/testlog-nodes.json" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    t = json.loads(line)
    if t.get("result") == "SKIP":
        why = [l for l in t.get("stdout", "").splitlines() if l.startswith("SKIP")]
        print(f"real-node suite: {t['name']} SKIPPED: {why[-1] if why else 'no reason given'}")
PY
echo "real-node suite: $((SECONDS - nodes_started))s"

echo "== benchmark smoke (keeps ci/bench.sh working; the real runs are ci/bench.sh)"
python3 ci/bench.py --build "$build" --smoke --out "$build/bench-smoke" >/dev/null
python3 ci/bench_record.py --build "$build" --smoke --out "$build/bench-smoke" >/dev/null

echo "== lint (yamllint, shellcheck)"
ci/lint.sh
if [ "${KMG_SKIP_PACKAGE:-0}" != "1" ]; then
  # The tarball and .deb from this build (stripped; the layout of a release, -O2 objects with -g)
  # rather than a second, release-mode build: seconds instead of minutes. KMG_SKIP_PACKAGE=1 skips.
  echo "== release tarball in an empty root, .deb installed with apt"
  KMG_RELEASE_BUILD_DIR="$build" ci/package.sh --deb
  KMG_BUILD_DIR="$build" ci/package-test.sh
  ci/package-deb-test.sh
fi

if [ "${KMG_SKIP_SANITIZERS:-0}" != "1" ]; then
  echo "== meson test under ASan+UBSan"
  san=${build}-asan
  if [ ! -d "$san" ]; then
    meson setup "$san" --werror --buildtype=debug -Db_sanitize=address,undefined \
      -Db_lundef=false >/dev/null
  fi
  meson compile -C "$san"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    meson test -C "$san" --print-errorlogs --num-processes 2 --timeout-multiplier 3 --no-suite nodes
fi

if [ "${KMG_SKIP_FUZZ:-0}" != "1" ]; then
  echo "== libFuzzer targets, ${KMG_FUZZ_SECONDS:-15}s each"
  tests/fuzz/run_fuzzers.sh "${KMG_FUZZ_SECONDS:-15}"
fi

# One closing line for CI, counted from meson's own test log (every suite of the main build).
python3 - "$build/meson-logs/testlog.json" "$build/meson-logs/testlog-nodes.json" <<'PY'
import json, sys
counts = {"OK": 0, "FAIL": 0, "SKIP": 0}
for line in (l for path in sys.argv[1:] for l in open(path)):
    result = json.loads(line).get("result", "")
    if result in ("OK", "EXPECTEDFAIL"):
        counts["OK"] += 1
    elif result == "SKIP":
        counts["SKIP"] += 1
    else:
        counts["FAIL"] += 1
print(f"tests: {counts['OK']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped")
PY
