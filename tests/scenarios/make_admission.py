#!/usr/bin/env python3
"""Failure-class scenarios of the admission family (classes/admission-*.json): pods a controller
cannot create (ResourceQuota, LimitRange, PodSecurity, a missing ServiceAccount, a terminating
namespace, an admission webhook that denies or cannot be called), CronJobs that fail or miss their
schedule, and an HPA without metrics. Messages are the API server's and controllers' own
(plugin/pkg/admission/*, apiserver webhook errors, pkg/controller/cronjob, podautoscaler).
Deterministic: python3 tests/scenarios/make_admission.py rewrites the same bytes."""

import datetime as dt
import os

from scenario_lib import (Scenario, available, cs_running, condition, container, deployment,
                          endpoints, kind_base, local_apiservices, namespace, namespace_furniture,
                          pod, pod_conditions, pod_spec, pod_template, port, progressing,
                          pulled_image, service)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "classes")
IMAGE = "registry.k8s.io/e2e-test-images/agnhost:2.53"


def base(name, cluster, start_hour):
    sc = Scenario(name, cluster, dt.datetime(2026, 3, 2, start_hour, 0, 0, tzinfo=dt.timezone.utc))
    sc.nodes_taint_control_plane = False
    sc.gather_at = 1500
    kind_base(sc, [(f"{cluster}-control-plane", "control-plane", "172.18.0.4", "10.244.0.0/24",
                    12, 42, [pulled_image(IMAGE, 51257611)], 16329236)], startup_warnings=False)
    return sc


def app_ns(sc, ns, t=300, labels=None):
    namespace(sc, ns, t, labels)
    namespace_furniture(sc, ns, t + 0.4)


def spec_of(sc, name, sa="default", **kw):
    c = container(name, IMAGE, args=["netexec", "--http-port=8080"],
                  resources=kw.pop("resources", {"requests": {"cpu": "100m", "memory": "64Mi"}}),
                  **kw)
    return pod_spec([c], f"{sc.cluster}-control-plane", sa=sa)


def replica_failure(t, message):
    return {"lastTransitionTime": t, "message": message, "reason": "FailedCreate",
            "status": "True", "type": "ReplicaFailure"}


def blocked_deployment(sc, ns, name, rs_hash, message, count, t=400):
    """A Deployment none of whose pods the API server accepts: FailedCreate events on its
    ReplicaSet and ReplicaFailure on both, as the controllers record them."""
    pod_name = f"{name}-{rs_hash}-"
    ts = sc.clock.ts
    d, rs = deployment(sc, ns, name, t, 2, {"app": name}, spec_of(sc, name), [
        available(ts(t), ok=False),
        replica_failure(ts(t + 0.3), f'pods "{pod_name}x8k2p" is forbidden: {message}'),
        progressing(ts(t), f"{name}-{rs_hash}", "progressing", ts(t + 0.3))],
        {"replicas": 0, "unavailableReplicas": 2}, rs_hash)
    rs["status"] = {"conditions": [replica_failure(ts(t + 0.3),
                                                   f'pods "{pod_name}x8k2p" is forbidden: '
                                                   f'{message}')],
                    "observedGeneration": 1, "replicas": 0}
    sc.event(rs, "FailedCreate", f'Error creating: pods "{pod_name}x8k2p" is forbidden: {message}',
             t + 0.3, t + 900, count, "Warning", "replicaset-controller")
    return d, rs


def expect(sc, roots, verdict=(), absent=()):
    local_apiservices(sc)  # last, as make_seed.py does
    doc = sc.document()
    doc["expect"] = {"root_detectors": list(roots), "verdict_contains": list(verdict),
                     "absent_detectors": list(absent)}
    return doc


def quota():
    sc = base("admission-quota", "billing-ci", 8)
    app_ns(sc, "billing")
    sc.add({"apiVersion": "v1", "kind": "ResourceQuota",
            "metadata": sc.meta("ResourceQuota", "billing-compute", "billing", 301),
            "spec": {"hard": {"requests.cpu": "1", "pods": "4"}},
            "status": {"hard": {"pods": "4", "requests.cpu": "1"},
                       "used": {"pods": "3", "requests.cpu": "950m"}}})
    blocked_deployment(sc, "billing", "invoicer", "6d8f7b9c5d",
                       "exceeded quota: billing-compute, requested: requests.cpu=100m, used: "
                       "requests.cpu=950m, limited: requests.cpu=1", 17)
    return expect(sc, ["quota-exceeded"], ["billing-compute"], ["pods-not-created"])


