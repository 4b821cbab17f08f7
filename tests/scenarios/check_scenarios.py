#!/usr/bin/env python3
"""Checks the invariants of every scenario in this folder (python3, stdlib only).

The fake kube-apiserver serves these files as-is, so an inconsistency here (an event about a pod
that does not exist, a previous log for a container that never restarted, ...) would become a
fake the real tool never meets. Usage: check_scenarios.py [scenario.json ...]; prints
"N passed, M failed" and exits 1 on any failure.
"""

import base64
import glob
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$")
LOG_LINE = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z) (.*)$", re.S)
TIME_KEYS = {"creationTimestamp", "lastTransitionTime", "lastUpdateTime", "lastProbeTime",
             "lastHeartbeatTime", "startedAt", "finishedAt", "startTime", "eventTime",
             "firstTimestamp", "lastTimestamp", "lastObservedTime", "completionTime",
             "deletionTimestamp", "buildDate"}
MICRO_KEYS = {"eventTime", "lastObservedTime", "renewTime", "acquireTime"}

NAMESPACED = {"ConfigMap", "Endpoints", "Event", "PersistentVolumeClaim", "Pod",
              "ReplicationController", "Secret", "ServiceAccount", "Service",
              "ControllerRevision", "DaemonSet", "Deployment", "ReplicaSet", "StatefulSet",
              "HorizontalPodAutoscaler", "CronJob", "Job", "EndpointSlice", "Ingress",
              "NetworkPolicy", "PodDisruptionBudget", "RoleBinding", "Role", "LimitRange",
              "ResourceQuota", "Lease"}
CLUSTER = {"Namespace", "Node", "PersistentVolume", "CustomResourceDefinition",
           "ClusterRoleBinding", "ClusterRole", "StorageClass", "MutatingWebhookConfiguration",
           "ValidatingWebhookConfiguration", "APIService"}
BUILTIN_GROUPS = {"v1", "apps/v1", "batch/v1", "discovery.k8s.io/v1", "autoscaling/v2",
                  "networking.k8s.io/v1", "policy/v1", "rbac.authorization.k8s.io/v1",
                  "apiextensions.k8s.io/v1", "events.k8s.io/v1", "storage.k8s.io/v1",
                  "admissionregistration.k8s.io/v1", "coordination.k8s.io/v1",
                  "apiregistration.k8s.io/v1"}

# What the seed scenario must contain (other tests assert on these names).
SEED_MARKERS = ["SEED-SECRET-VALUE-7f3a9", "SEED-CM-TOKEN-c41d", "SEED-ENV-PASSWORD-88e1",
                "SEED-LOG-BEARER-d00d"]


class Checker:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, scenario, what, problems):
        problems = list(problems)
        if problems:
            self.failed += 1
            print(f"FAIL {scenario}: {what}")
            for p in problems[:20]:
                print(f"    {p}")
            if len(problems) > 20:
                print(f"    ... and {len(problems) - 20} more")
        else:
            self.passed += 1
            print(f"ok   {scenario}: {what}")


def key(o):
    md = o["metadata"]
    return (o["kind"], md.get("namespace") or "", md["name"])


def walk(value, path=""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from walk(v, f"{path}.{k}")
            yield path, k, v
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from walk(v, f"{path}[{i}]")


def all_strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from all_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from all_strings(v)


class Scenario:
    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)
        with open(path) as f:
            self.doc = json.load(f)
        self.objects = self.doc.get("objects", [])
        self.by_key = {key(o): o for o in self.objects}
        self.by_uid = {}
        for o in self.objects:
            self.by_uid.setdefault(o["metadata"].get("uid"), []).append(o)
        self.crds = [o for o in self.objects if o["kind"] == "CustomResourceDefinition"]
        self.custom_kinds = {}
        for c in self.crds:
            s = c["spec"]
            for v in s["versions"]:
                self.custom_kinds[(f"{s['group']}/{v['name']}", s["names"]["kind"])] = \
                    s["scope"] == "Namespaced"
        self.namespaces = {o["metadata"]["name"] for o in self.objects if o["kind"] == "Namespace"}
        self.nodes = {o["metadata"]["name"]: o for o in self.objects if o["kind"] == "Node"}
        self.pods = {(o["metadata"]["namespace"], o["metadata"]["name"]): o
                     for o in self.objects if o["kind"] == "Pod"}

    def of_kind(self, kind):
        return [o for o in self.objects if o["kind"] == kind]

    def namespaced(self, o):
        if o["kind"] in NAMESPACED:
            return True
        if o["kind"] in CLUSTER:
            return False
        return self.custom_kinds.get((o["apiVersion"], o["kind"]))


