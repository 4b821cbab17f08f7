#!/usr/bin/env python3
"""Writes the storage and node-network failure classes (classes/storage-*.json,
classes/node-network-*.json): Kind clusters where a PersistentVolumeClaim stays Pending, or the
pod network of a node is not ready. Messages are the persistentvolume controller's, the
local-path provisioner's, the scheduler's VolumeBinding plugin's, the kubelet's and containerd's.
Deterministic: python3 tests/scenarios/make_storage.py"""

import datetime as dt
import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from scenario_lib import (  # noqa: E402
    Scenario, api_access_mount, api_access_volume, condition, container, cs_waiting, deployment,
    kind_base, local_apiservices, namespace, namespace_furniture, pod, pod_conditions, pod_spec,
    pod_template, progressing, available)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "classes")

UNBOUND = ("0/{n} nodes are available: pod has unbound immediate PersistentVolumeClaims. "
           "preemption: 0/{n} nodes are available: {n} Preemption is not helpful for scheduling.")
CNI_NOT_READY = ("container runtime network not ready: NetworkReady=false "
                 "reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin "
                 "not initialized")


def write(sc, expect):
    doc = sc.document()
    doc["expect"] = expect
    with open(os.path.join(OUT, sc.name + ".json"), "w") as f:
        json.dump(doc, f, indent=1, sort_keys=False)
        f.write("\n")


def cluster(scenario, name, hour, workers=1):
    sc = Scenario(scenario, name, dt.datetime(2026, 3, 2, hour, 0, 0, tzinfo=dt.timezone.utc))
    nodes = [(f"{name}-control-plane", "control-plane", "172.18.0.2", "10.244.0.0/24", 12, 42,
              [], 16329236)]
    for i in range(workers):
        nodes.append((f"{name}-worker{'' if i == 0 else i + 1}", "worker", f"172.18.0.{3 + i}",
                      f"10.244.{1 + i}.0/24", 14, 44, [], 16329236))
    kind_base(sc, nodes)
    return sc


def claim(sc, ns, name, t, cls, labels=None, annotations=None, size="1Gi"):
    spec = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}}
    if cls is not None:
        spec["storageClassName"] = cls
    spec["volumeMode"] = "Filesystem"
    return sc.add({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                   "metadata": sc.meta("PersistentVolumeClaim", name, ns, t, labels, annotations,
                                       extra={"finalizers": ["kubernetes.io/pvc-protection"]}),
                   "spec": spec, "status": {"phase": "Pending"}})


def pending_pod(sc, ns, name, spec, t, owner, labels, generate_name, message, reason="Unschedulable"):
    p = pod(sc, ns, name, spec, t, owner=owner, labels=labels, generate_name=generate_name,
            phase="Pending", qos="Burstable",
            conditions=[condition("PodScheduled", "False", sc.clock.ts(t + 0.1), reason, message)])
    sc.scheduler_event(p, "FailedScheduling", message, t + 0.1, "Warning",
                       series=(9, sc.gather_at - 41.3))
    return p


def app_container(name, image, mount):
    return container(name, image, resources={"requests": {"cpu": "50m", "memory": "64Mi"}},
                     mounts=[{"mountPath": "/var/lib/" + name, "name": "data"},
                             api_access_mount(mount)])


