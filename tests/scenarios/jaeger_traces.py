"""Jaeger UI-API traces ({traceID, spans[], processes{}, warnings}) for the seed scenario, shaped
like /api/traces returns spans translated from OTLP: span.kind, otel.scope.*, and for failed spans
error=true, otel.status_code=ERROR, otel.status_description plus an "exception" span event."""

from scenario_lib import sha

SCOPE_HTTP = ("go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp", "0.59.0")
SCOPE_PG = ("github.com/exaring/otelpgx", "0.8.0")
SCOPE_CR = ("sigs.k8s.io/controller-runtime", "v0.20.2")


def kv(key, value):
    if isinstance(value, bool):
        return {"key": key, "type": "bool", "value": value}
    if isinstance(value, int):
        return {"key": key, "type": "int64", "value": value}
    if isinstance(value, float):
        return {"key": key, "type": "float64", "value": value}
    return {"key": key, "type": "string", "value": value}


class Trace:
    def __init__(self, sc, seed):
        self.sc = sc
        self.trace_id = sha("trace", seed)[:32]
        self.spans = []
        self.processes = {}
        self._n = 0

    def process(self, service, pod, ip, version):
        pid = f"p{len(self.processes) + 1}"
        self.processes[pid] = {"serviceName": service, "tags": [
            kv("host.name", pod), kv("ip", ip), kv("k8s.namespace.name", "gateway-e2e"),
            kv("k8s.pod.name", pod), kv("service.version", version),
            kv("telemetry.sdk.language", "go"), kv("telemetry.sdk.name", "opentelemetry"),
            kv("telemetry.sdk.version", "1.34.0")]}
        return pid

    def span(self, pid, op, start, dur, kind, tags=(), parent=None, scope=SCOPE_HTTP,
             error=None):
        self._n += 1
        span_id = sha("span", self.trace_id, self._n)[:16]
        all_tags = [kv("otel.scope.name", scope[0]), kv("otel.scope.version", scope[1]),
                    kv("span.kind", kind)] + [kv(k, v) for k, v in tags]
        logs = []
        if error:
            all_tags += [kv("error", True), kv("otel.status_code", "ERROR"),
                         kv("otel.status_description", error[1])]
            logs.append({"timestamp": self.sc.clock.unix_micro(start) + dur - 40, "fields": [
                kv("event", "exception"), kv("exception.message", error[1]),
                kv("exception.type", error[0])]})
        span = {"traceID": self.trace_id, "spanID": span_id, "flags": 1, "operationName": op,
                "references": [] if parent is None else [
                    {"refType": "CHILD_OF", "traceID": self.trace_id,
                     "spanID": parent["spanID"]}],
                "startTime": self.sc.clock.unix_micro(start), "duration": dur,
                "tags": all_tags, "logs": logs, "processID": pid, "warnings": None}
        self.spans.append(span)
        return span

    def done(self):
        return {"traceID": self.trace_id, "spans": self.spans, "processes": self.processes,
                "warnings": None}


REFUSED_API = ("*net.OpError", "dial tcp 10.96.44.21:8080: connect: connection refused")
REFUSED_PG = ("*net.OpError", "dial tcp 10.96.120.15:5432: connect: connection refused")


def frontend_503(sc, seed, t, pod, ip):
    tr = Trace(sc, seed)
    pid = tr.process("gateway-frontend", pod, ip, "1.8.0-e2e")
    root = tr.span(pid, "GET /api/routes", t, 3120, "server", [
        ("http.method", "GET"), ("http.route", "/api/routes"), ("http.scheme", "http"),
        ("http.status_code", 503), ("http.target", "/api/routes"),
        ("net.host.name", "gateway-frontend.gateway-e2e.svc"),
        ("user_agent.original", "e2e-suite/1.0")],
        error=("", "upstream gateway-api unavailable: no healthy upstream"))
    root["logs"] = []  # a server span sets the status, it records no exception itself
    tr.span(pid, "HTTP GET", t + 0.0004, 2410, "client", [
        ("http.method", "GET"), ("http.url", "http://gateway-api.gateway-e2e.svc:8080/v1/routes"),
        ("net.peer.name", "gateway-api.gateway-e2e.svc"), ("net.peer.port", 8080),
        ("peer.service", "gateway-api")], parent=root, error=REFUSED_API)
    return tr.done()


