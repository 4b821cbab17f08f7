"""Builders for fake kube-apiserver scenarios: Kubernetes objects in the shapes a 1.32 apiserver
returns them, kubelet/scheduler/controller events, container logs and Jaeger traces.

Everything is deterministic: times are offsets (seconds) from a fixed start, uids are uuid5 of the
object's identity, container ids are hashes of the pod/container/attempt. Running the generators
twice gives byte-identical JSON, so the committed .json files can be regenerated and diffed.
"""

import base64
import datetime as _dt
import hashlib
import json
import uuid

UID_NAMESPACE = uuid.UUID("6f1c9a52-3b7e-4d2a-9c41-0e5b8d7a2f13")

K8S_VERSION = "v1.32.2"
POD_TOLERATIONS = [
    {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists",
     "tolerationSeconds": 300},
    {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists",
     "tolerationSeconds": 300},
]
KIND_IMAGES = {
    "etcd": "registry.k8s.io/etcd:3.5.16-0",
    "kube-apiserver": "registry.k8s.io/kube-apiserver:" + K8S_VERSION,
    "kube-controller-manager": "registry.k8s.io/kube-controller-manager:" + K8S_VERSION,
    "kube-scheduler": "registry.k8s.io/kube-scheduler:" + K8S_VERSION,
    "kube-proxy": "registry.k8s.io/kube-proxy:" + K8S_VERSION,
    "coredns": "registry.k8s.io/coredns/coredns:v1.11.3",
    "kindnetd": "docker.io/kindest/kindnetd:v20250214-acbabc1a",
    "local-path-provisioner": "docker.io/kindest/local-path-provisioner:v20250214-acbabc1a",
    "local-path-helper": "docker.io/kindest/local-path-helper:v20241212-8ac705d0",
    "pause": "registry.k8s.io/pause:3.10",
}
# Sizes as containerd reports them for the kindest/node v1.32.2 preloaded images.
KIND_IMAGE_SIZES = {
    "etcd": 57680541, "kube-apiserver": 98055648, "kube-controller-manager": 90793286,
    "kube-scheduler": 70649156, "kube-proxy": 95271321, "coredns": 18562039,
    "kindnetd": 39008320, "local-path-provisioner": 22541737, "local-path-helper": 3084671,
    "pause": 320368,
}


def sha(*parts):
    return hashlib.sha256("/".join(str(p) for p in parts).encode()).hexdigest()


def b64(text):
    return base64.b64encode(text.encode()).decode()


class Clock:
    """Offsets in seconds from a fixed start rendered the way the apiserver renders them."""

    def __init__(self, start):
        self.start = start

    def at(self, offset):
        return self.start + _dt.timedelta(seconds=offset)

    def ts(self, offset):  # metav1.Time: seconds precision
        return self.at(offset).strftime("%Y-%m-%dT%H:%M:%SZ")

    def micro(self, offset):  # metav1.MicroTime
        return self.at(offset).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def nano(self, offset, extra_ns=0):  # kubelet log timestamps (RFC3339Nano, 9 digits)
        t = self.at(offset)
        ns = t.microsecond * 1000 + extra_ns
        return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%09dZ" % ns

    def unix_nano(self, offset):
        return int(round(self.at(offset).timestamp() * 1e6)) * 1000

    def unix_micro(self, offset):
        return int(round(self.at(offset).timestamp() * 1e6))


class Scenario:
    def __init__(self, name, cluster, start, server_version=None):
        self.name = name
        self.cluster = cluster
        self.clock = Clock(start)
        self.objects = []
        self.logs = []
        self.jaeger = []
        self._rv = 480
        self._event_seq = 0
        self.server_version = server_version or {
            "major": "1", "minor": "32", "gitVersion": K8S_VERSION,
            "gitCommit": "67a30c0adcf52bd3f56ff0893ce19966be12991f", "gitTreeState": "clean",
            "buildDate": "2025-02-12T21:19:47Z", "goVersion": "go1.23.6", "compiler": "gc",
            "platform": "linux/amd64"}
        self.nodes = {}  # name -> node object
        self.nodes_taint_control_plane = True  # kind drops the taint on single-node clusters
        self.gather_at = 1200  # seconds after start: when the snapshot is taken

    # ---- identity -------------------------------------------------------------------------
    def uid(self, kind, ns, name):
        return str(uuid.uuid5(UID_NAMESPACE, f"{self.cluster}/{kind}/{ns or ''}/{name}"))

    def next_rv(self):
        self._rv += 7
        return str(self._rv)

    def meta(self, kind, name, ns=None, t=0, labels=None, annotations=None, owner=None,
             generate_name=None, extra=None):
        md = {}
        if annotations:
            md["annotations"] = dict(annotations)
        md["creationTimestamp"] = self.clock.ts(t)
        if generate_name:
            md["generateName"] = generate_name
        if labels:
            md["labels"] = dict(labels)
        md["name"] = name
        if ns:
            md["namespace"] = ns
        if owner is not None:
            md["ownerReferences"] = [owner_ref(owner)]
        md["resourceVersion"] = self.next_rv()
        md["uid"] = self.uid(kind, ns, name)
        if extra:
            md.update(extra)
        return md

    def add(self, obj):
        self.objects.append(obj)
        return obj

    def find(self, kind, name, ns=None):
        for o in self.objects:
            if o["kind"] == kind and o["metadata"]["name"] == name and \
                    o["metadata"].get("namespace") == ns:
                return o
        raise KeyError(f"{kind} {ns}/{name}")

    # ---- events ---------------------------------------------------------------------------
    def _event_meta(self, ns, obj_name, first):
        # The recorder names events "<object>.<hex unix nanos>".
        self._event_seq += 1
        nanos = self.clock.unix_nano(first) + self._event_seq * 7919
        name = "%s.%x" % (obj_name, nanos)
        return {"creationTimestamp": self.clock.ts(first), "name": name, "namespace": ns,
                "resourceVersion": self.next_rv(), "uid": self.uid("Event", ns, name)}

    def event(self, obj, reason, message, first, last=None, count=1, type_="Normal",
              component="kubelet", host=None, field_path=None, ns=None, involved=None):
        """A legacy-recorder event (kubelet and kube-controller-manager controllers)."""
        md = obj["metadata"]
        ev_ns = ns or md.get("namespace") or "default"
        ref = involved or object_ref(obj)
        if field_path:
            ref = dict(ref)
            ref["fieldPath"] = field_path
        ev = {"apiVersion": "v1", "kind": "Event", "count": count, "eventTime": None,
              "firstTimestamp": self.clock.ts(first), "involvedObject": ref,
              "lastTimestamp": self.clock.ts(last if last is not None else first),
              "message": message, "metadata": self._event_meta(ev_ns, md["name"], first),
              "reason": reason, "reportingComponent": component,
              "reportingInstance": host or "", "source": {"component": component},
              "type": type_}
        if host:
            ev["source"]["host"] = host
        return self.add(ev)

    def kubelet_event(self, pod, reason, message, first, last=None, count=1, type_="Normal",
                      container=None):
        field = f"spec.containers{{{container}}}" if container else None
        return self.event(pod, reason, message, first, last, count, type_, "kubelet",
                          pod["spec"].get("nodeName"), field)

    def scheduler_event(self, pod, reason, message, t, type_="Normal", series=None):
        """An events.k8s.io event from default-scheduler, seen through core/v1."""
        md = pod["metadata"]
        # Sub-second jitter so the MicroTime looks like a real clock reading.
        jitter = ((self._event_seq * 104729) % 99991) / 1e6
        ev = {"action": "Scheduling", "apiVersion": "v1",
              "eventTime": self.clock.micro(t + jitter),
              "firstTimestamp": None, "involvedObject": object_ref(pod), "kind": "Event",
              "lastTimestamp": None, "message": message,
              "metadata": self._event_meta(md["namespace"], md["name"], t), "reason": reason,
              "reportingComponent": "default-scheduler",
              "reportingInstance": f"default-scheduler-{self.cluster}-control-plane",
              "source": {}, "type": type_}
        if series:
            count, last = series
            ev["series"] = {"count": count, "lastObservedTime": self.clock.micro(last)}
        return self.add(ev)

    def normal_start_events(self, pod, t, pulled=None):
        """Scheduled, Pulled, Created, Started for every container of a pod started at t."""
        md = pod["metadata"]
        node = pod["spec"]["nodeName"]
        if not md.get("annotations", {}).get("kubernetes.io/config.mirror"):
            self.scheduler_event(
                pod, "Scheduled",
                f"Successfully assigned {md['namespace']}/{md['name']} to {node}", t - 0.8)
        for i, c in enumerate(pod["spec"].get("initContainers", []) + pod["spec"]["containers"]):
            self.container_start_events(pod, c, t + 0.3 * i, pulled)

    def container_start_events(self, pod, c, t, pulled=None, last=None, count=1):
        if pulled and c["name"] in pulled:
            secs, size = pulled[c["name"]]
            self.kubelet_event(pod, "Pulling", f'Pulling image "{c["image"]}"', t - secs,
                               container=c["name"])
            self.kubelet_event(
                pod, "Pulled",
                f'Successfully pulled image "{c["image"]}" in {secs:.3f}s ({secs:.3f}s including '
                f'waiting). Image size: {size} bytes.', t, container=c["name"])
        else:
            self.kubelet_event(pod, "Pulled",
                               f'Container image "{c["image"]}" already present on machine', t,
                               last, count, container=c["name"])
        self.kubelet_event(pod, "Created", f"Created container: {c['name']}", t + 0.1,
                           None if last is None else last + 0.1, count, container=c["name"])
        self.kubelet_event(pod, "Started", f"Started container {c['name']}", t + 0.2,
                           None if last is None else last + 0.2, count, container=c["name"])

    # ---- logs -----------------------------------------------------------------------------
    def log(self, pod, container, lines, previous=False):
        """lines: (offset_seconds, text) pairs; rendered with RFC3339Nano timestamps."""
        out = []
        prev = None
        for i, (t, text) in enumerate(lines):
            # Sub-millisecond jitter that looks like a real clock, kept strictly increasing.
            jitter = int(sha("log", pod["metadata"]["name"], container, i)[:8], 16) % 900000
            ns = self.clock.unix_nano(t) + jitter
            if prev is not None and ns <= prev:
                ns = prev + 1 + jitter % 997
            prev = ns
            secs, frac = divmod(ns, 10**9)
            stamp = _dt.datetime.fromtimestamp(secs, _dt.timezone.utc)
            out.append(stamp.strftime("%Y-%m-%dT%H:%M:%S.") + "%09dZ %s" % (frac, text))
        self.logs.append({"namespace": pod["metadata"]["namespace"],
                          "pod": pod["metadata"]["name"], "container": container,
                          "previous": previous, "lines": out})

    def document(self):
        return {"name": self.name, "cluster": self.cluster, "serverVersion": self.server_version,
                "objects": self.objects, "logs": self.logs, "jaeger": self.jaeger}

    def write(self, path):
        with open(path, "w") as f:
            json.dump(self.document(), f, indent=1, sort_keys=False)
            f.write("\n")


