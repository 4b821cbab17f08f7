#!/usr/bin/env bash
# Proves the release tarball runs anywhere: unpacks it into an empty root (no shell, no libc, no
# /usr, no /proc — only the unpacked folders, /dev/null, /etc/hosts, /etc/resolv.conf and a CA
# bundle) and, chrooted there, runs `version`, `clusters`, a whole gather of the seed scenario
# (the fake kube-apiserver on loopback, Kind-like node containers on a podman socket bind-mounted
# in) and `report BUNDLE` — from /opt/kmg, from a folder whose path has spaces, and through a
# symlink on PATH. Each bundle must equal, apart from times, the one the build-tree binary writes
# (ci/package-compare.py). Then whether the tool finds the CA bundle through SSL_CERT_FILE.
#
#   ci/package-test.sh [TARBALL]     (default: dist/*-linux-<arch>.tar.gz, newest)
# Needs root (chroot, bind mounts in a private mount namespace) and the build tree (KMG_BUILD_DIR,
# default build) for the fake kube-apiserver and the reference binary.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${KMG_BUILD_DIR:-build}
tarball=${1:-$(find dist -maxdepth 1 -name "kind-must-gather-*-linux-$(uname -m).tar.gz" -printf '%T@ %p\n' |
  sort -n | tail -1 | cut -d' ' -f2-)}
[ -f "$tarball" ] || { echo "package-test: no tarball (run ci/package.sh)" >&2; exit 1; }
tarball=$(realpath "$tarball")
[ "$(id -u)" = 0 ] || { echo "package-test: needs root for chroot and bind mounts" >&2; exit 1; }
meson compile -C "$build" kind-must-gather fake-apiserver >/dev/null
reference="$(realpath "$build")/src/app/kind-must-gather"

work=$(mktemp -d /tmp/kmg-package-test.XXXXXX)
pids=()
podman_args=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ ${#podman_args[@]} -gt 0 ]; then
    podman "${podman_args[@]}" rm -af >/dev/null 2>&1 || true
    podman "${podman_args[@]}" rmi -af >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "package-test: FAIL: $*" >&2; exit 1; }

# --- the cluster: the fake kube-apiserver serving the seed scenario, nodes on a private podman
cluster=pkg-e2e
"$build/tests/fake-apiserver/fake-apiserver" --scenario tests/scenarios/seed.json \
  --cluster-name "$cluster" --kubeconfig-out "$work/kubeconfig" \
  --admin-conf-out "$work/admin.conf" --ready-file "$work/port" >"$work/apiserver.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || { cat "$work/apiserver.log"; fail "the fake kube-apiserver did not start"; }
port=$(cat "$work/port")

socket="$work/podman.sock"
podman_args=(--root "$work/podman-root" --runroot "$work/podman-run")
podman "${podman_args[@]}" system service --time=0 "unix://$socket" >"$work/podman.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -S "$socket" ] && break; sleep 0.1; done
[ -S "$socket" ] || { cat "$work/podman.log"; fail "podman system service did not start"; }
mkdir -p "$work/image/etc/kubernetes" "$work/image/kind"
cp "$work/admin.conf" "$work/image/etc/kubernetes/admin.conf"
echo "v1.32.2" >"$work/image/kind/version"
tar -C "$work/image" -cf "$work/image.tar" .
pm=(podman --url "unix://$socket")
"${pm[@]}" import "$work/image.tar" localhost/kmg-pkg-node:v1.32.2 >/dev/null
for role in control-plane worker; do
  ports=()
  [ "$role" = control-plane ] && ports=(-p "127.0.0.1:$port:6443")
  "${pm[@]}" create --name "$cluster-$role" --hostname "$cluster-$role" "${ports[@]}" \
    --label "io.x-k8s.kind.cluster=$cluster" --label "io.x-k8s.kind.role=$role" \
    localhost/kmg-pkg-node:v1.32.2 /sbin/init >/dev/null
done

# --- the empty root: only what the issue allows, nothing from the host's /usr or /lib
root="$work/root"
mkdir -p "$root/etc/ssl/certs" "$root/dev" "$root/opt/kmg" "$root/opt/with spaces/kmg" \
  "$root/usr/local/bin" "$root$work" "$root/out" "$root/home"