def limitrange():
    sc = base("admission-limitrange", "ledger-e2e", 9)
    app_ns(sc, "finance")
    sc.add({"apiVersion": "v1", "kind": "LimitRange",
            "metadata": sc.meta("LimitRange", "container-bounds", "finance", 301),
            "spec": {"limits": [{"default": {"memory": "256Mi"},
                                 "defaultRequest": {"memory": "128Mi"},
                                 "max": {"memory": "512Mi"}, "type": "Container"}]}})
    spec = spec_of(sc, "ledger-db", resources={"limits": {"memory": "1Gi"},
                                               "requests": {"memory": "512Mi"}})
    sts = sc.add({"apiVersion": "apps/v1", "kind": "StatefulSet",
                  "metadata": sc.meta("StatefulSet", "ledger-db", "finance", 400,
                                      {"app": "ledger-db"}, extra={"generation": 1}),
                  "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "ledger-db"}},
                           "serviceName": "ledger-db",
                           "template": pod_template({"app": "ledger-db"}, spec)},
                  "status": {"availableReplicas": 0, "collisionCount": 0,
                             "currentRevision": "ledger-db-7c9d8b6f5", "observedGeneration": 1,
                             "replicas": 0, "updateRevision": "ledger-db-7c9d8b6f5"}})
    sc.event(sts, "FailedCreate",
             'create Pod ledger-db-0 in StatefulSet ledger-db failed error: pods "ledger-db-0" '
             "is forbidden: maximum memory usage per Container is 512Mi, but limit is 1Gi",
             400.2, 1300, 21, "Warning", "statefulset-controller")
    return expect(sc, ["limitrange-violation"], ["LimitRange"], ["pods-not-created"])


def podsecurity():
    sc = base("admission-podsecurity", "probe-lab", 10)
    app_ns(sc, "payments", labels={"pod-security.kubernetes.io/enforce": "restricted",
                                   "pod-security.kubernetes.io/enforce-version": "latest"})
    spec = spec_of(sc, "probe", security={"privileged": True})
    spec["hostNetwork"] = True
    ds = sc.add({"apiVersion": "apps/v1", "kind": "DaemonSet",
                 "metadata": sc.meta("DaemonSet", "node-probe", "payments", 400,
                                     {"app": "node-probe"}, extra={"generation": 1}),
                 "spec": {"selector": {"matchLabels": {"app": "node-probe"}},
                          "template": pod_template({"app": "node-probe"}, spec)},
                 "status": {"currentNumberScheduled": 0, "desiredNumberScheduled": 1,
                            "numberMisscheduled": 0, "numberReady": 0,
                            "numberUnavailable": 1, "observedGeneration": 1,
                            "updatedNumberScheduled": 0}})
    sc.event(ds, "FailedCreate",
             'Error creating: pods "node-probe-q7m4d" is forbidden: violates PodSecurity '
             '"restricted:latest": host namespaces (hostNetwork=true), privileged (container '
             '"probe" must not set securityContext.privileged=true), allowPrivilegeEscalation '
             '!= false (container "probe" must set securityContext.allowPrivilegeEscalation='
             'false), unrestricted capabilities (container "probe" must set securityContext.'
             'capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "probe" must '
             'set securityContext.runAsNonRoot=true), seccompProfile (pod or container "probe" '
             'must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
             400.1, 1290, 19, "Warning", "daemonset-controller")
    return expect(sc, ["podsecurity-violation"], ["PodSecurity"], ["pods-not-created"])