def owner_ref(owner):
    ref = {"apiVersion": owner["apiVersion"], "kind": owner["kind"],
           "name": owner["metadata"]["name"], "uid": owner["metadata"]["uid"]}
    if owner["kind"] == "Node":
        ref["controller"] = True  # mirror pods: the kubelet sets no blockOwnerDeletion
    else:
        ref["blockOwnerDeletion"] = True
        ref["controller"] = True
    return ref


def object_ref(obj):
    md = obj["metadata"]
    ref = {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "name": md["name"]}
    if md.get("namespace"):
        ref["namespace"] = md["namespace"]
    ref["resourceVersion"] = md["resourceVersion"]
    ref["uid"] = md["uid"]
    return ref


# ---- object builders ----------------------------------------------------------------------

def api_access_volume(suffix):
    return {"name": f"kube-api-access-{suffix}", "projected": {
        "defaultMode": 420,
        "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}],
                           "name": "kube-root-ca.crt"}},
            {"downwardAPI": {"items": [{"fieldRef": {"apiVersion": "v1",
                                                     "fieldPath": "metadata.namespace"},
                                        "path": "namespace"}]}}]}}


def api_access_mount(suffix):
    return {"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
            "name": f"kube-api-access-{suffix}", "readOnly": True}


def container(name, image, pull="IfNotPresent", ports=None, env=None, resources=None,
              command=None, args=None, mounts=None, readiness=None, liveness=None,
              security=None):
    c = {}
    if args:
        c["args"] = args
    if command:
        c["command"] = command
    if env:
        c["env"] = env
    c["image"] = image
    c["imagePullPolicy"] = pull
    if liveness:
        c["livenessProbe"] = liveness
    c["name"] = name
    if ports:
        c["ports"] = ports
    if readiness:
        c["readinessProbe"] = readiness
    c["resources"] = resources or {}
    if security:
        c["securityContext"] = security
    c["terminationMessagePath"] = "/dev/termination-log"
    c["terminationMessagePolicy"] = "File"
    if mounts:
        c["volumeMounts"] = mounts
    return c


def http_probe(path, port, period=10, failure=3, delay=0, timeout=1):
    return {"failureThreshold": failure, "httpGet": {"path": path, "port": port, "scheme": "HTTP"},
            "initialDelaySeconds": delay, "periodSeconds": period, "successThreshold": 1,
            "timeoutSeconds": timeout}


def pod_spec(containers, node, sa="default", volumes=None, extra=None, tolerations=None,
             restart="Always", host_network=False):
    spec = {"containers": containers, "dnsPolicy": "ClusterFirst", "enableServiceLinks": True}
    if host_network:
        spec["hostNetwork"] = True
    if node:
        spec["nodeName"] = node
    spec.update({"preemptionPolicy": "PreemptLowerPriority", "priority": 0,
                 "restartPolicy": restart, "schedulerName": "default-scheduler",
                 "securityContext": {}})
    if sa:
        spec["serviceAccount"] = sa
        spec["serviceAccountName"] = sa
    spec["terminationGracePeriodSeconds"] = 30
    spec["tolerations"] = tolerations if tolerations is not None else list(POD_TOLERATIONS)
    spec["volumes"] = volumes or []
    if extra:
        spec.update(extra)
    return spec


def template_of(spec):
    """The pod template a controller holds: the pod spec without what the scheduler and the
    admission plugins add (nodeName, serviceAccount alias, default tolerations, token volume)."""
    t = json.loads(json.dumps(spec))
    t.pop("nodeName", None)
    t.pop("serviceAccount", None)
    t.pop("enableServiceLinks", None)
    t.pop("preemptionPolicy", None)
    t.pop("priority", None)
    if t.get("tolerations") == POD_TOLERATIONS:
        t.pop("tolerations")
    t["volumes"] = [v for v in t.get("volumes", []) if not v["name"].startswith("kube-api-access")]
    if not t["volumes"]:
        t.pop("volumes")
    for c in t["containers"] + t.get("initContainers", []):
        ms = [m for m in c.get("volumeMounts", []) if not m["name"].startswith("kube-api-access")]
        if ms:
            c["volumeMounts"] = ms
        else:
            c.pop("volumeMounts", None)
    return t


def condition(type_, status, t, reason=None, message=None, probe=True):
    c = {}
    if probe:
        c["lastProbeTime"] = None
    c["lastTransitionTime"] = t
    if message:
        c["message"] = message
    if reason:
        c["reason"] = reason
    c["status"] = status
    c["type"] = type_
    return c


def status_image(image):
    """The image reference containerd reports: fully qualified."""
    first = image.split("/")[0]
    if "/" not in image:
        return "docker.io/library/" + image
    if "." not in first and ":" not in first and first != "localhost":
        return "docker.io/" + image
    return image


def image_id(image, pulled):
    digest = sha("image", status_image(image))
    if pulled:
        return status_image(image).rsplit(":", 1)[0] + "@sha256:" + digest
    return "sha256:" + digest


def container_id(sc, pod_name, cname, attempt):
    return "containerd://" + sha(sc.cluster, pod_name, cname, attempt)


def cs_base(sc, pod_name, c, restarts, last, pulled, created=True):
    st = {}
    if created:
        st["containerID"] = container_id(sc, pod_name, c["name"], restarts)
    st["image"] = status_image(c["image"])
    st["imageID"] = image_id(c["image"], pulled) if created or restarts else ""
    st["lastState"] = last or {}
    st["name"] = c["name"]
    return st


def status_mounts(c):
    return [dict(m, recursiveReadOnly="Disabled") if m.get("readOnly") else dict(m)
            for m in c.get("volumeMounts", [])]


def cs_running(sc, pod_name, c, started, ready=True, restarts=0, last=None, pulled=False):
    st = cs_base(sc, pod_name, c, restarts, last, pulled)
    st.update({"ready": ready, "restartCount": restarts, "started": True,
               "state": {"running": {"startedAt": sc.clock.ts(started)}}})
    if c.get("volumeMounts"):
        st["volumeMounts"] = status_mounts(c)
    return st


def cs_waiting(sc, pod_name, c, reason, message, restarts=0, last=None, pulled=False):
    # restartCount N while waiting means N+1 runs so far; the status carries the id of the
    # last one (attempt N), the same container lastState.terminated describes.
    created = last is not None
    st = cs_base(sc, pod_name, c, restarts, last, pulled, created)
    waiting = {"message": message, "reason": reason} if message else {"reason": reason}
    st.update({"ready": False, "restartCount": restarts, "started": False,
               "state": {"waiting": waiting}})
    if created and c.get("volumeMounts"):
        st["volumeMounts"] = status_mounts(c)
    return st


def terminated(sc, pod_name, cname, attempt, started, finished, exit_code, reason):
    return {"terminated": {"containerID": container_id(sc, pod_name, cname, attempt),
                           "exitCode": exit_code, "finishedAt": sc.clock.ts(finished),
                           "reason": reason, "startedAt": sc.clock.ts(started)}}


