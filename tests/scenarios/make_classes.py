#!/usr/bin/env python3
"""Generates tests/scenarios/classes/{images,pods,access}-*.json: one small Kind cluster per failure
class that the pod, image and access detectors diagnose, each with the "expect" block that
tests/integration/test_failure_classes.cpp checks. Names, namespaces and images are this file's own
(not the seed's) so that a detector keyed to the seed would fail here. Messages are the kubelet's,
the apiserver's and client-go's own formats. Run: python3 tests/scenarios/make_classes.py"""

import datetime as dt
import os
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from scenario_lib import (  # noqa: E402
    Scenario, api_access_mount, api_access_volume, available, condition, container, cs_running,
    cs_waiting, deployment, kind_base, local_apiservices, namespace, namespace_furniture, pod,
    pod_conditions, pod_spec, port, progressing, pulled_image, service, service_account,
    terminated)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "classes")
START = dt.datetime(2026, 3, 11, 14, 0, 0, tzinfo=dt.timezone.utc)


def cluster(name, extra_images=()):
    """A two-node Kind cluster named `name`; returns (scenario, worker node name)."""
    sc = Scenario(name, name, START)
    kind_base(sc, [
        (f"{name}-control-plane", "control-plane", "172.18.0.7", "10.244.0.0/24", 12, 42, [],
         8164340),
        (f"{name}-worker", "worker", "172.18.0.6", "10.244.1.0/24", 38, 58, list(extra_images),
         8164340)])
    return sc, f"{name}-worker"


def app(sc, ns, name, image, node, rs_hash, suffix, status_of, ready=False, t=300, ports=None):
    """Deployment `name` with one pod on `node`; status_of(pod_name, container) gives its status."""
    if not any(o["kind"] == "Namespace" and o["metadata"]["name"] == ns for o in sc.objects):
        namespace(sc, ns, t - 10)
        namespace_furniture(sc, ns, t - 9.6)
    service_account(sc, ns, name, t - 5)
    labels = {"app.kubernetes.io/name": name}
    tok = suffix[::-1]
    c = container(name, image, ports=ports, mounts=[api_access_mount(tok)])
    spec = pod_spec([c], node, sa=name, volumes=[api_access_volume(tok)])
    rs_name = f"{name}-{rs_hash}"
    counts = {"replicas": 1, "updatedReplicas": 1}
    counts.update({"availableReplicas": 1, "readyReplicas": 1} if ready
                  else {"unavailableReplicas": 1})
    conds = [available(sc.clock.ts(t + 15), ok=ready),
             progressing(sc.clock.ts(t), rs_name, "done" if ready else "progressing",
                         sc.clock.ts(t + 15))]
    _, rs = deployment(sc, ns, name, t, 1, labels, spec, conds, counts, rs_hash)
    pod_name = f"{rs_name}-{suffix}"
    p = pod(sc, ns, pod_name, spec, t + 0.3, owner=rs,
            labels=dict(labels, **{"pod-template-hash": rs_hash}), generate_name=rs_name + "-",
            conditions=pod_conditions(sc, t + 0.5, ready=t + 12 if ready else None,
                                      unready=None if ready else [name]),
            statuses=[status_of(pod_name, c)], ip="10.244.1.%d" % (20 + len(sc.objects) % 200),
            start_time=t + 0.5)
    sc.event(rs, "SuccessfulCreate", f"Created pod: {pod_name}", t + 0.3,
             component="replicaset-controller")
    sc.scheduler_event(p, "Scheduled", f"Successfully assigned {ns}/{pod_name} to {node}", t + 0.4)
    return p, c


def write(sc, file_name, expect, apiservices=True):
    if apiservices:
        local_apiservices(sc)
    doc = sc.document()
    doc["expect"] = expect
    sc.document = lambda: doc
    sc.write(os.path.join(OUT, file_name))


