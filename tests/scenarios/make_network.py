#!/usr/bin/env python3
"""Writes classes/network-*.json and classes/dns-*.json: one Kind cluster per Service, load
balancer or DNS failure class, each with the "expect" block test_failure_classes checks.
Deterministic: python3 tests/scenarios/make_network.py always writes the same bytes."""

import datetime as dt
import os
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from scenario_lib import (  # noqa: E402
    Scenario, api_access_mount, api_access_volume, available, container, cs_running, cs_waiting,
    deployment, endpoints, http_probe, kind_base, local_apiservices, namespace,
    namespace_furniture, pod, pod_conditions, pod_spec, port, progressing, pulled_image, service,
    sha, terminated)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "classes")
START = dt.datetime(2026, 3, 9, 8, 0, 0, tzinfo=dt.timezone.utc)


def base(name, cluster, images):
    """A two-node Kind cluster whose worker has pulled `images`."""
    sc = Scenario(name, cluster, START)
    kind_base(sc, [
        (f"{cluster}-control-plane", "control-plane", "172.18.0.3", "10.244.0.0/24", 12, 42, [],
         16329236),
        (f"{cluster}-worker", "worker", "172.18.0.2", "10.244.1.0/24", 38, 58,
         [pulled_image(i, 20000000 + 1000 * n) for n, i in enumerate(images)], 16329236)])
    return sc, f"{cluster}-worker"


def klog(sc, t, level, where, msg):
    c = sc.clock.at(t)
    return (t, "%s%s %s.%06d       1 %s] %s" % (level, c.strftime("%m%d"), c.strftime("%H:%M:%S"),
                                                 c.microsecond, where, msg))


def app(sc, ns, name, t, node, ip, labels, image, ports=None, crash=None, lines=None,
        readiness=None):
    """Deployment `name` with one pod: running and ready, or (crash: last log lines) crash
    looping. lines: (offset, text) log lines of the running container."""
    rs_hash = sha("rs", ns, name)[:10].translate(str.maketrans("0123456789abcdef",
                                                               "bcdfghjklmnpqrst"))[:9] + "4"
    suffix = sha("pod", ns, name)[:5].translate(str.maketrans("0123456789abcdef",
                                                              "bcdfghjklmnpqrsx"))
    tok = sha("tok", ns, name)[:5]
    c = container(name, image, ports=ports, readiness=readiness, mounts=[api_access_mount(tok)])
    spec = pod_spec([c], node, volumes=[api_access_volume(tok)])
    pod_name = f"{name}-{rs_hash}-{suffix}"
    rs_name = f"{name}-{rs_hash}"
    ok = crash is None
    counts = ({"availableReplicas": 1, "readyReplicas": 1, "replicas": 1, "updatedReplicas": 1}
              if ok else {"replicas": 1, "unavailableReplicas": 1, "updatedReplicas": 1})
    _, rs = deployment(sc, ns, name, t, 1, labels, spec, [
        available(sc.clock.ts(t + 8 if ok else t)),
        progressing(sc.clock.ts(t), rs_name, "done" if ok else "progressing",
                    sc.clock.ts(t + 8))], counts, rs_hash)
    plabels = dict(labels, **{"pod-template-hash": rs_hash})
    if ok:
        p = pod(sc, ns, pod_name, spec, t + 0.3, owner=rs, labels=plabels,
                generate_name=rs_name + "-", conditions=pod_conditions(sc, t + 1, t + 2, ready=t + 8),
                statuses=[cs_running(sc, pod_name, c, t + 3)], ip=ip, start_time=t + 1)
        sc.normal_start_events(p, t + 2.5)
        sc.log(p, name, [(t + 3.1, f"starting {name}")] + (lines or []))
    else:
        runs = [(t + 5, t + 6), (t + 20, t + 21), (t + 45, t + 46), (t + 90, t + 91),
                (t + 175, t + 176)]
        uid = sc.uid("Pod", ns, pod_name)
        p = pod(sc, ns, pod_name, spec, t + 0.3, owner=rs, labels=plabels,
                generate_name=rs_name + "-", conditions=pod_conditions(sc, t + 1, t + 2,
                                                                       unready=[name]),
                statuses=[cs_waiting(sc, pod_name, c, "CrashLoopBackOff",
                                     f"back-off 2m40s restarting failed container={name} "
                                     f"pod={pod_name}_{ns}({uid})", restarts=4,
                                     last=terminated(sc, pod_name, name, 4, *runs[-1], 1,
                                                     "Error"))], ip=ip, start_time=t + 1)
        sc.scheduler_event(p, "Scheduled", f"Successfully assigned {ns}/{pod_name} to {node}",
                           t + 0.4)
        sc.container_start_events(p, c, runs[0][0] - 0.3, last=runs[-1][0] - 0.3,
                                  count=len(runs))
        sc.kubelet_event(p, "BackOff", f"Back-off restarting failed container {name} in pod "
                         f"{pod_name}_{ns}({uid})", runs[0][1] + 0.3, runs[-1][1] + 60, 14,
                         "Warning", name)
        log = [(runs[-1][0] + 0.01 * (i + 1), text) for i, text in enumerate(crash)]
        sc.log(p, name, log)
        sc.log(p, name, log, previous=True)
    sc.event(rs, "SuccessfulCreate", f"Created pod: {pod_name}", t + 0.3,
             component="replicaset-controller")
    return p


