#!/usr/bin/env python3
"""Generates tests/scenarios/run/*.json: clusters whose life is played over time by the fake
kube-apiserver's "script" (tests/fake-apiserver/README.md), for the `record` tests.

record-run.json: a two-node Kind cluster "ledger-e2e" where, once the recorder is watching,
  - the ledger-api pod restarts five times (each instance logs its own attempt, then exits 2 on a
    refused database connection) and ends in CrashLoopBackOff: five previous instances;
  - the Job schema-migrate's pod fails and is replaced by a new pod, as the job controller does;
  - the namespace sandbox-7 is deleted with everything in it.
outage-run.json: a cluster "billing-e2e" whose API server goes away for three seconds and comes
  back with its watch history compacted (a watch resuming from an old resourceVersion gets 410
  Gone), with changes before and after: a recorder must re-list and resume without duplicates.
Names are this file's own. Run: python3 tests/scenarios/make_run.py"""

import datetime as dt
import os
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from make_classes import app, cluster  # noqa: E402
from scenario_lib import (  # noqa: E402
    container, cs_running, local_apiservices, namespace, namespace_furniture, pod, pod_conditions,
    pod_spec)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "run")
START = dt.datetime(2026, 3, 11, 14, 0, 0, tzinfo=dt.timezone.utc)
CRASH = "panic: failed to connect to database: dial tcp 10.96.14.3:5432: connect: connection refused"
RESTARTS = 5
FIRST_STEP_MS = 8000  # the recorder finds the cluster and lists it first


def job_pod(sc, ns, job, name, node, t):
    c = container("migrate", "docker.io/library/postgres:16-alpine",
                  command=["sh", "-c", "psql -f /migrations/all.sql"])
    spec = pod_spec([c], node, extra={"restartPolicy": "Never"})
    labels = {"batch.kubernetes.io/job-name": job["metadata"]["name"],
              "job-name": job["metadata"]["name"]}
    return pod(sc, ns, name, spec, t, owner=job, labels=labels,
               generate_name=job["metadata"]["name"] + "-",
               conditions=pod_conditions(sc, t + 0.5, ready=t + 3),
               statuses=[cs_running(sc, name, c, t + 2)], ip="10.244.1.77", start_time=t + 0.5)


def migrate_job(sc, ns, t):
    return sc.add({"apiVersion": "batch/v1", "kind": "Job",
                   "metadata": sc.meta("Job", "schema-migrate", ns, t),
                   "spec": {"backoffLimit": 6, "completions": 1, "parallelism": 1},
                   "status": {"active": 1, "startTime": sc.clock.ts(t)}})


def crash_steps(ns, pod_name):
    steps = []
    for attempt in range(RESTARTS):
        steps.append({"after_ms": FIRST_STEP_MS if attempt == 0 else 700, "op": "log",
                      "namespace": ns, "pod": pod_name, "container": "ledger-api",
                      "lines": [f"ledger-api starting, attempt {attempt}", CRASH]})
        steps.append({"after_ms": 500, "op": "restart", "namespace": ns, "pod": pod_name,
                      "container": "ledger-api", "exit_code": 2, "reason": "Error",
                      "state": "CrashLoopBackOff" if attempt == RESTARTS - 1 else "running"})
    return steps


def replace_job_pod(sc, ns, job, old, new):
    failed = {"status": {"phase": "Failed", "containerStatuses": [
        {**old["status"]["containerStatuses"][0], "ready": False, "started": False,
         "state": {"terminated": {"exitCode": 1, "reason": "Error",
                                  "containerID": old["status"]["containerStatuses"][0]["containerID"]}}}]}}
    created = {"apiVersion": "v1", "kind": "Event",
               "metadata": {"name": "schema-migrate.replaced", "namespace": ns},
               "involvedObject": {"apiVersion": "batch/v1", "kind": "Job", "namespace": ns,
                                  "name": job["metadata"]["name"], "uid": job["metadata"]["uid"]},
               "reason": "SuccessfulCreate", "message": f"Created pod: {new['metadata']['name']}",
               "source": {"component": "job-controller"}, "type": "Normal", "count": 1,
               "reportingComponent": "job-controller"}
    return [
        {"after_ms": 300, "op": "patch", "apiVersion": "v1", "kind": "Pod", "namespace": ns,
         "name": old["metadata"]["name"], "merge": failed},
        {"after_ms": 300, "op": "delete", "apiVersion": "v1", "kind": "Pod", "namespace": ns,
         "name": old["metadata"]["name"]},
        {"after_ms": 100, "op": "apply", "object": new},
        {"after_ms": 100, "op": "apply", "object": created},
    ]


def record_run():
    sc, node = cluster("ledger-e2e")
    ns = "ledger"

    def status(pod_name, c):
        return cs_running(sc, pod_name, c, 312)
    p, _ = app(sc, ns, "ledger-api", "docker.io/library/python:3.12-slim", node, "6d9f8b7c4",
               "x2k9q", status, ready=True)
    job = migrate_job(sc, ns, 320)
    old = job_pod(sc, ns, job, "schema-migrate-7hq2m", node, 320.2)
    replacement = dict(job_pod(sc, ns, job, "schema-migrate-p4w8d", node, 330))
    sc.objects.remove(replacement)  # created by the script, not there at the start
    namespace(sc, "sandbox-7", 330)
    namespace_furniture(sc, "sandbox-7", 330.4)
    app(sc, "sandbox-7", "echo", "docker.io/library/busybox:1.36", node, "5c8d7f9b6", "m3n8r",
        lambda pod_name, c: cs_running(sc, pod_name, c, 335), ready=True, t=333)
    local_apiservices(sc)
    doc = sc.document()
    doc["script"] = crash_steps(ns, p["metadata"]["name"]) + \
        replace_job_pod(sc, ns, job, old, replacement) + \
        [{"after_ms": 500, "op": "delete-namespace", "name": "sandbox-7"}]
    sc.document = lambda: doc
    os.makedirs(OUT, exist_ok=True)
    sc.write(os.path.join(OUT, "record-run.json"))


def outage_run():
    sc, node = cluster("billing-e2e")
    ns = "billing"
    p, _ = app(sc, ns, "invoicer", "docker.io/library/python:3.12-slim", node, "7f6c5d8b9",
               "r5t2w", lambda pod_name, c: cs_running(sc, pod_name, c, 312), ready=True)
    local_apiservices(sc)
    name = p["metadata"]["name"]
    doc = sc.document()
    doc["script"] = [
        {"after_ms": 4000, "op": "log", "namespace": ns, "pod": name, "container": "invoicer",
         "lines": ["invoicer ready, before the outage"]},
        {"after_ms": 300, "op": "patch", "apiVersion": "v1", "kind": "Pod", "namespace": ns,
         "name": name, "merge": {"metadata": {"labels": {"phase-of-run": "before-outage"}}}},
        {"after_ms": 1000, "op": "outage", "seconds": 3, "compact": True},
        {"after_ms": 4000, "op": "patch", "apiVersion": "v1", "kind": "Pod", "namespace": ns,
         "name": name, "merge": {"metadata": {"labels": {"phase-of-run": "after-outage"}}}},
        {"after_ms": 300, "op": "restart", "namespace": ns, "pod": name, "container": "invoicer",
         "exit_code": 1, "reason": "Error"},
        {"after_ms": 300, "op": "log", "namespace": ns, "pod": name, "container": "invoicer",
         "lines": ["invoicer ready, after the outage"]},
    ]
    sc.document = lambda: doc
    sc.write(os.path.join(OUT, "outage-run.json"))


if __name__ == "__main__":
    record_run()
    outage_run()
