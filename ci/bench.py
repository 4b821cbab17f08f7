#!/usr/bin/env python3
"""Benchmark kind-must-gather against its peers on one synthetic cluster, in one run.

Contenders, run alternately, several times each; every one ends with one compressed archive:
  (a) kind-must-gather, gathering everything (its default .tar.gz);
  (b) kubectl cluster-info dump --all-namespaces --output-directory, then tar czf;
  (c) a CI-style script: kubectl get ... -o yaml, kubectl describe pod, kubectl logs (and --previous)
      per pod, then tar czf;
  (d) the floor: every URL (a) fetched, fetched by one curl --parallel process, then tar czf.
Reports wall time (median), CPU time, peak RSS, requests, bytes, and ratios to (a), as JSON and a
Markdown table. Loopback only.
"""
import argparse
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

SIZES = {
    # a typical Kind e2e cluster
    "small": "namespaces=3,pods=10,containers=1,events=5,crs=20,logbytes=16384",
    "medium": "namespaces=20,pods=50,containers=2,events=10,crs=1000,logbytes=65536",
}


def parse_size(text):
    units = {"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "B": 1}
    for unit, factor in units.items():
        if text.endswith(unit):
            return int(float(text[: -len(unit)]) * factor)
    return int(text)


class FakeApiserver:
    """The fake kube-apiserver serving cluster `name` from `work`, started with `args` (its
    scenario flags: --synthetic, --churn-pods...); ready when it has written its port."""

    def __init__(self, build, work, args, name="bench"):
        os.makedirs(work, exist_ok=True)
        self.kubeconfig = os.path.join(work, "kubeconfig")
        ready = os.path.join(work, "port")
        log = os.path.join(work, "apiserver.log")
        self.proc = subprocess.Popen(
            [os.path.join(build, "tests/fake-apiserver/fake-apiserver"), "--cluster-name", name,
             "--kubeconfig-out", self.kubeconfig, "--ready-file", ready] + list(args),
            stdout=subprocess.DEVNULL, stderr=open(log, "w"))
        for _ in range(600):
            if os.path.exists(ready) and open(ready).read().strip():
                break
            if self.proc.poll() is not None:
                sys.exit(f"fake-apiserver {name} exited: " + open(log).read()[-2000:])
            time.sleep(0.1)
        else:
            sys.exit(f"fake-apiserver {name} not ready after 60 s")
        self.port = int(open(ready).read().strip())

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def write_results(stem, summary, table):
    """STEM.json and STEM.md (the table), and the table on stdout."""
    os.makedirs(os.path.dirname(stem), exist_ok=True)
    with open(stem + ".json", "w") as f:
        json.dump(summary, f, indent=1)
    with open(stem + ".md", "w") as f:
        f.write(table)
    print(table)


def run_measured(cmd, env=None, cwd=None, shell=False):
    """Runs a command; returns wall seconds, CPU seconds and peak RSS (MiB) of its process tree.

    os.wait4 gives this command's own usage: Linux folds in the descendants it waited for, and
    ru_maxrss is then the largest single process of the tree (kubectl, curl or tar), not the sum.
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, shell=shell, stdout=out, stderr=err,
                                text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mib": usage.ru_maxrss / 1024.0,
            "rc": proc.returncode, "stderr": stderr[-2000:], "stdout": stdout}


def tree_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            total += os.path.getsize(os.path.join(root, f))
    return total


def kubectl_requests(stderr):
    return sum(1 for line in stderr.splitlines() if " GET https://" in line or "GET https://" in line)


def contender_a(build, api, out, concurrency):
    bundle = os.path.join(out, "a.tar.gz")
    urls = os.path.join(out, "a-urls.txt")
    cmd = [os.path.join(build, "src/app/kind-must-gather"), "--no-kind", "--kubeconfig",
           api.kubeconfig, "--output", bundle, "--concurrency", str(concurrency), "--exit-zero",
           "--quiet", "--record-requests", urls]
    r = run_measured(cmd)
    r["requests"] = sum(1 for _ in open(urls)) if os.path.exists(urls) else 0
    r["bytes"] = os.path.getsize(bundle) if os.path.exists(bundle) else 0
    r["urls"] = urls
    return r


def contender_b(api, out, kubectl):
    d = os.path.join(out, "b")
    script = (f"{kubectl} --kubeconfig {api.kubeconfig} cluster-info dump --all-namespaces "
              f"--output-directory {d} -v=6 2>{out}/b-verbose.log >/dev/null && "
              f"tar czf {out}/b.tar.gz -C {out} b")
    r = run_measured(script, shell=True)
    r["requests"] = kubectl_requests(open(os.path.join(out, "b-verbose.log")).read())
    r["bytes"] = os.path.getsize(os.path.join(out, "b.tar.gz")) if os.path.exists(os.path.join(out, "b.tar.gz")) else 0
    return r


CI_SCRIPT = r"""
set -u
K="{kubectl} --kubeconfig {kubeconfig} -v=6"
D={out}/c
mkdir -p $D
for r in nodes namespaces pods services deployments replicasets statefulsets daemonsets jobs events configmaps crd; do
  $K get $r -A -o yaml > $D/$r.yaml 2>>{out}/c-verbose.log
done
$K get pods -A -o jsonpath='{{range .items[*]}}{{.metadata.namespace}} {{.metadata.name}}{{"\n"}}{{end}}' 2>>{out}/c-verbose.log |
while read ns pod; do
  mkdir -p $D/$ns/$pod
  $K describe pod -n $ns $pod > $D/$ns/$pod/describe.txt 2>>{out}/c-verbose.log
  $K logs -n $ns $pod --all-containers --timestamps > $D/$ns/$pod/logs.txt 2>>{out}/c-verbose.log
  $K logs -n $ns $pod --all-containers --previous > $D/$ns/$pod/previous.txt 2>>{out}/c-verbose.log
done
tar czf {out}/c.tar.gz -C {out} c
"""


def contender_c(api, out, kubectl):
    script = CI_SCRIPT.format(kubectl=kubectl, kubeconfig=api.kubeconfig, out=out)
    r = run_measured(["bash", "-c", script])
    log = os.path.join(out, "c-verbose.log")
    r["requests"] = kubectl_requests(open(log).read()) if os.path.exists(log) else 0
    tgz = os.path.join(out, "c.tar.gz")
    r["bytes"] = os.path.getsize(tgz) if os.path.exists(tgz) else 0
    return r


def contender_d(api, out, urls_file, concurrency):
    """The floor: the same URLs, one curl process, N in parallel, then tar czf."""
    d = os.path.join(out, "d")
    os.makedirs(d, exist_ok=True)
    cfg = os.path.join(out, "d-curl.cfg")
    certs = write_client_certs(api.kubeconfig, out)
    base = f"https://127.0.0.1:{api.port}"
    with open(cfg, "w") as f:
        for i, url in enumerate(open(urls_file)):
            url = url.strip()
            if not url:
                continue
            f.write(f'url = "{base}{url}"\noutput = "{d}/{i}"\n')
    cmd = (f"curl --silent --parallel --parallel-max {concurrency} --cacert {certs['ca']} "
           f"--cert {certs['cert']} --key {certs['key']} --config {cfg} && tar czf {out}/d.tar.gz -C {out} d")
    r = run_measured(cmd, shell=True)
    r["requests"] = sum(1 for line in open(urls_file) if line.strip())
    r["bytes"] = os.path.getsize(os.path.join(out, "d.tar.gz")) if os.path.exists(os.path.join(out, "d.tar.gz")) else 0
    return r


def write_client_certs(kubeconfig, out):
    """Extracts the kind-style embedded credentials into PEM files for curl."""
    import base64
    fields = {}
    for line in open(kubeconfig):
        line = line.strip()
        for key in ("certificate-authority-data", "client-certificate-data", "client-key-data"):
            if line.startswith(key + ":"):
                fields[key] = base64.b64decode(line.split(":", 1)[1].strip())
    paths = {"ca": os.path.join(out, "ca.pem"), "cert": os.path.join(out, "client.pem"),
             "key": os.path.join(out, "client-key.pem")}
    for name, key in (("ca", "certificate-authority-data"), ("cert", "client-certificate-data"),
                      ("key", "client-key-data")):
        with open(paths[name], "wb") as f:
            f.write(fields[key])
    return paths


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default="build-bench")
    p.add_argument("--size", choices=sorted(SIZES), default="medium")
    p.add_argument("--logs", default=None, help="log bytes per container, e.g. 1MiB")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--latency-ms", type=int, default=2)
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--skip", default="", help="contenders to skip, e.g. c")
    p.add_argument("--smoke", action="store_true", help="tiny cluster, one run: keeps the script working")
    p.add_argument("--out", default="bench-results")
    p.add_argument("--report-only", metavar="SIZE", default=None,
                   help="benchmark the report alone over a bundle holding SIZE of logs, e.g. 1GiB")
    args = p.parse_args()
    if args.report_only:
        return report_only(args)

    synthetic = SIZES[args.size]
    if args.smoke:
        synthetic = "namespaces=1,pods=3,containers=1,events=2,crs=3,logbytes=1024"
        args.runs = 1
    if args.logs:
        synthetic = ",".join(kv for kv in synthetic.split(",") if not kv.startswith("logbytes=")) + \
            f",logbytes={parse_size(args.logs)}"
    kubectl = shutil.which("kubectl")
    skip = set(args.skip)
    if not kubectl:
        print("kubectl not found: skipping (b) and (c)", file=sys.stderr)
        skip |= {"b", "c"}

    work = tempfile.mkdtemp(prefix="kmg-bench-")
    os.environ["KUBECACHEDIR"] = os.path.join(work, "kube-cache")
    api = FakeApiserver(args.build, work, ["--synthetic", synthetic, "--latency-ms", str(args.latency_ms)])
    results = {k: [] for k in "abcd" if k not in skip}
    try:
        for run in range(args.runs):
            out = os.path.join(work, f"run{run}")
            os.makedirs(out)
            a = contender_a(args.build, api, out, args.concurrency)
            results["a"].append(a)
            if a["rc"] != 0:
                print("kind-must-gather failed:", a["stderr"], file=sys.stderr)
            if "b" in results:
                results["b"].append(contender_b(api, out, kubectl))
            if "c" in results:
                results["c"].append(contender_c(api, out, kubectl))
            if "d" in results:
                results["d"].append(contender_d(api, out, a["urls"], args.concurrency))
            for k, rs in results.items():
                r = rs[-1]
                print(f"run {run} ({k}): {r['wall']:.2f}s wall, {r['cpu']:.2f}s cpu, "
                      f"{r['requests']} requests, {r['bytes']} bytes", file=sys.stderr)
            shutil.rmtree(out, ignore_errors=True)
    finally:
        api.stop()

    names = {"a": "kind-must-gather", "b": "kubectl cluster-info dump + tar",
             "c": "kubectl script (get/describe/logs) + tar", "d": "floor: curl --parallel + tar"}
    summary = {"size": "smoke" if args.smoke else args.size, "synthetic": synthetic,
               "latency_ms": args.latency_ms, "runs": args.runs, "machine": machine(), "tools": {}}
    a_wall = statistics.median(r["wall"] for r in results["a"])
    for k, rs in results.items():
        wall = statistics.median(r["wall"] for r in rs)
        summary["tools"][k] = {
            "name": names[k], "wall_s": round(wall, 3),
            "cpu_s": round(statistics.median(r["cpu"] for r in rs), 3),
            "requests": rs[-1]["requests"], "bytes": rs[-1]["bytes"],
            "ratio_to_a": round(wall / a_wall, 2) if a_wall > 0 else None,
            "peak_rss_mib": round(max(r["rss_mib"] for r in rs), 1),
        }
    stem = os.path.join(args.out, f"bench-{summary['size']}" + (f"-logs{args.logs}" if args.logs else ""))
    write_results(stem, summary, markdown(summary))
    shutil.rmtree(work, ignore_errors=True)


LOG_LINES = [
    "{ts} INFO  http: GET /api/v1/orders/{n} 200 {ms}.{n3}ms user={n2} trace={hex}",
    "{ts} DEBUG cache: hit key=order:{n} ttl=300s shard={n3}",
    "{ts} INFO  worker: processed batch {n} of {n2} items in {ms}ms",
    "{ts} WARN  pool: 7 of 8 connections busy, waited {ms}ms for one",
    "{ts} ERROR db: failed to connect to postgres.db.svc:5432: dial tcp 10.96.{n3}.12:5432: "
    "connect: connection refused (attempt {n2})",
    "{ts} INFO  http: POST /api/v1/payments/{n} 201 {ms}.{n3}ms",
    "E{ts} reconciler.go:{n3}] Reconciler error: Operation cannot be fulfilled on widgets "
    "\"w-{n}\": the object has been modified; please apply your changes to the latest version",
]


def log_block(seed, size):
    """size bytes of realistic log text: mostly INFO, ~1 in 7 lines an error, varying numbers."""
    lines, total, i = [], 0, seed
    while total < size:
        i += 1
        t = LOG_LINES[i % len(LOG_LINES)].format(
            ts=f"2026-11-23T10:{(i // 60) % 60:02d}:{i % 60:02d}.{i % 1000000:06d}Z", n=i * 7919 % 100000,
            n2=i % 97, n3=i % 251, ms=i % 900, hex=f"{i * 2654435761 % (1 << 32):08x}")
        lines.append(t)
        total += len(t) + 1
    return ("\n".join(lines) + "\n").encode()


def report_only(args):
    """The analysis alone: `kind-must-gather report` over a folder bundle whose container logs
    hold SIZE bytes in all, pinned to one core (taskset) since the scan is one pass."""
    target = parse_size(args.report_only)
    work = tempfile.mkdtemp(prefix="kmg-bench-report-")
    api = FakeApiserver(args.build, work, ["--synthetic", SIZES["small"], "--latency-ms", "0"])
    exe = os.path.join(args.build, "src/app/kind-must-gather")
    bundle = os.path.join(work, "bundle") + "/"
    try:
        subprocess.run([exe, "--no-kind", "--kubeconfig", api.kubeconfig, "--output", bundle,
                        "--exit-zero", "--quiet"], check=True, stdout=subprocess.DEVNULL)
    finally:
        api.stop()
    logs = [os.path.join(root, f) for root, _, files in os.walk(bundle) for f in files
            if f.endswith(".log") and os.sep + "logs" + os.sep in os.path.join(root, f)]
    if not logs:
        sys.exit("no container logs in the gathered bundle")
    per_file = target // len(logs)
    block = log_block(0, 4 << 20)
    for path in logs:
        with open(path, "wb") as f:
            left = per_file
            while left > 0:
                f.write(block[:left])
                left -= min(left, len(block))
    log_bytes = sum(os.path.getsize(p) for p in logs)
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    runs = []
    for run in range(args.runs):
        r = run_measured(pin + [exe, "report", bundle, "--output-dir", os.path.join(work, f"r{run}")])
        if r["rc"] != 0:
            sys.exit("report failed: " + r["stderr"])
        runs.append(r)
        print(f"report run {run}: {r['wall']:.2f}s wall, {r['cpu']:.2f}s cpu, "
              f"{r['rss_mib']:.0f} MiB", file=sys.stderr)
    wall = statistics.median(r["wall"] for r in runs)
    summary = {"size": "report-only", "log_bytes": log_bytes, "log_files": len(logs),
               "runs": args.runs, "machine": machine(), "one_core": bool(pin),
               "wall_s": round(wall, 3), "cpu_s": round(statistics.median(r["cpu"] for r in runs), 3),
               "peak_rss_mib": round(max(r["rss_mib"] for r in runs), 1),
               "mb_per_s": round(log_bytes / 1e6 / wall, 1)}
    stem = os.path.join(args.out, f"bench-report-{args.report_only}")
    table = (f"Report only: `kind-must-gather report` over {log_bytes / (1 << 30):.2f} GiB of logs in "
             f"{len(logs)} files{', pinned to one core' if pin else ''}, median of {args.runs} runs, "
             f"{summary['machine']['cpus']} × {summary['machine']['cpu']}.\n\n"
             "| wall (s) | CPU (s) | scan rate (MB/s) | peak RSS (MiB) |\n|---|---|---|---|\n"
             f"| {summary['wall_s']} | {summary['cpu_s']} | {summary['mb_per_s']} | "
             f"{summary['peak_rss_mib']} |\n")
    write_results(stem, summary, table)
    shutil.rmtree(work, ignore_errors=True)


def machine():
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu": cpu}


def markdown(s):
    lines = [f"Size `{s['size']}` ({s['synthetic']}), {s['latency_ms']} ms API latency, median of "
             f"{s['runs']} runs, {s['machine']['cpus']} × {s['machine']['cpu']}.", "",
             "| tool | wall (s) | × (a) | CPU (s) | requests | archive bytes | peak RSS (MiB) |",
             "|---|---|---|---|---|---|---|"]
    for k, t in s["tools"].items():
        lines.append(f"| ({k}) {t['name']} | {t['wall_s']} | {t['ratio_to_a']} | {t['cpu_s']} | "
                     f"{t['requests']} | {t['bytes']} | {t.get('peak_rss_mib', '')} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
