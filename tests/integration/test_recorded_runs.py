#!/usr/bin/env python3
"""`kind-must-gather record` against the fake kube-apiserver playing a run (tests/scenarios/run/):

  outage: the API server goes away for three seconds and comes back with its watch history
          compacted; the recorder resumes (re-listing after 410 Gone) and records every change made
          before and after, each version once.
  killed: the recorder is killed with SIGKILL mid-run; `record --finish` turns what it left into a
          bundle holding everything recorded up to the kill.

    test_recorded_runs.py --tool KMG --fake-apiserver FAKE --source ROOT
Prints `ok`/`FAIL` per check; exit 1 when one failed."""
import argparse
import collections
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
# The checks and the waiting of the real-node tests (tests/nodes), one copy for both.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "nodes"))
from engines import wait_for  # noqa: E402
from test_real_nodes import Checks  # noqa: E402


class FakeCluster:
    def __init__(self, fake, scenario, work):
        self.kubeconfig = os.path.join(work, "kubeconfig")
        self.done = os.path.join(work, "script-done")
        ready = os.path.join(work, "ready")
        self.log = open(os.path.join(work, "apiserver.log"), "w")
        self.proc = subprocess.Popen(
            [fake, "--scenario", scenario, "--kubeconfig-out", self.kubeconfig, "--ready-file", ready,
             "--script-done-file", self.done, "--bookmark-interval-ms", "500"],
            stdout=self.log, stderr=subprocess.STDOUT)
        wait_for("the fake apiserver", lambda: os.path.exists(ready) and open(ready).read().strip(), 60)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)


def recorder(tool, kubeconfig, output, work):
    log = open(os.path.join(work, "record.log"), "w")
    return subprocess.Popen([tool, "record", "--no-kind", "--kubeconfig", kubeconfig, "--output",
                             output, "--pid-file", os.path.join(work, "record.pid")],
                            stdout=log, stderr=subprocess.STDOUT)


def recorded_lines(recording, cluster_dir_glob="*"):
    """Every complete ObjectChange line under the recording, by resource."""
    import glob
    lines = collections.defaultdict(list)
    for seg in sorted(glob.glob(os.path.join(recording, "clusters", cluster_dir_glob, "objects-*.jsonl"))):
        with open(seg) as f:
            for line in f:
                if line.endswith("\n"):
                    obj = json.loads(line)
                    lines[obj.get("resource", "LOG")].append(obj)
    return lines


def unpack(bundle, work):
    root = tempfile.mkdtemp(prefix="unpacked-", dir=work)
    with tarfile.open(bundle) as t:
        t.extractall(root, filter="data")
    return os.path.join(root, os.listdir(root)[0])


def history(top, cluster, name):
    import glob
    out = []
    for path in glob.glob(os.path.join(top, "recorded", "clusters", cluster, "history", name)):
        with open(path) as f:
            out += [json.loads(line) for line in f if line.strip()]
    return out


def test_outage(c, a, work):
    scenario = os.path.join(a.source, "tests/scenarios/run/outage-run.json")
    fake = FakeCluster(a.fake_apiserver, scenario, work)
    output = os.path.join(work, "outage.tar.gz")
    proc = recorder(a.tool, fake.kubeconfig, output, work)
    try:
        wait_for("the script to play", lambda: os.path.exists(fake.done), 90)
        time.sleep(3)
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=300)
        fake.stop()
    c.check("outage: the recorder stops on SIGTERM and writes a bundle", os.path.exists(output),
            f"exit {code}: " + open(os.path.join(work, "record.log")).read()[-1500:])
    if not os.path.exists(output):
        return
    top = unpack(output, work)
    cluster = os.listdir(os.path.join(top, "recorded", "clusters"))[0]
    pods = history(top, cluster, "pods.jsonl")
    labels = [(p["object"].get("metadata", {}).get("labels") or {}).get("phase-of-run") for p in pods]
    c.check("outage: the change before the outage is recorded", "before-outage" in labels, labels)
    c.check("outage: the change after the outage is recorded (the watch resumed)",
            "after-outage" in labels, labels)
    versions = collections.Counter(
        (p["object"]["metadata"].get("uid"), p["object"]["metadata"].get("resourceVersion"))
        for p in pods if p["type"] != "DELETED")
    dups = [k for k, n in versions.items() if n > 1]
    c.check("outage: no version of a pod is recorded twice", not dups, dups[:5])
    logs = []
    for dirpath, _, files in os.walk(os.path.join(top, "recorded", "clusters", cluster, "logs")):
        logs += [open(os.path.join(dirpath, f)).read() for f in files]
    c.check("outage: log lines from before and after the outage are kept",
            any("before the outage" in t for t in logs) and any("after the outage" in t for t in logs),
            f"{len(logs)} instance logs")


def test_killed(c, a, work):
    scenario = os.path.join(a.source, "tests/scenarios/run/record-run.json")
    fake = FakeCluster(a.fake_apiserver, scenario, work)
    output = os.path.join(work, "killed.tar.gz")
    recording = output + ".recording"
    proc = recorder(a.tool, fake.kubeconfig, output, work)
    try:
        def some_restarts():
            logs = recorded_lines(recording).get("LOG", [])
            return sum(1 for m in logs if m.get("state") == "open" and m.get("container") == "ledger-api") >= 3
        wait_for("three instances of ledger-api followed", some_restarts, 90)
        before = recorded_lines(recording)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        finish = subprocess.run([a.tool, "record", "--finish", recording, "--output", output,
                                 "--no-kind", "--kubeconfig", fake.kubeconfig],
                                capture_output=True, text=True, timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
        fake.stop()
    c.check("killed: record --finish writes a bundle from what the killed recorder left",
            os.path.exists(output), f"exit {finish.returncode}: {finish.stderr[-1500:]}")
    if not os.path.exists(output):
        return
    top = unpack(output, work)
    manifest = json.load(open(os.path.join(top, "manifest.json")))
    c.check("killed: the manifest says the recorder was killed",
            "killed" in str(manifest.get("recording", {}).get("stopped_at", "")), manifest.get("recording"))
    cluster = os.listdir(os.path.join(top, "recorded", "clusters"))[0]
    pods = history(top, cluster, "pods.jsonl")
    kept = {(p["type"], p["object"]["metadata"].get("resourceVersion")) for p in pods}
    lost = [(o["type"], o["object"]["metadata"].get("resourceVersion")) for o in before.get("pods", [])
            if (o["type"], o["object"]["metadata"].get("resourceVersion")) not in kept]
    c.check("killed: every pod version recorded before the kill is in the bundle",
            before.get("pods") and not lost, f"{len(lost)} lost: {lost[:5]}")
    logs = []
    for dirpath, _, files in os.walk(os.path.join(top, "recorded", "clusters", cluster, "logs")):
        logs += [open(os.path.join(dirpath, f)).read() for f in files]
    c.check("killed: the instances' logs recorded before the kill are in the bundle",
            all(any(f"attempt {i}" in t for t in logs) for i in range(2)), f"{len(logs)} logs")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tool", required=True)
    p.add_argument("--fake-apiserver", required=True)
    p.add_argument("--source", required=True)
    a = p.parse_args()
    c = Checks()
    for test in (test_outage, test_killed):
        work = tempfile.mkdtemp(prefix="kmg-recorded-")
        try:
            test(c, a, work)
        except RuntimeError as e:
            c.check(test.__name__, False, str(e))
            for name in ("record.log", "apiserver.log"):
                path = os.path.join(work, name)
                if os.path.exists(path):
                    print(f"# {name}: " + open(path).read()[-2000:].replace("\n", "\n# "), flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
