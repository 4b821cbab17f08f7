#!/usr/bin/env python3
"""Generates seed.json (a failed CI e2e run of the "gateway" app on Kind cluster gateway-e2e) and
healthy.json (an all-healthy Kind cluster). Run from anywhere: python3 tests/scenarios/make_seed.py
The .json files are what the fake kube-apiserver and the tests read; this script only exists so
they can be regenerated consistently."""

import datetime as dt
import os
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from scenario_lib import (  # noqa: E402
    Scenario, api_access_mount, api_access_volume, available, b64, condition, container,
    cs_running, cs_terminated, cs_waiting, deployment, endpoints, http_probe, kind_base,
    last_applied, loaded_image, local_apiservices, namespace, namespace_furniture, pod,
    pod_conditions, pod_spec, pod_template, port, progressing, pulled_image, service,
    service_account, sha, terminated)
from jaeger_traces import seed_traces  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
START = dt.datetime(2026, 2, 4, 10, 0, 0, tzinfo=dt.timezone.utc)
NS = "gateway-e2e"

# Planted secrets: none of these may ever appear in a bundle.
MARK_SECRET = "SEED-SECRET-VALUE-7f3a9"
MARK_CM = "SEED-CM-TOKEN-c41d"
MARK_ENV = "SEED-ENV-PASSWORD-88e1"
MARK_BEARER = "SEED-LOG-BEARER-d00d"

JAEGER_IMAGE = "jaegertracing/jaeger:2.3.0"
APP_IMAGES = {  # loaded into the worker with `kind load docker-image` (gateway-api was not)
    "gateway-frontend": ("localhost/gateway-frontend:e2e", 27311402),
    "authwebhook": ("localhost/authwebhook:e2e", 19882135),
    "notification": ("localhost/notification:e2e", 24017730),
    "ro-controller": ("localhost/ro-controller:e2e", 31544861),
    "db-migrate": ("localhost/db-migrate:e2e", 15230044),
}
GATEWAY_API_IMAGE = "localhost/gateway-api:e2e"


def klog(sc, t, level, file_line, msg):
    clock = sc.clock.at(t)
    return (t, "%s%s %s.%06d       1 %s] %s" % (level, clock.strftime("%m%d"),
                                                 clock.strftime("%H:%M:%S"), clock.microsecond,
                                                 file_line, msg))