def invalid_image_name():
    sc, node = cluster("imgname")
    image = "registry.internal:5000/Payments/ledger:v3"
    parse = (f'couldn\'t parse image name "{image}": invalid reference format: repository name '
             f'(Payments/ledger) must be lowercase')

    def status(pod_name, c):
        return cs_waiting(sc, pod_name, c, "InvalidImageName",
                          f'Failed to apply default image tag "{image}": {parse}')
    p, c = app(sc, "ledger", "ledger", image, node, "5d9c7f6b8", "q2w7x", status)
    sc.kubelet_event(p, "InspectFailed", f'Failed to apply default image tag "{image}": {parse}',
                     301, 900, 54, "Warning", container=c["name"])
    sc.kubelet_event(p, "Failed", "Error: InvalidImageName", 301, 900, 54, "Warning",
                     container=c["name"])
    write(sc, "images-invalid-name.json",
          {"root_detectors": ["invalid-image-name"], "verdict_contains": ["ledger"],
           "absent_detectors": ["image-pull", "image-not-loaded"]})


def image_pull_not_found():
    sc, node = cluster("pullfail")
    image = "ghcr.io/example-org/reporter:1.4.2"
    ref = "ghcr.io/example-org/reporter:1.4.2"
    err = (f'failed to pull and unpack image "{ref}": failed to resolve reference "{ref}": '
           f'{ref}: not found')

    def status(pod_name, c):
        return cs_waiting(sc, pod_name, c, "ImagePullBackOff", f'Back-off pulling image "{image}"')
    p, c = app(sc, "reports", "reporter", image, node, "7b4f9d6c5", "m8k2p", status)
    sc.kubelet_event(p, "Pulling", f'Pulling image "{image}"', 301, 880, 9, container=c["name"])
    sc.kubelet_event(p, "Failed", f'Failed to pull image "{image}": rpc error: code = NotFound '
                     f'desc = {err}', 302, 881, 9, "Warning", container=c["name"])
    sc.kubelet_event(p, "Failed", "Error: ErrImagePull", 302, 881, 9, "Warning",
                     container=c["name"])
    sc.kubelet_event(p, "BackOff", f'Back-off pulling image "{image}"', 303, 899, 37, "Normal",
                     container=c["name"])
    sc.kubelet_event(p, "Failed", "Error: ImagePullBackOff", 303, 899, 37, "Warning",
                     container=c["name"])
    write(sc, "images-pull-not-found.json",
          {"root_detectors": ["image-pull"], "verdict_contains": ["reporter:1.4.2"],
           "absent_detectors": ["image-not-loaded"]})


def evicted():
    sc, node = cluster("evict")
    image = "docker.io/library/busybox:1.36"
    message = ("The node was low on resource: ephemeral-storage. Threshold quantity: 1991493Ki, "
               "available: 1523180Ki. Container scratch-writer was using 6291456Ki, request is 0, "
               "has larger consumption of ephemeral-storage. ")
    ns, name = "batch-jobs", "scratch-writer"
    namespace(sc, ns, 290)
    namespace_furniture(sc, ns, 290.4)
    c = container(name, image, command=["sh", "-c", "dd if=/dev/zero of=/tmp/fill bs=1M"],
                  mounts=[api_access_mount("z7v2n")])
    spec = pod_spec([c], node, volumes=[api_access_volume("z7v2n")])
    p = pod(sc, ns, name, spec, 300, phase="Failed",
            conditions=pod_conditions(sc, 300.5, failed=700),
            statuses=[{**cs_running(sc, name, c, 302), "ready": False, "started": False,
                       "state": terminated(sc, name, name, 0, 302, 700, 137, "ContainerStatusUnknown")}],
            start_time=300.5)
    p["status"]["message"] = message
    p["status"]["reason"] = "Evicted"
    sc.scheduler_event(p, "Scheduled", f"Successfully assigned {ns}/{name} to {node}", 300.4)
    sc.kubelet_event(p, "Evicted", message, 699, type_="Warning")
    sc.kubelet_event(p, "Killing", f"Stopping container {name}", 699.2, container=name)
    write(sc, "pods-evicted.json",
          {"root_detectors": ["evicted"], "verdict_contains": ["scratch-writer"],
           "absent_detectors": ["oom-killed"]})


