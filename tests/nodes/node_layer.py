#!/usr/bin/env python3
"""Writes the node layer of the Kind-like test node image into --out (see build-node-image.sh).

What a `kind create cluster` node holds that the collector and discovery read: /kind/version,
/etc/kubernetes/, a kube-apiserver on 6443 (here the fake one, as a systemd unit, TLS, only on the
control-plane node), a kubelet unit whose journal holds real kubelet lines, /var/log/pods and
/var/log/containers, a containerd config, and image archives for `ctr images import` (one valid,
one broken the way a failed `kind load` sees it)."""
import argparse
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tarfile

UNIT_APISERVER = """[Unit]
Description=kube-apiserver (the kind-must-gather test fake, serving a scenario on 6443 with TLS)
After=network.target
[Service]
# Only the control-plane node runs the API server, as in a Kind cluster.
ExecCondition=/bin/sh -c 'case "$(hostname)" in *-control-plane) exit 0;; esac; exit 1'
ExecStart=/usr/local/bin/kmg-kube-apiserver
Restart=on-failure
[Install]
WantedBy=multi-user.target
"""

APISERVER_WRAPPER = """#!/bin/sh
# The cluster name is the node's hostname without "-control-plane" (kind names nodes so).
name=$(hostname); name=${name%-control-plane}
mkdir -p /etc/kubernetes
export LD_LIBRARY_PATH=/usr/local/lib/kmg
exec /usr/local/bin/kube-apiserver --address 0.0.0.0 --port 6443 --cluster-name "$name" \\
  --scenario /kind/scenario.json --kubeconfig-out /etc/kubernetes/local-admin.conf \\
  --admin-conf-out /etc/kubernetes/admin.conf
"""

UNIT_KUBELET = """[Unit]
Description=kubelet: The Kubernetes Node Agent (replays a captured kubelet journal)
After=containerd.service
[Service]
# The unit's own stdout, which systemd hands to journald labelled with the unit: `systemd-cat`
# inside the unit was attributed by journald looking up the sender's cgroup, and in these
# containers that lookup sometimes failed, leaving the lines outside `journalctl -u kubelet`.
SyslogIdentifier=kubelet
StandardOutput=journal
ExecStart=/bin/sh -c 'cat /kind/kubelet-journal.txt; touch /run/kmg-kubelet-replayed; exec sleep infinity'
[Install]
WantedBy=multi-user.target
"""

CONTAINERD_CONFIG = """# as kind's node image: CRI plugin, runc, the k8s.io namespace
version = 2
[plugins."io.containerd.grpc.v1.cri".containerd]
  snapshotter = "native"
"""

# A big journal must be writable quickly (the 100 MB journal case): no rate limit, room in /run.
JOURNALD_CONF = """[Journal]
RateLimitIntervalSec=0
RateLimitBurst=0
RuntimeMaxUse=400M
SystemMaxUse=400M
"""

# "Sep 20 04:56:05 kind-worker kubelet[300]: message" -> "message"
JOURNAL_PREFIX = re.compile(r"^\w{3} +\d+ [\d:]+ \S+ kubelet\[\d+\]: ")


def write(root, path, text, mode=0o644):
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as f:
        f.write(text)
    os.chmod(full, mode)


def enable(root, unit):
    wants = os.path.join(root, "etc/systemd/system/multi-user.target.wants")
    os.makedirs(wants, exist_ok=True)
    os.symlink("/etc/systemd/system/" + unit, os.path.join(wants, unit))


def copy_binary(root, binary):
    os.makedirs(os.path.join(root, "usr/local/bin"), exist_ok=True)
    shutil.copy(binary, os.path.join(root, "usr/local/bin/kube-apiserver"))
    os.chmod(os.path.join(root, "usr/local/bin/kube-apiserver"), 0o755)
    # Its libraries as the build machine resolved them (the node is Debian 12 as well); libc
    # stays the node's own.
    libdir = os.path.join(root, "usr/local/lib/kmg")
    os.makedirs(libdir, exist_ok=True)
    out = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    for lib in re.findall(r"=> (/\S+)", out):
        base = os.path.basename(lib)
        if re.match(r"(libc|libm|libpthread|libdl|librt|ld-linux)[.-]", base):
            continue
        shutil.copy(lib, os.path.join(libdir, base))


