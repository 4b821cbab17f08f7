#!/usr/bin/env python3
"""`kind-must-gather record` over a whole run on real nodes: a two-node Kind-like cluster (the fake
kube-apiserver inside its control plane) plays tests/scenarios/run/record-run.json — a pod crashes
five times, a Job's pod is replaced, a namespace is deleted — and then the cluster is deleted
(API server stopped, node containers removed) before the recorder is stopped.

    test_record_nodes.py --engine docker|podman --tool KMG --fake-apiserver FAKE --source ROOT

The bundle must hold every instance's log, the deleted namespace's objects and events and the
deleted cluster's last state, and REPORT.md must say the cluster was deleted and still name the
crash loop as a root cause. Exit 1 when a check failed, 77 (SKIP) when no node can run here."""
import argparse
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engines  # noqa: E402
from test_real_nodes import Bundle, Checks  # noqa: E402

CLUSTER = "ledger-e2e"  # the run scenario's cluster: its pods' nodeName are these nodes
NS, POD, CONTAINER = "ledger", "ledger-api-6d9f8b7c4-x2k9q", "ledger-api"
INSTANCES = 5           # five restarts: five instances ended, the pod waits in CrashLoopBackOff
DELETED_NS = "sandbox-7"
OLD_JOB_POD, NEW_JOB_POD = "schema-migrate-7hq2m", "schema-migrate-p4w8d"


def clusters_lines(recording):
    try:
        with open(os.path.join(recording, "clusters.jsonl")) as f:
            return [json.loads(line) for line in f if line.endswith("\n")]
    except OSError:
        return []


def seen(recording, event):
    return any(e.get("cluster") == CLUSTER and e.get("event") == event
               for e in clusters_lines(recording))


def play_script(cluster, scenario):
    """The run's scenario replaces the node's and kube-apiserver.service restarts with it."""
    cluster.engine.cli("cp", scenario, f"{cluster.control_plane}:/kind/scenario.json")
    cluster.exec(cluster.control_plane, "systemctl", "restart", "kube-apiserver.service")
    cluster.wait_apiserver()


def wait_played(cluster, seconds=90):
    """The script's last step deletes the namespace: the API server no longer lists it."""
    def gone():
        return DELETED_NS not in cluster_namespaces(cluster)
    engines.wait_for("the run's script to play", gone, seconds)


def cluster_namespaces(cluster):
    r = subprocess.run(["kubectl", "--kubeconfig", cluster.kubeconfig, "get", "ns", "-o", "name"],
                       capture_output=True, text=True, timeout=30)
    return r.stdout if r.returncode == 0 else DELETED_NS


def host_kubeconfig(cluster, out_dir):
    """admin.conf with the server at the published port, as `kind get kubeconfig` gives it."""
    text = cluster.exec(cluster.control_plane, "cat", "/etc/kubernetes/admin.conf").stdout
    text = text.replace(f"https://{cluster.control_plane}:6443",
                        f"https://127.0.0.1:{cluster.host_port()}")
    path = os.path.join(out_dir, "kubeconfig")
    with open(path, "w") as f:
        f.write(text)
    return path


