#!/usr/bin/env bash
# The record-start mode of the Action: starts `kind-must-gather record` in the background before
# the tests, returning at once. Never fails the job: a recorder that cannot start is a warning, and
# the record-stop step then falls back to a plain gather.
#
# Env: KMG_OUTPUT (the bundle the stop step writes), KMG_PID_FILE, KMG_ARGS (extra arguments,
# split like a shell would without globbing: selection flags such as --kubeconfig, --log-limit-bytes).
set -euo pipefail
args=(record --background --pid-file "${KMG_PID_FILE:?}" --output "${KMG_OUTPUT:?}")
if [ -n "${KMG_ARGS:-}" ]; then
  read -r -a extra <<<"$KMG_ARGS"
  args+=("${extra[@]}")
fi
kind-must-gather "${args[@]}" || echo "::warning::kind-must-gather record did not start (exit $?)"
