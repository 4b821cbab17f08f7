#!/usr/bin/env python3
"""Real clusters nobody here wrote, through the whole tool: corpus_scenarios.py turns captures from
../shared/corpus (a kURL support bundle, a Kind cluster captured by Sonobuoy, troubleshoot's
analyzer fixtures) into scenarios; the fake kube-apiserver serves each, the real binary gathers it
through a kubeconfig, and report.json must hold the failures those captures are known to show
(corpus/INDEX.md) and no finding on the pods known to be healthy.

usage: test_corpus_report.py KIND_MUST_GATHER FAKE_APISERVER CORPUS_DIR"""
import glob
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus_scenarios  # noqa: E402

# (scenario, detector, words in the finding's id) that must be found.
EXPECTED = [
    ("corpus-sbctl", "crash-loop", "velero"),  # unknown command "server-junk", induced
    ("corpus-sonobuoy", "node-network-not-ready", "kind-worker"),  # cni config uninitialized
    ("corpus-sonobuoy", "unschedulable", "coredns"),  # behind the not-ready taint
    ("corpus-troubleshoot", "image-pull", "no-image-deployment"),
    ("corpus-troubleshoot", "oom-killed", "memory-eater"),
    ("corpus-troubleshoot", "unschedulable", "kotsadm"),
    ("corpus-troubleshoot", "unschedulable", "pending-pod-resources"),
    ("corpus-troubleshoot", "mount-failure", "copyfromhost"),
    ("corpus-troubleshoot", "crash-loop", "init-demo"),
]
# Pods that run and are ready in the captures: nothing may be said about them.
HEALTHY_NAMESPACES = {"corpus-sbctl": ["longhorn-system", "minio", "projectcontour", "kurl"],
                      "corpus-sonobuoy": ["sonobuoy", "local-path-storage"]}


def gather(tool, fake, scenario, work):
    kubeconfig, ready = os.path.join(work, "kc"), os.path.join(work, "ready")
    server = subprocess.Popen([fake, "--kubeconfig-out", kubeconfig, "--scenario", scenario,
                               "--ready-file", ready], stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if os.path.exists(ready):
                break
            time.sleep(0.1)
        bundle = os.path.join(work, "bundle.tar.gz")
        subprocess.run([tool, "--no-kind", "--quiet", "--kubeconfig", kubeconfig, "--timeout",
                        "2m", "--output", bundle], check=False, timeout=300)
    finally:
        server.terminate()
        server.wait()
    with tarfile.open(bundle) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("/report.json"))
        return json.load(tar.extractfile(member))


def main():
    tool, fake, corpus = sys.argv[1:4]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in corpus_scenarios.write_all(corpus, tmp, report_set=True):
            name = os.path.basename(path)[:-len(".json")]
            work = os.path.join(tmp, name)
            os.makedirs(work)
            report = gather(tool, fake, path, work)
            ids = [(f["detector"], f["id"]) for f in report["findings"]]
            print(f"{name}: {report['verdict']}")
            for detector, fid in ids:
                print(f"  {detector}: {fid}")
            for scen, detector, words in EXPECTED:
                if scen == name and not any(d == detector and words in i for d, i in ids):
                    failures.append(f"{name}: no {detector} finding on {words}")
            for ns in HEALTHY_NAMESPACES.get(name, []):
                for detector, fid in ids:
                    if f"/{ns}/" in fid:
                        failures.append(f"{name}: unexpected finding {fid} in healthy {ns}")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
