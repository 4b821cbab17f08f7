#!/usr/bin/env bash
# The real kubectl against the fake apiserver: get, describe, logs, CRDs, cluster-info dump.
# usage: test_kubectl.sh <fake-apiserver binary> <scenario.json>
set -euo pipefail
bin=$1
scenario=$2
command -v kubectl >/dev/null || { echo "kubectl not installed: skipping"; exit 77; }

work=$(mktemp -d /tmp/kmg-kubectl-test.XXXXXX)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$bin" --scenario "$scenario" --cluster-name mini --kubeconfig-out "$work/kubeconfig" \
  --ready-file "$work/port" >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 200); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || { echo "fake-apiserver did not start:"; cat "$work/err"; exit 1; }

export KUBECACHEDIR="$work/cache"
k() { kubectl --kubeconfig "$work/kubeconfig" --request-timeout=20s "$@"; }
fail() { echo "FAIL: $1"; echo "--- output:"; cat "$work/last"; exit 1; }
expect() {  # expect <file> <extended regex> <what>
  grep -Eq -- "$2" "$1" || { cp "$1" "$work/last"; fail "$3 (no match for /$2/)"; }
}

k config current-context >"$work/ctx"
expect "$work/ctx" '^kind-mini$' "current context"

k get pods -A >"$work/pods"
expect "$work/pods" '^NAMESPACE +NAME +READY +STATUS +RESTARTS +AGE' "pods table header"
expect "$work/pods" '^shop +web-1 +1/2 +CrashLoopBackOff +3 \(' "web-1 row with STATUS CrashLoopBackOff"
expect "$work/pods" '^shop +puller +0/1 +ErrImageNeverPull +0 ' "puller row"
expect "$work/pods" '^shop +api-0 +1/1 +Running ' "api-0 row"

k get pods -n shop -o wide >"$work/wide"
expect "$work/wide" 'web-1 .* 10\.244\.0\.7 +mini-control-plane +<none> +<none>' "wide columns"

k describe pod web-1 -n shop >"$work/describe"
expect "$work/describe" '^Name: +web-1$' "describe name"
expect "$work/describe" '^Events:' "describe events section"
expect "$work/describe" 'Warning +BackOff +.*\(x9 over .*kubelet +Back-off restarting failed container app in pod web-1_shop' "BackOff event row"
expect "$work/describe" 'Normal +Started .*Started container app' "Started event row"
expect "$work/describe" 'Reason: +CrashLoopBackOff' "waiting reason"

k describe pod puller -n shop >"$work/describe2"
expect "$work/describe2" 'Warning +ErrImageNeverPull .*is not present with pull policy of Never' "puller event"

k logs web-1 -n shop -c app --previous >"$work/prev"
expect "$work/prev" '^panic: runtime error: invalid memory address' "previous log"
k logs web-1 -n shop --tail=1 >"$work/cur" 2>"$work/cur.err"   # defaults to the first container
expect "$work/cur" '^connecting to db$' "current log, tail 1"
if k logs api-0 -n shop --previous >"$work/noprev" 2>&1; then fail "logs --previous on api-0 should fail"; fi
expect "$work/noprev" 'previous terminated container "api" in pod "api-0" not found' "previous error message"

# Built-ins every Kind cluster serves, empty here: kubectl resolves them (and their short names)
# through discovery alone.
k api-resources >"$work/api"
expect "$work/api" '^storageclasses +sc +storage\.k8s\.io/v1 +false +StorageClass' "storageclasses in discovery"
expect "$work/api" '^resourcequotas +quota +v1 +true +ResourceQuota' "resourcequotas in discovery"
expect "$work/api" '^validatingwebhookconfigurations +admissionregistration\.k8s\.io/v1 +false' "webhook configurations in discovery"
k get sc,quota,limits -A >"$work/empty" 2>&1
expect "$work/empty" '^No resources found' "empty built-in lists"

# APIServices: kube-aggregator's own columns, a local group and an aggregated one without endpoints.
k get apiservices >"$work/apiservices"
expect "$work/apiservices" '^NAME +SERVICE +AVAILABLE +AGE$' "apiservices header"
expect "$work/apiservices" '^v1\.apps +Local +True +[^ ]+$' "local apiservice row"
expect "$work/apiservices" '^v1beta1\.metrics\.k8s\.io +kube-system/metrics-server +False \(MissingEndpoints\) +[^ ]+$' \
  "unavailable apiservice row"