def zap(sc, t, level, logger, msg, fields=""):
    text = "%s\t%s\t%s\t%s" % (sc.clock.at(t).strftime("%Y-%m-%dT%H:%M:%S.") +
                               "%03dZ" % (sc.clock.at(t).microsecond // 1000), level, logger, msg)
    return (t, text + ("\t" + fields if fields else ""))


def app_labels(name):
    return {"app": name, "app.kubernetes.io/part-of": "gateway"}


def app_pod(sc, name, rs, suffix, spec, t, ip, conditions, statuses, qos="BestEffort",
            phase="Running"):
    labels = dict(app_labels(name), **{"pod-template-hash": rs["metadata"]["name"].rsplit("-", 1)[1]})
    pod_name = f"{rs['metadata']['name']}-{suffix}"
    return pod(sc, NS, pod_name, spec, t, owner=rs, labels=labels,
               generate_name=rs["metadata"]["name"] + "-", phase=phase, conditions=conditions,
               statuses=statuses, ip=ip, qos=qos, start_time=t + 0.9)


def build_seed():
    sc = Scenario("seed", "gateway-e2e", START)
    worker_images = [loaded_image(img, size) for img, size in APP_IMAGES.values()]
    worker_images.append(pulled_image(JAEGER_IMAGE, 44178502))
    cp = kind_base(sc, [
        ("gateway-e2e-control-plane", "control-plane", "172.18.0.3", "10.244.0.0/24", 12, 42, [],
         16329236),
        ("gateway-e2e-worker", "worker", "172.18.0.2", "10.244.1.0/24", 38, 58, worker_images,
         16329236)])
    del cp
    worker = "gateway-e2e-worker"

    # ---- observability: Jaeger all-in-one (v2) -------------------------------------------------
    namespace(sc, "observability", 118)
    namespace_furniture(sc, "observability", 118.5)
    service_account(sc, "observability", "jaeger", 119)
    jl = {"app": "jaeger", "app.kubernetes.io/component": "all-in-one",
          "app.kubernetes.io/name": "jaeger"}
    jc = container("jaeger", JAEGER_IMAGE,
                   env=[{"name": "JAEGER_LISTEN_HOST", "value": "0.0.0.0"}],
                   ports=[{"containerPort": 16686, "name": "http-query", "protocol": "TCP"},
                          {"containerPort": 16685, "name": "grpc-query", "protocol": "TCP"},
                          {"containerPort": 4317, "name": "otlp-grpc", "protocol": "TCP"},
                          {"containerPort": 4318, "name": "otlp-http", "protocol": "TCP"},
                          {"containerPort": 13133, "name": "health", "protocol": "TCP"}],
                   readiness=http_probe("/status", 13133, period=5),
                   liveness=http_probe("/status", 13133, period=15, delay=5),
                   resources={"limits": {"memory": "512Mi"},
                              "requests": {"cpu": "100m", "memory": "128Mi"}},
                   mounts=[api_access_mount("f8bnm")])
    jspec = pod_spec([jc], worker, sa="jaeger", volumes=[api_access_volume("f8bnm")])
    jd, jrs = deployment(sc, "observability", "jaeger", 120, 1, jl, jspec, [
        available(sc.clock.ts(131)),
        progressing(sc.clock.ts(120), "jaeger-6d5f8b7c94", "done", sc.clock.ts(131))],
        {"availableReplicas": 1, "readyReplicas": 1, "replicas": 1, "updatedReplicas": 1},
        "6d5f8b7c94")
    jname = "jaeger-6d5f8b7c94-x7r2l"
    jpod = pod(sc, "observability", jname, jspec, 120.3, owner=jrs,
               labels=dict(jl, **{"pod-template-hash": "6d5f8b7c94"}),
               generate_name="jaeger-6d5f8b7c94-",
               conditions=pod_conditions(sc, 121, 122, ready=131),
               statuses=[cs_running(sc, jname, jc, 128.6, pulled=True)], ip="10.244.1.2",
               qos="Burstable", start_time=121)
    sc.event(jrs, "SuccessfulCreate", f"Created pod: {jname}", 120.3,
             component="replicaset-controller")
    sc.normal_start_events(jpod, 128.4, pulled={"jaeger": (6.214, 44178502)})
    jq = service(sc, "observability", "jaeger-query", 120,
                 "10.96.173.52", [port("http-query", 16686), port("grpc-query", 16685)],
                 selector=jl, labels=jl)
    jcol = service(sc, "observability", "jaeger-collector", 120, "10.96.12.198",
                   [port("otlp-grpc", 4317), port("otlp-http", 4318)], selector=jl, labels=jl)
    endpoints(sc, jq, [jpod], 131)
    endpoints(sc, jcol, [jpod], 131)
    jlog = []
    for t, caller, msg in [
            (128.7, "service@v0.119.0/service.go:186", "Setting up own telemetry..."),
            (128.8, "extension@v0.119.0/extension.go:174", "Starting extensions..."),
            (128.9, "jaegerquery/server.go:186", "Starting jaeger-query HTTP server\t{\"kind\": \"extension\", \"name\": \"jaeger_query\", \"port\": \":16686\"}"),
            (129.0, "otlpreceiver@v0.119.0/otlp.go:112", "Starting GRPC server\t{\"kind\": \"receiver\", \"name\": \"otlp\", \"data_type\": \"traces\", \"endpoint\": \"0.0.0.0:4317\"}"),
            (129.0, "otlpreceiver@v0.119.0/otlp.go:169", "Starting HTTP server\t{\"kind\": \"receiver\", \"name\": \"otlp\", \"data_type\": \"traces\", \"endpoint\": \"0.0.0.0:4318\"}"),
            (129.1, "healthcheckv2extension@v0.119.0/extension.go:108", "Health Check state change\t{\"kind\": \"extension\", \"name\": \"healthcheckv2\", \"status\": \"ready\"}"),
            (129.2, "service@v0.119.0/service.go:252", "Everything is ready. Begin running and processing data.")]:
        ts = sc.clock.at(t).strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (
            sc.clock.at(t).microsecond // 1000)
        jlog.append((t, f"{ts}\tinfo\t{caller}\t{msg}"))
    sc.log(jpod, "jaeger", jlog)

    # ---- gateway-e2e ----------------------------------------------------------------------------
    namespace(sc, NS, 596, {"app.kubernetes.io/part-of": "gateway"})
    namespace_furniture(sc, NS, 596.4)
    for sa in ["gateway-api", "authwebhook", "notification", "ro-controller", "gateway-frontend",
               "db-migrate"]:
        service_account(sc, NS, sa, 598, app_labels(sa))
    secret_ann = last_applied({"apiVersion": "v1", "data": {
        "password": b64(MARK_SECRET), "username": b64("gateway")}, "kind": "Secret",
        "metadata": {"annotations": {}, "name": "db-credentials", "namespace": NS},
        "type": "Opaque"})
    sc.add({"apiVersion": "v1", "kind": "Secret",
            "metadata": sc.meta("Secret", "db-credentials", NS, 598, app_labels("postgres"),
                                secret_ann),
            "data": {"password": b64(MARK_SECRET), "username": b64("gateway")},
            "type": "Opaque"})
    gw_conf = ("listen=0.0.0.0:8080\nupstream=http://gateway-api.gateway-e2e.svc:8080\n"
               f"api_token={MARK_CM}\nlog_level=debug\ntracing.endpoint="
               "http://jaeger-collector.observability.svc:4318\n")
    sc.add({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": sc.meta("ConfigMap", "gateway-config", NS, 598, app_labels("gateway"),
                                last_applied({"apiVersion": "v1", "data": {"gateway.conf": gw_conf},
                                              "kind": "ConfigMap", "metadata": {
                                                  "annotations": {}, "name": "gateway-config",
                                                  "namespace": NS}})),
            "data": {"gateway.conf": gw_conf}})

    otel_env = lambda svc: [  # noqa: E731
        {"name": "OTEL_SERVICE_NAME", "value": svc},
        {"name": "OTEL_EXPORTER_OTLP_ENDPOINT",
         "value": "http://jaeger-collector.observability.svc:4317"}]

    # (a) gateway-api: image never loaded into the node, pull policy Never.
    ga = container("gateway-api", GATEWAY_API_IMAGE, pull="Never",
                   ports=[{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
                   env=otel_env("gateway-api"), readiness=http_probe("/healthz", "http"),
                   mounts=[{"mountPath": "/etc/gateway", "name": "config", "readOnly": True},
                           api_access_mount("w6l2c")])
    gspec = pod_spec([ga], worker, sa="gateway-api", volumes=[
        {"configMap": {"defaultMode": 420, "name": "gateway-config"}, "name": "config"},
        api_access_volume("w6l2c")])
    _, grs = deployment(sc, NS, "gateway-api", 600, 1, app_labels("gateway-api"), gspec, [
        available(sc.clock.ts(600)),
        progressing(sc.clock.ts(600), "gateway-api-6c8f9d7b5d", "deadline", sc.clock.ts(904))],
        {"replicas": 1, "unavailableReplicas": 1, "updatedReplicas": 1}, "6c8f9d7b5d",
        progress_deadline=300)
    never = f'Container image "{GATEWAY_API_IMAGE}" is not present with pull policy of Never'
    gpod = app_pod(sc, "gateway-api", grs, "wz5kq", gspec, 600.3, "10.244.1.3",
                   pod_conditions(sc, 601, 602, unready=["gateway-api"]),
                   [cs_waiting(sc, "gateway-api-6c8f9d7b5d-wz5kq", ga, "ErrImageNeverPull",
                               never)], phase="Pending")
    sc.event(grs, "SuccessfulCreate", f"Created pod: {gpod['metadata']['name']}", 600.3,
             component="replicaset-controller")
    sc.scheduler_event(gpod, "Scheduled",
                       f"Successfully assigned {NS}/{gpod['metadata']['name']} to {worker}",
                       600.4)
    sc.kubelet_event(gpod, "ErrImageNeverPull", never, 602.1, 1196.3, 52, "Warning",
                     "gateway-api")
    sc.kubelet_event(gpod, "Failed", "Error: ErrImageNeverPull", 602.1, 1196.3, 52, "Warning",
                     "gateway-api")

    # (b) authwebhook: crash loop, TLS cert missing (optional Secret volume that does not exist).
    aw = container("authwebhook", APP_IMAGES["authwebhook"][0],
                   args=["--tls-cert-file=/etc/webhook/certs/tls.crt",
                         "--tls-private-key-file=/etc/webhook/certs/tls.key", "--port=9443",
                         "--v=4"],
                   ports=[{"containerPort": 9443, "name": "webhook", "protocol": "TCP"}],
                   readiness=http_probe("/readyz", 9443),
                   mounts=[{"mountPath": "/etc/webhook/certs", "name": "certs", "readOnly": True},
                           api_access_mount("qz7vk")])
    aw["readinessProbe"]["httpGet"]["scheme"] = "HTTPS"
    aspec = pod_spec([aw], worker, sa="authwebhook", volumes=[
        {"name": "certs", "secret": {"defaultMode": 420, "optional": True,
                                     "secretName": "authwebhook-tls"}},
        api_access_volume("qz7vk")])
    _, ars = deployment(sc, NS, "authwebhook", 600, 1, app_labels("authwebhook"), aspec, [
        available(sc.clock.ts(600)),
        progressing(sc.clock.ts(600), "authwebhook-7b9c6f8d4d", "progressing",
                    sc.clock.ts(600.2))],
        {"replicas": 1, "unavailableReplicas": 1, "updatedReplicas": 1}, "7b9c6f8d4d")
    aname = "authwebhook-7b9c6f8d4d-h4n2s"
    runs = [(605, 606.1), (616, 617.1), (637, 638.1), (678, 679.1), (759, 760.1), (920, 921.1)]
    auid = sc.uid("Pod", NS, aname)
    apod = app_pod(sc, "authwebhook", ars, "h4n2s", aspec, 600.3, "10.244.1.4",
                   pod_conditions(sc, 601, 602, unready=["authwebhook"]),
                   [cs_waiting(sc, aname, aw, "CrashLoopBackOff",
                               f"back-off 5m0s restarting failed container=authwebhook "
                               f"pod={aname}_{NS}({auid})", restarts=5,
                               last=terminated(sc, aname, "authwebhook", 5, *runs[-1], 1,
                                               "Error"))])
    sc.event(ars, "SuccessfulCreate", f"Created pod: {aname}", 600.3,
             component="replicaset-controller")
    sc.scheduler_event(apod, "Scheduled", f"Successfully assigned {NS}/{aname} to {worker}",
                       600.4)
    sc.container_start_events(apod, aw, runs[0][0] - 0.3, last=runs[-1][0] - 0.3,
                              count=len(runs))
    sc.kubelet_event(apod, "BackOff",
                     f"Back-off restarting failed container authwebhook in pod "
                     f"{aname}_{NS}({auid})", 606.4, 1194.8, 27, "Warning", "authwebhook")
    t0 = runs[-1][0]
    alog = [
        klog(sc, t0 + 0.05, "I", "main.go:61", '"Starting authwebhook" version="0.4.0-e2e" commit="3f9a1c2"'),
        klog(sc, t0 + 0.06, "I", "main.go:75", '"Loading configuration" path="/etc/webhook/config.yaml"'),
        klog(sc, t0 + 0.31, "I", "upstream.go:88", '"Verifying upstream token endpoint" url="http://gateway-api.gateway-e2e.svc:8080/v1/token" header="Authorization: Bearer %s"' % MARK_BEARER),
        klog(sc, t0 + 0.52, "E", "upstream.go:97", '"Upstream not reachable, continuing" err="Get \\"http://gateway-api.gateway-e2e.svc:8080/v1/token\\": dial tcp 10.96.44.21:8080: connect: connection refused"'),
        klog(sc, t0 + 0.53, "I", "server.go:112", '"Serving webhook" addr=":9443" certFile="/etc/webhook/certs/tls.crt"'),
        (t0 + 0.54, "panic: failed to load TLS certificate: open /etc/webhook/certs/tls.crt: no such file or directory"),
        (t0 + 0.54, "goroutine 1 [running]:"),
        (t0 + 0.54, "main.mustLoadCertificate({0xc0000a6000, 0x1e}, {0xc0000a6030, 0x1e})"),
        (t0 + 0.54, "\t/workspace/cmd/authwebhook/server.go:131 +0x1c5"),
        (t0 + 0.54, "main.main()"),
        (t0 + 0.54, "\t/workspace/cmd/authwebhook/main.go:98 +0x5f4"),
    ]
    # While the container waits in CrashLoopBackOff the kubelet serves the last terminated
    # instance for both the current and the previous log (validateContainerLogStatus).
    sc.log(apod, "authwebhook", alog)
    sc.log(apod, "authwebhook", alog, previous=True)

    # (c) notification: OOMKilled under a 64Mi limit.
    nc = container("notification", APP_IMAGES["notification"][0],
                   env=otel_env("notification") + [
                       {"name": "QUEUE_URL", "value": "nats://nats.gateway-e2e.svc:4222"},
                       {"name": "BATCH_SIZE", "value": "500"}],
                   resources={"limits": {"cpu": "200m", "memory": "64Mi"},
                              "requests": {"cpu": "50m", "memory": "64Mi"}},
                   mounts=[api_access_mount("hb9tr")])
    nspec = pod_spec([nc], worker, sa="notification", volumes=[api_access_volume("hb9tr")])
    _, nrs = deployment(sc, NS, "notification", 600, 1, app_labels("notification"), nspec, [
        available(sc.clock.ts(600)),
        progressing(sc.clock.ts(600), "notification-5f7d9c8b6b", "progressing",
                    sc.clock.ts(600.2))],
        {"replicas": 1, "unavailableReplicas": 1, "updatedReplicas": 1}, "5f7d9c8b6b")
    nname = "notification-5f7d9c8b6b-p9q4t"
    nuid = sc.uid("Pod", NS, nname)
    nruns = [(608, 732.4), (742, 865.2), (885, 1010.7), (1050, 1175.3)]
    npod = app_pod(sc, "notification", nrs, "p9q4t", nspec, 600.3, "10.244.1.5",
                   pod_conditions(sc, 601, 602, unready=["notification"]),
                   [cs_waiting(sc, nname, nc, "CrashLoopBackOff",
                               f"back-off 1m20s restarting failed container=notification "
                               f"pod={nname}_{NS}({nuid})", restarts=3,
                               last=terminated(sc, nname, "notification", 3, *nruns[-1], 137,
                                               "OOMKilled"))], qos="Burstable")
    sc.event(nrs, "SuccessfulCreate", f"Created pod: {nname}", 600.3,
             component="replicaset-controller")
    sc.scheduler_event(npod, "Scheduled", f"Successfully assigned {NS}/{nname} to {worker}",
                       600.4)
    sc.container_start_events(npod, nc, nruns[0][0] - 0.3, last=nruns[-1][0] - 0.3, count=4)
    sc.kubelet_event(npod, "BackOff",
                     f"Back-off restarting failed container notification in pod "
                     f"{nname}_{NS}({nuid})", 733.0, 1190.2, 9, "Warning", "notification")
    t0 = nruns[-1][0]
    nlog = [(t0 + 0.2, '{"level":"info","ts":"%s","msg":"starting notification worker","queue":"notifications","batchSize":500}' % sc.clock.micro(t0 + 0.2)),
            (t0 + 0.4, '{"level":"info","ts":"%s","msg":"loaded templates","count":42}' % sc.clock.micro(t0 + 0.4)),
            (t0 + 0.9, '{"level":"warn","ts":"%s","msg":"queue unreachable, replaying from local spool","error":"dial tcp: lookup nats.gateway-e2e.svc on 10.96.0.10:53: no such host"}' % sc.clock.micro(t0 + 0.9))]
    heap = [14, 22, 31, 39, 46, 52, 57, 61]
    for i, h in enumerate(heap):
        t = t0 + 2 + i * 15.5
        nlog.append((t, '{"level":"info","ts":"%s","msg":"processing batch","pending":%d,"heapMiB":%d}' % (sc.clock.micro(t), 12000 + 6025 * i, h)))
    nlog.append((t0 + 118.4, '{"level":"warn","ts":"%s","msg":"memory usage above 90%% of limit","heapMiB":61,"limitMiB":64}' % sc.clock.micro(t0 + 118.4)))
    nlog.append((t0 + 124.9, '{"level":"info","ts":"%s","msg":"rendering digest","recipients":48213}' % sc.clock.micro(t0 + 124.9)))
    sc.log(npod, "notification", nlog)
    sc.log(npod, "notification", nlog, previous=True)

    # (d) ro-controller: Running, never Ready (its database is unreachable).
    rc = container("ro-controller", APP_IMAGES["ro-controller"][0],
                   args=["--metrics-bind-address=:8080", "--health-probe-bind-address=:8081",
                         "--leader-elect=false"],
                   env=otel_env("ro-controller") + [
                       {"name": "DB_HOST", "value": "postgres.gateway-e2e.svc.cluster.local"},
                       {"name": "DB_PORT", "value": "5432"},
                       {"name": "DB_USER", "valueFrom": {"secretKeyRef": {
                           "key": "username", "name": "db-credentials"}}},
                       {"name": "DB_PASSWORD", "value": MARK_ENV}],
                   ports=[{"containerPort": 8080, "name": "metrics", "protocol": "TCP"},
                          {"containerPort": 8081, "name": "health", "protocol": "TCP"}],
                   readiness=http_probe("/readyz", 8081, period=15),
                   liveness=http_probe("/healthz", 8081, period=20, delay=15),
                   resources={"limits": {"cpu": "500m", "memory": "256Mi"},
                              "requests": {"cpu": "50m", "memory": "64Mi"}},
                   mounts=[api_access_mount("m2xdp")])
    rspec = pod_spec([rc], worker, sa="ro-controller", volumes=[api_access_volume("m2xdp")])
    _, rrs = deployment(sc, NS, "ro-controller", 600, 1, app_labels("ro-controller"), rspec, [
        available(sc.clock.ts(600)),
        progressing(sc.clock.ts(600), "ro-controller-84b6d5c9f7", "progressing",
                    sc.clock.ts(600.2))],
        {"replicas": 1, "unavailableReplicas": 1, "updatedReplicas": 1}, "84b6d5c9f7")
    rname = "ro-controller-84b6d5c9f7-s6x8z"
    rpod = app_pod(sc, "ro-controller", rrs, "s6x8z", rspec, 600.3, "10.244.1.6",
                   pod_conditions(sc, 601, 602, unready=["ro-controller"]),
                   [cs_running(sc, rname, rc, 606.8, ready=False)], qos="Burstable")
    sc.event(rrs, "SuccessfulCreate", f"Created pod: {rname}", 600.3,
             component="replicaset-controller")
    sc.normal_start_events(rpod, 606.5)
    sc.kubelet_event(rpod, "Unhealthy",
                     "Readiness probe failed: HTTP probe failed with statuscode: 503", 612.0,
                     1197.0, 40, "Warning", "ro-controller")
    rlog = [zap(sc, 607.0, "INFO", "setup", "starting manager", '{"version": "0.7.2-e2e"}'),
            zap(sc, 607.1, "INFO", "controller-runtime.metrics", "Starting metrics server"),
            zap(sc, 607.1, "INFO", "setup", "disabling http/2"),
            zap(sc, 607.2, "INFO", "", "starting server", '{"name": "health probe", "addr": "[::]:8081"}'),
            zap(sc, 607.3, "INFO", "Starting EventSource", "", '{"controller": "gatewayroute", "controllerGroup": "gateway.example.com", "controllerKind": "GatewayRoute", "source": "kind source: *v1alpha1.GatewayRoute"}'),
            zap(sc, 607.4, "INFO", "Starting Controller", "", '{"controller": "gatewayroute", "controllerGroup": "gateway.example.com", "controllerKind": "GatewayRoute"}')]
    rlog = [(t, text.replace("\t\t", "\t")) for t, text in rlog]
    for i in range(40):
        t = 608.0 + i * 14.8
        rlog.append(zap(sc, t, "ERROR", "db",
                        "failed to connect to postgres at postgres.gateway-e2e.svc.cluster.local:5432",
                        '{"error": "dial tcp 10.96.120.15:5432: connect: connection refused", "attempt": %d}' % (i + 1)))
        if i % 4 == 0:
            rlog.append(zap(sc, t + 0.3, "ERROR", "Reconciler error", "",
                            '{"controller": "gatewayroute", "controllerGroup": "gateway.example.com", "controllerKind": "GatewayRoute", "GatewayRoute": {"name":"checkout","namespace":"gateway-e2e"}, "namespace": "gateway-e2e", "name": "checkout", "reconcileID": "%s", "error": "loading route state: dial tcp 10.96.120.15:5432: connect: connection refused"}' % sc.uid("reconcile", NS, str(i))))
        rlog[-1] = (rlog[-1][0], rlog[-1][1].replace("\t\t", "\t"))
    sc.log(rpod, "ro-controller", rlog)

    # (e) postgres-0: unschedulable (64Gi request; control plane tainted).
    pl = {"app": "postgres", "app.kubernetes.io/part-of": "gateway"}
    pc = container("postgres", "postgres:16-alpine",
                   env=[{"name": "POSTGRES_DB", "value": "gateway"},
                        {"name": "POSTGRES_USER", "valueFrom": {"secretKeyRef": {
                            "key": "username", "name": "db-credentials"}}},
                        {"name": "POSTGRES_PASSWORD", "valueFrom": {"secretKeyRef": {
                            "key": "password", "name": "db-credentials"}}},
                        {"name": "PGDATA", "value": "/var/lib/postgresql/data/pgdata"}],
                   ports=[{"containerPort": 5432, "name": "postgres", "protocol": "TCP"}],
                   readiness={"exec": {"command": ["pg_isready", "-U", "gateway"]},
                              "failureThreshold": 3, "periodSeconds": 10, "successThreshold": 1,
                              "timeoutSeconds": 1},
                   resources={"requests": {"cpu": "500m", "memory": "64Gi"}},
                   mounts=[{"mountPath": "/var/lib/postgresql/data", "name": "data"},
                           api_access_mount("v4tgs")])
    pspec = pod_spec([pc], None, volumes=[{"emptyDir": {}, "name": "data"},
                                          api_access_volume("v4tgs")],
                     extra={"hostname": "postgres-0", "subdomain": "postgres"})
    sts_tmpl = pod_template(pl, pspec)
    sts = sc.add({"apiVersion": "apps/v1", "kind": "StatefulSet",
                  "metadata": sc.meta("StatefulSet", "postgres", NS, 600, pl, extra={
                      "generation": 1}),
                  "spec": {"persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain",
                                                                    "whenScaled": "Retain"},
                           "podManagementPolicy": "OrderedReady", "replicas": 1,
                           "revisionHistoryLimit": 10, "selector": {"matchLabels": dict(pl)},
                           "serviceName": "postgres", "template": sts_tmpl,
                           "updateStrategy": {"rollingUpdate": {"partition": 0},
                                              "type": "RollingUpdate"}},
                  "status": {"availableReplicas": 0, "collisionCount": 0, "currentReplicas": 1,
                             "currentRevision": "postgres-5b9d7c6f48", "observedGeneration": 1,
                             "replicas": 1, "updateRevision": "postgres-5b9d7c6f48",
                             "updatedReplicas": 1}})
    sc.add({"apiVersion": "apps/v1", "kind": "ControllerRevision",
            "metadata": sc.meta("ControllerRevision", "postgres-5b9d7c6f48", NS, 600.1,
                                dict(pl, **{"controller.kubernetes.io/hash": "5b9d7c6f48"}),
                                owner=sts),
            "data": {"spec": {"template": dict(sts_tmpl, **{"$patch": "replace"})}},
            "revision": 1})
    unsched = ("0/2 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint "
               "{node-role.kubernetes.io/control-plane: }. preemption: 0/2 nodes are available: "
               "1 No preemption victims found for incoming pod, 1 Preemption is not helpful for "
               "scheduling.")
    ppod = pod(sc, NS, "postgres-0", pspec, 600.2, owner=sts,
               labels=dict(pl, **{"apps.kubernetes.io/pod-index": "0",
                                  "controller-revision-hash": "postgres-5b9d7c6f48",
                                  "statefulset.kubernetes.io/pod-name": "postgres-0"}),
               generate_name="postgres-", phase="Pending", qos="Burstable",
               conditions=[condition("PodScheduled", "False", sc.clock.ts(600.3),
                                     "Unschedulable", unsched)])
    sc.event(sts, "SuccessfulCreate", "create Pod postgres-0 in StatefulSet postgres successful",
             600.2, component="statefulset-controller")
    sc.scheduler_event(ppod, "FailedScheduling", unsched, 600.3, "Warning", series=(3, 1200 - 95.6))
    psvc = service(sc, NS, "postgres", 599, "10.96.120.15", [port("postgres", 5432)],
                   selector=pl, labels=pl)
    endpoints(sc, psvc, [ppod], 600.2)

    # (f) db-migrate Job: three pods exit 2, BackoffLimitExceeded.
    juid = sc.uid("Job", NS, "db-migrate")
    jlabels = {"batch.kubernetes.io/controller-uid": juid, "batch.kubernetes.io/job-name":
               "db-migrate", "controller-uid": juid, "job-name": "db-migrate"}
    mc = container("db-migrate", APP_IMAGES["db-migrate"][0],
                   args=["migrate", "up", "--dir=/migrations"],
                   env=[{"name": "DB_HOST", "value": "postgres.gateway-e2e.svc.cluster.local"},
                        {"name": "DB_USER", "valueFrom": {"secretKeyRef": {
                            "key": "username", "name": "db-credentials"}}},
                        {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {
                            "key": "password", "name": "db-credentials"}}}])
    job_tmpl_spec = pod_spec([mc], None, sa="db-migrate", restart="Never")
    job = sc.add({"apiVersion": "batch/v1", "kind": "Job",
                  "metadata": sc.meta("Job", "db-migrate", NS, 600,
                                      dict(jlabels, **app_labels("db-migrate")),
                                      extra={"generation": 1}),
                  "spec": {"backoffLimit": 2, "completionMode": "NonIndexed", "completions": 1,
                           "manualSelector": False, "parallelism": 1,
                           "podReplacementPolicy": "TerminatingOrFailed",
                           "selector": {"matchLabels": {
                               "batch.kubernetes.io/controller-uid": juid}},
                           "suspend": False,
                           "template": pod_template(dict(jlabels, **app_labels("db-migrate")),
                                                    job_tmpl_spec)},
                  "status": {}})
    mruns = [("2hxlk", "10.244.1.9", 600.1, 603.6, 608.9),
             ("9vwpz", "10.244.1.10", 619.0, 620.7, 626.0),
             ("q5sbn", "10.244.1.11", 646.2, 647.9, 653.1)]
    for suffix, ip, created, started, finished in mruns:
        mname = f"db-migrate-{suffix}"
        tok = sha("tok", mname)[:5].translate(str.maketrans("0123456789abcdef",
                                                              "bcdfghjklmnpqrst"))
        c = dict(mc, volumeMounts=[api_access_mount(tok)])
        spec = pod_spec([c], worker, sa="db-migrate", restart="Never",
                        volumes=[api_access_volume(tok)])
        mpod = pod(sc, NS, mname, spec, created, owner=job,
                   labels=dict(jlabels, **app_labels("db-migrate")), generate_name="db-migrate-",
                   phase="Failed",
                   conditions=pod_conditions(sc, created + 0.2, created + 1.2,
                                             failed=finished + 0.6),
                   statuses=[cs_terminated(sc, mname, c, started, finished, 2, "Error")],
                   ip=ip, start_time=created + 0.2)
        sc.event(job, "SuccessfulCreate", f"Created pod: {mname}", created,
                 component="job-controller")
        sc.normal_start_events(mpod, started - 0.4)
        clock = sc.clock.at(started).strftime("%Y/%m/%d %H:%M:%S")
        clock2 = sc.clock.at(finished).strftime("%Y/%m/%d %H:%M:%S")
        sc.log(mpod, "db-migrate", [
            (started + 0.1, f"{clock} db-migrate 1.3.0 (e2e)"),
            (started + 0.1, f"{clock} connecting to postgres://gateway@postgres.gateway-e2e.svc.cluster.local:5432/gateway?sslmode=disable"),
            (started + 0.2, f"{clock} retrying in 1s: dial tcp 10.96.120.15:5432: connect: connection refused"),
            (finished - 0.1, f"{clock2} error: failed to open database: dial tcp 10.96.120.15:5432: connect: connection refused"),
            (finished - 0.1, f"{clock2} migrate up failed after 5 attempts; exit status 2"),
        ])
    fail_t = sc.clock.ts(653.7)
    job["status"] = {"conditions": [
        {"lastProbeTime": fail_t, "lastTransitionTime": fail_t,
         "message": "Job has reached the specified backoff limit", "reason": "BackoffLimitExceeded",
         "status": "True", "type": "FailureTarget"},
        {"lastProbeTime": fail_t, "lastTransitionTime": fail_t,
         "message": "Job has reached the specified backoff limit", "reason": "BackoffLimitExceeded",
         "status": "True", "type": "Failed"}],
        "failed": 3, "ready": 0, "startTime": sc.clock.ts(600.1), "terminating": 0,
        "uncountedTerminatedPods": {}}
    sc.event(job, "BackoffLimitExceeded", "Job has reached the specified backoff limit", 653.7,
             type_="Warning", component="job-controller")

    # (j) gateway-frontend: healthy, 2/2.
    fc = container("gateway-frontend", APP_IMAGES["gateway-frontend"][0], pull="Never",
                   env=otel_env("gateway-frontend") + [
                       {"name": "API_URL", "value": "http://gateway-api.gateway-e2e.svc:8080"}],
                   ports=[{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
                   readiness=http_probe("/healthz", "http", period=5),
                   resources={"limits": {"memory": "128Mi"},
                              "requests": {"cpu": "50m", "memory": "64Mi"}})
    fpods = []
    fspec0 = None
    for suffix, ip, tok in [("jm4rv", "10.244.1.7", "c9dks"), ("tn7xc", "10.244.1.8", "b5jrw")]:
        c = dict(fc, volumeMounts=[api_access_mount(tok)])
        spec = pod_spec([c], worker, sa="gateway-frontend", volumes=[api_access_volume(tok)])
        fspec0 = fspec0 or spec
        fpods.append((suffix, ip, c, spec))
    _, frs = deployment(sc, NS, "gateway-frontend", 600, 2, app_labels("gateway-frontend"),
                        fspec0, [available(sc.clock.ts(611)),
                                 progressing(sc.clock.ts(600), "gateway-frontend-7c5d8f9b46",
                                             "done", sc.clock.ts(611))],
                        {"availableReplicas": 2, "readyReplicas": 2, "replicas": 2,
                         "updatedReplicas": 2}, "7c5d8f9b46")
    front = []
    for suffix, ip, c, spec in fpods:
        name = f"gateway-frontend-7c5d8f9b46-{suffix}"
        p = app_pod(sc, "gateway-frontend", frs, suffix, spec, 600.3, ip,
                    pod_conditions(sc, 601, 602, ready=610.5),
                    [cs_running(sc, name, c, 604.2)], qos="Burstable")
        sc.event(frs, "SuccessfulCreate", f"Created pod: {name}", 600.3,
                 component="replicaset-controller")
        sc.normal_start_events(p, 603.9)
        lines = [(604.3, '{"time":"%s","level":"INFO","msg":"listening","addr":":8080"}' % sc.clock.micro(604.3))]
        for i in range(6):
            t = 700 + i * 83 + (7 if suffix == "tn7xc" else 0)
            lines.append((t, '{"time":"%s","level":"ERROR","msg":"upstream request failed","method":"GET","path":"/api/routes","status":503,"upstream":"gateway-api","error":"no healthy upstream","duration_ms":3}' % sc.clock.micro(t)))
            lines.append((t + 9, '{"time":"%s","level":"INFO","msg":"request","method":"GET","path":"/","status":200,"duration_ms":12}' % sc.clock.micro(t + 9)))
        sc.log(p, "gateway-frontend", lines)
        front.append(p)

    # Services and endpoints for the app.
    for name, ip, ports, pods_ in [
            ("gateway-api", "10.96.44.21", [port("http", 8080, "http")], [gpod]),
            ("authwebhook", "10.96.201.7", [port("https", 443, 9443)], [apod]),
            ("gateway-frontend", "10.96.88.140", [port("http", 80, "http")], front),
            ("ro-controller-metrics", "10.96.150.33", [port("metrics", 8080, "metrics")],
             [rpod])]:
        sel_app = name.replace("-metrics", "")
        svc = service(sc, NS, name, 599, ip, ports, selector=app_labels(sel_app),
                      labels=app_labels(sel_app))
        ep_ports = None
        if name in ("gateway-api", "gateway-frontend"):
            ep_ports = [{"name": "http", "port": 8080, "protocol": "TCP"}]
        if name == "ro-controller-metrics":
            ep_ports = [{"name": "metrics", "port": 8080, "protocol": "TCP"}]
        endpoints(sc, svc, pods_, 611, ports=ep_ports)

    # (g) CRDs and custom resources.
    gwr = crd(sc, "gateway.example.com", "GatewayRoute", "gatewayroutes", "gatewayroute",
              "Namespaced", ["gwr"], ["gateway"], [
                  {"jsonPath": ".spec.hostname", "name": "Hostname", "type": "string"},
                  {"jsonPath": ".spec.backend.service", "name": "Backend", "type": "string"},
                  {"jsonPath": ".status.conditions[?(@.type==\"Ready\")].status", "name": "Ready",
                   "type": "string"},
                  {"jsonPath": ".metadata.creationTimestamp", "name": "Age", "type": "date"}],
              {"hostname": {"type": "string"}, "path": {"type": "string"},
               "backend": {"type": "object", "properties": {
                   "service": {"type": "string"}, "port": {"type": "integer"}}}}, 590)
    del gwr
    for name, host, path, backend, ready in [
            ("checkout", "shop.e2e.example.com", "/checkout", "gateway-api", True),
            ("catalog", "shop.e2e.example.com", "/catalog", "gateway-api", True),
            ("legacy-payments", "pay.e2e.example.com", "/", "payments-v1", False)]:
        cond = {"lastTransitionTime": sc.clock.ts(609), "message":
                "Backend service resolved" if ready else
                'Service "payments-v1" not found in namespace "gateway-e2e"',
                "observedGeneration": 1, "reason": "Resolved" if ready else "BackendNotFound",
                "status": "True" if ready else "False", "type": "Ready"}
        sc.add({"apiVersion": "gateway.example.com/v1alpha1", "kind": "GatewayRoute",
                "metadata": sc.meta("GatewayRoute", name, NS, 601, app_labels("gateway"),
                                    extra={"generation": 1}),
                "spec": {"backend": {"port": 8080, "service": backend}, "hostname": host,
                         "path": path},
                "status": {"conditions": [cond], "observedGeneration": 1}})
    crd(sc, "platform.example.com", "Tenant", "tenants", "tenant", "Cluster", ["tn"], [], [
        {"jsonPath": ".spec.displayName", "name": "Display Name", "type": "string"},
        {"jsonPath": ".status.phase", "name": "Phase", "type": "string"},
        {"jsonPath": ".metadata.creationTimestamp", "name": "Age", "type": "date"}],
        {"displayName": {"type": "string"}, "namespaces": {"type": "array", "items": {
            "type": "string"}}}, 590)
    sc.add({"apiVersion": "platform.example.com/v1alpha1", "kind": "Tenant",
            "metadata": sc.meta("Tenant", "gateway-e2e", None, 597, extra={"generation": 1}),
            "spec": {"displayName": "Gateway e2e", "namespaces": [NS]},
            "status": {"phase": "Active"}})

    # (h) Jaeger traces behind the jaeger-query Service.
    sc.jaeger.append({"namespace": "observability", "service": "jaeger-query", "port": 16686,
                      "traces": seed_traces(sc)})
    # Last, so that adding them kept the other objects' resourceVersions.
    local_apiservices(sc)
    return sc


def crd(sc, group, kind, plural, singular, scope, short, categories, columns, props, t):
    names = {"kind": kind, "listKind": kind + "List", "plural": plural, "singular": singular}
    if categories:
        names["categories"] = categories
    if short:
        names["shortNames"] = short
    name = f"{plural}.{group}"
    schema = {"openAPIV3Schema": {
        "description": f"{kind} is the Schema for the {plural} API.", "type": "object",
        "properties": {
            "apiVersion": {"type": "string"}, "kind": {"type": "string"},
            "metadata": {"type": "object"},
            "spec": {"type": "object", "properties": props},
            "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}}
    names_sorted = dict(sorted(names.items()))
    return sc.add({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": sc.meta("CustomResourceDefinition", name, None, t, annotations={
            "controller-gen.kubebuilder.io/version": "v0.17.2"}, extra={"generation": 1}),
        "spec": {"conversion": {"strategy": "None"}, "group": group, "names": names_sorted,
                 "scope": scope,
                 "versions": [{"additionalPrinterColumns": columns, "name": "v1alpha1",
                               "schema": schema, "served": True, "storage": True,
                               "subresources": {"status": {}}}]},
        "status": {"acceptedNames": names_sorted, "conditions": [
            {"lastTransitionTime": sc.clock.ts(t), "message": "no conflicts found",
             "reason": "NoConflicts", "status": "True", "type": "NamesAccepted"},
            {"lastTransitionTime": sc.clock.ts(t), "message": "the initial names have been accepted",
             "reason": "InitialNamesAccepted", "status": "True", "type": "Established"}],
            "storedVersions": ["v1alpha1"]}})


def build_healthy():
    sc = Scenario("healthy", "healthy", dt.datetime(2026, 2, 4, 9, 0, 0, tzinfo=dt.timezone.utc))
    sc.nodes_taint_control_plane = False  # kind removes it when the control plane is alone
    sc.gather_at = 900
    kind_base(sc, [("healthy-control-plane", "control-plane", "172.18.0.5", "10.244.0.0/24", 12,
                    42, [pulled_image("registry.k8s.io/e2e-test-images/agnhost:2.53", 51257611)],
                    16329236)], startup_warnings=False)
    node = "healthy-control-plane"
    namespace(sc, "demo", 300)
    namespace_furniture(sc, "demo", 300.4)
    service_account(sc, "demo", "web", 301)
    labels = {"app": "web"}
    c0 = container("web", "registry.k8s.io/e2e-test-images/agnhost:2.53",
                   args=["netexec", "--http-port=8080"],
                   ports=[{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
                   readiness=http_probe("/healthz", "http", period=5),
                   resources={"limits": {"memory": "64Mi"},
                              "requests": {"cpu": "10m", "memory": "32Mi"}})
    specs = []
    for suffix, tok in [("fz2kq", "d7hnx"), ("r8b4n", "k4qsl")]:
        c = dict(c0, volumeMounts=[api_access_mount(tok)])
        specs.append((suffix, c, pod_spec([c], node, sa="web",
                                          volumes=[api_access_volume(tok)])))
    _, rs = deployment(sc, "demo", "web", 302, 2, labels, specs[0][2], [
        available(sc.clock.ts(315)),
        progressing(sc.clock.ts(302), "web-5c6b9d8f7d", "done", sc.clock.ts(315))],
        {"availableReplicas": 2, "readyReplicas": 2, "replicas": 2, "updatedReplicas": 2},
        "5c6b9d8f7d")
    pods_ = []
    for i, (suffix, c, spec) in enumerate(specs):
        name = f"web-5c6b9d8f7d-{suffix}"
        p = pod(sc, "demo", name, spec, 302.3, owner=rs,
                labels=dict(labels, **{"pod-template-hash": "5c6b9d8f7d"}),
                generate_name="web-5c6b9d8f7d-",
                conditions=pod_conditions(sc, 302.5, 303.5, ready=314 + i),
                statuses=[cs_running(sc, name, c, 311 + i, pulled=True)],
                ip=f"10.244.0.{5 + i}", qos="Burstable", start_time=302.5)
        sc.event(rs, "SuccessfulCreate", f"Created pod: {name}", 302.3,
                 component="replicaset-controller")
        sc.normal_start_events(p, 310.8 + i, pulled={"web": (7.12 if i == 0 else 0.412,
                                                           51257611)})
        sc.log(p, "web", [(311.2 + i, "I0204 09:05:1%d.204113       1 log.go:245] Started HTTP server on port 8080" % (1 + i)),
                          (311.3 + i, "I0204 09:05:1%d.304871       1 log.go:245] Started UDP server on port  8081" % (1 + i))]
               + [(330 + 60 * k + i, "I0204 %s.%06d       1 log.go:245] GET /healthz" % (
                   sc.clock.at(330 + 60 * k + i).strftime("%H:%M:%S"), 1000 * k))
                  for k in range(5)])
        pods_.append(p)
    svc = service(sc, "demo", "web", 301, "10.96.77.8", [port("http", 80, "http")],
                  selector=labels, labels=labels)
    endpoints(sc, svc, pods_, 315, ports=[{"name": "http", "port": 8080, "protocol": "TCP"}])
    crd(sc, "demo.example.com", "Widget", "widgets", "widget", "Namespaced", ["wd"], [], [
        {"jsonPath": ".spec.size", "name": "Size", "type": "integer"},
        {"jsonPath": ".status.conditions[?(@.type==\"Ready\")].status", "name": "Ready",
         "type": "string"}], {"size": {"type": "integer"}}, 295)
    sc.add({"apiVersion": "demo.example.com/v1alpha1", "kind": "Widget",
            "metadata": sc.meta("Widget", "blue", "demo", 305, labels, extra={"generation": 1}),
            "spec": {"size": 3},
            "status": {"conditions": [{"lastTransitionTime": sc.clock.ts(306),
                                       "message": "Widget is serving", "observedGeneration": 1,
                                       "reason": "Serving", "status": "True", "type": "Ready"}],
                       "observedGeneration": 1}})
    local_apiservices(sc)  # last, like in build_seed
    return sc


def main():
    build_seed().write(os.path.join(HERE, "seed.json"))
    build_healthy().write(os.path.join(HERE, "healthy.json"))


if __name__ == "__main__":
    main()
