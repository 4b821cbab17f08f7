#!/usr/bin/env bash
# The gather step of the Action: every Kind cluster into KMG_OUTPUT, never failing the job (the job
# already failed; that failure must stay the one people see). Outputs bundle=<path> and
# verdict=<REPORT.md's one-line verdict>.
#
# Env: KMG_OUTPUT, KMG_TIMEOUT, KMG_ATTACH (paths, one per line or space-separated), KMG_ARGS (extra
# arguments, split like a shell would without globbing); KMG_MODE=record-stop with KMG_PID_FILE
# stops the recorder of ci/github/record-start.sh and writes the bundle with its recording (a plain
# gather when no recorder runs).
set -euo pipefail
output=${KMG_OUTPUT:?}
args=(--exit-zero --github --timeout "${KMG_TIMEOUT:-5m}" --output "$output")
if [ "${KMG_MODE:-collect}" = record-stop ]; then
  if [ -f "${KMG_PID_FILE:?}" ]; then
    args=(record --stop --pid-file "$KMG_PID_FILE" "${args[@]}")
  else
    echo "::warning::no kind-must-gather recorder running ($KMG_PID_FILE missing): gathering without a recording"
  fi
fi
while read -r path; do
  [ -n "$path" ] && args+=(--attach "$path")
done < <(printf '%s\n' "${KMG_ATTACH:-}" | tr ' ' '\n')
if [ -n "${KMG_ARGS:-}" ]; then
  read -r -a extra <<<"$KMG_ARGS"
  args+=("${extra[@]}")
fi
kind-must-gather "${args[@]}" || echo "::warning::kind-must-gather exited with $?"

verdict=""
if [ -f "$output" ]; then
  verdict=$(tar -xzOf "$output" --wildcards '*/report.json' 2>/dev/null |
    python3 -c 'import json, sys; print(json.load(sys.stdin).get("verdict", ""))' 2>/dev/null) || true
fi
{
  echo "bundle=$output"
  echo "verdict=${verdict//$'\n'/ }"
} >>"${GITHUB_OUTPUT:-/dev/stdout}"