def cs_terminated(sc, pod_name, c, started, finished, exit_code, reason, pulled=False):
    st = cs_base(sc, pod_name, c, 0, None, pulled)
    st.update({"ready": False, "restartCount": 0, "started": False,
               "state": terminated(sc, pod_name, c["name"], 0, started, finished, exit_code,
                                   reason)})
    if c.get("volumeMounts"):
        st["volumeMounts"] = status_mounts(c)
    return st


def pod_conditions(sc, scheduled, sandbox=None, ready=None, unready=None, failed=False):
    """The five 1.32 pod conditions. ready: time all containers became ready, or None with
    unready: names of the containers that are not."""
    s = sc.clock.ts
    out = []
    out.append(condition("PodReadyToStartContainers", "False" if failed else "True",
                         s(sandbox if sandbox is not None else scheduled + 1)))
    out.append(condition("Initialized", "True", s(scheduled)))
    if ready is not None:
        out.append(condition("Ready", "True", s(ready)))
        out.append(condition("ContainersReady", "True", s(ready)))
    elif failed:
        out.append(condition("Ready", "False", s(failed), "PodFailed"))
        out.append(condition("ContainersReady", "False", s(failed), "PodFailed"))
    else:
        msg = "containers with unready status: [%s]" % " ".join(unready)
        out.append(condition("Ready", "False", s(scheduled), "ContainersNotReady", msg))
        out.append(condition("ContainersReady", "False", s(scheduled), "ContainersNotReady", msg))
    out.append(condition("PodScheduled", "True", s(scheduled)))
    return out


def pod(sc, ns, name, spec, t, owner=None, labels=None, annotations=None, generate_name=None,
        phase="Running", conditions=None, statuses=None, ip=None, qos="BestEffort",
        start_time=None, init_statuses=None):
    node = sc.nodes.get(spec.get("nodeName"))
    host_ip = node_ip(node) if node else None
    p = {"apiVersion": "v1", "kind": "Pod",
         "metadata": sc.meta("Pod", name, ns, t, labels, annotations, owner, generate_name),
         "spec": spec, "status": {}}
    st = p["status"]
    if conditions is not None:
        st["conditions"] = conditions
    if statuses is not None:
        st["containerStatuses"] = statuses
    if host_ip:
        st["hostIP"] = host_ip
        st["hostIPs"] = [{"ip": host_ip}]
    if init_statuses is not None:
        st["initContainerStatuses"] = init_statuses
    st["phase"] = phase
    if ip:
        st["podIP"] = ip
        st["podIPs"] = [{"ip": ip}]
    st["qosClass"] = qos
    if start_time is not None:
        st["startTime"] = sc.clock.ts(start_time)
    return sc.add(p)


def node_ip(node):
    for a in node["status"]["addresses"]:
        if a["type"] == "InternalIP":
            return a["address"]
    return None


# ---- cluster furniture ----------------------------------------------------------------------

def namespace(sc, name, t, labels=None):
    lb = {"kubernetes.io/metadata.name": name}
    lb.update(labels or {})
    return sc.add({"apiVersion": "v1", "kind": "Namespace",
                   "metadata": sc.meta("Namespace", name, None, t, lb),
                   "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}})


ROOT_CA = ("-----BEGIN CERTIFICATE-----\n"
           "MIIDBTCCAe2gAwIBAgIIQ2nq3kD3Y4cwDQYJKoZIhvcNAQELBQAwFTETMBEGA1UE\n"
           "AxMKa3ViZXJuZXRlczAeFw0yNjAyMDQwOTU1MDBaFw0zNjAyMDIxMDAwMDBaMBUx\n"
           "EzARBgNVBAMTCmt1YmVybmV0ZXMwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEK\n"
           "AoIBAQDf1m0cN1aS8wQy3nqO6ZkVx1r5cE8tqQfG5E3l9vYkq3o2d8HcQm0aN7jL\n"
           "-----END CERTIFICATE-----\n")


def namespace_furniture(sc, ns, t):
    """What every namespace gets from kube-controller-manager: the default ServiceAccount and
    the kube-root-ca.crt ConfigMap."""
    service_account(sc, ns, "default", t)
    sc.add({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": sc.meta("ConfigMap", "kube-root-ca.crt", ns, t, annotations={
                "kubernetes.io/description": "Contains a CA bundle that can be used to verify "
                "the kube-apiserver when using internal endpoints such as the internal service "
                "IP or kubernetes.default.svc. No other usage is guaranteed across "
                "distributions of Kubernetes clusters."}),
            "data": {"ca.crt": ROOT_CA}})


def service_account(sc, ns, name, t, labels=None):
    return sc.add({"apiVersion": "v1", "kind": "ServiceAccount",
                   "metadata": sc.meta("ServiceAccount", name, ns, t, labels)})


def make_node(sc, name, role, ip, pod_cidr, t, ready_t, images, memory_ki, cpu="4"):
    labels = {"beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
              "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": name,
              "kubernetes.io/os": "linux"}
    if role == "control-plane":
        labels["node-role.kubernetes.io/control-plane"] = ""
        labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
    ann = {"kubeadm.alpha.kubernetes.io/cri-socket": "unix:///run/containerd/containerd.sock",
           "node.alpha.kubernetes.io/ttl": "0",
           "volumes.kubernetes.io/controller-managed-attach-detach": "true"}
    spec = {"podCIDR": pod_cidr, "podCIDRs": [pod_cidr],
            "providerID": f"kind://docker/{sc.cluster}/{name}"}
    taints = []
    if role == "control-plane" and sc.nodes_taint_control_plane:
        taints.append({"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"})
    if taints:
        spec["taints"] = taints
    res = {"cpu": cpu, "ephemeral-storage": "76026616Ki", "hugepages-1Gi": "0",
           "hugepages-2Mi": "0", "memory": f"{memory_ki}Ki", "pods": "110"}
    hb = sc.clock.ts(sc.gather_at - 23)

    def cond(type_, status, reason, msg, since):
        return {"lastHeartbeatTime": hb, "lastTransitionTime": sc.clock.ts(since),
                "message": msg, "reason": reason, "status": status, "type": type_}

    node = {"apiVersion": "v1", "kind": "Node",
            "metadata": sc.meta("Node", name, None, t, labels, ann),
            "spec": spec,
            "status": {
                "addresses": [{"address": ip, "type": "InternalIP"},
                              {"address": name, "type": "Hostname"}],
                "allocatable": dict(res), "capacity": dict(res),
                "conditions": [
                    cond("MemoryPressure", "False", "KubeletHasSufficientMemory",
                         "kubelet has sufficient memory available", t - 3),
                    cond("DiskPressure", "False", "KubeletHasNoDiskPressure",
                         "kubelet has no disk pressure", t - 3),
                    cond("PIDPressure", "False", "KubeletHasSufficientPID",
                         "kubelet has sufficient PID available", t - 3),
                    cond("Ready", "True", "KubeletReady", "kubelet is posting ready status",
                         ready_t)],
                "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
                "features": {"supplementalGroupsPolicy": True},
                "images": images,
                "nodeInfo": {
                    "architecture": "amd64",
                    "bootID": str(uuid.uuid5(UID_NAMESPACE, "boot/" + sc.cluster + name)),
                    "containerRuntimeVersion": "containerd://2.0.2",
                    "kernelVersion": "6.8.0-1020-azure", "kubeProxyVersion": "",
                    "kubeletVersion": K8S_VERSION,
                    "machineID": sha("machine", sc.cluster, name)[:32],
                    "operatingSystem": "linux",
                    "osImage": "Debian GNU/Linux 12 (bookworm)",
                    "systemUUID": str(uuid.uuid5(UID_NAMESPACE, "sys/" + sc.cluster + name))},
                "runtimeHandlers": [
                    {"features": {"recursiveReadOnlyMounts": True, "userNamespaces": True},
                     "name": "runc"},
                    {"features": {"recursiveReadOnlyMounts": True, "userNamespaces": True},
                     "name": ""}]}}
    sc.nodes[name] = node
    sc.add(node)
    # The kubelet's heartbeat: its Lease in kube-node-lease, renewed every 10 s (no acquireTime).
    sc.add({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": sc.meta("Lease", name, "kube-node-lease", t + 1, extra={
                "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": name,
                                     "uid": node["metadata"]["uid"]}]}),
            "spec": {"holderIdentity": name, "leaseDurationSeconds": 40,
                     "renewTime": sc.clock.micro(sc.gather_at - 4.5)}})
    # Node events: the kubelet refers to its node with uid = node name (kubelet.go nodeRef);
    # only node-controller's RegisteredNode carries the real uid.
    kubelet_ref = {"kind": "Node", "name": name, "uid": name}
    for reason, msg, dt in [
            ("Starting", "Starting kubelet.", -4),
            ("NodeHasSufficientMemory", f"Node {name} status is now: NodeHasSufficientMemory", -3),
            ("NodeHasNoDiskPressure", f"Node {name} status is now: NodeHasNoDiskPressure", -3),
            ("NodeHasSufficientPID", f"Node {name} status is now: NodeHasSufficientPID", -3),
            ("NodeAllocatableEnforced", "Updated Node Allocatable limit across pods", -3)]:
        sc.event(node, reason, msg, t + dt, host=name, involved=kubelet_ref, ns="default")
    sc.event(node, "RegisteredNode",
             f"Node {name} event: Registered Node {name} in Controller", t + 6,
             component="node-controller", ns="default")
    sc.event(node, "NodeReady", f"Node {name} status is now: NodeReady", ready_t, host=name,
             involved=kubelet_ref, ns="default")
    sc.event(node, "Starting", "", ready_t + 2, component="kube-proxy", host=name,
             involved=kubelet_ref, ns="default")
    return node