def rbac_forbidden():
    sc, node = cluster("rbac", [pulled_image("quay.io/example/inventory-operator:0.9.1", 41881002)])
    ns, name = "inventory-system", "inventory-operator"
    user = f"system:serviceaccount:{ns}:{name}"

    def status(pod_name, c):
        return cs_running(sc, pod_name, c, 305, ready=True, pulled=True)
    p, _ = app(sc, ns, name, "quay.io/example/inventory-operator:0.9.1", node, "6c8d5f7b9",
               "t4r9s", status, ready=True)
    lines = []
    for i in range(4):
        t = 320 + 60 * i
        stamp = sc.clock.at(t).strftime("%m%d %H:%M:%S")
        lines.append((t, f'E{stamp}.104233       1 reflector.go:158] "Unhandled Error" '
                         f'err="pkg/mod/k8s.io/client-go@v0.31.1/tools/cache/reflector.go:243: '
                         f'Failed to watch *v1.ConfigMap: failed to list *v1.ConfigMap: configmaps '
                         f'is forbidden: User \\"{user}\\" cannot list resource \\"configmaps\\" '
                         f'in API group \\"\\" at the cluster scope" logger="UnhandledError"'))
    sc.log(p, name, lines)
    write(sc, "access-rbac-forbidden.json",
          {"root_detectors": ["rbac-forbidden"], "verdict_contains": ["forbidden to list configmaps"],
           "absent_detectors": []})


def missing_crd():
    sc, node = cluster("crdless", [pulled_image("quay.io/example/backup-controller:2.0.0",
                                                30114520)])
    ns, name = "backup", "backup-controller"

    def status(pod_name, c):
        last = terminated(sc, pod_name, name, 4, 540, 541, 1, "Error")
        return cs_waiting(sc, pod_name, c, "CrashLoopBackOff",
                          f"back-off 2m40s restarting failed container={name} "
                          f"pod={pod_name}_{ns}({sc.uid('Pod', ns, pod_name)})",
                          restarts=5, last=last, pulled=True)
    p, c = app(sc, ns, name, "quay.io/example/backup-controller:2.0.0", node, "84c6d9f7b",
               "h3j8k", status)
    crash = [(540.2, '2026-03-11T14:09:00.214Z\tINFO\tsetup\tstarting manager'),
             (540.6, '2026-03-11T14:09:00.611Z\tERROR\tsetup\tunable to create controller\t'
                     '{"controller": "Schedule", "error": "no matches for kind \\"Schedule\\" in '
                     'version \\"backup.example.io/v1beta1\\""}')]
    sc.log(p, name, crash)
    sc.log(p, name, crash, previous=True)
    sc.kubelet_event(p, "BackOff", "Back-off restarting failed container "
                     f"{name} in pod {p['metadata']['name']}_{ns}({p['metadata']['uid']})",
                     330, 890, 24, "Warning", container=name)
    write(sc, "access-missing-crd.json",
          {"root_detectors": ["missing-crd"], "effect_detectors": ["crash-loop"],
           "verdict_contains": ["Schedule"], "absent_detectors": []})


def apiservice_unavailable():
    sc, _ = cluster("aggr")
    service(sc, "kube-system", "metrics-server", 200, "10.96.44.12", [port("https", 443, "https")],
            selector={"k8s-app": "metrics-server"}, labels={"k8s-app": "metrics-server"})
    local_apiservices(sc)
    msg = ('endpoints for service/metrics-server in "kube-system" have no addresses with port '
           'name "https"')
    sc.add({"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
            "metadata": sc.meta("APIService", "v1beta1.metrics.k8s.io", None, 200,
                                {"k8s-app": "metrics-server"}),
            "spec": {"group": "metrics.k8s.io", "groupPriorityMinimum": 100,
                     "insecureSkipTLSVerify": True,
                     "service": {"name": "metrics-server", "namespace": "kube-system",
                                 "port": 443},
                     "version": "v1beta1", "versionPriority": 100},
            "status": {"conditions": [condition("Available", "False", sc.clock.ts(201),
                                                "MissingEndpoints", msg, probe=False)]}})
    # Nothing runs behind the Service: that is the root; the APIService is its effect.
    write(sc, "access-apiservice-unavailable.json",
          {"root_detectors": ["service-selects-nothing"],
           "effect_detectors": ["apiservice-unavailable"], "verdict_contains": ["metrics-server"],
           "absent_detectors": []}, apiservices=False)


def main():
    os.makedirs(OUT, exist_ok=True)
    invalid_image_name()
    image_pull_not_found()
    evicted()
    rbac_forbidden()
    missing_crd()
    apiservice_unavailable()


if __name__ == "__main__":
    main()
