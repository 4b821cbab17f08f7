#!/usr/bin/env bash
# The describe text in the bundle against the real `kubectl describe`, on the same server: every
# pod and node of each scenario is gathered by kind-must-gather (--no-redact, so values match) and
# described by kubectl, and the two must agree line for line. Runs of spaces are collapsed (the
# columns' widths are tabwriter's business, the content is ours); the bundle's node text ends with
# an "Images:" section that kubectl does not print, which is cut before comparing.
# Real-world pods and nodes from ../shared/corpus are compared too, when it is there.
# usage: test_describe_vs_kubectl.sh <kind-must-gather> <fake-apiserver> <scenario.json>...
set -euo pipefail
kmg=$1
fake=$2
shift 2
command -v kubectl >/dev/null || { echo "kubectl not installed: skipping"; exit 77; }
here=$(cd "$(dirname "$0")" && pwd)
corpus=${KMG_SHARED_DIR:-$here/../../../shared}/corpus

work=$(mktemp -d /tmp/kmg-describe-test.XXXXXX)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
export KUBECACHEDIR="$work/cache"

scenarios=("$@")
if [ -d "$corpus" ]; then
  mapfile -t -O "${#scenarios[@]}" scenarios < <(python3 "$here/corpus_scenarios.py" "$corpus" "$work")
else
  echo "no corpus at $corpus: the project's scenarios only"
fi

squeeze() { sed -E 's/ +/ /g' "$1"; }
failures=0
compare() {  # compare <what> <kubectl output> <bundle file>
  if ! diff <(squeeze "$2") <(squeeze "$3") >"$work/diff"; then
    echo "FAIL: $1 differs from kubectl describe (< kubectl, > bundle):"
    head -20 "$work/diff"
    failures=$((failures + 1))
  fi
}

for scenario in "${scenarios[@]}"; do
  rm -f "$work/port"
  "$fake" --scenario "$scenario" --cluster-name describe --kubeconfig-out "$work/kubeconfig" \
    --ready-file "$work/port" >/dev/null 2>"$work/fake.err" &
  pid=$!
  for _ in $(seq 200); do [ -s "$work/port" ] && break; sleep 0.1; done
  [ -s "$work/port" ] || { echo "fake-apiserver did not start:"; cat "$work/fake.err"; exit 1; }
  k() { kubectl --kubeconfig "$work/kubeconfig" --request-timeout=20s "$@"; }

  rm -rf "$work/out"
  summary=$("$kmg" --no-kind --kubeconfig "$work/kubeconfig" --no-redact --quiet --exit-zero \
    --output "$work/out")
  # The final line gives a folder bundle's size too (it said "0 B" once).
  case "$summary" in
    "bundle: $work/out ("[1-9]*) ;;
    *) echo "FAIL: final line for a folder bundle: $summary"; exit 1 ;;
  esac
  cluster_dir=$(echo "$work"/out/clusters/*)
  [ -d "$cluster_dir" ] || { echo "no cluster folder in the bundle"; exit 1; }

  pods=0
  while read -r ns pod; do
    k describe pod -n "$ns" "$pod" >"$work/kubectl.txt"
    compare "$(basename "$scenario"): pod $ns/$pod" "$work/kubectl.txt" \
      "$cluster_dir/namespaces/$ns/pods/$pod/describe.txt"
    pods=$((pods + 1))
  done < <(k get pods -A --no-headers -o custom-columns=NS:.metadata.namespace,NAME:.metadata.name)

  nodes=0
  for node in $(k get nodes -o name | cut -d/ -f2); do
    k describe node "$node" >"$work/kubectl.txt"
    sed '/^Images:$/,$d' "$cluster_dir/nodes/$node.describe.txt" >"$work/bundle.txt"
    compare "$(basename "$scenario"): node $node" "$work/kubectl.txt" "$work/bundle.txt"
    nodes=$((nodes + 1))
  done
  # APIServices: the gathered list against `kubectl get apiservices` (kube-aggregator's columns):
  # the same names, each with the Available condition's status.
  k get apiservices --no-headers | awk '{print $1, $3}' | sort >"$work/kubectl.txt"
  python3 -c '
import json, sys
for a in json.load(open(sys.argv[1]))["items"]:
    cond = [c for c in a.get("status", {}).get("conditions", []) if c["type"] == "Available"]
    print(a["metadata"]["name"], cond[0]["status"] if cond else "Unknown")
' "$cluster_dir/lists/apiservices.apiregistration.k8s.io.json" | sort >"$work/bundle.txt"
  compare "$(basename "$scenario"): apiservices" "$work/kubectl.txt" "$work/bundle.txt"

  # A scenario without pods or nodes would compare nothing and pass.
  if [ "$pods" -eq 0 ] || [ "$nodes" -eq 0 ]; then
    echo "FAIL: nothing compared in $scenario"
    exit 1
  fi
  echo "$(basename "$scenario"): $pods pods and $nodes nodes compared"

  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
done
[ "$failures" -eq 0 ] || { echo "$failures describe texts differ from kubectl"; exit 1; }
echo "every describe text matches kubectl describe"