def ns_setup(sc, ns, t):
    namespace(sc, ns, t)
    namespace_furniture(sc, ns, t + 0.4)


def refused(sc, t0, n, url, ip_port, step=30):
    return [(t0 + step * i, '{"time":"%s","level":"ERROR","msg":"request failed","error":"Get '
             '\\"%s\\": dial tcp %s: connect: connection refused"}' % (sc.clock.micro(t0 + step * i),
                                                                       url, ip_port))
            for i in range(n)]


def expect(sc, roots, verdict, absent=()):
    doc = sc.document()
    doc["expect"] = {"root_detectors": list(roots), "verdict_contains": list(verdict),
                     "absent_detectors": list(absent)}
    return doc


def selects_nothing():
    """Service catalog selects track=stable; the only pods are track=canary."""
    sc, node = base("network-selects-nothing", "shop-ci", ["ghcr.io/acme/catalog:1.8.0",
                                                           "ghcr.io/acme/storefront:3.1.2"])
    ns = "shop"
    ns_setup(sc, ns, 300)
    cat = app(sc, ns, "catalog", 302, node, "10.244.1.11",
              {"app": "catalog", "track": "canary"}, "ghcr.io/acme/catalog:1.8.0",
              ports=[{"containerPort": 8080, "name": "http", "protocol": "TCP"}])
    del cat
    svc = service(sc, ns, "catalog", 301, "10.96.88.14", [port("http", 8080, "http")],
                  selector={"app": "catalog", "track": "stable"}, labels={"app": "catalog"})
    endpoints(sc, svc, [], 301.2)
    app(sc, ns, "storefront", 305, node, "10.244.1.12", {"app": "storefront"},
        "ghcr.io/acme/storefront:3.1.2",
        lines=refused(sc, 320, 6, "http://catalog.shop.svc:8080/items", "10.96.88.14:8080"))
    local_apiservices(sc)
    return expect(sc, ["service-selects-nothing"], ["catalog"],
                  ["service-not-ready", "service-port-mismatch"])


def not_ready():
    """Service ledger selects one pod that crash loops; invoicer's connections are refused."""
    sc, node = base("network-not-ready", "pay-e2e", ["quay.io/finco/ledger:0.9.4",
                                                     "quay.io/finco/invoicer:2.0.0"])
    ns = "billing"
    ns_setup(sc, ns, 300)
    ledger = app(sc, ns, "ledger", 302, node, "10.244.1.21", {"app": "ledger"},
                 "quay.io/finco/ledger:0.9.4",
                 ports=[{"containerPort": 7000, "name": "grpc", "protocol": "TCP"}],
                 crash=["ledger 0.9.4 starting", "loading journal from /data/journal",
                        "FATAL: journal checksum mismatch at offset 4096"])
    svc = service(sc, ns, "ledger", 301, "10.96.140.7", [port("grpc", 7000, "grpc")],
                  selector={"app": "ledger"}, labels={"app": "ledger"})
    endpoints(sc, svc, [ledger], 320)
    app(sc, ns, "invoicer", 305, node, "10.244.1.22", {"app": "invoicer"},
        "quay.io/finco/invoicer:2.0.0",
        lines=refused(sc, 330, 5, "http://ledger.billing.svc:7000/v1/entries", "10.96.140.7:7000"))
    local_apiservices(sc)
    return expect(sc, ["crash-loop"], ["ledger"], ["service-selects-nothing",
                                                   "service-port-mismatch"])