def serviceaccount():
    sc = base("admission-serviceaccount", "reports-ci", 11)
    app_ns(sc, "analytics")
    spec = spec_of(sc, "report-gen", sa="report-runner")
    spec["restartPolicy"] = "Never"
    uid = sc.uid("Job", "analytics", "report-gen")
    labels = {"batch.kubernetes.io/controller-uid": uid,
              "batch.kubernetes.io/job-name": "report-gen", "controller-uid": uid,
              "job-name": "report-gen"}
    job = sc.add({"apiVersion": "batch/v1", "kind": "Job",
                  "metadata": sc.meta("Job", "report-gen", "analytics", 400,
                                      {"app": "report-gen"}, extra={"generation": 1}),
                  "spec": {"backoffLimit": 6, "completionMode": "NonIndexed", "completions": 1,
                           "manualSelector": False, "parallelism": 1,
                           "podReplacementPolicy": "TerminatingOrFailed",
                           "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid":
                                                        uid}},
                           "suspend": False,
                           "template": pod_template(labels, spec)},
                  "status": {"active": 0, "ready": 0, "startTime": sc.clock.ts(400),
                             "terminating": 0, "uncountedTerminatedPods": {}}})
    sc.event(job, "FailedCreate",
             'Error creating: pods "report-gen-5mz8q" is forbidden: error looking up service '
             'account analytics/report-runner: serviceaccount "report-runner" not found',
             400.1, 1200, 8, "Warning", "job-controller")
    return expect(sc, ["missing-serviceaccount"], ["report-runner"], ["pods-not-created"])


def terminating():
    sc = base("admission-namespace-terminating", "stage-old", 12)
    ns = namespace(sc, "staging-v1", 300)
    namespace_furniture(sc, "staging-v1", 300.4)
    ns["metadata"]["deletionTimestamp"] = sc.clock.ts(390)
    ns["status"] = {"conditions": [
        {"lastTransitionTime": sc.clock.ts(392), "message": "All resources successfully "
         "discovered", "reason": "ResourcesDiscovered", "status": "False",
         "type": "NamespaceDeletionDiscoveryFailure"},
        {"lastTransitionTime": sc.clock.ts(392), "message": "Some content in the namespace has "
         "finalizers remaining: example.com/drain in 1 resource instances",
         "reason": "SomeFinalizersRemain", "status": "True",
         "type": "NamespaceFinalizersRemaining"}], "phase": "Terminating"}
    blocked_deployment(sc, "staging-v1", "api-gw", "7b6c5d9f8c",
                       "unable to create new content in namespace staging-v1 because it is "
                       "being terminated", 12)
    return expect(sc, ["namespace-terminating"], ["staging-v1"], ["pods-not-created"])


def webhook_config(sc, kind, name, hook, ns, svc, path, t=350):
    sc.add({"apiVersion": "admissionregistration.k8s.io/v1", "kind": kind,
            "metadata": sc.meta(kind, name, None, t, extra={"generation": 1}),
            "webhooks": [{"admissionReviewVersions": ["v1"],
                          "clientConfig": {"caBundle": "LS0tLS1CRUdJTi0tLS0tCg==",
                                           "service": {"name": svc, "namespace": ns,
                                                       "path": path, "port": 443}},
                          "failurePolicy": "Fail", "matchPolicy": "Equivalent", "name": hook,
                          "namespaceSelector": {}, "objectSelector": {},
                          "rules": [{"apiGroups": [""], "apiVersions": ["v1"],
                                     "operations": ["CREATE"], "resources": ["pods"],
                                     "scope": "*"}],
                          "sideEffects": "None", "timeoutSeconds": 10}]})


def webhook_backend(sc, ns, name, rs_hash, suffix, ip, ready=True):
    labels = {"app": name}
    spec = spec_of(sc, name)
    ts = sc.clock.ts
    _, rs = deployment(sc, ns, name, 320, 1, labels, spec,
                       [available(ts(330)), progressing(ts(320), f"{name}-{rs_hash}", "done")],
                       {"availableReplicas": 1, "readyReplicas": 1, "replicas": 1,
                        "updatedReplicas": 1}, rs_hash)
    pname = f"{name}-{rs_hash}-{suffix}"
    p = pod(sc, ns, pname, spec, 320.3, owner=rs,
            labels=dict(labels, **{"pod-template-hash": rs_hash}), generate_name=pname[:-5],
            conditions=pod_conditions(sc, 320.5, 321.5, ready=328), ip=ip, qos="Burstable",
            statuses=[cs_running(sc, pname, spec["containers"][0], 326)], start_time=320.5)
    sc.normal_start_events(p, 326)
    svc = service(sc, ns, name, 320, "10.96.44.12", [port("https", 443, 8443)], selector=labels)
    endpoints(sc, svc, [p], 328)