def storage_missing_class():
    """A StatefulSet whose volumeClaimTemplate names StorageClass "nvme-fast"; Kind has only
    "standard". The scheduler treats a claim of an unknown class as immediate binding."""
    sc = cluster("storage-missing-class", "ledger-ci", 8)
    ns = "ledger"
    namespace(sc, ns, 300)
    namespace_furniture(sc, ns, 300.4)
    labels = {"app": "journal"}
    c = app_container("journal", "docker.io/library/postgres:16-alpine", "q8wzt")
    spec = pod_spec([c], None, volumes=[{"name": "data", "persistentVolumeClaim": {
        "claimName": "data-journal-0"}}, api_access_volume("q8wzt")],
        extra={"hostname": "journal-0", "subdomain": "journal"})
    tmpl = pod_template(labels, spec)
    sts = sc.add({"apiVersion": "apps/v1", "kind": "StatefulSet",
                  "metadata": sc.meta("StatefulSet", "journal", ns, 301, labels,
                                      extra={"generation": 1}),
                  "spec": {"persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain",
                                                                    "whenScaled": "Retain"},
                           "podManagementPolicy": "OrderedReady", "replicas": 1,
                           "revisionHistoryLimit": 10, "selector": {"matchLabels": labels},
                           "serviceName": "journal", "template": tmpl,
                           "updateStrategy": {"rollingUpdate": {"partition": 0},
                                              "type": "RollingUpdate"},
                           "volumeClaimTemplates": [{
                               "apiVersion": "v1", "kind": "PersistentVolumeClaim",
                               "metadata": {"name": "data"},
                               "spec": {"accessModes": ["ReadWriteOnce"],
                                        "resources": {"requests": {"storage": "5Gi"}},
                                        "storageClassName": "nvme-fast",
                                        "volumeMode": "Filesystem"},
                               "status": {"phase": "Pending"}}]},
                  "status": {"availableReplicas": 0, "collisionCount": 0, "currentReplicas": 1,
                             "currentRevision": "journal-6b8f7d9c5", "observedGeneration": 1,
                             "replicas": 1, "updateRevision": "journal-6b8f7d9c5",
                             "updatedReplicas": 1}})
    pvc = claim(sc, ns, "data-journal-0", 301.2, "nvme-fast", labels, size="5Gi")
    sc.event(sts, "SuccessfulCreate",
             "create Claim data-journal-0 Pod journal-0 in StatefulSet journal success", 301.2,
             component="statefulset-controller")
    sc.event(pvc, "ProvisioningFailed",
             'storageclass.storage.k8s.io "nvme-fast" not found', 301.2, sc.gather_at - 12,
             count=58, type_="Warning", component="persistentvolume-controller")
    pending_pod(sc, ns, "journal-0", spec, 301.3, sts,
                dict(labels, **{"apps.kubernetes.io/pod-index": "0",
                                "controller-revision-hash": "journal-6b8f7d9c5",
                                "statefulset.kubernetes.io/pod-name": "journal-0"}),
                "journal-", UNBOUND.format(n=2))
    sc.event(sts, "SuccessfulCreate", "create Pod journal-0 in StatefulSet journal successful",
             301.3, component="statefulset-controller")
    local_apiservices(sc)
    write(sc, {"root_detectors": ["pvc-pending"], "verdict_contains": ["nvme-fast"],
               "absent_detectors": ["node-not-ready", "pod-sandbox"]})


def storage_no_class():
    """A Deployment's claim opts out of dynamic provisioning (storageClassName: "") and no
    PersistentVolume exists: FailedBinding, the pod waits for an unbound immediate claim."""
    sc = cluster("storage-no-class", "reports-ci", 9, workers=2)
    ns = "reporting"
    namespace(sc, ns, 400)
    namespace_furniture(sc, ns, 400.4)
    claim(sc, ns, "render-cache", 401, "", {"app": "renderer"}, size="2Gi")
    pvc = sc.find("PersistentVolumeClaim", "render-cache", ns)
    sc.event(pvc, "FailedBinding",
             "no persistent volumes available for this claim and no storage class is set",
             401, sc.gather_at - 8, count=52, component="persistentvolume-controller")
    labels = {"app": "renderer"}
    c = app_container("renderer", "ghcr.io/example/renderer:3.1.0", "m2kfd")
    spec = pod_spec([c], None, volumes=[{"name": "data", "persistentVolumeClaim": {
        "claimName": "render-cache"}}, api_access_volume("m2kfd")])
    _, rs = deployment(sc, ns, "renderer", 401.1, 1, labels, spec, [
        available(sc.clock.ts(401.3), ok=False),
        progressing(sc.clock.ts(401.3), "renderer-7c9d5b8f64", "timeout", sc.clock.ts(1001.3))],
        {"replicas": 1, "unavailableReplicas": 1, "updatedReplicas": 1}, "7c9d5b8f64")
    pending_pod(sc, ns, "renderer-7c9d5b8f64-vx4jq", spec, 401.3, rs,
                dict(labels, **{"pod-template-hash": "7c9d5b8f64"}), "renderer-7c9d5b8f64-",
                UNBOUND.format(n=3))
    sc.event(rs, "SuccessfulCreate", "Created pod: renderer-7c9d5b8f64-vx4jq", 401.3,
             component="replicaset-controller")
    local_apiservices(sc)
    write(sc, {"root_detectors": ["pvc-pending"], "verdict_contains": ["render-cache"],
               "absent_detectors": ["node-not-ready"]})