def node_images(extra=(), control_plane=True):
    out = []
    keys = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"] \
        if control_plane else []
    keys += ["kube-proxy", "kindnetd", "coredns", "local-path-provisioner", "local-path-helper",
             "pause"]
    for k in keys:
        img = KIND_IMAGES[k]
        names = [img]
        if k.startswith("kube-"):
            repo, tag = img.rsplit(":", 1)
            names = [f"{repo}-amd64:{tag}", img]
        out.append({"names": names, "sizeBytes": KIND_IMAGE_SIZES[k]})
    out.extend(extra)
    out.sort(key=lambda i: -i["sizeBytes"])
    return out


def loaded_image(image, size):
    """An image put on the node with `kind load docker-image`: tag only, no repo digest."""
    return {"names": [status_image(image)], "sizeBytes": size}


def pulled_image(image, size):
    return {"names": [image_id(image, True), status_image(image)], "sizeBytes": size}


def service(sc, ns, name, t, cluster_ip, ports, selector=None, labels=None, annotations=None,
            headless=False):
    spec = {"clusterIP": "None" if headless else cluster_ip,
            "clusterIPs": ["None" if headless else cluster_ip],
            "internalTrafficPolicy": "Cluster", "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack", "ports": ports}
    if selector:
        spec["selector"] = selector
    spec["sessionAffinity"] = "None"
    spec["type"] = "ClusterIP"
    return sc.add({"apiVersion": "v1", "kind": "Service",
                   "metadata": sc.meta("Service", name, ns, t, labels, annotations),
                   "spec": spec, "status": {"loadBalancer": {}}})


def port(name, number, target=None, protocol="TCP"):
    p = {}
    if name:
        p["name"] = name
    p["port"] = number
    p["protocol"] = protocol
    p["targetPort"] = target if target is not None else number
    return p


def endpoints(sc, svc, pods, t, ports=None):
    """Endpoints + EndpointSlice for a Service, from the pods behind it (ready or not)."""
    ns = svc["metadata"]["namespace"]
    name = svc["metadata"]["name"]
    ep_ports = ports or [{k: v for k, v in (("name", p.get("name")),
                                           ("port", p["targetPort"] if isinstance(
                                               p["targetPort"], int) else p["port"]),
                                           ("protocol", p["protocol"])) if v is not None}
                         for p in svc["spec"]["ports"]]
    ready, not_ready = [], []
    for p in pods:
        if not p["status"].get("podIP"):
            continue
        addr = {"ip": p["status"]["podIP"], "nodeName": p["spec"]["nodeName"],
                "targetRef": {"kind": "Pod", "name": p["metadata"]["name"], "namespace": ns,
                              "uid": p["metadata"]["uid"]}}
        is_ready = any(c["type"] == "Ready" and c["status"] == "True"
                       for c in p["status"].get("conditions", []))
        (ready if is_ready else not_ready).append(addr)
    labels = dict(svc["metadata"].get("labels", {}))
    ep = {"apiVersion": "v1", "kind": "Endpoints",
          "metadata": sc.meta("Endpoints", name, ns, t, labels or None, {
              "endpoints.kubernetes.io/last-change-trigger-time": sc.clock.ts(t)})}
    if ready or not_ready:
        subset = {}
        if ready:
            subset["addresses"] = ready
        if not_ready:
            subset["notReadyAddresses"] = not_ready
        subset["ports"] = ep_ports
        ep["subsets"] = [subset]
    sc.add(ep)
    slice_labels = dict(labels)
    slice_labels.update({"endpointslice.kubernetes.io/managed-by":
                         "endpointslice-controller.k8s.io",
                         "kubernetes.io/service-name": name})
    suffix = sha("slice", ns, name)[:5].translate(str.maketrans("0123456789abcdef",
                                                              "bcdfghjklmnpqrst"))
    es = {"addressType": "IPv4", "apiVersion": "discovery.k8s.io/v1", "endpoints": [],
          "kind": "EndpointSlice",
          "metadata": sc.meta("EndpointSlice", f"{name}-{suffix}", ns, t, slice_labels, {
              "endpoints.kubernetes.io/last-change-trigger-time": sc.clock.ts(t)},
              svc, generate_name=f"{name}-"),
          "ports": ep_ports}
    for addr, rdy in [(a, True) for a in ready] + [(a, False) for a in not_ready]:
        es["endpoints"].append({"addresses": [addr["ip"]],
                                "conditions": {"ready": rdy, "serving": rdy,
                                               "terminating": False},
                                "nodeName": addr["nodeName"], "targetRef": addr["targetRef"]})
    if not es["endpoints"]:
        es["endpoints"] = None
    sc.add(es)
    return ep


# ---- workloads --------------------------------------------------------------------------------

def pod_template(labels, spec, annotations=None):
    md = {"creationTimestamp": None, "labels": dict(labels)}
    if annotations:
        md = {"annotations": dict(annotations), **md}
    return {"metadata": md, "spec": template_of(spec)}


def last_applied(manifest):
    return {"kubectl.kubernetes.io/last-applied-configuration":
            json.dumps(manifest, separators=(",", ":"), sort_keys=True) + "\n"}


def deployment(sc, ns, name, t, replicas, labels, spec, conditions, status_counts, rs_hash,
               progress_deadline=600, annotations=None, applied=True):
    ann = {"deployment.kubernetes.io/revision": "1"}
    selector = {"matchLabels": dict(labels)}
    tmpl = pod_template(labels, spec)
    if applied:
        ann.update(last_applied({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"annotations": {}, "labels": labels, "name": name, "namespace": ns},
            "spec": {"replicas": replicas, "selector": selector,
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [
                                      {k: v for k, v in c.items()
                                       if k in ("name", "image", "imagePullPolicy", "env",
                                                "ports", "args", "resources", "readinessProbe",
                                                "livenessProbe")}
                                      for c in tmpl["spec"]["containers"]]}}}}))
    ann.update(annotations or {})
    d = {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": sc.meta("Deployment", name, ns, t, labels, ann, extra={"generation": 1}),
         "spec": {"progressDeadlineSeconds": progress_deadline, "replicas": replicas,
                  "revisionHistoryLimit": 10, "selector": selector,
                  "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
                               "type": "RollingUpdate"},
                  "template": tmpl},
         "status": {}}
    st = {"conditions": conditions, "observedGeneration": 1}
    st.update(status_counts)
    d["status"] = dict(sorted(st.items()))
    sc.add(d)
    rs_labels = dict(labels, **{"pod-template-hash": rs_hash})
    rs_tmpl = pod_template(rs_labels, spec)
    rs_status = {"fullyLabeledReplicas": replicas, "observedGeneration": 1, "replicas": replicas}
    for k in ("readyReplicas", "availableReplicas"):
        if status_counts.get(k):
            rs_status[k] = status_counts[k]
    rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
          "metadata": sc.meta("ReplicaSet", f"{name}-{rs_hash}", ns, t + 0.2, rs_labels, {
              "deployment.kubernetes.io/desired-replicas": str(replicas),
              "deployment.kubernetes.io/max-replicas": str(replicas + (replicas + 3) // 4),
              "deployment.kubernetes.io/revision": "1"}, d, extra={"generation": 1}),
          "spec": {"replicas": replicas,
                   "selector": {"matchLabels": dict(rs_labels)}, "template": rs_tmpl},
          "status": rs_status}
    sc.add(rs)
    sc.event(d, "ScalingReplicaSet",
             f"Scaled up replica set {name}-{rs_hash} from 0 to {replicas}", t + 0.2,
             component="deployment-controller")
    return d, rs


def rs_pod_events(sc, rs, pods):
    for p in pods:
        sc.event(rs, "SuccessfulCreate", f"Created pod: {p['metadata']['name']}",
                 rs_created(sc, rs) + 0.1, component="replicaset-controller")


def rs_created(sc, obj):
    t = _dt.datetime.strptime(obj["metadata"]["creationTimestamp"], "%Y-%m-%dT%H:%M:%SZ")
    return (t.replace(tzinfo=_dt.timezone.utc) - sc.clock.start).total_seconds()


def available(t, ok=True, clock=None):
    if ok:
        return {"lastTransitionTime": t, "lastUpdateTime": t,
                "message": "Deployment has minimum availability.",
                "reason": "MinimumReplicasAvailable", "status": "True", "type": "Available"}
    return {"lastTransitionTime": t, "lastUpdateTime": t,
            "message": "Deployment does not have minimum availability.",
            "reason": "MinimumReplicasUnavailable", "status": "False", "type": "Available"}