def webhook_denied():
    sc = base("admission-webhook-denied", "orders-e2e", 13)
    app_ns(sc, "policy-acme", t=310)
    webhook_backend(sc, "policy-acme", "acme-policy", "5f9c8d7b6a", "t2w9k", "10.244.0.21")
    webhook_config(sc, "ValidatingWebhookConfiguration", "acme-policy",
                   "require-labels.policy.acme.dev", "policy-acme", "acme-policy", "/validate")
    app_ns(sc, "orders")
    blocked_deployment(sc, "orders", "order-svc", "84c9b7d6f5",
                       'admission webhook "require-labels.policy.acme.dev" denied the request: '
                       'pod is missing the required label "cost-center"', 15)
    # blocked_deployment words its message as "forbidden"; a denial is not: rewrite the event.
    for o in sc.objects:
        if o["kind"] == "Event" and o["reason"] == "FailedCreate":
            o["message"] = ('Error creating: admission webhook "require-labels.policy.acme.dev" '
                            'denied the request: pod is missing the required label '
                            '"cost-center"')
    return expect(sc, ["webhook-failure"], ["require-labels.policy.acme.dev"],
                  ["pods-not-created"])


def webhook_unreachable():
    sc = base("admission-webhook-unreachable", "mesh-ci", 14)
    app_ns(sc, "mesh-system", t=310)
    labels = {"app": "injector"}
    spec = spec_of(sc, "injector", resources={"requests": {"cpu": "64", "memory": "64Mi"}})
    spec.pop("nodeName")
    ts = sc.clock.ts
    _, rs = deployment(sc, "mesh-system", "injector", 320, 1, labels, spec,
                       [available(ts(320), ok=False),
                        progressing(ts(320), "injector-6c7b8d9f4d", "progressing")],
                       {"replicas": 1, "unavailableReplicas": 1, "updatedReplicas": 1},
                       "6c7b8d9f4d")
    pname = "injector-6c7b8d9f4d-hv8zn"
    p = pod(sc, "mesh-system", pname, spec, 320.3, owner=rs,
            labels=dict(labels, **{"pod-template-hash": "6c7b8d9f4d"}),
            generate_name="injector-6c7b8d9f4d-", phase="Pending",
            conditions=[condition("PodScheduled", "False", ts(320.4), "Unschedulable",
                                  "0/1 nodes are available: 1 Insufficient cpu. preemption: "
                                  "0/1 nodes are available: 1 No preemption victims found for "
                                  "incoming pod.")], qos="Burstable")
    sc.scheduler_event(p, "FailedScheduling",
                       "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are "
                       "available: 1 No preemption victims found for incoming pod.", 320.4,
                       "Warning", series=(14, 1290))
    svc = service(sc, "mesh-system", "injector", 320, "10.96.51.3", [port("https", 443, 9443)],
                  selector=labels)
    endpoints(sc, svc, [], 320)
    webhook_config(sc, "MutatingWebhookConfiguration", "mesh-injector",
                   "sidecar-inject.mesh.example.net", "mesh-system", "injector", "/inject")
    app_ns(sc, "inventory")
    msg = ('Internal error occurred: failed calling webhook "sidecar-inject.mesh.example.net": '
           'failed to call webhook: Post "https://injector.mesh-system.svc:443/inject?'
           'timeout=10s": no endpoints available for service "injector"')
    blocked_deployment(sc, "inventory", "stock-api", "59d7c8b6f4", msg, 23)
    for o in sc.objects:
        if o["kind"] == "Event" and o["reason"] == "FailedCreate":
            o["message"] = "Error creating: " + msg
        for c in o.get("status", {}).get("conditions", []) if isinstance(o.get("status"),
                                                                          dict) else []:
            if c.get("type") == "ReplicaFailure":
                c["message"] = msg
    return expect(sc, ["unschedulable"], [], ["pods-not-created"])


def cronjob(sc, ns, name, schedule, t, extra_spec=None, status=None):
    spec = spec_of(sc, name)
    spec["restartPolicy"] = "OnFailure"
    s = {"concurrencyPolicy": "Forbid", "failedJobsHistoryLimit": 1,
         "jobTemplate": {"metadata": {"creationTimestamp": None},
                         "spec": {"backoffLimit": 2, "template": pod_template({"app": name},
                                                                               spec)}},
         "schedule": schedule, "successfulJobsHistoryLimit": 3, "suspend": False}
    s.update(extra_spec or {})
    return sc.add({"apiVersion": "batch/v1", "kind": "CronJob",
                   "metadata": sc.meta("CronJob", name, ns, t, {"app": name},
                                       extra={"generation": 1}),
                   "spec": s, "status": status or {}})