k get apiservice v1.apps -o jsonpath='{.spec.service}{"|"}{.status.conditions[0].reason}' >"$work/apisvc"
expect "$work/apisvc" '^null\|Local$' "apiservice get: service null (kept, not omitted), reason Local"

k get crd >"$work/crd"
expect "$work/crd" '^NAME +CREATED AT' "crd header"
expect "$work/crd" '^widgets\.example\.com +2026-02-04T09:58:00Z' "crd row"

k get widgets -A >"$work/widgets"
expect "$work/widgets" '^NAMESPACE +NAME +PHASE +AGE' "printer columns"
expect "$work/widgets" '^shop +red-b +Degraded' "widget row"

k get widgets.example.com -A -o yaml >"$work/widgets.yaml"
expect "$work/widgets.yaml" '^kind: List' "yaml list"
expect "$work/widgets.yaml" 'apiVersion: example.com/v1' "CR apiVersion"
expect "$work/widgets.yaml" 'name: blue-a' "CR name"
k get wd -n shop -l color=red -o name >"$work/wd"
expect "$work/wd" '^widget.example.com/red-b$' "short name + label selector"
[ "$(wc -l <"$work/wd")" -eq 1 ] || { cp "$work/wd" "$work/last"; fail "label selector returned extra rows"; }

k get events -n shop --field-selector reason=BackOff >"$work/events"
expect "$work/events" 'Warning +BackOff +pod/web-1 ' "events table"

if k get pods --field-selector spec.image=x 2>"$work/badfield"; then fail "bad field selector should fail"; fi
expect "$work/badfield" 'field label not supported: spec.image' "field selector error"

k cluster-info dump --all-namespaces --output-directory "$work/dump" >/dev/null
expect "$work/dump/nodes.json" '"name": "mini-control-plane"' "dump nodes"
expect "$work/dump/shop/pods.json" '"name": "web-1"' "dump pods"
expect "$work/dump/shop/events.json" '"reason": "BackOff"' "dump events"
expect "$work/dump/shop/web-1/logs.txt" 'starting web 1.2' "dump logs"

# A cluster that changes while kubectl watches: testdata/live.json's script creates, changes,
# restarts and deletes pods after 3 s, with kubectl already streaming.
kill "$pid"; wait "$pid" 2>/dev/null || true
live="$(dirname "$scenario")/live.json"
rm -f "$work/port"
"$bin" --scenario "$live" --cluster-name live --kubeconfig-out "$work/kubeconfig" \
  --ready-file "$work/port" --script-done-file "$work/done" >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 200); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || { echo "fake-apiserver (live) did not start:"; cat "$work/err"; exit 1; }
timeout 10 kubectl --kubeconfig "$work/kubeconfig" get pods -n live -w --output-watch-events \
  >"$work/watch" 2>&1 &
watcher=$!
start=$(date +%s)
set +e
timeout 10 kubectl --kubeconfig "$work/kubeconfig" logs -f ticker -n live >"$work/follow" 2>&1
follow_rc=$?
set -e
elapsed=$(( $(date +%s) - start ))
[ "$follow_rc" -eq 0 ] || { cp "$work/follow" "$work/last"; fail "kubectl logs -f exited $follow_rc (124: it did not end at the restart)"; }
[ "$elapsed" -lt 9 ] || fail "kubectl logs -f took ${elapsed}s"
expect "$work/follow" '^started$' "follow: the log so far"
expect "$work/follow" '^tick 2$' "follow: lines the script appended"
for _ in $(seq 100); do [ -e "$work/done" ] && break; sleep 0.1; done
[ -e "$work/done" ] || { cat "$work/err" >"$work/last"; fail "script did not finish"; }
sleep 1
kill "$watcher" 2>/dev/null || true; wait "$watcher" 2>/dev/null || true
expect "$work/watch" '^ADDED +ticker +1/1 +Running +0 ' "watch: the pod listed first"
expect "$work/watch" '^ADDED +newcomer +0/1 +Pending ' "watch: a created pod"
expect "$work/watch" '^MODIFIED +newcomer +1/1 +Running ' "watch: a changed pod"
expect "$work/watch" '^MODIFIED +ticker +0/1 +CrashLoopBackOff +1 ' "watch: the restarted pod"
expect "$work/watch" '^DELETED +newcomer ' "watch: a deleted pod"

echo "kubectl checks passed"