def container_statuses(pod):
    st = pod.get("status", {})
    return {c["name"]: c for c in st.get("containerStatuses", []) +
            st.get("initContainerStatuses", [])}


def spec_containers(pod):
    s = pod["spec"]
    return {c["name"]: c for c in s.get("containers", []) + s.get("initContainers", [])}


def check_scenario(ck, sc):
    n = sc.name
    doc = sc.doc
    ck.check(n, "top level: name, serverVersion, objects, logs, jaeger", [
        f"missing or wrong type: {k}" for k, t in [("name", str), ("serverVersion", dict),
                                                   ("objects", list), ("logs", list),
                                                   ("jaeger", list)]
        if not isinstance(doc.get(k), t)] + [
        f"serverVersion.{k} missing" for k in ("major", "minor", "gitVersion")
        if k not in doc.get("serverVersion", {})])

    problems = []
    for o in sc.objects:
        md = o.get("metadata", {})
        for f in ("name", "uid", "creationTimestamp", "resourceVersion"):
            if not md.get(f):
                problems.append(f"{o.get('kind')} {md.get('name')}: metadata.{f} missing")
        if not o.get("apiVersion") or not o.get("kind"):
            problems.append(f"{md.get('name')}: apiVersion/kind missing")
        elif o["apiVersion"] not in BUILTIN_GROUPS and \
                (o["apiVersion"], o["kind"]) not in sc.custom_kinds:
            problems.append(f"{o['apiVersion']} {o['kind']} {md.get('name')}: no CRD serves it")
    ck.check(n, "objects have apiVersion, kind and full metadata; custom kinds have CRDs",
             problems)

    uids = [o["metadata"].get("uid") for o in sc.objects]
    keys = [key(o) for o in sc.objects]
    rvs = [o["metadata"].get("resourceVersion") for o in sc.objects]
    ck.check(n, "uids, resourceVersions and kind/namespace/name are unique", [
        f"duplicate {what}: {v}" for what, vals in (("uid", uids), ("key", keys),
                                                     ("resourceVersion", rvs))
        for v in sorted({x for x in vals if vals.count(x) > 1}, key=str)])

    problems = []
    for o in sc.objects:
        ns = o["metadata"].get("namespace")
        scoped = sc.namespaced(o)
        if scoped is None:
            problems.append(f"{o['kind']}: unknown scope")
        elif scoped and ns not in sc.namespaces:
            problems.append(f"{o['kind']} {ns}/{o['metadata']['name']}: namespace missing")
        elif not scoped and ns:
            problems.append(f"{o['kind']} {o['metadata']['name']}: cluster-scoped with namespace")
    ck.check(n, "every namespaced object's namespace exists; cluster objects have none",
             problems)

    problems = []
    for path, k, v in walk(sc.objects):
        if k in TIME_KEYS and v is not None:
            if not isinstance(v, str) or not RFC3339.match(v):
                problems.append(f"{path}.{k} = {v!r}")
            elif k in MICRO_KEYS and not re.search(r"\.\d{6}Z$", v):
                problems.append(f"{path}.{k} = {v!r} (MicroTime needs 6 digits)")
            elif k not in MICRO_KEYS and "." in v:
                problems.append(f"{path}.{k} = {v!r} (metav1.Time has whole seconds)")
    ck.check(n, "all timestamps are RFC3339 (Time: seconds, MicroTime: microseconds)", problems)

    problems = []
    for o in sc.objects:
        for ref in o["metadata"].get("ownerReferences", []):
            owners = sc.by_uid.get(ref.get("uid"), [])
            match = [x for x in owners if x["kind"] == ref["kind"] and
                     x["metadata"]["name"] == ref["name"] and x["apiVersion"] == ref["apiVersion"]]
            if not match:
                problems.append(f"{o['kind']} {o['metadata']['name']} -> {ref['kind']} "
                                f"{ref['name']}: owner not found")
            elif sc.namespaced(match[0]) and \
                    match[0]["metadata"].get("namespace") != o["metadata"].get("namespace"):
                problems.append(f"{o['kind']} {o['metadata']['name']}: owner in another namespace")
    ck.check(n, "owner references resolve (kind, name, uid, apiVersion)", problems)

    problems = []
    for e in sc.of_kind("Event"):
        ref = e["involvedObject"]
        where = f"event {e['metadata']['name']} ({e['reason']})"
        if ref["kind"] == "Node" and ref.get("uid") == ref["name"]:
            # The kubelet and kube-proxy refer to their node with uid = node name.
            if ref["name"] not in sc.nodes:
                problems.append(f"{where}: node {ref['name']} missing")
            continue
        target = sc.by_key.get((ref["kind"], ref.get("namespace") or "", ref["name"]))
        if target is None:
            problems.append(f"{where}: {ref['kind']} {ref.get('namespace')}/{ref['name']} missing")
        elif target["metadata"]["uid"] != ref.get("uid"):
            problems.append(f"{where}: uid {ref.get('uid')} != {target['metadata']['uid']}")
        elif ref.get("fieldPath"):
            m = re.match(r"spec\.(?:initC|c)ontainers\{(.+)\}$", ref["fieldPath"])
            if not m or m.group(1) not in spec_containers(target):
                problems.append(f"{where}: fieldPath {ref['fieldPath']} names no container")
        ns = e["metadata"]["namespace"]
        if ref.get("namespace") and ns != ref["namespace"]:
            problems.append(f"{where}: in namespace {ns}, object in {ref['namespace']}")
    ck.check(n, "event involvedObject kind/name/uid (and fieldPath) match objects", problems)

    problems = []
    for e in sc.of_kind("Event"):
        where = f"event {e['metadata']['name']}"
        if e["type"] not in ("Normal", "Warning"):
            problems.append(f"{where}: type {e['type']}")
        if e.get("reportingComponent") == "default-scheduler":
            if not e.get("eventTime") or e.get("firstTimestamp") or e.get("count") or \
                    e.get("source"):
                problems.append(f"{where}: scheduler events carry eventTime only")
        else:
            if not e.get("firstTimestamp") or not e.get("lastTimestamp") or not e.get("count"):
                problems.append(f"{where}: legacy event without count/first/lastTimestamp")
            elif e["firstTimestamp"] > e["lastTimestamp"]:
                problems.append(f"{where}: firstTimestamp after lastTimestamp")
            elif e["count"] > 1 and e["firstTimestamp"] == e["lastTimestamp"]:
                problems.append(f"{where}: count {e['count']} within one second")
            if not e.get("source", {}).get("component"):
                problems.append(f"{where}: source.component missing")
        if not e["metadata"]["name"].startswith(e["involvedObject"]["name"] + "."):
            problems.append(f"{where}: not named <object>.<hex>")
    ck.check(n, "events: legacy (count/first/last/source) vs scheduler (eventTime) shapes",
             problems)

    problems = []
    for (ns, name), p in sc.pods.items():
        node = p["spec"].get("nodeName")
        if node and node not in sc.nodes:
            problems.append(f"pod {ns}/{name}: node {node} missing")
        statuses = container_statuses(p)
        spec = spec_containers(p)
        for cname in statuses:
            if cname not in spec:
                problems.append(f"pod {ns}/{name}: status for unknown container {cname}")
        if node and p["status"]["phase"] != "Pending" and set(statuses) != set(spec):
            problems.append(f"pod {ns}/{name}: statuses {sorted(statuses)} != {sorted(spec)}")
        if not node and (statuses or p["status"]["phase"] != "Pending"):
            problems.append(f"pod {ns}/{name}: unscheduled but has container statuses")
        for cname, cs in statuses.items():
            last = cs.get("lastState", {}).get("terminated")
            if cs["restartCount"] > 0 and not last:
                problems.append(f"pod {ns}/{name}/{cname}: restarts without lastState")
            if last and cs["restartCount"] == 0:
                problems.append(f"pod {ns}/{name}/{cname}: lastState without restarts")
            if "running" in cs["state"] and not cs.get("started"):
                problems.append(f"pod {ns}/{name}/{cname}: running but started=false")
        for v in p["spec"].get("volumes", []):
            src = v.get("secret", {}).get("secretName") or v.get("configMap", {}).get("name")
            kind = "Secret" if "secret" in v else "ConfigMap"
            opt = (v.get("secret") or v.get("configMap") or {}).get("optional")
            if src and not opt and (kind, ns, src) not in sc.by_key:
                problems.append(f"pod {ns}/{name}: volume {v['name']} -> missing {kind} {src}")
        for c in spec.values():
            for env in c.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    s = sc.by_key.get(("Secret", ns, ref["name"]))
                    if not s or ref["key"] not in s.get("data", {}):
                        problems.append(f"pod {ns}/{name}: env {env['name']} -> missing "
                                        f"secret key {ref['name']}/{ref['key']}")
    ck.check(n, "pods: nodes exist, statuses match containers, restarts have lastState, "
             "referenced Secrets/ConfigMaps exist", problems)

    problems = []
    for (ns, name), p in sc.pods.items():
        node = sc.nodes.get(p["spec"].get("nodeName"))
        if not node:
            continue
        names = {n for img in node["status"].get("images", []) for n in img["names"]}
        for cname, cs in container_statuses(p).items():
            image = cs["image"]
            waiting = cs["state"].get("waiting", {}).get("reason")
            if waiting == "ErrImageNeverPull":
                if spec_containers(p)[cname].get("imagePullPolicy") != "Never":
                    problems.append(f"{name}/{cname}: ErrImageNeverPull without policy Never")
                for other in sc.nodes.values():
                    if image in {n for i in other["status"].get("images", [])
                                 for n in i["names"]}:
                        problems.append(f"{name}/{cname}: {image} present on "
                                        f"{other['metadata']['name']}")
            elif cs.get("containerID") and image not in names:
                problems.append(f"{name}/{cname}: ran {image} but node lacks it")
    ck.check(n, "images: ErrImageNeverPull images absent from every node, started images present",
             problems)

    problems = []
    seen = set()
    for log in doc.get("logs", []):
        where = f"log {log.get('namespace')}/{log.get('pod')}/{log.get('container')}" + (
            " (previous)" if log.get("previous") else "")
        ident = (log.get("namespace"), log.get("pod"), log.get("container"),
                 bool(log.get("previous")))
        if ident in seen:
            problems.append(f"{where}: duplicate")
        seen.add(ident)
        p = sc.pods.get((log.get("namespace"), log.get("pod")))
        if p is None:
            problems.append(f"{where}: pod missing")
            continue
        cs = container_statuses(p).get(log.get("container"))
        if log.get("container") not in spec_containers(p):
            problems.append(f"{where}: container missing")
        elif cs is None or not cs.get("containerID"):
            problems.append(f"{where}: container never started")
        elif log.get("previous") and (cs["restartCount"] == 0 or
                                      not cs["lastState"].get("terminated")):
            problems.append(f"{where}: previous log but restartCount 0")
        lines = log.get("lines", [])
        if not lines:
            problems.append(f"{where}: no lines")
        last = ""
        for line in lines:
            m = LOG_LINE.match(line)
            if not m:
                problems.append(f"{where}: line without RFC3339Nano timestamp: {line[:60]!r}")
                break
            if "\n" in m.group(2):
                problems.append(f"{where}: embedded newline")
            if m.group(1) < last:
                problems.append(f"{where}: timestamps go backwards at {m.group(1)}")
            last = m.group(1)
    ck.check(n, "logs: existing pods/containers that ran, previous only after restarts, "
             "RFC3339Nano lines in order", problems)

    problems = []
    services = {(o["metadata"]["namespace"], o["metadata"]["name"]): o
                for o in sc.of_kind("Service")}
    for ep in sc.of_kind("Endpoints"):
        k = (ep["metadata"]["namespace"], ep["metadata"]["name"])
        if k not in services:
            problems.append(f"endpoints {k}: no Service")
        for subset in ep.get("subsets", []):
            for addr in subset.get("addresses", []) + subset.get("notReadyAddresses", []):
                t = addr.get("targetRef")
                if not t:
                    continue
                p = sc.pods.get((t["namespace"], t["name"]))
                if not p or p["status"].get("podIP") != addr["ip"] or \
                        p["metadata"]["uid"] != t["uid"]:
                    problems.append(f"endpoints {k}: {addr['ip']} does not match pod {t['name']}")
    for k, svc in services.items():
        sel = svc["spec"].get("selector")
        if not sel:
            continue
        if ("Endpoints", k[0], k[1]) not in sc.by_key:
            problems.append(f"service {k}: no Endpoints")
        for p in [p for (ns, _), p in sc.pods.items() if ns == k[0]]:
            labels = p["metadata"].get("labels", {})
            if all(labels.get(a) == b for a, b in sel.items()) and p["status"].get("podIP"):
                ep = sc.by_key[("Endpoints", k[0], k[1])]
                ips = {a["ip"] for s in ep.get("subsets", [])
                       for a in s.get("addresses", []) + s.get("notReadyAddresses", [])}
                if p["status"]["podIP"] not in ips:
                    problems.append(f"service {k}: selected pod {p['metadata']['name']} "
                                    "not in endpoints")
    ck.check(n, "services: endpoints match selected pods' IPs", problems)

    problems = []
    for kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job"):
        for o in sc.of_kind(kind):
            sel = o["spec"]["selector"].get("matchLabels", {})
            tmpl = o["spec"]["template"]["metadata"].get("labels", {})
            if any(tmpl.get(a) != b for a, b in sel.items()):
                problems.append(f"{kind} {o['metadata']['name']}: template labels miss selector")
    for p in sc.pods.values():
        refs = p["metadata"].get("ownerReferences", [])
        for ref in refs:
            owner = sc.by_uid.get(ref["uid"], [None])[0]
            if owner and owner["kind"] != "Node":
                sel = owner["spec"]["selector"].get("matchLabels", {})
                if any(p["metadata"].get("labels", {}).get(a) != b for a, b in sel.items()):
                    problems.append(f"pod {p['metadata']['name']}: labels miss owner selector")
    ck.check(n, "workloads: selectors match template and pod labels", problems)

    problems = []
    for j in doc.get("jaeger", []):
        svc = services.get((j["namespace"], j["service"]))
        if not svc:
            problems.append(f"jaeger {j['namespace']}/{j['service']}: Service missing")
        elif j.get("port") not in [p["port"] for p in svc["spec"]["ports"]]:
            problems.append(f"jaeger {j['service']}: port {j.get('port')} not on the Service")
        for t in j.get("traces", []):
            tid = t.get("traceID", "")
            if not re.fullmatch(r"[0-9a-f]{16}|[0-9a-f]{32}", tid):
                problems.append(f"trace {tid}: bad traceID")
            ids = {s["spanID"] for s in t.get("spans", [])}
            for s in t.get("spans", []):
                if s["traceID"] != tid:
                    problems.append(f"trace {tid}: span {s['spanID']} has traceID {s['traceID']}")
                if s["processID"] not in t.get("processes", {}):
                    problems.append(f"trace {tid}: span {s['spanID']} process missing")
                for r in s.get("references", []):
                    if r["spanID"] not in ids:
                        problems.append(f"trace {tid}: span {s['spanID']} parent missing")
                for tag in s.get("tags", []):
                    if tag["type"] not in ("string", "bool", "int64", "float64", "binary"):
                        problems.append(f"trace {tid}: tag {tag['key']} type {tag['type']}")
                if not isinstance(s.get("startTime"), int) or not isinstance(s.get("duration"),
                                                                              int):
                    problems.append(f"trace {tid}: span times must be integer microseconds")
    ck.check(n, "jaeger: backing Service/port exist; spans, processes and parents resolve",
             problems)

    problems = []
    for c in sc.crds:
        s = c["spec"]
        if c["metadata"]["name"] != f"{s['names']['plural']}.{s['group']}":
            problems.append(f"CRD {c['metadata']['name']}: name is not <plural>.<group>")
        if sum(1 for v in s["versions"] if v.get("storage")) != 1:
            problems.append(f"CRD {c['metadata']['name']}: needs exactly one storage version")
        est = [x for x in c.get("status", {}).get("conditions", []) if x["type"] == "Established"]
        if not est or est[0]["status"] != "True":
            problems.append(f"CRD {c['metadata']['name']}: not Established")
    ck.check(n, "CRDs: names, one storage version, Established", problems)

    # The aggregator registers one APIService per served group-version, CRDs' included. A local
    # one has `service: null`; an APIService of the scenario's own making must say where it is.
    problems = []
    apiservices = {a["metadata"]["name"]: a for a in sc.of_kind("APIService")}
    for c in sc.crds:
        for v in c["spec"]["versions"]:
            name = f"{v['name']}.{c['spec']['group']}"
            if v.get("served", True) and name not in apiservices:
                problems.append(f"CRD {c['metadata']['name']}: no APIService {name}")
    for name, a in apiservices.items():
        spec = a["spec"]
        if name != f"{spec['version']}.{spec.get('group', '')}":
            problems.append(f"APIService {name}: name is not <version>.<group>")
        if "service" not in spec:
            problems.append(f"APIService {name}: spec.service missing (null when local)")
        avail = [x for x in a.get("status", {}).get("conditions", []) if x["type"] == "Available"]
        if spec.get("service") is None and (not avail or avail[0]["reason"] != "Local"):
            problems.append(f"APIService {name}: local but not Available/Local")
    if apiservices and "v1." not in apiservices:
        problems.append("APIServices without v1. (the core group)")
    ck.check(n, "APIServices: one per CRD version, names, local ones Available", problems)