def storage_provisioning_failed():
    """WaitForFirstConsumer on Kind's "standard": the scheduler picks a node, local-path refuses
    the claim (it does not support a selector), and PreBind's VolumeBinding gives up."""
    sc = cluster("storage-provisioning-failed", "archive-ci", 10)
    ns = "archive"
    namespace(sc, ns, 500)
    namespace_furniture(sc, ns, 500.4)
    node = "archive-ci-worker"
    pvc = claim(sc, ns, "blob-store", 501, "standard", {"app": "blobs"}, annotations={
        "volume.beta.kubernetes.io/storage-provisioner": "rancher.io/local-path",
        "volume.kubernetes.io/selected-node": node,
        "volume.kubernetes.io/storage-provisioner": "rancher.io/local-path"}, size="10Gi")
    pvc["spec"]["selector"] = {"matchLabels": {"tier": "archive"}}
    sc.event(pvc, "WaitForFirstConsumer",
             "waiting for first consumer to be created before binding", 501, count=1,
             component="persistentvolume-controller")
    sc.event(pvc, "ExternalProvisioning",
             "Waiting for a volume to be created either by the external provisioner "
             "'rancher.io/local-path' or manually by the system administrator. If volume "
             "creation is delayed, please verify that the provisioner is running and correctly "
             "registered.", 501.5, sc.gather_at - 15, count=43,
             component="persistentvolume-controller")
    lp = "rancher.io/local-path_local-path-provisioner-7dc846544d-g6xkq_" + \
        sc.uid("identity", "local-path-storage", "provisioner")
    sc.event(pvc, "Provisioning",
             'External provisioner is provisioning volume for claim "archive/blob-store"',
             501.6, sc.gather_at - 20, count=14, component=lp)
    sc.event(pvc, "ProvisioningFailed",
             'failed to provision volume with StorageClass "standard": claim.Spec.Selector is '
             'not supported', 501.7, sc.gather_at - 20, count=14, type_="Warning", component=lp)
    labels = {"app": "blobs"}
    c = app_container("blobs", "docker.io/minio/minio:RELEASE.2025-01-20T14-49-07Z", "c6pzr")
    spec = pod_spec([c], None, volumes=[{"name": "data", "persistentVolumeClaim": {
        "claimName": "blob-store"}}, api_access_volume("c6pzr")])
    _, rs = deployment(sc, ns, "blobs", 500.8, 1, labels, spec, [
        available(sc.clock.ts(501), ok=False),
        progressing(sc.clock.ts(501), "blobs-5f8c6d7b9", "timeout", sc.clock.ts(1101))],
        {"replicas": 1, "unavailableReplicas": 1, "updatedReplicas": 1}, "5f8c6d7b9")
    pending_pod(sc, ns, "blobs-5f8c6d7b9-h7tnw", spec, 501, rs,
                dict(labels, **{"pod-template-hash": "5f8c6d7b9"}), "blobs-5f8c6d7b9-",
                'running PreBind plugin "VolumeBinding": binding volumes: provisioning failed '
                'for PVC "blob-store"', reason="SchedulerError")
    sc.event(rs, "SuccessfulCreate", "Created pod: blobs-5f8c6d7b9-h7tnw", 501,
             component="replicaset-controller")
    local_apiservices(sc)
    write(sc, {"root_detectors": ["pvc-pending"],
               "verdict_contains": ["claim.Spec.Selector is not supported"],
               "absent_detectors": ["node-not-ready"]})


