#!/usr/bin/env bash
# The demo: installs what is missing, builds, starts the bundled demo cluster — the fake
# kube-apiserver serving the seed scenario (a CI e2e failure) and, where podman can create them,
# kind-like node containers on a private podman socket — gathers it with kind-must-gather, and
# prints where the bundle and its REPORT.md are.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

ci/install-deps.sh

build=${KMG_BUILD_DIR:-build}
if [ ! -d "$build" ]; then
  meson setup "$build" --buildtype=debugoptimized >/dev/null
fi
meson compile -C "$build" kind-must-gather fake-apiserver >/dev/null

work=$(mktemp -d /tmp/kmg-demo.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "${podman_root:-}" ]; then
    podman --root "$podman_root" --runroot "$work/podman-run" rm -af >/dev/null 2>&1 || true
    podman --root "$podman_root" --runroot "$work/podman-run" rmi -af >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

cluster=gateway-e2e
args=()
# First choice: real nodes (tests/nodes): running containers with systemd, journald and containerd,
# the fake kube-apiserver inside the control plane, on docker (a private dockerd) or podman. The
# node image is built on first use (debootstrap, minutes; then cached). KMG_DEMO_REAL_NODES=0 skips.
real_nodes=""
if [ "${KMG_DEMO_REAL_NODES:-1}" != "0" ]; then
  echo "== starting the demo cluster '$cluster' on real nodes (first use builds the node image)"
  python3 tests/nodes/demo_cluster.py --name "$cluster" --source "$root" \
    --fake-apiserver "$build/tests/fake-apiserver/fake-apiserver" --ready "$work/real-nodes" \
    >"$work/real-nodes.log" 2>&1 &
  pids+=($!)
  while kill -0 "${pids[-1]}" 2>/dev/null && [ ! -s "$work/real-nodes" ]; do sleep 1; done
  if [ -s "$work/real-nodes" ]; then
    # shellcheck disable=SC1091
    . "$work/real-nodes"
  fi
  if [ -n "${KMG_DEMO_ENGINE:-}" ]; then
    real_nodes=$KMG_DEMO_ENGINE
    echo "== real nodes running on $KMG_DEMO_ENGINE: $KMG_DEMO_NODES"
    export DOCKER_HOST CONTAINER_HOST CONTAINERS_CONF 2>/dev/null || true
    export HOME="$work/home"  # nothing in ~/.kube: the kubeconfig must come from admin.conf
    mkdir -p "$HOME"
    args+=(--cluster "$cluster")  # not the clusters other runs left on this machine's engines
  else
    echo "== no real nodes here (${KMG_DEMO_SKIP:-see $work/real-nodes.log}): created-only node containers instead"
  fi
fi
if [ -z "$real_nodes" ]; then
echo "== starting the demo cluster '$cluster' (fake kube-apiserver, seed scenario)"
"$build/tests/fake-apiserver/fake-apiserver" --scenario tests/scenarios/seed.json \
  --cluster-name "$cluster" --kubeconfig-out "$work/kubeconfig" \
  --admin-conf-out "$work/admin.conf" --ready-file "$work/port" >"$work/apiserver.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || { echo "fake kube-apiserver did not start:"; cat "$work/apiserver.log"; exit 1; }
port=$(cat "$work/port")

# Kind-like node containers on a private podman (own storage, own socket): discovery finds them by
# label and reads admin.conf from the control plane, exactly as on a real Kind machine.
if command -v podman >/dev/null; then
  podman_root="$work/podman-root"
  socket="$work/podman.sock"
  podman --root "$podman_root" --runroot "$work/podman-run" system service --time=0 \
    "unix://$socket" >"$work/podman.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do [ -S "$socket" ] && break; sleep 0.1; done
  mkdir -p "$work/image/etc/kubernetes" "$work/image/kind"
  cp "$work/admin.conf" "$work/image/etc/kubernetes/admin.conf"
  echo "v1.32.2" >"$work/image/kind/version"
  tar -C "$work/image" -cf "$work/image.tar" .
  pm=(podman --url "unix://$socket")
  if "${pm[@]}" import "$work/image.tar" localhost/kind-demo-node:v1.32.2 >/dev/null 2>&1 &&
    "${pm[@]}" create --name "$cluster-control-plane" --hostname "$cluster-control-plane" \
      --label "io.x-k8s.kind.cluster=$cluster" --label io.x-k8s.kind.role=control-plane \
      -p "127.0.0.1:$port:6443" localhost/kind-demo-node:v1.32.2 /sbin/init >/dev/null &&
    "${pm[@]}" create --name "$cluster-worker" --hostname "$cluster-worker" \
      --label "io.x-k8s.kind.cluster=$cluster" --label io.x-k8s.kind.role=worker \
      localhost/kind-demo-node:v1.32.2 /sbin/init >/dev/null; then
    echo "== node containers created on podman (unix://$socket)"
    export DOCKER_HOST="unix://$socket"
    export HOME="$work/home"  # nothing in ~/.kube: the kubeconfig must come from admin.conf
    mkdir -p "$HOME"
  else
    echo "== podman cannot create containers here: gathering through the kubeconfig instead"
    args+=(--no-kind --kubeconfig "$work/kubeconfig")
  fi
else
  args+=(--no-kind --kubeconfig "$work/kubeconfig")
fi
fi

echo "== kind-must-gather clusters"
"$build/src/app/kind-must-gather" clusters "${args[@]}" || true

echo "== kind-must-gather"
mkdir -p "$work/results"
cp tests/scenarios/demo-junit.xml "$work/results/" 2>/dev/null || true
status=0
"$build/src/app/kind-must-gather" --output "$root/demo-bundle.tar.gz" --attach "$work/results" \
  "${args[@]}" || status=$?
echo "(exit code $status)"

bundle="$root/demo-bundle.tar.gz"
[ -f "$bundle" ] || { echo "no bundle was written"; exit 1; }
top=$(tar -tzf "$bundle" | awk -F/ 'NR == 1 { print $1 }')
tar -xzf "$bundle" -C "$root" "$top/REPORT.md"
echo
if [ -n "$real_nodes" ]; then
  echo "nodes:     real nodes (systemd, journald, containerd) on $real_nodes"
else
  echo "nodes:     created-only containers (no systemd, no node logs)"
fi
echo "bundle:    $bundle"
echo "REPORT.md: $root/$top/REPORT.md"
echo
head -60 "$root/$top/REPORT.md"
