"""Real container engines for the real-node tests: a private dockerd or `podman system service`,
and a two-node cluster made the way `kind create cluster` makes one (labels, hostnames, a
published 6443/tcp, systemd as PID 1, admin.conf written by the API server in the control plane).

Everything a fixture creates is removed by close(); the docker data root lives in the cache so the
node image is imported once, and a lock keeps two runs off the same data root."""
import fcntl
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time

# Docker here lacks CAP_SYS_RESOURCE, so --privileged fails ("unable to apply caps"): everything
# else a privileged Kind node gets, and the cgroup tree systemd needs.
DOCKER_NODE_ARGS = [
    "--cap-add", "ALL", "--cap-drop", "SYS_RESOURCE",
    "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
    "--tmpfs", "/tmp", "--tmpfs", "/run", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw",
    "-e", "container=docker",
]
PODMAN_NODE_ARGS = ["--privileged", "--systemd=always"]
# crun/runc may not raise RLIMIT_NOFILE/NPROC here; crun refuses the hybrid cgroups, runc works.
PODMAN_CONF = '[containers]\ndefault_ulimits = []\n[engine]\nruntime = "runc"\n'


class Skip(Exception):
    """The engine cannot run nodes here; the test exits 77 with this reason."""


def run(argv, env=None, check=True, timeout=300, stdin=None):
    r = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout, stdin=stdin)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])}...: exit {r.returncode}: {r.stderr.strip()[-800:]}")
    return r


def node_cache():
    """Where node images and docker's data root are cached (made when absent), exported as
    KMG_NODE_CACHE so build-node-image.sh uses the same folder."""
    cache = os.environ.get("KMG_NODE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "kind-must-gather")
    os.makedirs(cache, exist_ok=True)
    os.environ["KMG_NODE_CACHE"] = cache
    return cache


def wait_for(what, probe, seconds):
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            if probe():
                return
        except Exception as e:  # the probe's error is the reason when time runs out
            last = e
        time.sleep(0.3)
    raise RuntimeError(f"timed out after {seconds}s waiting for {what}" + (f": {last}" if last else ""))


class Engine:
    """One engine: `cli(...)` runs its CLI against the private socket; `tool_env` points
    kind-must-gather at the same socket."""

    name = ""

    def __init__(self, cache):
        self.cache = cache
        # One run per engine at a time: the clusters carry the seed scenario's fixed names (so its
        # pods' nodeName are these nodes), and docker's data root is shared through the cache.
        self.lock = open(os.path.join(cache, f"{self.name}-nodes.lock"), "w")
        fcntl.flock(self.lock, fcntl.LOCK_EX)
        self.dir = tempfile.mkdtemp(prefix=f"kmg-{self.name}-")
        self.sock = os.path.join(self.dir, "engine.sock")
        self.proc = None
        self.containers = []

    def cli(self, *args, check=True, timeout=300, stdin=None):
        return run(self.argv(list(args)), env=self.env(), check=check, timeout=timeout, stdin=stdin)

    def env(self):
        return dict(os.environ)

    def _start_service(self, argv, env, ready):
        log = open(os.path.join(self.dir, "service.log"), "w")
        self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env,
                                     start_new_session=True)
        try:
            wait_for(f"{self.name} service on {self.sock}", ready, 60)
        except RuntimeError as e:
            tail = open(os.path.join(self.dir, "service.log")).read()[-600:]
            raise Skip(f"{self.name} service did not start: {e}; log: {tail}")

    def _socket_answers(self):
        return self.proc.poll() is None and self.cli("version", check=False, timeout=20).returncode == 0

    def close(self):
        for c in self.containers:
            r = self.cli("rm", "-f", "-v", c, check=False)
            if r.returncode != 0 and "no such container" not in r.stderr.lower():
                print(f"# cleanup: {self.name} rm {c}: {r.stderr.strip()[-300:]}", flush=True)
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
        self.lock.close()


class Docker(Engine):
    name = "docker"

    def __init__(self, cache):
        super().__init__(cache)
        for tool in ("dockerd", "docker", "runc"):
            if shutil.which(tool) is None:
                raise Skip(f"{tool} is not installed (ci/install-deps.sh installs docker.io and runc)")
        data_root = os.path.join(cache, "dockerd-data")
        os.makedirs(data_root, exist_ok=True)
        self._start_service(
            ["dockerd", "--host", "unix://" + self.sock, "--data-root", data_root,
             "--exec-root", os.path.join(self.dir, "exec"), "--pidfile",
             os.path.join(self.dir, "dockerd.pid"), "--iptables=false"],
            dict(os.environ), self._socket_answers)

    def argv(self, args):
        return ["docker", "-H", "unix://" + self.sock] + args

    def tool_env(self):
        return {"DOCKER_HOST": "unix://" + self.sock}

    def node_args(self):
        return DOCKER_NODE_ARGS

    def image_args(self):
        return ["--docker-host", "unix://" + self.sock]