def port_mismatch():
    """Service thumbnailer targets the named port "http"; the container names it "web"."""
    sc, node = base("network-port-mismatch", "media-ci", ["docker.io/pixco/thumbnailer:5.2",
                                                          "docker.io/pixco/uploader:5.2"])
    ns = "media"
    ns_setup(sc, ns, 300)
    th = app(sc, ns, "thumbnailer", 302, node, "10.244.1.31", {"app": "thumbnailer"},
             "docker.io/pixco/thumbnailer:5.2",
             ports=[{"containerPort": 8080, "name": "web", "protocol": "TCP"}])
    svc = service(sc, ns, "thumbnailer", 301, "10.96.201.9", [port("http", 80, "http")],
                  selector={"app": "thumbnailer"}, labels={"app": "thumbnailer"})
    endpoints(sc, svc, [th], 310)
    # The endpointslice controller finds no container port named "http" (getEndpointPorts skips
    # it): the pod's endpoint is in a slice without ports.
    for o in sc.objects:
        if o["kind"] == "EndpointSlice" and o["metadata"]["name"].startswith("thumbnailer-"):
            o["ports"] = []
    app(sc, ns, "uploader", 305, node, "10.244.1.32", {"app": "uploader"},
        "docker.io/pixco/uploader:5.2",
        lines=refused(sc, 330, 4, "http://thumbnailer.media/resize", "10.96.201.9:80"))
    local_apiservices(sc)
    return expect(sc, ["service-port-mismatch"], ["thumbnailer"],
                  ["service-selects-nothing"])


def lb_pending():
    """A LoadBalancer Service on Kind with neither cloud-provider-kind nor MetalLB."""
    sc, node = base("network-lb-pending", "edge-lab", ["docker.io/library/nginx:1.27"])
    ns = "edge"
    ns_setup(sc, ns, 300)
    gw = app(sc, ns, "gateway", 302, node, "10.244.1.41", {"app": "gateway"},
             "docker.io/library/nginx:1.27",
             ports=[{"containerPort": 80, "name": "http", "protocol": "TCP"}])
    svc = service(sc, ns, "gateway-public", 301, "10.96.9.200", [port("http", 80, "http")],
                  selector={"app": "gateway"}, labels={"app": "gateway"})
    svc["spec"].update({"allocateLoadBalancerNodePorts": True, "externalTrafficPolicy": "Cluster",
                        "type": "LoadBalancer"})
    svc["spec"]["ports"][0]["nodePort"] = 31380
    endpoints(sc, svc, [gw], 310)
    local_apiservices(sc)
    return expect(sc, ["loadbalancer-pending"], ["gateway-public"])


def scale_coredns_to_zero(sc):
    """kubectl -n kube-system scale deployment coredns --replicas=0: no pod, empty slices."""
    gone = {o["metadata"]["name"] for o in sc.objects
            if o["kind"] == "Pod" and o["metadata"]["name"].startswith("coredns-")}
    sc.objects = [o for o in sc.objects
                  if not (o["kind"] == "Pod" and o["metadata"]["name"] in gone) and
                  not (o["kind"] == "Event" and o["involvedObject"]["name"] in gone)]
    sc.logs = [lg for lg in sc.logs if lg["pod"] not in gone]
    for o in sc.objects:
        name = o["metadata"]["name"]
        if o["kind"] == "Deployment" and name == "coredns":
            o["spec"]["replicas"] = 0
            o["status"] = {"conditions": o["status"]["conditions"], "observedGeneration": 2}
            o["metadata"]["generation"] = 2
        elif o["kind"] == "ReplicaSet" and name.startswith("coredns-"):
            o["spec"]["replicas"] = 0
            o["status"] = {"observedGeneration": 2, "replicas": 0}
        elif o["kind"] == "EndpointSlice" and name.startswith("kube-dns"):
            o["endpoints"] = None
        elif o["kind"] == "Endpoints" and name == "kube-dns":
            o.pop("subsets", None)