def progressing(t, rs_name, state, updated=None):
    if state == "done":
        return {"lastTransitionTime": t, "lastUpdateTime": updated or t,
                "message": f'ReplicaSet "{rs_name}" has successfully progressed.',
                "reason": "NewReplicaSetAvailable", "status": "True", "type": "Progressing"}
    if state == "progressing":
        return {"lastTransitionTime": t, "lastUpdateTime": updated or t,
                "message": f'ReplicaSet "{rs_name}" is progressing.',
                "reason": "ReplicaSetUpdated", "status": "True", "type": "Progressing"}
    return {"lastTransitionTime": updated, "lastUpdateTime": updated,
            "message": f'ReplicaSet "{rs_name}" has timed out progressing.',
            "reason": "ProgressDeadlineExceeded", "status": "False", "type": "Progressing"}


def daemonset(sc, ns, name, t, labels, spec, pods_ready, rs_hash, selector=None,
              annotations=None):
    sel = selector or {"matchLabels": dict(labels)}
    ann = {"deprecated.daemonset.template.generation": "1"}
    ann.update(annotations or {})
    n = pods_ready
    ds = {"apiVersion": "apps/v1", "kind": "DaemonSet",
          "metadata": sc.meta("DaemonSet", name, ns, t, labels, ann, extra={"generation": 1}),
          "spec": {"revisionHistoryLimit": 10, "selector": sel, "template": pod_template(
              dict(sel["matchLabels"]), spec),
                   "updateStrategy": {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1},
                                      "type": "RollingUpdate"}},
          "status": {"currentNumberScheduled": n, "desiredNumberScheduled": n,
                     "numberAvailable": n, "numberMisscheduled": 0, "numberReady": n,
                     "observedGeneration": 1, "updatedNumberScheduled": n}}
    return sc.add(ds)


# ---- the Kind cluster itself ------------------------------------------------------------------