def drop(sc, pred):
    sc.objects = [o for o in sc.objects if not pred(o)]


def involves(o, names):
    return o["kind"] == "Event" and o["involvedObject"]["name"] in names


def node_network_no_cni():
    """A single-node Kind cluster created with networking.disableDefaultCNI: true and no CNI
    installed: no kindnet, the node never becomes Ready, CoreDNS, local-path-provisioner and the
    app stay Pending behind the not-ready taint."""
    sc = Scenario("node-network-no-cni", "mesh-lab",
                  dt.datetime(2026, 3, 3, 7, 0, 0, tzinfo=dt.timezone.utc))
    sc.nodes_taint_control_plane = False
    node = "mesh-lab-control-plane"
    kind_base(sc, [(node, "control-plane", "172.18.0.4", "10.244.0.0/24", 12, 42, [],
                    16329236)])
    kindnet = {o["metadata"]["name"] for o in sc.objects
               if o["kind"] in ("Pod", "DaemonSet") and "kindnet" in o["metadata"]["name"]}
    drop(sc, lambda o: o["metadata"].get("name") in kindnet and o["kind"] in ("Pod", "DaemonSet")
         or involves(o, kindnet)
         or (o["kind"] == "ServiceAccount" and o["metadata"]["name"] == "kindnet"))
    sc.logs = [lg for lg in sc.logs if lg["pod"] not in kindnet]
    n = sc.nodes[node]
    for cnd in n["status"]["conditions"]:
        if cnd["type"] == "Ready":
            cnd.update({"reason": "KubeletNotReady", "status": "False", "message": CNI_NOT_READY,
                        "lastTransitionTime": sc.clock.ts(10)})
    n["spec"]["taints"] = [{"effect": "NoSchedule", "key": "node.kubernetes.io/not-ready"}]
    drop(sc, lambda o: o["kind"] == "Event" and o["reason"] == "NodeReady")
    # Pods that need the pod network cannot be scheduled: the node keeps its not-ready taint.
    msg = ("0/1 nodes are available: 1 node(s) had untolerated taint "
           "{node.kubernetes.io/not-ready: }. preemption: 0/1 nodes are available: 1 Preemption "
           "is not helpful for scheduling.")
    stuck = {o["metadata"]["name"] for o in sc.objects if o["kind"] == "Pod" and (
        o["metadata"]["name"].startswith("coredns-") or
        o["metadata"]["name"].startswith("local-path-provisioner-"))}
    drop(sc, lambda o: involves(o, stuck) and o["reason"] != "FailedScheduling")
    sc.logs = [lg for lg in sc.logs if lg["pod"] not in stuck]
    for o in sc.objects:
        if o["kind"] == "Pod" and o["metadata"]["name"] in stuck:
            o["spec"].pop("nodeName", None)
            t = 50
            o["status"] = {"conditions": [condition("PodScheduled", "False", sc.clock.ts(t),
                                                    "Unschedulable", msg)],
                           "phase": "Pending", "qosClass": o["status"]["qosClass"]}
            if not any(involves(e, {o["metadata"]["name"]}) for e in sc.objects):
                sc.scheduler_event(o, "FailedScheduling", msg, t, "Warning")
        if o["kind"] == "Event" and o["reason"] == "FailedScheduling" and \
                o["involvedObject"]["name"] in stuck:
            o["message"] = msg
            o["series"] = {"count": 31, "lastObservedTime": sc.clock.micro(sc.gather_at - 33.2)}
        if o["kind"] in ("Endpoints",) and o["metadata"]["name"] == "kube-dns":
            o.pop("subsets", None)
        if o["kind"] == "EndpointSlice" and o["metadata"]["name"].startswith("kube-dns"):
            o["endpoints"] = []
        if o["kind"] == "Deployment" and o["metadata"]["namespace"] in (
                "kube-system", "local-path-storage"):
            reps = o["spec"]["replicas"]
            o["status"] = {"conditions": [
                available(sc.clock.ts(30), ok=False),
                progressing(sc.clock.ts(30), o["metadata"]["name"], "progressing")],
                "observedGeneration": 1, "replicas": reps, "unavailableReplicas": reps,
                "updatedReplicas": reps}
        if o["kind"] == "ReplicaSet" and o["metadata"]["namespace"] in (
                "kube-system", "local-path-storage"):
            o["status"] = {"fullyLabeledReplicas": o["spec"]["replicas"], "observedGeneration": 1,
                           "replicas": o["spec"]["replicas"]}
    local_apiservices(sc)
    write(sc, {"root_detectors": ["node-network-not-ready"],
               "verdict_contains": ["cni plugin not initialized"],
               "absent_detectors": ["node-not-ready"]})