def check_seed(ck, sc):
    n = sc.name
    text = json.dumps(sc.doc)
    # The Secret marker is only there base64-encoded, as the API serves Secret data.
    problems = [f"marker {m} not planted" for m in SEED_MARKERS[1:] if m not in text]
    secret = sc.by_key.get(("Secret", "gateway-e2e", "db-credentials"))
    if not secret or "SEED-SECRET-VALUE-7f3a9" not in [
            base64.b64decode(v).decode() for v in secret.get("data", {}).values()]:
        problems.append("db-credentials has no value decoding to the secret marker")
    cm = sc.by_key.get(("ConfigMap", "gateway-e2e", "gateway-config"))
    if not cm or not any("api_token=SEED-CM-TOKEN-c41d" in v for v in cm["data"].values()):
        problems.append("gateway-config lacks the api_token line")
    envs = [e for p in sc.pods.values() for c in p["spec"]["containers"]
            for e in c.get("env", []) if e.get("value") == "SEED-ENV-PASSWORD-88e1"]
    if not any(e["name"] == "DB_PASSWORD" for e in envs):
        problems.append("no pod env DB_PASSWORD carries the env marker")
    bearer = [log for log in sc.doc["logs"] if log["pod"].startswith("authwebhook-") and
              any("Bearer SEED-LOG-BEARER-d00d" in line for line in log["lines"])]
    if not bearer:
        problems.append("authwebhook log lacks the bearer marker")
    ck.check(n, "planted secret markers are where the leak tests expect them", problems)

    def pod_with(prefix):
        ps = [p for (ns, name), p in sc.pods.items() if ns == "gateway-e2e" and
              name.startswith(prefix)]
        return ps[0] if len(ps) == 1 else None

    def cs(p):
        return p["status"]["containerStatuses"][0]

    def events(p, reason):
        return [e for e in sc.of_kind("Event") if e["involvedObject"].get("uid") ==
                p["metadata"]["uid"] and e["reason"] == reason]

    problems = []
    a = pod_with("gateway-api-")
    if not a or cs(a)["state"].get("waiting", {}).get("reason") != "ErrImageNeverPull" or \
            not events(a, "ErrImageNeverPull"):
        problems.append("(a) gateway-api pod is not ErrImageNeverPull with its event")
    d = sc.by_key.get(("Deployment", "gateway-e2e", "gateway-api"))
    if not d or not any(c["reason"] == "ProgressDeadlineExceeded" for c in
                        d["status"]["conditions"]) or not d["status"].get("unavailableReplicas"):
        problems.append("(a) gateway-api Deployment lacks ProgressDeadlineExceeded")
    b = pod_with("authwebhook-")
    if not b or cs(b)["restartCount"] != 5 or \
            cs(b)["lastState"]["terminated"]["exitCode"] != 1 or not events(b, "BackOff"):
        problems.append("(b) authwebhook is not a CrashLoopBackOff with 5 restarts")
    prev = [log for log in sc.doc["logs"] if b and log["pod"] == b["metadata"]["name"] and
            log["previous"]]
    if not prev or "no such file or directory" not in " ".join(prev[0]["lines"][-6:]):
        problems.append("(b) previous log does not end with the crash cause")
    c = pod_with("notification-")
    if not c or cs(c)["lastState"]["terminated"]["reason"] != "OOMKilled" or \
            cs(c)["restartCount"] != 3 or \
            c["spec"]["containers"][0]["resources"]["limits"]["memory"] != "64Mi":
        problems.append("(c) notification is not OOMKilled under 64Mi")
    r = pod_with("ro-controller-")
    unhealthy = events(r, "Unhealthy") if r else []
    if not r or cs(r)["ready"] or "running" not in cs(r)["state"] or \
            not unhealthy or unhealthy[0]["count"] != 40:
        problems.append("(d) ro-controller is not Running-but-unready with 40 probe failures")
    pg = sc.pods.get(("gateway-e2e", "postgres-0"))
    fs = events(pg, "FailedScheduling") if pg else []
    if not pg or pg["status"]["phase"] != "Pending" or not fs or \
            "Insufficient memory" not in fs[0]["message"]:
        problems.append("(e) postgres-0 is not Pending/Unschedulable")
    svc = sc.by_key.get(("Service", "gateway-e2e", "postgres"))
    if not svc or svc["spec"]["clusterIP"] != "10.96.120.15":
        problems.append("(d/e) Service postgres is not 10.96.120.15")
    job = sc.by_key.get(("Job", "gateway-e2e", "db-migrate"))
    if not job or not any(x["type"] == "Failed" and x["reason"] == "BackoffLimitExceeded"
                          for x in job["status"]["conditions"]):
        problems.append("(f) db-migrate Job did not fail with BackoffLimitExceeded")
    routes = [o for o in sc.objects if o["kind"] == "GatewayRoute"]
    if len(routes) != 3 or not any(x["reason"] == "BackendNotFound" for o in routes
                                   for x in o["status"]["conditions"]):
        problems.append("(g) expected 3 GatewayRoutes, one BackendNotFound")
    traces = [t for j in sc.doc["jaeger"] for t in j["traces"]]
    errors = [t for t in traces if any(tag["key"] == "error" and tag["value"] is True
                                       for s in t["spans"] for tag in s["tags"])]
    slow = [t for t in traces if max(s["duration"] for s in t["spans"]) >= 2_000_000]
    if len(traces) < 6 or not errors or not slow:
        problems.append("(h) expected >= 6 traces, some with errors, one slow")
    f = sc.by_key.get(("Deployment", "gateway-e2e", "gateway-frontend"))
    if not f or f["status"].get("readyReplicas") != 2:
        problems.append("(j) gateway-frontend is not 2/2")
    ck.check(n, "seed failure cases (a)-(j) are present", problems)