def static_pod(sc, node, component, t, command, probe_port, probe_host, requests, extra_ann=None,
               probe_scheme="HTTPS", probe_path="/healthz", volumes=()):
    name = f"{component}-{node['metadata']['name']}"
    h = sha("config", sc.cluster, name)[:32]
    ann = {"kubernetes.io/config.hash": h, "kubernetes.io/config.mirror": h,
           "kubernetes.io/config.seen": sc.clock.nano(t - 9), "kubernetes.io/config.source": "file"}
    ann.update(extra_ann or {})
    mounts = [{"mountPath": m, "name": v, "readOnly": ro} if ro else {"mountPath": m, "name": v}
              for v, _, m, ro in volumes]
    probe = {"failureThreshold": 8, "httpGet": {"host": probe_host, "path": probe_path,
                                                "port": probe_port, "scheme": probe_scheme},
             "initialDelaySeconds": 10, "periodSeconds": 10, "successThreshold": 1,
             "timeoutSeconds": 15}
    c = container(component, KIND_IMAGES[component], command=command,
                  resources={"requests": requests}, liveness=probe, mounts=mounts)
    c["startupProbe"] = dict(probe, failureThreshold=24)
    if component == "kube-apiserver":
        c["readinessProbe"] = dict(probe, failureThreshold=3, periodSeconds=1,
                                   httpGet=dict(probe["httpGet"], path="/readyz"))
        c["livenessProbe"]["httpGet"]["path"] = "/livez"
        c["startupProbe"]["httpGet"]["path"] = "/livez"
    spec = pod_spec([c], node["metadata"]["name"], sa=None, host_network=True,
                    tolerations=[{"effect": "NoExecute", "operator": "Exists"}],
                    volumes=[{"hostPath": {"path": hp, "type": "DirectoryOrCreate"}, "name": v}
                             for v, hp, _, _ in volumes],
                    extra={"priority": 2000001000, "priorityClassName": "system-node-critical",
                           "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}})
    ip = node_ip(node)
    p = pod(sc, "kube-system", name, spec, t, owner=node,
            labels={"component": component, "tier": "control-plane"}, annotations=ann,
            conditions=pod_conditions(sc, t - 9, t - 9, ready=t + 6),
            statuses=[cs_running(sc, name, c, t - 12)], ip=ip, qos="Burstable",
            start_time=t - 9)
    return p


# The group-versions a 1.32 kube-apiserver serves by default and their APIService priorities
# (kube-apiserver's DefaultKubeAPIServicePriorities merged with the generic control plane's, in
# pkg/controlplane/apiserver/aggregator.go). The aggregator's own group has no APIService.
LOCAL_API_SERVICES = [
    ("", "v1", 18000, 1), ("admissionregistration.k8s.io", "v1", 16700, 15),
    ("apiextensions.k8s.io", "v1", 16700, 15), ("apps", "v1", 17800, 15),
    ("authentication.k8s.io", "v1", 17700, 15), ("authorization.k8s.io", "v1", 17600, 15),
    ("autoscaling", "v1", 17500, 15), ("autoscaling", "v2", 17500, 30),
    ("batch", "v1", 17400, 15), ("certificates.k8s.io", "v1", 17300, 15),
    ("coordination.k8s.io", "v1", 16500, 15), ("discovery.k8s.io", "v1", 16200, 15),
    ("events.k8s.io", "v1", 17750, 15), ("flowcontrol.apiserver.k8s.io", "v1", 16100, 21),
    ("networking.k8s.io", "v1", 17200, 15), ("node.k8s.io", "v1", 16300, 15),
    ("policy", "v1", 17100, 15), ("rbac.authorization.k8s.io", "v1", 17000, 15),
    ("scheduling.k8s.io", "v1", 16600, 15), ("storage.k8s.io", "v1", 16800, 15),
]


def apiservice(sc, group, version, t, group_priority, version_priority, managed):
    """A local APIService as the aggregator's autoregister controller writes it: `service: null`
    (the field has no omitempty), Available=True with reason Local."""
    spec = {"service": None}
    if group:
        spec["group"] = group
    spec.update({"version": version, "groupPriorityMinimum": group_priority,
                 "versionPriority": version_priority})
    name = f"{version}.{group}"
    return sc.add({"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
                   "metadata": sc.meta("APIService", name, None, t, {
                       "kube-aggregator.kubernetes.io/automanaged": managed}),
                   "spec": spec,
                   "status": {"conditions": [{
                       "type": "Available", "status": "True",
                       "lastTransitionTime": sc.clock.ts(t), "reason": "Local",
                       "message": "Local APIServices are always available"}]}})


def local_apiservices(sc, t=8):
    """Kind's APIServices: one per built-in group-version, registered when the apiserver starts
    ("onstart"), and one per served version of each CRD of the scenario, registered by the
    crdregistration controller ("true", priority 1000/100). Call once all CRDs are added."""
    for group, version, gp, vp in LOCAL_API_SERVICES:
        apiservice(sc, group, version, t, gp, vp, "onstart")
    for crd in [o for o in sc.objects if o["kind"] == "CustomResourceDefinition"]:
        created = crd["metadata"]["creationTimestamp"]
        offset = (_dt.datetime.fromisoformat(created.replace("Z", "+00:00")) -
                  sc.clock.at(0)).total_seconds()
        for v in crd["spec"]["versions"]:
            if v.get("served", True):
                apiservice(sc, crd["spec"]["group"], v["name"], offset, 1000, 100, "true")


def kind_base(sc, nodes, startup_warnings=True):
    """Namespaces, nodes, the control plane, kube-proxy, kindnet, CoreDNS and local-path-storage
    of a Kind cluster; returns the control-plane node. nodes: (name, role, ip, cidr, t, ready_t,
    extra images, memory Ki). startup_warnings: whether CoreDNS and local-path-provisioner met the
    not-ready node first (FailedScheduling), as they usually do on a fresh Kind cluster."""
    for i, ns in enumerate(["default", "kube-node-lease", "kube-public", "kube-system"]):
        namespace(sc, ns, 8)
    for ns in ["default", "kube-node-lease", "kube-public", "kube-system"]:
        namespace_furniture(sc, ns, 19)
    built = []
    for (name, role, ip, cidr, t, ready_t, extra, mem) in nodes:
        built.append(make_node(sc, name, role, ip, cidr, t, ready_t,
                               node_images(extra, role == "control-plane"), mem))
    cp = built[0]
    cp_name = cp["metadata"]["name"]
    cp_ip = node_ip(cp)

    kubernetes = service(sc, "default", "kubernetes", 9, "10.96.0.1",
                         [port("https", 443, 6443)],
                         labels={"component": "apiserver", "provider": "kubernetes"})
    sc.add({"apiVersion": "v1", "kind": "Endpoints",
            "metadata": sc.meta("Endpoints", "kubernetes", "default", 9,
                                {"endpointslice.kubernetes.io/skip-mirror": "true"}),
            "subsets": [{"addresses": [{"ip": cp_ip}],
                         "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]}]})
    sc.add({"addressType": "IPv4", "apiVersion": "discovery.k8s.io/v1",
            "endpoints": [{"addresses": [cp_ip], "conditions": {"ready": True}}],
            "kind": "EndpointSlice",
            "metadata": sc.meta("EndpointSlice", "kubernetes", "default", 9, {
                "kubernetes.io/service-name": "kubernetes"}),
            "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]})
    del kubernetes

    # Control plane static pods (mirror pods owned by the Node).
    pki = ("k8s-certs", "/etc/kubernetes/pki", "/etc/kubernetes/pki", True)
    ca = ("ca-certs", "/etc/ssl/certs", "/etc/ssl/certs", True)
    etcd = static_pod(sc, cp, "etcd", 20, [
        "etcd", f"--advertise-client-urls=https://{cp_ip}:2379",
        "--cert-file=/etc/kubernetes/pki/etcd/server.crt", "--client-cert-auth=true",
        "--data-dir=/var/lib/etcd", "--experimental-initial-corrupt-check=true",
        "--experimental-watch-progress-notify-interval=5s",
        f"--initial-advertise-peer-urls=https://{cp_ip}:2380",
        f"--initial-cluster={cp_name}=https://{cp_ip}:2380",
        "--key-file=/etc/kubernetes/pki/etcd/server.key",
        f"--listen-client-urls=https://127.0.0.1:2379,https://{cp_ip}:2379",
        "--listen-metrics-urls=http://127.0.0.1:2381", f"--listen-peer-urls=https://{cp_ip}:2380",
        f"--name={cp_name}", "--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt",
        "--peer-client-cert-auth=true", "--peer-key-file=/etc/kubernetes/pki/etcd/peer.key",
        "--peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt", "--snapshot-count=10000",
        "--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt"], 2381, "127.0.0.1",
        {"cpu": "100m", "memory": "100Mi"},
        {"kubeadm.kubernetes.io/etcd.advertise-client-urls": f"https://{cp_ip}:2379"},
        "HTTP", "/livez", [("etcd-certs", "/etc/kubernetes/pki/etcd", "/etc/kubernetes/pki/etcd",
                            False), ("etcd-data", "/var/lib/etcd", "/var/lib/etcd", False)])
    apiserver = static_pod(sc, cp, "kube-apiserver", 21, [
        "kube-apiserver", f"--advertise-address={cp_ip}", "--allow-privileged=true",
        "--authorization-mode=Node,RBAC", "--client-ca-file=/etc/kubernetes/pki/ca.crt",
        "--enable-admission-plugins=NodeRestriction", "--enable-bootstrap-token-auth=true",
        "--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt",
        "--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt",
        "--etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key",
        "--etcd-servers=https://127.0.0.1:2379", "--runtime-config=", "--secure-port=6443",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        "--service-account-key-file=/etc/kubernetes/pki/sa.pub",
        "--service-account-signing-key-file=/etc/kubernetes/pki/sa.key",
        "--service-cluster-ip-range=10.96.0.0/16",
        "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt",
        "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key"], 6443, cp_ip,
        {"cpu": "250m"},
        {"kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint": f"{cp_ip}:6443"},
        "HTTPS", "/livez", [ca, pki])
    cm = static_pod(sc, cp, "kube-controller-manager", 21, [
        "kube-controller-manager", "--allocate-node-cidrs=true",
        "--authentication-kubeconfig=/etc/kubernetes/controller-manager.conf",
        "--authorization-kubeconfig=/etc/kubernetes/controller-manager.conf",
        "--bind-address=127.0.0.1", "--client-ca-file=/etc/kubernetes/pki/ca.crt",
        f"--cluster-cidr=10.244.0.0/16", f"--cluster-name={sc.cluster}",
        "--cluster-signing-cert-file=/etc/kubernetes/pki/ca.crt",
        "--cluster-signing-key-file=/etc/kubernetes/pki/ca.key",
        "--controllers=*,bootstrapsigner,tokencleaner", "--enable-hostpath-provisioner=true",
        "--kubeconfig=/etc/kubernetes/controller-manager.conf", "--leader-elect=true",
        "--root-ca-file=/etc/kubernetes/pki/ca.crt",
        "--service-account-private-key-file=/etc/kubernetes/pki/sa.key",
        "--service-cluster-ip-range=10.96.0.0/16", "--use-service-account-credentials=true"],
        10257, "127.0.0.1", {"cpu": "200m"}, None, "HTTPS", "/healthz",
        [ca, pki, ("kubeconfig", "/etc/kubernetes/controller-manager.conf",
                   "/etc/kubernetes/controller-manager.conf", True)])
    sched = static_pod(sc, cp, "kube-scheduler", 21, [
        "kube-scheduler", "--authentication-kubeconfig=/etc/kubernetes/scheduler.conf",
        "--authorization-kubeconfig=/etc/kubernetes/scheduler.conf", "--bind-address=127.0.0.1",
        "--kubeconfig=/etc/kubernetes/scheduler.conf", "--leader-elect=true"],
        10259, "127.0.0.1", {"cpu": "100m"}, None, "HTTPS", "/livez",
        [("kubeconfig", "/etc/kubernetes/scheduler.conf", "/etc/kubernetes/scheduler.conf",
          True)])
    start = sc.clock.nano
    sc.log(etcd, "etcd", [
        (8.1, '{"level":"info","ts":"%s","caller":"etcdmain/etcd.go:73","msg":"Running: ","args":["etcd","--advertise-client-urls=https://%s:2379"]}' % (sc.clock.micro(8.1), cp_ip)),
        (8.9, '{"level":"info","ts":"%s","caller":"embed/etcd.go:600","msg":"serving client traffic securely","traffic":"grpc+http","address":"127.0.0.1:2379"}' % sc.clock.micro(8.9)),
        (9.0, '{"level":"info","ts":"%s","caller":"etcdserver/server.go:2064","msg":"published local member to cluster through raft","local-member-attributes":"{Name:%s ClientURLs:[https://%s:2379]}"}' % (sc.clock.micro(9.0), cp_name, cp_ip)),
        (600.4, '{"level":"info","ts":"%s","caller":"mvcc/index.go:214","msg":"compact tree index","revision":1342}' % sc.clock.micro(600.4)),
        (600.5, '{"level":"info","ts":"%s","caller":"mvcc/kvstore_compaction.go:72","msg":"finished scheduled compaction","compact-revision":1342,"took":"6.911503ms"}' % sc.clock.micro(600.5)),
    ])
    sc.log(apiserver, "kube-apiserver", [
        (9.2, "I0204 10:00:09.201833       1 options.go:238] external host was not specified, using %s" % cp_ip),
        (9.3, "I0204 10:00:09.303141       1 server.go:143] Version: %s" % K8S_VERSION),
        (12.6, "I0204 10:00:12.612904       1 secure_serving.go:213] Serving securely on [::]:6443"),
        (14.0, 'I0204 10:00:14.004718       1 controller.go:615] quota admission added evaluator for: serviceaccounts'),
        (14.1, 'W0204 10:00:14.109912       1 lease.go:265] Resetting endpoints for master service "kubernetes" to [%s]' % cp_ip),
    ])
    sc.log(cm, "kube-controller-manager", [
        (10.5, "I0204 10:00:10.511247       1 serving.go:386] Generated self-signed cert in-memory"),
        (12.9, 'I0204 10:00:12.903301       1 leaderelection.go:271] successfully acquired lease kube-system/kube-controller-manager'),
        (16.0, 'I0204 10:00:16.031562       1 node_lifecycle_controller.go:1234] "Initializing eviction metric for zone" logger="node-lifecycle-controller" zone=""'),
    ])
    sc.log(sched, "kube-scheduler", [
        (10.4, "I0204 10:00:10.422981       1 serving.go:386] Generated self-signed cert in-memory"),
        (12.8, 'I0204 10:00:12.842117       1 leaderelection.go:271] successfully acquired lease kube-system/kube-scheduler'),
    ])
    del start

    sc.add({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": sc.meta("ConfigMap", "kube-proxy", "kube-system", 20,
                                {"app": "kube-proxy"}),
            "data": {"config.conf": "apiVersion: kubeproxy.config.k8s.io/v1alpha1\n"
                     "bindAddress: 0.0.0.0\nclientConnection:\n  kubeconfig: "
                     "/var/lib/kube-proxy/kubeconfig.conf\nclusterCIDR: 10.244.0.0/16\n"
                     "conntrack:\n  maxPerCore: 0\nkind: KubeProxyConfiguration\n"
                     "mode: iptables\n",
                     "kubeconfig.conf": "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n"
                     "    certificate-authority: /var/run/secrets/kubernetes.io/serviceaccount/"
                     "ca.crt\n    server: https://%s-control-plane:6443\n  name: default\n"
                     "contexts:\n- context:\n    cluster: default\n    namespace: default\n"
                     "    user: default\n  name: default\ncurrent-context: default\nusers:\n"
                     "- name: default\n  user:\n    tokenFile: /var/run/secrets/kubernetes.io/"
                     "serviceaccount/token\n" % sc.cluster}})

    # Service accounts the add-ons run as.
    for sa in ["coredns", "kindnet", "kube-proxy"]:
        service_account(sc, "kube-system", sa, 20)

    # kube-proxy and kindnet DaemonSets: one pod per node.
    kp_labels = {"k8s-app": "kube-proxy"}
    kn_labels = {"app": "kindnet", "k8s-app": "kindnet", "tier": "node"}
    kp_spec_tmpl = None
    kn_spec_tmpl = None
    kp_pods, kn_pods = [], []
    suffixes = {"kube-proxy": ["8z9hm", "wd2lq", "c7xkp"], "kindnet": ["5vbtx", "mr8kd", "q2fjz"]}
    for i, node in enumerate(built):
        nname = node["metadata"]["name"]
        nip = node_ip(node)
        nt = rs_created(sc, node) + 10
        affinity = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In",
                                                    "values": [nname]}]}]}}}
        ds_tol = [{"operator": "Exists"}] + [
            {"effect": e, "key": f"node.kubernetes.io/{k}", "operator": "Exists"} for k, e in [
                ("not-ready", "NoExecute"), ("unreachable", "NoExecute"),
                ("disk-pressure", "NoSchedule"), ("memory-pressure", "NoSchedule"),
                ("pid-pressure", "NoSchedule"), ("unschedulable", "NoSchedule"),
                ("network-unavailable", "NoSchedule")]]
        tok = ["x8kzq", "l5gwd", "r2pzn"][i]
        kp = container("kube-proxy", KIND_IMAGES["kube-proxy"], command=[
            "/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf",
            "--hostname-override=$(NODE_NAME)"],
            env=[{"name": "NODE_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1",
                                                                  "fieldPath": "spec.nodeName"}}}],
            security={"privileged": True},
            mounts=[{"mountPath": "/var/lib/kube-proxy", "name": "kube-proxy"},
                    {"mountPath": "/run/xtables.lock", "name": "xtables-lock"},
                    {"mountPath": "/lib/modules", "name": "lib-modules", "readOnly": True},
                    api_access_mount(tok)])
        kp_vols = [{"configMap": {"defaultMode": 420, "name": "kube-proxy"}, "name": "kube-proxy"},
                   {"hostPath": {"path": "/run/xtables.lock", "type": "FileOrCreate"},
                    "name": "xtables-lock"},
                   {"hostPath": {"path": "/lib/modules", "type": ""}, "name": "lib-modules"},
                   api_access_volume(tok)]
        spec = pod_spec([kp], nname, sa="kube-proxy", volumes=kp_vols, host_network=True,
                        tolerations=ds_tol,
                        extra={"affinity": affinity, "nodeSelector": {"kubernetes.io/os": "linux"},
                               "priority": 2000001000, "priorityClassName": "system-node-critical"})
        kp_spec_tmpl = kp_spec_tmpl or spec
        name = f"kube-proxy-{suffixes['kube-proxy'][i]}"
        p = pod(sc, "kube-system", name, spec, nt, owner=None,
                labels=dict(kp_labels, **{"controller-revision-hash": "7bb84c4984",
                                          "pod-template-generation": "1"}),
                generate_name="kube-proxy-", conditions=pod_conditions(sc, nt, nt + 1, ready=nt + 2),
                statuses=[cs_running(sc, name, kp, nt + 1.5)], ip=nip, start_time=nt)
        kp_pods.append(p)
        tok2 = ["j4mvb", "t9hxs", "n6cwq"][i]
        kn = container("kindnet-cni", KIND_IMAGES["kindnetd"], env=[
            {"name": "HOST_IP", "valueFrom": {"fieldRef": {"apiVersion": "v1",
                                                           "fieldPath": "status.hostIP"}}},
            {"name": "POD_IP", "valueFrom": {"fieldRef": {"apiVersion": "v1",
                                                          "fieldPath": "status.podIP"}}},
            {"name": "POD_SUBNET", "value": "10.244.0.0/16"},
            {"name": "CONTROL_PLANE_ENDPOINT", "value": f"{sc.cluster}-control-plane:6443"}],
            resources={"limits": {"cpu": "100m", "memory": "50Mi"},
                       "requests": {"cpu": "100m", "memory": "50Mi"}},
            security={"capabilities": {"add": ["NET_RAW", "NET_ADMIN"]}, "privileged": False},
            mounts=[{"mountPath": "/etc/cni/net.d", "name": "cni-cfg"},
                    {"mountPath": "/run/xtables.lock", "name": "xtables-lock"},
                    {"mountPath": "/lib/modules", "name": "lib-modules", "readOnly": True},
                    api_access_mount(tok2)])
        kn_vols = [{"hostPath": {"path": "/etc/cni/net.d", "type": ""}, "name": "cni-cfg"},
                   {"hostPath": {"path": "/run/xtables.lock", "type": "FileOrCreate"},
                    "name": "xtables-lock"},
                   {"hostPath": {"path": "/lib/modules", "type": ""}, "name": "lib-modules"},
                   api_access_volume(tok2)]
        spec = pod_spec([kn], nname, sa="kindnet", volumes=kn_vols, host_network=True,
                        tolerations=ds_tol, extra={"affinity": affinity})
        kn_spec_tmpl = kn_spec_tmpl or spec
        name = f"kindnet-{suffixes['kindnet'][i]}"
        p = pod(sc, "kube-system", name, spec, nt, labels=dict(kn_labels, **{
            "controller-revision-hash": "6cd9bd4c5b", "pod-template-generation": "1"}),
            generate_name="kindnet-", conditions=pod_conditions(sc, nt, nt + 1, ready=nt + 3),
            statuses=[cs_running(sc, name, kn, nt + 2.4)], ip=nip, qos="Guaranteed",
            start_time=nt)
        kn_pods.append(p)
    kp_ds = daemonset(sc, "kube-system", "kube-proxy", 20, kp_labels, kp_spec_tmpl, len(built), "")
    kn_ds = daemonset(sc, "kube-system", "kindnet", 20, kn_labels, kn_spec_tmpl, len(built), "",
                      selector={"matchLabels": {"app": "kindnet"}})
    for ds, pods_ in [(kp_ds, kp_pods), (kn_ds, kn_pods)]:
        for p in pods_:
            p["metadata"]["ownerReferences"] = [owner_ref(ds)]
            t = rs_created(sc, p)
            sc.event(ds, "SuccessfulCreate", f"Created pod: {p['metadata']['name']}", t - 0.2,
                     component="daemonset-controller")
            sc.normal_start_events(p, t + 1)
        for p in pods_:
            node = p["spec"]["nodeName"]
            t = rs_created(sc, p)
            if ds is kp_ds:
                sc.log(p, "kube-proxy", [
                    (t + 1.6, f'I0204 {sc.clock.at(t + 1.6).strftime("%H:%M:%S")}.120333       1 server_linux.go:66] "Using iptables proxy"'),
                    (t + 1.7, f'I0204 {sc.clock.at(t + 1.7).strftime("%H:%M:%S")}.231004       1 server.go:698] "Successfully retrieved node IP(s)" IPs=["{node_ip(sc.nodes[node])}"]'),
                    (t + 1.9, f'I0204 {sc.clock.at(t + 1.9).strftime("%H:%M:%S")}.402278       1 config.go:199] "Starting service config controller"'),
                    (t + 2.0, f'I0204 {sc.clock.at(t + 2.0).strftime("%H:%M:%S")}.503921       1 shared_informer.go:320] Caches are synced for service config'),
                ])
            else:
                sc.log(p, "kindnet-cni", [
                    (t + 2.5, f'I0204 {sc.clock.at(t + 2.5).strftime("%H:%M:%S")}.610742       1 main.go:109] connected to apiserver: https://{sc.cluster}-control-plane:6443'),
                    (t + 2.6, f'I0204 {sc.clock.at(t + 2.6).strftime("%H:%M:%S")}.711290       1 main.go:139] hostIP = {node_ip(sc.nodes[node])}'),
                    (t + 3.0, f'I0204 {sc.clock.at(t + 3.0).strftime("%H:%M:%S")}.024417       1 main.go:297] Handling node with IPs: map[{node_ip(sc.nodes[node])}:{{}}]'),
                ])

    # CoreDNS.
    dns_labels = {"k8s-app": "kube-dns"}
    coredns_cm = sc.add({"apiVersion": "v1", "kind": "ConfigMap",
                         "metadata": sc.meta("ConfigMap", "coredns", "kube-system", 20),
                         "data": {"Corefile": ".:53 {\n    errors\n    health {\n       lameduck 5s\n    }\n    ready\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n       ttl 30\n    }\n    prometheus :9153\n    forward . /etc/resolv.conf {\n       max_concurrent 1000\n    }\n    cache 30 {\n       disable success cluster.local\n       disable denial cluster.local\n    }\n    loop\n    reload\n    loadbalance\n}\n"}})
    del coredns_cm
    dns_pods = []
    dns_t = rs_created(sc, cp) + 32
    specs = []
    for i, (suffix, tok, ip) in enumerate([("4xk7p", "mt6bq", "10.244.0.3"),
                                           ("tq2wn", "zs8hf", "10.244.0.2")]):
        c = container("coredns", KIND_IMAGES["coredns"], args=["-conf", "/etc/coredns/Corefile"],
                      ports=[{"containerPort": 53, "name": "dns", "protocol": "UDP"},
                             {"containerPort": 53, "name": "dns-tcp", "protocol": "TCP"},
                             {"containerPort": 9153, "name": "metrics", "protocol": "TCP"}],
                      resources={"limits": {"memory": "170Mi"},
                                 "requests": {"cpu": "100m", "memory": "70Mi"}},
                      liveness=http_probe("/health", 8080, failure=5, delay=60, timeout=5),
                      readiness=http_probe("/ready", 8181),
                      security={"allowPrivilegeEscalation": False,
                                "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]},
                                "readOnlyRootFilesystem": True},
                      mounts=[{"mountPath": "/etc/coredns", "name": "config-volume",
                               "readOnly": True}, api_access_mount(tok)])
        tol = [{"key": "CriticalAddonsOnly", "operator": "Exists"},
               {"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}] + \
            POD_TOLERATIONS
        spec = pod_spec([c], cp_name, sa="coredns", tolerations=tol,
                        volumes=[{"configMap": {"defaultMode": 420, "items": [
                            {"key": "Corefile", "path": "Corefile"}], "name": "coredns"},
                                  "name": "config-volume"}, api_access_volume(tok)],
                        extra={"dnsPolicy": "Default",
                               "nodeSelector": {"kubernetes.io/os": "linux"},
                               "priority": 2000000000,
                               "priorityClassName": "system-cluster-critical"})
        spec["dnsPolicy"] = "Default"
        specs.append(spec)
        name = f"coredns-668d6bf9bc-{suffix}"
        p = pod(sc, "kube-system", name, spec, dns_t - 20,
                labels=dict(dns_labels, **{"pod-template-hash": "668d6bf9bc"}),
                generate_name="coredns-668d6bf9bc-",
                conditions=pod_conditions(sc, dns_t, dns_t + 1, ready=dns_t + 4),
                statuses=[cs_running(sc, name, c, dns_t + 2)], ip=ip, qos="Burstable",
                start_time=dns_t)
        dns_pods.append(p)
    d, rs = deployment(sc, "kube-system", "coredns", dns_t - 21, 2, dns_labels, specs[0], [
        available(sc.clock.ts(dns_t + 4)),
        progressing(sc.clock.ts(dns_t - 20), "coredns-668d6bf9bc", "done",
                    sc.clock.ts(dns_t + 4))],
        {"availableReplicas": 2, "readyReplicas": 2, "replicas": 2, "updatedReplicas": 2},
        "668d6bf9bc", applied=False)
    for p in dns_pods:
        p["metadata"]["ownerReferences"] = [owner_ref(rs)]
        sc.event(rs, "SuccessfulCreate", f"Created pod: {p['metadata']['name']}", dns_t - 20,
                 component="replicaset-controller")
        # Pending until the node was Ready: the scheduler reports the not-ready taint first.
        if startup_warnings:
            sc.scheduler_event(p, "FailedScheduling",
                               "0/1 nodes are available: 1 node(s) had untolerated taint "
                               "{node.kubernetes.io/not-ready: }. preemption: 0/1 nodes are "
                               "available: 1 Preemption is not helpful for scheduling.",
                               dns_t - 19.7, "Warning")
        sc.normal_start_events(p, dns_t + 1)
        sc.log(p, "coredns", [
            (dns_t + 2.1, "[INFO] plugin/ready: Still waiting on: \"kubernetes\""),
            (dns_t + 2.3, ".:53"),
            (dns_t + 2.3, "[INFO] plugin/reload: Running configuration SHA512 = 591cf328cccc12bc490481273e738df59329c62c0b729d94e8b61db9961c2fa5f046dd37f1cf888b953814040d180f52594972691cd6ff41be96639138a43908"),
            (dns_t + 2.3, "CoreDNS-1.11.3"),
            (dns_t + 2.3, "linux/amd64, go1.21.11, a6338e9"),
        ])
    kube_dns = service(sc, "kube-system", "kube-dns", 20, "10.96.0.10",
                       [port("dns", 53, 53, "UDP"), port("dns-tcp", 53, 53),
                        port("metrics", 9153, 9153)], selector=dns_labels,
                       labels={"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true",
                               "kubernetes.io/name": "CoreDNS"},
                       annotations={"prometheus.io/port": "9153",
                                    "prometheus.io/scrape": "true"})
    endpoints(sc, kube_dns, dns_pods, dns_t + 4)

    # local-path-storage: kind applies the node image's /kind/manifests/default-storage.yaml with
    # kubectl apply, which makes the default StorageClass "standard".
    storage_class = {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                     "metadata": {"annotations": {
                         "storageclass.kubernetes.io/is-default-class": "true"},
                         "name": "standard"},
                     "provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete",
                     "volumeBindingMode": "WaitForFirstConsumer"}
    sc.add({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": sc.meta("StorageClass", "standard", None, 22, None, dict(
                last_applied(storage_class),
                **{"storageclass.kubernetes.io/is-default-class": "true"})),
            "provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete",
            "volumeBindingMode": "WaitForFirstConsumer"})
    namespace(sc, "local-path-storage", 22)
    namespace_furniture(sc, "local-path-storage", 23)
    service_account(sc, "local-path-storage", "local-path-provisioner-service-account", 22)
    sc.add({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": sc.meta("ConfigMap", "local-path-config", "local-path-storage", 22),
            "data": {"config.json": "{\n        \"nodePathMap\":[\n        {\n                \"node\":\"DEFAULT_PATH_FOR_NON_LISTED_NODES\",\n                \"paths\":[\"/var/local-path-provisioner\"]\n        }\n        ]\n}",
                     "helperPod.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: helper-pod\nspec:\n  containers:\n  - name: helper-pod\n    image: " + KIND_IMAGES["local-path-helper"] + "\n    imagePullPolicy: IfNotPresent",
                     "setup": "#!/bin/sh\nset -eu\nmkdir -m 0777 -p \"$VOL_DIR\"",
                     "teardown": "#!/bin/sh\nset -eu\nrm -rf \"$VOL_DIR\""}})
    lp_labels = {"app": "local-path-provisioner"}
    c = container("local-path-provisioner", KIND_IMAGES["local-path-provisioner"], command=[
        "local-path-provisioner", "--debug", "start", "--helper-image",
        KIND_IMAGES["local-path-helper"], "--config", "/etc/config/config.json"],
        env=[{"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {
            "apiVersion": "v1", "fieldPath": "metadata.namespace"}}},
             {"name": "CONFIG_MOUNT_PATH", "value": "/etc/config/"}],
        mounts=[{"mountPath": "/etc/config/", "name": "config-volume"},
                api_access_mount("pk4wh")])
    tol = [{"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane",
            "operator": "Equal"}] + POD_TOLERATIONS
    spec = pod_spec([c], cp_name, sa="local-path-provisioner-service-account", tolerations=tol,
                    volumes=[{"configMap": {"defaultMode": 420, "name": "local-path-config"},
                              "name": "config-volume"}, api_access_volume("pk4wh")],
                    extra={"nodeSelector": {"kubernetes.io/os": "linux"}})
    name = "local-path-provisioner-7dc846544d-g6xkq"
    lp = pod(sc, "local-path-storage", name, spec, dns_t - 20,
             labels=dict(lp_labels, **{"pod-template-hash": "7dc846544d"}),
             generate_name="local-path-provisioner-7dc846544d-",
             conditions=pod_conditions(sc, dns_t, dns_t + 1, ready=dns_t + 3),
             statuses=[cs_running(sc, name, c, dns_t + 2.6)], ip="10.244.0.4",
             start_time=dns_t)
    d, rs = deployment(sc, "local-path-storage", "local-path-provisioner", dns_t - 21, 1,
                       lp_labels, spec, [
                           available(sc.clock.ts(dns_t + 3)),
                           progressing(sc.clock.ts(dns_t - 20), "local-path-provisioner-7dc846544d",
                                       "done", sc.clock.ts(dns_t + 3))],
                       {"availableReplicas": 1, "readyReplicas": 1, "replicas": 1,
                        "updatedReplicas": 1}, "7dc846544d", applied=False)
    lp["metadata"]["ownerReferences"] = [owner_ref(rs)]
    sc.event(rs, "SuccessfulCreate", f"Created pod: {name}", dns_t - 20,
             component="replicaset-controller")
    if startup_warnings:
        sc.scheduler_event(lp, "FailedScheduling",
                           "0/1 nodes are available: 1 node(s) had untolerated taint "
                           "{node.kubernetes.io/not-ready: }. preemption: 0/1 nodes are "
                           "available: 1 Preemption is not helpful for scheduling.",
                           dns_t - 19.6, "Warning")
    sc.normal_start_events(lp, dns_t + 1)
    sc.log(lp, "local-path-provisioner", [
        (dns_t + 2.7, 'time="%s" level=debug msg="Applied config: {\\"nodePathMap\\":[{\\"node\\":\\"DEFAULT_PATH_FOR_NON_LISTED_NODES\\",\\"paths\\":[\\"/var/local-path-provisioner\\"]}]}"' % sc.clock.ts(dns_t + 2.7)),
        (dns_t + 2.8, 'time="%s" level=debug msg="Provisioner started"' % sc.clock.ts(dns_t + 2.8)),
        (dns_t + 2.9, 'I0204 %s.918102       1 controller.go:824] Starting provisioner controller rancher.io/local-path_%s_%s!' % (sc.clock.at(dns_t + 2.9).strftime("%H:%M:%S"), name, sc.uid("lease", "", "lp"))),
    ])
    return cp