def node_network_sandbox():
    """kindnet runs, but the worker's pod CIDR is exhausted: the ptp plugin's host-local IPAM has
    no address left, containerd cannot set up the sandbox's network."""
    sc = cluster("node-network-sandbox", "ingest-ci", 11)
    ns = "ingest"
    namespace(sc, ns, 600)
    namespace_furniture(sc, ns, 600.4)
    node = "ingest-ci-worker"
    labels = {"app": "collector"}
    c = container("collector", "docker.io/otel/opentelemetry-collector:0.118.0",
                  resources={"requests": {"cpu": "20m", "memory": "32Mi"}},
                  mounts=[api_access_mount("w5rkn")])
    spec = pod_spec([c], node, volumes=[api_access_volume("w5rkn")])
    _, rs = deployment(sc, ns, "collector", 600.8, 1, labels, spec, [
        available(sc.clock.ts(601), ok=False),
        progressing(sc.clock.ts(601), "collector-6d9b7c5f48", "progressing")],
        {"replicas": 1, "unavailableReplicas": 1, "updatedReplicas": 1}, "6d9b7c5f48")
    name = "collector-6d9b7c5f48-zq2lp"
    p = pod(sc, ns, name, spec, 601, owner=rs,
            labels=dict(labels, **{"pod-template-hash": "6d9b7c5f48"}),
            generate_name="collector-6d9b7c5f48-", phase="Pending", qos="Burstable",
            conditions=pod_conditions(sc, 601.2, sandbox=601.2, unready=["collector"]),
            statuses=[cs_waiting(sc, name, c, "ContainerCreating", None)], start_time=601.2)
    for cnd in p["status"]["conditions"]:
        if cnd["type"] == "PodReadyToStartContainers":
            cnd["status"] = "False"
    sc.event(rs, "SuccessfulCreate", f"Created pod: {name}", 601,
             component="replicaset-controller")
    sc.scheduler_event(p, "Scheduled", f"Successfully assigned {ns}/{name} to {node}", 601.1)
    sandbox = sc.uid("sandbox", ns, name).replace("-", "") + "7fa21300838"
    sc.kubelet_event(p, "FailedCreatePodSandBox",
                     "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to "
                     f'setup network for sandbox "{sandbox[:64]}": plugin type="ptp" failed '
                     "(add): failed to allocate for range 0: no IP addresses available in range "
                     "set: 10.244.1.1-10.244.1.254", 601.4, sc.gather_at - 6, count=47,
                     type_="Warning")
    local_apiservices(sc)
    write(sc, {"root_detectors": ["pod-sandbox"],
               "verdict_contains": ["no IP addresses available"],
               "absent_detectors": ["node-not-ready", "node-network-not-ready"]})


def main():
    os.makedirs(OUT, exist_ok=True)
    storage_missing_class()
    storage_no_class()
    storage_provisioning_failed()
    node_network_no_cni()
    node_network_sandbox()


if __name__ == "__main__":
    main()