def kubelet_lines(path):
    with open(path, errors="replace") as f:
        lines = [JOURNAL_PREFIX.sub("", line) for line in f if JOURNAL_PREFIX.match(line)]
    if len(lines) < 100:
        raise SystemExit(f"node_layer: too few kubelet lines in {path}")
    return "".join(lines)


def tar_bytes(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data, mode in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = mode
            info.mtime = 0
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def image_archive(tags):
    """A one-layer image in `docker save` form, which `ctr images import` reads."""
    layer = tar_bytes([("hello", b"#!/bin/sh\necho hello from a test image\n", 0o755)])
    layer_id = hashlib.sha256(layer).hexdigest()
    config = json.dumps({
        "architecture": "amd64", "os": "linux", "created": "2026-01-01T00:00:00Z",
        "config": {"Cmd": ["/hello"]},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + layer_id]},
        "history": [{"created": "2026-01-01T00:00:00Z", "created_by": "node_layer.py"}],
    }, sort_keys=True).encode()
    config_id = hashlib.sha256(config).hexdigest()
    manifest = json.dumps([{"Config": config_id + ".json", "RepoTags": tags,
                            "Layers": [layer_id + "/layer.tar"]}]).encode()
    return tar_bytes([(layer_id + "/layer.tar", layer, 0o644), (config_id + ".json", config, 0o644),
                      ("manifest.json", manifest, 0o644)])


def write_images(root):
    d = os.path.join(root, "kind/images")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "loaded.tar"), "wb") as f:
        # Images the seed scenario's pods run; its gateway-api:e2e is the one whose load fails.
        f.write(image_archive(["localhost/gateway-frontend:e2e", "localhost/notification:e2e",
                               "localhost/authwebhook:e2e"]))
    # What a failed `docker save | kind load` hands to ctr: no tar at all.
    with open(os.path.join(d, "broken.tar"), "wb") as f:
        f.write((b"Error response from daemon: reference does not exist\n" * 40)[:2048])


def write_var_log(root):
    pod = "var/log/pods/kube-system_kube-apiserver-node_0f1e2d3c4b5a69788796a5b4c3d2e1f0/kube-apiserver"
    write(root, pod + "/0.log",
          "2026-02-04T10:15:20.054000123Z stderr F I0204 10:15:20.054000       1 server.go:142] Version: v1.32.2\n")
    # Not under pods/: `kind export logs` takes all of /var/log, so must we.
    write(root, "var/log/kmg-node/marker.log", "kmg-var-log-marker: a file outside /var/log/pods\n")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--fake-apiserver", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--kubelet-journal", required=True)
    p.add_argument("--scenario", required=True)
    a = p.parse_args()
    root = a.out
    write(root, "kind/version", "v1.32.2\n")
    os.makedirs(os.path.join(root, "etc/kubernetes/manifests"), exist_ok=True)
    write(root, "etc/containerd/config.toml", CONTAINERD_CONFIG)
    write(root, "etc/systemd/journald.conf.d/kmg.conf", JOURNALD_CONF)
    shutil.copy(a.scenario, os.path.join(root, "kind/scenario.json"))
    copy_binary(root, a.fake_apiserver)
    write(root, "usr/local/bin/kmg-kube-apiserver", APISERVER_WRAPPER, 0o755)
    write(root, "etc/systemd/system/kube-apiserver.service", UNIT_APISERVER)
    write(root, "kind/kubelet-journal.txt", kubelet_lines(a.kubelet_journal))
    write(root, "etc/systemd/system/kubelet.service", UNIT_KUBELET)
    enable(root, "kube-apiserver.service")
    enable(root, "kubelet.service")
    write_images(root)
    write_var_log(root)
    for dirpath, dirnames, _ in os.walk(root):
        os.chmod(dirpath, 0o755)


if __name__ == "__main__":
    main()