def cronjob_failing():
    sc = base("admission-cronjob-failing", "maint-ci", 15)
    app_ns(sc, "maint")
    cj = cronjob(sc, "maint", "db-backup", "*/5 * * * *", 300,
                 {"failedJobsHistoryLimit": 0},
                 {"lastScheduleTime": sc.clock.ts(1200)})
    for i, t in enumerate([600, 900, 1200]):
        job = f"db-backup-{29548320 + 5 * i}"
        sc.event(cj, "SuccessfulCreate", f"Created job {job}", t, component="cronjob-controller")
        sc.event(cj, "SawCompletedJob", f"Saw completed job: {job}, status: Failed", t + 95,
                 component="cronjob-controller")
        sc.event(cj, "SuccessfulDelete", f"Deleted job {job}", t + 95.1,
                 component="cronjob-controller")
    return expect(sc, ["cronjob-failing"], ["db-backup"])


def cronjob_missed():
    sc = base("admission-cronjob-missed", "sync-e2e", 16)
    app_ns(sc, "sync")
    cj = cronjob(sc, "sync", "hourly-sync", "0 * * * *", 300, {"startingDeadlineSeconds": 20})
    cronjob(sc, "sync", "archiver", "30 2 * * *", 300, {"suspend": True})
    sc.event(cj, "MissSchedule",
             "Missed scheduled time to start a job: Mon, 02 Mar 2026 17:00:00 +0000", 1190,
             type_="Warning", component="cronjob-controller")
    return expect(sc, ["cronjob-not-scheduling"], ["hourly-sync"])


def hpa():
    sc = base("admission-hpa", "frontend-ci", 17)
    app_ns(sc, "web-tier")
    ts = sc.clock.ts
    spec = spec_of(sc, "frontend")
    d, _ = deployment(sc, "web-tier", "frontend", 320, 0, {"app": "frontend"}, spec,
                      [available(ts(330)), progressing(ts(320), "frontend-7d6f5c8b9a", "done")],
                      {}, "7d6f5c8b9a")
    d["spec"]["replicas"] = 1
    d["status"].update({"availableReplicas": 1, "readyReplicas": 1, "replicas": 1,
                        "updatedReplicas": 1})
    metric = ("failed to get cpu utilization: unable to get metrics for resource cpu: unable to "
              "fetch metrics from resource metrics API: the server could not find the requested "
              "resource (get pods.metrics.k8s.io)")
    h = sc.add({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                "metadata": sc.meta("HorizontalPodAutoscaler", "frontend", "web-tier", 340),
                "spec": {"maxReplicas": 5, "metrics": [{"resource": {"name": "cpu", "target": {
                    "averageUtilization": 70, "type": "Utilization"}}, "type": "Resource"}],
                         "minReplicas": 1, "scaleTargetRef": {"apiVersion": "apps/v1",
                                                              "kind": "Deployment",
                                                              "name": "frontend"}},
                "status": {"conditions": [
                    {"lastTransitionTime": ts(355), "message": "the HPA controller was able to "
                     "get the target's current scale", "reason": "SucceededGetScale",
                     "status": "True", "type": "AbleToScale"},
                    {"lastTransitionTime": ts(355), "message": "the HPA was unable to compute "
                     "the replica count: " + metric, "reason": "FailedGetResourceMetric",
                     "status": "False", "type": "ScalingActive"}],
                    "currentMetrics": [{"type": ""}], "currentReplicas": 1,
                    "desiredReplicas": 0}})
    sc.event(h, "FailedGetResourceMetric", metric, 355, 1290, 62, "Warning",
             "horizontal-pod-autoscaler")
    sc.event(h, "FailedComputeMetricsReplicas",
             "invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource "
             "metric value: " + metric, 355, 1290, 62, "Warning", "horizontal-pod-autoscaler")
    return expect(sc, ["hpa-failing"], ["frontend"])


def main():
    import json
    os.makedirs(OUT, exist_ok=True)
    for build in [quota, limitrange, podsecurity, serviceaccount, terminating, webhook_denied,
                  webhook_unreachable, cronjob_failing, cronjob_missed, hpa]:
        doc = build()
        with open(os.path.join(OUT, doc["name"] + ".json"), "w") as f:
            json.dump(doc, f, indent=1, sort_keys=False)
            f.write("\n")


if __name__ == "__main__":
    main()
