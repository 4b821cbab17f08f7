#!/usr/bin/env python3
"""Benchmark `kind-must-gather record` while clusters churn, against kubectl watchers in the same run.

N fake kube-apiservers (one per cluster) each keep P pods churning: log lines appended, pods
restarted and replaced (the fake's --churn-pods/--churn-interval-ms). Two contenders watch them
for the same wall time, one after the other:
  (a) kind-must-gather record --duration D over every cluster (lists, watches of every kind it
      records, every container instance's log followed, all written to disk);
  (b) what a CI script does today: per cluster `kubectl get pods -A -w -o json` and
      `kubectl get events -A -w -o json` (no logs at all), 2 processes per cluster.
Reports CPU as a share of one core over the recording's wall time and peak RSS (for (b) the sum
over its concurrent processes), the recorder's own figures from stopped.json, and the ratios.
The issue's ceilings for (a): peak RSS under 150 MB and CPU under 5% of one core on average.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in ci/
from bench import FakeApiserver, machine, write_results  # noqa: E402


def children_usage(proc):
    _, status, usage = os.wait4(proc.pid, 0)
    return os.waitstatus_to_exitcode(status), usage


def contender_a(build, clusters, out, seconds):
    bundle = os.path.join(out, "recorded.tar.gz")
    cmd = [os.path.join(build, "src/app/kind-must-gather"), "record", "--no-kind",
           "--output", bundle, "--duration", f"{seconds}s"]
    for c in clusters:
        cmd += ["--kubeconfig", c.kubeconfig]
    start = time.monotonic()
    with open(os.path.join(out, "a.stderr"), "w") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        rc, usage = children_usage(proc)
    wall = time.monotonic() - start
    stopped = {}
    manifest = read_manifest(bundle)
    recording = manifest.get("recording") or {}
    for key in ("wall_seconds", "cpu_user_seconds", "cpu_system_seconds", "peak_rss_bytes"):
        if key in recording:
            stopped[key] = recording[key]
    rec_wall = stopped.get("wall_seconds") or seconds
    rec_cpu = stopped.get("cpu_user_seconds", 0) + stopped.get("cpu_system_seconds", 0)
    return {"rc": rc, "wall_total": wall, "cpu_total": usage.ru_utime + usage.ru_stime,
            "rss_mib": usage.ru_maxrss / 1024.0, "recording": recording,
            "cpu_share": rec_cpu / rec_wall if rec_wall else None,
            "recording_rss_mib": stopped.get("peak_rss_bytes", 0) / (1 << 20),
            "bytes": os.path.getsize(bundle) if os.path.exists(bundle) else 0,
            "stderr": open(os.path.join(out, "a.stderr")).read()[-2000:]}


def read_manifest(bundle):
    import tarfile
    if not os.path.exists(bundle):
        return {}
    with tarfile.open(bundle) as tar:
        for member in tar:
            if member.name.endswith("/manifest.json") and member.name.count("/") == 1:
                return json.load(tar.extractfile(member))
    return {}


def proc_rss_mib(pid):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


def contender_b(clusters, out, seconds, kubectl):
    procs = []
    for i, c in enumerate(clusters):
        for what in ("pods", "events"):
            f = open(os.path.join(out, f"b-{i}-{what}.json"), "w")
            procs.append(subprocess.Popen(
                [kubectl, "--kubeconfig", c.kubeconfig, "get", what, "-A", "-w", "-o", "json"],
                stdout=f, stderr=subprocess.DEVNULL))
    start = time.monotonic()
    rss = {}
    while time.monotonic() - start < seconds:
        for p in procs:
            rss[p.pid] = max(rss.get(p.pid, 0.0), proc_rss_mib(p.pid))
        time.sleep(0.5)
    cpu = 0.0
    for p in procs:
        p.send_signal(signal.SIGTERM)
        _, usage = children_usage(p)
        cpu += usage.ru_utime + usage.ru_stime
    wall = time.monotonic() - start
    return {"cpu_share": cpu / wall, "rss_mib": sum(rss.values()), "processes": len(procs),
            "bytes": sum(os.path.getsize(os.path.join(out, n)) for n in os.listdir(out)
                         if n.startswith("b-"))}


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default="build-bench")
    p.add_argument("--clusters", type=int, default=4)
    p.add_argument("--pods", type=int, default=100)
    p.add_argument("--interval-ms", type=int, default=200, help="churn step of each cluster")
    p.add_argument("--seconds", type=int, default=60)
    p.add_argument("--smoke", action="store_true", help="2 clusters x 10 pods for 5 s")
    p.add_argument("--out", default="bench-results")
    args = p.parse_args()
    if args.smoke:
        args.clusters, args.pods, args.seconds = 2, 10, 5
    kubectl = shutil.which("kubectl")
    work = tempfile.mkdtemp(prefix="kmg-bench-record-")
    os.environ["KUBECACHEDIR"] = os.path.join(work, "kube-cache")
    clusters = [FakeApiserver(args.build, os.path.join(work, f"churn{i}"),
                              ["--churn-pods", str(args.pods), "--churn-interval-ms",
                               str(args.interval_ms)], name=f"churn{i}")
                for i in range(args.clusters)]
    try:
        out_a = os.path.join(work, "a")
        os.makedirs(out_a)
        a = contender_a(args.build, clusters, out_a, args.seconds)
        b = None
        if kubectl:
            out_b = os.path.join(work, "b")
            os.makedirs(out_b)
            b = contender_b(clusters, out_b, args.seconds, kubectl)
    finally:
        for c in clusters:
            c.stop()
    summary = {"clusters": args.clusters, "pods": args.pods, "interval_ms": args.interval_ms,
               "seconds": args.seconds, "machine": machine(), "a": {k: v for k, v in a.items() if k != "stderr"},
               "b": b}
    if a["rc"] != 0:
        print("record failed:", a["stderr"], file=sys.stderr)
    stem = os.path.join(args.out, "bench-record" + ("-smoke" if args.smoke else ""))
    write_results(stem, summary, markdown(summary))
    shutil.rmtree(work, ignore_errors=True)
    if a["rc"] not in (0, 3) or not a["recording"]:
        sys.exit("record did not leave a bundle with its recording record")


def markdown(s):
    a, b = s["a"], s["b"]
    lines = [f"{s['clusters']} clusters x {s['pods']} churning pods (a step every "
             f"{s['interval_ms']} ms per cluster), {s['seconds']} s of recording.", "",
             "| tool | CPU (share of one core) | peak RSS (MiB) | output bytes |", "|---|---|---|---|",
             f"| (a) kind-must-gather record (watches + every log) | {a['cpu_share']:.3f} | "
             f"{a['recording_rss_mib']:.1f} | {a['bytes']} |"]
    if b:
        lines.append(f"| (b) kubectl get -w pods + events ({b['processes']} processes, no logs) | "
                     f"{b['cpu_share']:.3f} | {b['rss_mib']:.1f} (sum) | {b['bytes']} |")
        if b["cpu_share"]:
            lines += ["", f"CPU (a)/(b): {a['cpu_share'] / b['cpu_share']:.2f}; "
                      f"RSS (a)/(b): {a['recording_rss_mib'] / b['rss_mib']:.2f}"]
    lines.append(f"\nWhole command with the final gather: {a['wall_total']:.1f} s wall, "
                 f"{a['cpu_total']:.2f} s CPU, peak RSS {a['rss_mib']:.1f} MiB.")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