cp /etc/hosts /etc/resolv.conf "$root/etc/"
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
touch "$root/dev/null" "$root$socket"
t0=$(date +%s%N)
tar -xzf "$tarball" -C "$root/opt/kmg"
t1=$(date +%s%N)
tar -xzf "$tarball" -C "$root/opt/with spaces/kmg"
name=$(tar -tzf "$tarball" | sed -n '1s|/.*||p')
ln -s "/opt/with spaces/kmg/$name/bin/kind-must-gather" "$root/usr/local/bin/kind-must-gather"
echo "== unpacked $(du -sh "$root/opt/kmg" | cut -f1) in $(((t1 - t0) / 1000000)) ms"

# Runs a command in the root with a clean environment, in a private mount namespace (the bind
# mounts vanish with it); the podman socket has the path it has on the host, so the bundles compare.
# shellcheck disable=SC2016 # the single-quoted script is expanded by the inner sh
in_root() {
  env -i PATH=/usr/local/bin HOME=/home "DOCKER_HOST=unix://$socket" "${extra_env[@]}" \
    /usr/bin/unshare --mount --propagation private /bin/sh -c '
      root=$1 socket=$2; shift 2
      /bin/mount --bind /dev/null "$root/dev/null" && /bin/mount --bind "$socket" "$root$socket" &&
        exec /usr/sbin/chroot "$root" "$@"' sh "$root" "$socket" "$@"
}
extra_env=()

# The reference: the build-tree binary on the host, same socket, same clean environment (a PATH
# without podman, so both reach the engine only through the socket), relative output names.
mkdir -p "$work/ref" "$work/nopath"
(cd "$work/ref" && env -i PATH="$work/nopath" HOME="$work/ref" DOCKER_HOST="unix://$socket" \
  "$reference" --output bundle.tar.gz >"$work/ref.log" 2>&1) || true
[ -f "$work/ref/bundle.tar.gz" ] || { cat "$work/ref.log"; fail "the build-tree binary wrote no bundle"; }

# One way of running the packaged tool: version, clusters, a whole gather compared with the
# reference, and report on that bundle.
check_variant() {
  local label=$1 tool=$2 out=$3 t0 t1 status=0
  echo "== $label: $tool"
  t0=$(date +%s%N)
  in_root "$tool" version >"$work/$out.version" || fail "$label: version failed"
  t1=$(date +%s%N)
  if ! grep -q '^kind-must-gather [0-9]' "$work/$out.version" ||
    ! grep -Eq '^commit ([0-9a-f]{40}|unknown)$' "$work/$out.version"; then
    fail "$label: version printed $(cat "$work/$out.version")"
  fi
  echo "   version in $(((t1 - t0) / 1000000)) ms (unshare + mount + chroot + launcher + loader): $(head -1 "$work/$out.version")"
  in_root "$tool" clusters >"$work/$out.clusters" 2>&1 || fail "$label: clusters failed: $(cat "$work/$out.clusters")"
  grep -q "$cluster" "$work/$out.clusters" || fail "$label: clusters did not list $cluster: $(cat "$work/$out.clusters")"
  # The reference's output name, so that the recorded command lines are the same.
  in_root "$tool" --output bundle.tar.gz >"$work/$out.log" 2>&1 || status=$?
  [ -f "$root/bundle.tar.gz" ] || { cat "$work/$out.log"; fail "$label: the gather wrote no bundle (exit $status)"; }
  mv "$root/bundle.tar.gz" "$root/out/$out.tar.gz"
  python3 ci/package-compare.py "$work/ref/bundle.tar.gz" "$root/out/$out.tar.gz" ||
    fail "$label: the bundle differs from the build-tree binary's"
  in_root "$tool" report "/out/$out.tar.gz" --output-dir "/out/$out" >"$work/$out.report" 2>&1 ||
    fail "$label: report failed: $(cat "$work/$out.report")"
  [ -s "$root/out/$out/$out.REPORT.md" ] || fail "$label: report wrote no $out.REPORT.md"
  echo "   clusters, gather (exit $status, bundle equal to the build tree's) and report: ok"
}

started=$(date +%s)
check_variant "absolute path" "/opt/kmg/$name/bin/kind-must-gather" plain
check_variant "path with spaces" "/opt/with spaces/kmg/$name/bin/kind-must-gather" spaces
check_variant "symlink on PATH" kind-must-gather symlink