def coredns_down():
    """CoreDNS scaled to zero: every lookup of reporter times out."""
    sc, node = base("dns-coredns-down", "dns-lab", ["ghcr.io/insight/reporter:0.3.1"])
    scale_coredns_to_zero(sc)
    ns = "analytics"
    ns_setup(sc, ns, 300)
    lines = [(320 + 40 * i, 'level=error ts=%s msg="export failed" err="dial tcp: lookup '
              'warehouse.analytics.svc.cluster.local on 10.96.0.10:53: read udp '
              '10.244.1.51:%d->10.96.0.10:53: i/o timeout"' % (sc.clock.micro(320 + 40 * i),
                                                                40312 + i))
             for i in range(5)]
    app(sc, ns, "reporter", 305, node, "10.244.1.51", {"app": "reporter"},
        "ghcr.io/insight/reporter:0.3.1", lines=lines)
    local_apiservices(sc)
    return expect(sc, ["cluster-dns-down"], ["Cluster DNS is down"], ["dependency"])


def lookup_timeout():
    """CoreDNS is healthy but a default-deny egress NetworkPolicy drops fetcher's queries."""
    sc, node = base("dns-lookup-timeout", "netpol-ci", ["registry.example.org/ops/fetcher:1.0"])
    ns = "secure"
    ns_setup(sc, ns, 300)
    sc.add({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": sc.meta("NetworkPolicy", "default-deny-egress", ns, 300.5,
                                extra={"generation": 1}),
            "spec": {"podSelector": {}, "policyTypes": ["Egress"]}})
    lines = [(320 + 30 * i, "Error: getaddrinfo EAI_AGAIN feeds.partner.example") for i in range(3)]
    app(sc, ns, "fetcher", 305, node, "10.244.1.61", {"app": "fetcher"},
        "registry.example.org/ops/fetcher:1.0", lines=lines)
    local_apiservices(sc)
    return expect(sc, ["dns-lookup-failure"], ["fetcher"], ["cluster-dns-down", "dns-upstream"])


def upstream():
    """CoreDNS cannot reach the Kind network's resolver: external names get SERVFAIL."""
    sc, node = base("dns-upstream", "offline-ci", ["ghcr.io/hooks/notifier:4.4.0"])
    for lg in sc.logs:
        if lg["pod"].startswith("coredns-"):
            pod_obj = sc.find("Pod", lg["pod"], "kube-system")
            more = [(400 + 20 * i + k, "[ERROR] plugin/errors: 2 hooks.chat.example.net. %s: read "
                     "udp %s:%d->172.18.0.1:53: i/o timeout" % (
                         t, pod_obj["status"]["podIP"], 41000 + 10 * i + k))
                    for i in range(4) for k, t in enumerate(["A", "AAAA"])]
            sc.logs.remove(lg)
            base_lines = [(120 + i * 0.1, line.split(" ", 1)[1]) for i, line in
                          enumerate(lg["lines"])]
            sc.log(pod_obj, "coredns", base_lines + more)
            break
    ns = "alerts"
    ns_setup(sc, ns, 300)
    lines = [(405 + 20 * i, 'E0309 %s.000100       1 sender.go:77] "delivery failed" err="Post '
              '\\"https://hooks.chat.example.net/T01\\": dial tcp: lookup hooks.chat.example.net '
              'on 10.96.0.10:53: server misbehaving"' % sc.clock.at(405 + 20 * i).strftime(
                  "%H:%M:%S")) for i in range(4)]
    app(sc, ns, "notifier", 305, node, "10.244.1.71", {"app": "notifier"},
        "ghcr.io/hooks/notifier:4.4.0", lines=lines)
    local_apiservices(sc)
    return expect(sc, ["dns-upstream"], ["172.18.0.1"], ["cluster-dns-down"])


def write(doc, name):
    import json
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(doc, f, indent=1, sort_keys=False)
        f.write("\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    for fn, name in [(selects_nothing, "network-selects-nothing"),
                     (not_ready, "network-not-ready"),
                     (port_mismatch, "network-port-mismatch"),
                     (lb_pending, "network-lb-pending"),
                     (coredns_down, "dns-coredns-down"),
                     (lookup_timeout, "dns-lookup-timeout"),
                     (upstream, "dns-upstream")]:
        write(fn(), name)


if __name__ == "__main__":
    main()