def frontend_ok(sc, seed, t, pod, ip, path, dur, child_op, child_dur):
    tr = Trace(sc, seed)
    pid = tr.process("gateway-frontend", pod, ip, "1.8.0-e2e")
    root = tr.span(pid, f"GET {path}", t, dur, "server", [
        ("http.method", "GET"), ("http.route", path), ("http.scheme", "http"),
        ("http.status_code", 200), ("http.target", path),
        ("net.host.name", "gateway-frontend.gateway-e2e.svc"),
        ("user_agent.original", "e2e-suite/1.0")])
    tr.span(pid, child_op, t + 0.0009, child_dur, "internal", [("asset.path", path)],
            parent=root, scope=("gateway-frontend/internal/static", "1.8.0-e2e"))
    return tr.done()


def reconcile_refused(sc, seed, t, pod, ip):
    tr = Trace(sc, seed)
    ctrl = tr.process("ro-controller", pod, ip, "0.7.2-e2e")
    pg = tr.process("postgres-client", pod, ip, "0.7.2-e2e")
    root = tr.span(ctrl, "Reconcile gatewayroute", t, 10021877, "internal", [
        ("controller", "gatewayroute"), ("k8s.namespace.name", "gateway-e2e"),
        ("gatewayroute.name", "checkout")], scope=SCOPE_CR,
        error=("*fmt.wrapError", "loading route state: " + REFUSED_PG[1]))
    offset = 0.0012
    for attempt, backoff in enumerate([1.0, 3.0, 6.0], start=1):
        tr.span(pg, "connect", t + offset, 1180 + attempt * 37, "client", [
            ("db.system", "postgresql"), ("db.name", "gateway"), ("db.user", "gateway"),
            ("net.peer.name", "postgres.gateway-e2e.svc.cluster.local"), ("net.peer.port", 5432),
            ("pgx.connect.attempt", attempt)], parent=root, scope=SCOPE_PG, error=REFUSED_PG)
        offset += backoff
    return tr.done()


def readyz_503(sc, seed, t, pod, ip):
    tr = Trace(sc, seed)
    ctrl = tr.process("ro-controller", pod, ip, "0.7.2-e2e")
    pg = tr.process("postgres-client", pod, ip, "0.7.2-e2e")
    root = tr.span(ctrl, "GET /readyz", t, 2114, "server", [
        ("http.method", "GET"), ("http.route", "/readyz"), ("http.scheme", "http"),
        ("http.status_code", 503), ("http.target", "/readyz"),
        ("user_agent.original", "kube-probe/1.32")],
        error=("", "readiness check \"database\" failed"))
    root["logs"] = []
    tr.span(pg, "ping", t + 0.0002, 1433, "client", [
        ("db.system", "postgresql"), ("db.name", "gateway"),
        ("net.peer.name", "postgres.gateway-e2e.svc.cluster.local"), ("net.peer.port", 5432)],
        parent=root, scope=SCOPE_PG, error=REFUSED_PG)
    return tr.done()


def seed_traces(sc):
    f1 = ("gateway-frontend-7c5d8f9b46-jm4rv", "10.244.1.7")
    f2 = ("gateway-frontend-7c5d8f9b46-tn7xc", "10.244.1.8")
    ro = ("ro-controller-84b6d5c9f7-s6x8z", "10.244.1.6")
    return [
        frontend_503(sc, "t1", 700.0021, *f1),
        frontend_ok(sc, "t2", 709.0133, *f1, "/", 12408, "render index", 8211),
        reconcile_refused(sc, "t3", 622.4107, *ro),
        frontend_503(sc, "t4", 866.0077, *f2),
        frontend_ok(sc, "t5", 1015.6402, *f2, "/static/app.js", 2412877, "read asset",
                    2389020),  # the slow one
        readyz_503(sc, "t6", 1101.0049, *ro),
    ]