# CA bundle: the tool must find it at the usual path or through SSL_CERT_FILE. The probe is an HTTPS
# request verified against the system bundle: --jaeger-url at the fake apiserver, whose CA is put
# into the bundle. A verification failure shows as a certificate error in the bundle.
echo "== CA bundle"
python3 - "$work/kubeconfig" "$work/fake-ca.pem" <<'PY'
import base64, re, sys
text = open(sys.argv[1]).read()
data = re.search(r"certificate-authority-data:\s*(\S+)", text).group(1)
open(sys.argv[2], "wb").write(base64.b64decode(data))
PY
ca_probe() {  # ca_probe LABEL OUT: 0 when the TLS handshake with the Jaeger URL was verified
  local label=$1 out=$2 manifest
  in_root kind-must-gather --no-kind --kubeconfig "$work/kubeconfig" --jaeger-url "https://127.0.0.1:$port" \
    --output "$out.tar.gz" >"$work/$out.log" 2>&1 || true
  manifest=$(tar -xzOf "$root/$out.tar.gz" --wildcards '*/manifest.json')
  # The fake apiserver answers the Jaeger paths 401 (no client certificate): recorded failures that
  # prove the request got past TLS; a CA problem is recorded as a certificate error instead.
  grep -q "127.0.0.1:$port/api/" <<<"$manifest" || fail "$label: no request to the Jaeger URL recorded"
  if grep -Eqi '"message": "[^"]*(certificate|ssl)' <<<"$manifest"; then
    echo "   $label: certificate NOT verified: $(grep -Eio -m1 '"message": "[^"]*' <<<"$manifest")"
    return 1
  fi
  echo "   $label: certificate verified"
}
cp "$work/kubeconfig" "$root$work/kubeconfig"
cat "$work/fake-ca.pem" >>"$root/etc/ssl/certs/ca-certificates.crt"
ca_probe "/etc/ssl/certs/ca-certificates.crt" ca-usual || fail "the CA bundle at the usual path was not used"
mkdir -p "$root/certs"
mv "$root/etc/ssl/certs/ca-certificates.crt" "$root/certs/bundle.pem"
extra_env=(SSL_CERT_FILE=/certs/bundle.pem)
ca_probe "SSL_CERT_FILE=/certs/bundle.pem" ca-env ||
  echo "   (Debian's libcurl reads only its built-in path; SSL_CERT_FILE needs the tool to pass it)"
extra_env=()
mv "$root/certs/bundle.pem" "$root/etc/ssl/certs/ca-certificates.crt"

# The Action's install step (ci/github/install.sh) against a release served on loopback: download,
# SHA-256 check against SHA256SUMS, unpack, `version` — timed — and a tampered tarball refused.
echo "== Action install step from a release on loopback"
tag=v-test
mkdir -p "$work/release/$tag"
cp "$tarball" "$work/release/$tag/"
(cd "$work/release/$tag" && sha256sum -- *.tar.gz >SHA256SUMS)
python3 -m http.server --bind 127.0.0.1 0 --directory "$work/release" >"$work/http.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do grep -q 'Serving HTTP' "$work/http.log" && break; sleep 0.1; done
http_port=$(grep -o -m1 "port [0-9]*" "$work/http.log" | cut -d" " -f2)
[ -n "$http_port" ] || fail "the loopback release server did not start"
action_env=(KMG_REPOSITORY=test/kind-must-gather "KMG_REF=$tag" GITHUB_OUTPUT="$work/action-out"
  GITHUB_PATH="$work/action-path" KMG_DOWNLOAD_BASE="http://127.0.0.1:$http_port")
t0=$(date +%s%N)
env "${action_env[@]}" KMG_PREFIX="$work/action" ci/github/install.sh >"$work/action.log" 2>&1 ||
  { cat "$work/action.log"; fail "the Action's install step failed"; }
t1=$(date +%s%N)
grep -q '^installed=true' "$work/action-out" || fail "the Action's install step did not install"
"$(cat "$work/action-path")/kind-must-gather" version >/dev/null || fail "the installed tool does not run"
echo "   download + verify + unpack + version: $(((t1 - t0) / 1000000)) ms on loopback"
printf 'tampered' >>"$work/release/$tag/$(basename "$tarball")"
if env "${action_env[@]}" KMG_PREFIX="$work/action2" ci/github/install.sh >"$work/action2.log" 2>&1; then
  fail "the Action installed a tarball whose SHA-256 does not match"
fi
grep -q 'does not match' "$work/action2.log" || fail "no checksum error: $(cat "$work/action2.log")"
echo "   a tampered tarball is refused"

echo "package-test: ok ($(($(date +%s) - started)) s for the three variants and the CA probes)"