class Podman(Engine):
    name = "podman"

    def __init__(self, cache):
        super().__init__(cache)
        for tool in ("podman", "runc"):
            if shutil.which(tool) is None:
                raise Skip(f"{tool} is not installed (ci/install-deps.sh installs it)")
        self.conf = os.path.join(self.dir, "containers.conf")
        with open(self.conf, "w") as f:
            f.write(PODMAN_CONF)
        self._start_service(["podman", "system", "service", "--time=0", "unix://" + self.sock],
                            self.env(), self._socket_answers)

    def env(self):
        return dict(os.environ, CONTAINERS_CONF=self.conf)

    def argv(self, args):
        return ["podman"] + args

    def _socket_answers(self):
        return self.proc.poll() is None and os.path.exists(self.sock) and run(
            ["podman", "--url", "unix://" + self.sock, "version"], env=self.env(), check=False,
            timeout=20).returncode == 0

    def tool_env(self):
        return {"CONTAINER_HOST": "unix://" + self.sock, "CONTAINERS_CONF": self.conf}

    def node_args(self):
        return PODMAN_NODE_ARGS

    def image_args(self):
        return ["--podman"]


def build_image(engine, source_root, fake_apiserver):
    """The node image's reference; Skip with the script's reason when it cannot be built."""
    script = os.path.join(source_root, "tests/nodes/build-node-image.sh")
    started = time.monotonic()
    r = subprocess.run([script, "--fake-apiserver", fake_apiserver] + engine.image_args(),
                       capture_output=True, text=True, env=engine.env(), timeout=3600)
    if r.returncode == 77:
        raise Skip(r.stderr.strip().splitlines()[-1])
    if r.returncode != 0:
        raise RuntimeError(f"build-node-image.sh: exit {r.returncode}: {r.stderr.strip()[-800:]}")
    print(f"# node image {r.stdout.strip()} ready in {time.monotonic() - started:.1f}s ({engine.name})",
          flush=True)
    for line in r.stderr.strip().splitlines():
        print("# " + line, flush=True)
    return r.stdout.strip()


class Cluster:
    """NAME-control-plane and NAME-worker, booted, the API server answering on the host port."""

    ROLES = ("control-plane", "worker")

    def __init__(self, engine, image, name):
        self.engine, self.name = engine, name
        self.nodes = [f"{name}-{role}" for role in self.ROLES]
        for role, node in zip(self.ROLES, self.nodes):
            self.remove_leftover(node)
            args = ["run", "-d", "--name", node, "--hostname", node,
                    "--label", f"io.x-k8s.kind.cluster={name}", "--label", f"io.x-k8s.kind.role={role}",
                    "--stop-signal", "SIGRTMIN+3", "--tty",
                    # containerd's snapshots on a volume, not on the container's overlay (as kind's /var)
                    "-v", "/var/lib/containerd"] + engine.node_args()
            if role == "control-plane":
                args += ["-p", "127.0.0.1::6443"]
            engine.containers.append(node)
            engine.cli(*args, image, "/lib/systemd/systemd")
        for node in self.nodes:
            wait_for(f"systemd in {node}", lambda n=node: self.booted(n), 240)
        self.wait_apiserver()

    def remove_leftover(self, node):
        """A node of an earlier run that was killed before its cleanup (we hold the lock)."""
        r = self.engine.cli("inspect", "--format", "{{.Config.Image}}", node, check=False)
        if r.returncode == 0 and "kmg-kind-node" in r.stdout:
            self.engine.cli("rm", "-f", "-v", node)

    @property
    def control_plane(self):
        return self.nodes[0]

    @property
    def worker(self):
        return self.nodes[1]

    def exec(self, node, *cmd, check=True, timeout=120):
        return self.engine.cli("exec", node, *cmd, check=check, timeout=timeout)

    def booted(self, node):
        state = self.exec(node, "systemctl", "is-system-running", check=False, timeout=20).stdout.strip()
        # ...and the kubelet unit has replayed its journal.
        # journald reads the replay's stream asynchronously: wait until it has all of it.
        replayed = ("test -e /run/kmg-kubelet-replayed && journalctl --sync && "
                    "[ $(journalctl -u kubelet.service -o cat -q | wc -l) -gt "
                    "$(wc -l < /kind/kubelet-journal.txt) ]")
        if state not in ("running", "degraded"):
            jobs = self.exec(node, "systemctl", "list-jobs", "--no-legend", check=False).stdout
            raise RuntimeError(f"systemd is {state!r}; jobs: {' | '.join(jobs.splitlines()[:4])}")
        if self.exec(node, "sh", "-c", replayed, check=False, timeout=20).returncode != 0:
            raise RuntimeError("the kubelet replay is not in the journal yet")
        return True

    def host_port(self):
        out = self.engine.cli("port", self.control_plane, "6443/tcp").stdout.strip().splitlines()[0]
        return int(out.rsplit(":", 1)[1])

    def wait_apiserver(self):
        def answers():
            if self.exec(self.control_plane, "test", "-s", "/etc/kubernetes/admin.conf",
                         check=False).returncode != 0:
                return False
            ctx = ssl.create_default_context()
            ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
            with socket.create_connection(("127.0.0.1", self.host_port()), timeout=3) as s:
                with ctx.wrap_socket(s) as tls:
                    return tls.version() is not None
        wait_for(f"kube-apiserver.service in {self.control_plane} on the host port", answers, 180)

    def load_image(self, node, archive):
        """As `kind load docker-image` runs it in each node; the CompletedProcess, never raises."""
        return self.exec(node, "sh", "-c",
                         "ctr --namespace=k8s.io images import --all-platforms --digests "
                         f"--snapshotter=overlayfs - < {archive}", check=False)

    def state(self, node):
        out = self.engine.cli("inspect", node).stdout
        return json.loads(out)[0]["State"]["Status"]