def start_recorder(tool, env, out_dir):
    output = os.path.join(out_dir, "run.tar.gz")
    pid_file = os.path.join(out_dir, "record.pid")
    log = open(os.path.join(out_dir, "record.log"), "w")
    proc = subprocess.Popen([tool, "record", "--cluster", CLUSTER, "--output", output,
                             "--pid-file", pid_file, "--poll-interval", "1"],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    return proc, output, pid_file


def delete_cluster(cluster):
    cluster.exec(cluster.control_plane, "systemctl", "stop", "kube-apiserver.service", check=False)
    for node in cluster.nodes:
        cluster.engine.cli("rm", "-f", "-v", node)


def check_bundle(c, b):
    rec = ("recorded", "clusters", CLUSTER)
    logs = sorted(glob.glob(b.path(*rec, "logs", NS, POD, CONTAINER, "*.log")))
    texts = [open(p, errors="replace").read() for p in logs]
    c.check(f"every instance's log is kept ({INSTANCES} instances)", len(logs) >= INSTANCES,
            f"{len(logs)} instance logs: {[os.path.basename(p) for p in logs]}")
    for attempt in range(INSTANCES):
        c.check(f"instance {attempt}'s own lines are in the recording",
                any(f"attempt {attempt}" in t for t in texts), "no instance log holds them")
    deleted = b.read(*rec, "deleted", "pods.json") or ""
    c.check("the deleted namespace's pod is kept with when it was deleted",
            DELETED_NS in deleted and "deleted-at" in deleted, deleted[:300])
    c.check("the replaced Job pod is kept as deleted", OLD_JOB_POD in deleted, deleted[:300])
    namespaces = b.read(*rec, "deleted", "namespaces.json") or ""
    c.check("the deleted namespace itself is kept", DELETED_NS in namespaces, namespaces[:300])
    events = b.read(*rec, "history", "events.jsonl") or ""
    c.check("the deleted namespace's events are kept",
            any(DELETED_NS in line for line in events.splitlines()), "no event of " + DELETED_NS)
    c.check("the Job controller's replacement is recorded", NEW_JOB_POD in events, "no event")
    pods = b.read("clusters", CLUSTER, "lists", "pods.json") or ""
    c.check("the deleted cluster's last state is in the bundle (its pods list)",
            POD in pods and NEW_JOB_POD in pods, pods[:300])
    manifest = json.loads(b.read("manifest.json") or "{}")
    recorded = manifest.get("clusters", {}).get(CLUSTER, {}).get("recorded", {})
    c.check("the manifest says when the cluster was deleted",
            bool(recorded.get("deleted_at")) and recorded.get("reconstructed") is True, recorded)
    recording = manifest.get("recording", {})
    c.check("the manifest carries the recorder's CPU and memory",
            recording.get("cpu_user_seconds") is not None and recording.get("peak_rss_bytes"),
            recording)
    report = b.read("REPORT.md") or ""
    head = report[:4000]
    c.check("REPORT.md says the cluster was deleted",
            CLUSTER in report and "deleted" in report.lower(), head[:600])
    causes = head.split("## ", 2)[1] if "## " in head else head
    c.check("REPORT.md still names the crash loop as a root cause",
            "ledger-api" in causes and "crash" in causes.lower(), causes[:800])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--engine", choices=["docker", "podman"], required=True)
    p.add_argument("--tool", required=True)
    p.add_argument("--fake-apiserver", required=True)
    p.add_argument("--source", required=True)
    a = p.parse_args()
    cache = engines.node_cache()
    if shutil.which("kubectl") is None:
        print("SKIP: kubectl is not installed", flush=True)
        return 77
    started = time.monotonic()
    engine = (engines.Docker if a.engine == "docker" else engines.Podman)(cache)
    c = Checks()
    out_dir = tempfile.mkdtemp(prefix="kmg-record-out-")
    recorder = None
    try:
        try:
            image = engines.build_image(engine, a.source, a.fake_apiserver)
            cluster = engines.Cluster(engine, image, CLUSTER)
        except engines.Skip as e:
            print(f"SKIP: real nodes on {a.engine}: {e}", flush=True)
            return 77
        play_script(cluster, os.path.join(a.source, "tests/scenarios/run/record-run.json"))
        cluster.kubeconfig = host_kubeconfig(cluster, out_dir)
        env = dict(os.environ, **engine.tool_env())
        recorder, output, pid_file = start_recorder(a.tool, env, out_dir)
        recording = output + ".recording"
        engines.wait_for("the recorder to reach the cluster", lambda: seen(recording, "reachable"), 60)
        wait_played(cluster)
        time.sleep(3)  # the last changes reach the recording
        delete_cluster(cluster)
        engines.wait_for("the recorder to see the cluster go", lambda: seen(recording, "disappeared"), 60)
        stop = subprocess.run([a.tool, "record", "--stop", "--pid-file", pid_file],
                              capture_output=True, text=True, env=env, timeout=300)
        code = recorder.wait(timeout=300)
        print(f"# record --stop: exit {stop.returncode}; recorder exit {code}", flush=True)
        c.check("record --stop ends the recorder and a bundle is written",
                os.path.exists(output), (stop.stderr + open(os.path.join(out_dir, "record.log")).read())[-1500:])
        c.check("the recording folder is removed once the bundle is written",
                not os.path.exists(recording), recording)
        b = Bundle(output, code, 0, "")
        if b.top is not None:
            check_bundle(c, b)
    except (RuntimeError, subprocess.SubprocessError) as e:
        c.check("the recorded run played", False, str(e)[-1500:])
        log = os.path.join(out_dir, "record.log")
        if os.path.exists(log):
            print("# record.log: " + open(log).read()[-3000:].replace("\n", "\n# "), flush=True)
    finally:
        if recorder is not None and recorder.poll() is None:
            recorder.send_signal(signal.SIGKILL)
            recorder.wait()
        if not os.environ.get("KMG_KEEP_NODES"):
            engine.close()
            shutil.rmtree(out_dir, ignore_errors=True)
    print(f"# recorded run on {a.engine}: {time.monotonic() - started:.1f}s in all; "
          f"{len(c.failed)} check(s) failed", flush=True)
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