def check_healthy(ck, sc):
    problems = []
    for p in sc.pods.values():
        ready = [c for c in p["status"].get("conditions", []) if c["type"] == "Ready"]
        if p["status"]["phase"] != "Running" or not ready or ready[0]["status"] != "True":
            problems.append(f"pod {p['metadata']['name']} not Running and Ready")
        for s in container_statuses(p).values():
            if s["restartCount"]:
                problems.append(f"pod {p['metadata']['name']} restarted")
    for e in sc.of_kind("Event"):
        if e["type"] != "Normal":
            problems.append(f"warning event {e['reason']} on {e['involvedObject']['name']}")
    ck.check(sc.name, "healthy: every pod Running and Ready, Normal events only",
             problems)


def main(argv):
    paths = argv[1:] or sorted(glob.glob(os.path.join(HERE, "*.json")))
    ck = Checker()
    for path in paths:
        try:
            sc = Scenario(path)
        except (OSError, ValueError, KeyError) as e:
            ck.check(os.path.basename(path), "loads as a scenario", [str(e)])
            continue
        check_scenario(ck, sc)
        if sc.doc.get("name") == "seed":
            check_seed(ck, sc)
        if sc.doc.get("name") == "healthy":
            check_healthy(ck, sc)
    print(f"{ck.passed} passed, {ck.failed} failed")
    return 1 if ck.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
