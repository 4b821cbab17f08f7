// describe_pod against real pods from the corpus and a synthetic pod covering the rarer lines.
#include <doctest/doctest.h>

#include "collectors/describe/describe_pod.h"
#include "describe_test_util.h"
#include "util/timestamps.h"

using kmg::describe::describe_pod;
using kmg::describe::testing::has_line;
using kmg::describe::testing::lines_of;
using kmg::describe::testing::load_corpus;
using nlohmann::json;

namespace {

const char* const kTroubleshoot = "troubleshoot/pkg/analyze/files/";

// The value printed after a label, whatever the alignment: "    Readiness:  x" -> "x".
std::string value_of(const std::string& text, const std::string& label) {
  for (const std::string& line : lines_of(text)) {
    const auto start = line.find_first_not_of(' ');
    if (start == std::string::npos || line.compare(start, label.size(), label) != 0) continue;
    const auto value = line.find_first_not_of(' ', start + label.size());
    return value == std::string::npos ? "" : line.substr(value);
  }
  return "<label not found>";
}

json synthetic_pod() {
  return json::parse(R"({
    "metadata": {"name": "web-7d4b9", "namespace": "shop", "uid": "u-1",
      "labels": {"tier": "front", "app": "web"},
      "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}", "team": "a"},
      "ownerReferences": [{"kind": "ReplicaSet", "name": "web-5d9f8c7b6d", "controller": true}]},
    "spec": {
      "nodeName": "kind-worker", "serviceAccountName": "web", "priorityClassName": "high",
      "nodeSelector": {"disk": "ssd"},
      "containers": [{
        "name": "app", "image": "nginx:1.25",
        "ports": [{"containerPort": 8080, "protocol": "TCP"}, {"containerPort": 9090, "protocol": "UDP", "hostPort": 9090}],
        "resources": {"limits": {"memory": "128Mi", "cpu": "0.5"}, "requests": {"cpu": "100m", "memory": "64Mi"}},
        "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
          "initialDelaySeconds": 0, "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3},
        "livenessProbe": {"exec": {"command": ["cat", "/tmp/x"]}, "initialDelaySeconds": 5, "timeoutSeconds": 2,
          "periodSeconds": 20, "successThreshold": 1, "failureThreshold": 6},
        "startupProbe": {"tcpSocket": {"port": 5432}, "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 30},
        "env": [
          {"name": "PLAIN", "value": "hello"},
          {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
          {"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "mode", "optional": true}}},
          {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
          {"name": "MEM", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory", "divisor": "1Mi"}}}],
        "envFrom": [{"configMapRef": {"name": "common"}}, {"secretRef": {"name": "creds"}, "prefix": "X_"}],
        "volumeMounts": [{"name": "data", "mountPath": "/var/data"}, {"name": "cfg", "mountPath": "/etc/cfg", "readOnly": true, "subPath": "app.yaml"}]
      }],
      "volumes": [
        {"name": "data", "persistentVolumeClaim": {"claimName": "data-web"}},
        {"name": "cfg", "configMap": {"name": "app-config"}},
        {"name": "scratch", "emptyDir": {"sizeLimit": "1Gi"}},
        {"name": "creds", "secret": {"secretName": "creds", "optional": true}},
        {"name": "host", "hostPath": {"path": "/var/log", "type": ""}},
        {"name": "weird"}],
      "tolerations": [{"operator": "Exists"}, {"key": "dedicated", "operator": "Equal", "value": "web", "effect": "NoSchedule"}]
    },
    "status": {"phase": "Running", "hostIP": "172.18.0.3", "podIP": "10.244.1.5",
      "podIPs": [{"ip": "10.244.1.5"}, {"ip": "fd00::5"}],
      "startTime": "2024-05-01T11:00:00Z",
      "conditions": [{"type": "Ready", "status": "False"}],
      "containerStatuses": [{"name": "app", "ready": false, "restartCount": 12,
        "containerID": "containerd://abc", "image": "docker.io/library/nginx:1.25", "imageID": "docker.io/library/nginx@sha256:1",
        "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container=app"}},
        "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "signal": 9,
          "startedAt": "2024-05-01T11:50:00Z", "finishedAt": "2024-05-01T11:51:00Z"}}}]}
  })");
}

const kmg::EpochNanos kNow = *kmg::parse_rfc3339("2024-05-01T12:00:00Z");

}  // namespace

TEST_SUITE("describe") {
  TEST_CASE("describe_pod: OOMKilled job pod from minikube") {
    const json list = load_corpus(std::string(kTroubleshoot) + "pods/message-oomkill-pod.json");
    const std::string out = describe_pod(list["items"][0], {}, 0);
    CHECK(out.rfind("Name:             oom-kill-job3-gbb89\n", 0) == 0);
    CHECK(has_line(out, "Namespace:        message-oomkill-pod"));
    CHECK(has_line(out, "Priority:         0"));
    CHECK(has_line(out, "Service Account:  default"));
    CHECK(has_line(out, "Node:             minikube/192.168.49.2"));
    CHECK(has_line(out, "Start Time:       Tue, 11 Jul 2023 04:43:19 +0000"));
    CHECK(has_line(out, "Labels:           controller-uid=a85295e8-54e4-40a4-aeb0-b47c19f1a69f"));
    CHECK(has_line(out, "                  job-name=oom-kill-job3"));
    CHECK(has_line(out, "Annotations:      <none>"));
    CHECK(has_line(out, "Status:           Failed"));
    CHECK(has_line(out, "IP:               172.17.0.3"));
    // kubectl's quirk: the nested IP line aligns with "Controlled By:", not with the block above.
    CHECK(has_line(out, "  IP:           172.17.0.3"));
    CHECK(has_line(out, "Controlled By:  Job/oom-kill-job3"));
    CHECK(has_line(out, "Containers:"));
    CHECK(has_line(out, "  memory-eater:"));
    CHECK(has_line(out, "    Port:          <none>"));
    CHECK(has_line(out, "    Host Port:     <none>"));
    CHECK(has_line(out, "    Args:"));
    CHECK(has_line(out, "      75Mi"));
    CHECK(has_line(out, "    State:          Terminated"));
    CHECK(has_line(out, "      Reason:       OOMKilled"));
    CHECK(has_line(out, "      Exit Code:    137"));
    CHECK(has_line(out, "      Started:      Tue, 11 Jul 2023 04:43:25 +0000"));
    CHECK(has_line(out, "    Ready:          False"));
    CHECK(has_line(out, "    Restart Count:  0"));
    CHECK(has_line(out, "    Limits:"));
    CHECK(has_line(out, "      memory:  100Mi"));
    CHECK(has_line(out, "    Environment:  <none>"));
    CHECK(has_line(
        out,
        "      /var/run/secrets/kubernetes.io/serviceaccount from kube-api-access-rbt47 (ro)"));
    CHECK(has_line(out, "  Initialized       True "));
    CHECK(has_line(out,
                   "    Type:                    Projected (a volume that contains injected data "
                   "from multiple sources)"));
    CHECK(has_line(out, "    TokenExpirationSeconds:  3607"));
    CHECK(has_line(out, "    DownwardAPI:             true"));
    CHECK(has_line(out, "QoS Class:                   Burstable"));
    CHECK(has_line(out, "Node-Selectors:              <none>"));
    CHECK(has_line(
        out,
        "Tolerations:                 node.kubernetes.io/not-ready:NoExecute op=Exists for 300s"));
    CHECK(has_line(out,
                   "                             node.kubernetes.io/unreachable:NoExecute "
                   "op=Exists for 300s"));
    CHECK(has_line(out, "Events:                      <none>"));
    CHECK(out.find("Last State") == std::string::npos);  // lastState is {}
  }

  TEST_CASE("describe_pod: CrashLoopBackOff pod with its kubelet and scheduler events") {
    const json pods =
        load_corpus(std::string(kTroubleshoot) + "pods/message-pod-crashloop-backoff.json");
    const json events =
        load_corpus(std::string(kTroubleshoot) + "events/message-pod-init-crashloop-backoff.json");
    std::vector<const json*> mine;
    for (const json& e : events["items"]) {
      if (e["involvedObject"]["name"] == "init-demo") mine.push_back(&e);
    }
    REQUIRE(mine.size() == 10);
    const std::string out =
        describe_pod(pods["items"][0], mine, *kmg::parse_rfc3339("2023-07-11T04:00:00Z"));
    CHECK(has_line(out, "Status:           Running"));
    CHECK(has_line(out, "Labels:           <none>"));
    CHECK(has_line(out, "Annotations:      <none>"));  // last-applied-configuration is skipped
    CHECK(has_line(out, "    Port:          80/TCP"));
    CHECK(has_line(out, "    Host Port:     0/TCP"));
    CHECK(has_line(out, "    State:          Waiting"));
    CHECK(has_line(out, "      Reason:       CrashLoopBackOff"));
    CHECK(has_line(out, "    Last State:     Terminated"));
    CHECK(has_line(out, "      Reason:       ContainerCannotRun"));
    CHECK(value_of(out, "Message:")
              .rfind("failed to create shim task: OCI runtime create failed", 0) == 0);
    CHECK(has_line(out, "      Exit Code:    127"));
    CHECK(has_line(out, "    Restart Count:  4"));
    CHECK(has_line(out, "QoS Class:                   BestEffort"));
    const auto lines = lines_of(out);
    const auto events_at = std::find(lines.begin(), lines.end(), "Events:");
    REQUIRE(events_at != lines.end());
    REQUIRE(lines.end() - events_at == 13);  // title, header, dashes, 10 rows
    CHECK(events_at[1] ==
          "  Type     Reason     Age                    From               Message");
    CHECK(events_at[3] ==
          "  Normal   Scheduled  28m                    default-scheduler  Successfully assigned "
          "default/init-demo to minikube");
    CHECK(events_at[12] ==
          "  Warning  BackOff    3m13s (x111 over 27m)  kubelet            Back-off restarting "
          "failed container");
    CHECK(has_line(
        out,
        "  Normal   Pulling    26m (x5 over 28m)      kubelet            Pulling image \"nginx\""));
  }

  TEST_CASE("describe_pod: probes, env, ports, resources, volumes and tolerations") {
    const json event = {
        {"type", "Warning"},
        {"reason", "BackOff"},
        {"count", 12},
        {"firstTimestamp", "2024-05-01T11:52:00Z"},
        {"lastTimestamp", "2024-05-01T11:57:00Z"},
        {"source", {{"component", "kubelet"}}},
        {"message", "Back-off restarting failed container app in pod web-7d4b9_shop(u-1)"}};
    const std::string out = describe_pod(synthetic_pod(), {&event}, kNow);
    CHECK(value_of(out, "Priority Class Name:") == "high");
    CHECK(value_of(out, "Labels:") == "app=web");
    CHECK(value_of(out, "Annotations:") == "team: a");
    CHECK(value_of(out, "Controlled By:") == "ReplicaSet/web-5d9f8c7b6d");
    CHECK(value_of(out, "Ports:") == "8080/TCP, 9090/UDP");
    CHECK(value_of(out, "Host Ports:") == "0/TCP, 9090/UDP");
    CHECK(value_of(out, "Readiness:") ==
          "http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3");
    CHECK(value_of(out, "Liveness:") ==
          "exec [cat /tmp/x] delay=5s timeout=2s period=20s #success=1 #failure=6");
    CHECK(value_of(out, "Startup:") ==
          "tcp-socket :5432 delay=0s timeout=1s period=10s #success=1 #failure=30");
    CHECK(value_of(out, "cpu:") == "500m");  // "0.5" printed canonically, limits first
    CHECK(value_of(out, "Restart Count:") == "12");
    CHECK(value_of(out, "Signal:") == "9");
    CHECK(value_of(out, "PLAIN:") == "hello");
    CHECK(value_of(out, "DB_PASSWORD:") ==
          "<set to the key 'password' in secret 'db'>   Optional: false");
    CHECK(value_of(out, "MODE:") == "<set to the key 'mode' of config map 'cfg'>  Optional: true");
    CHECK(value_of(out, "POD_NAME:") == "web-7d4b9 (v1:metadata.name)");
    CHECK(value_of(out, "MEM:") == "128 (limits.memory)");
    CHECK(value_of(out, "Environment Variables from:") == "");
    CHECK(value_of(out, "common") == "ConfigMap                Optional: false");
    CHECK(value_of(out, "creds  ") == "Secret with prefix 'X_'  Optional: false");
    CHECK(has_line(out, "      /etc/cfg from cfg (ro,path=\"app.yaml\")"));
    CHECK(has_line(out, "      /var/data from data (rw)"));
    CHECK(value_of(out, "ClaimName:") == "data-web");
    CHECK(value_of(out, "SizeLimit:") == "1Gi");
    CHECK(value_of(out, "SecretName:") == "creds");
    CHECK(value_of(out, "HostPathType:") == "");
    CHECK(has_line(out, "  weird:"));
    CHECK(has_line(out, "  <unknown>"));
    CHECK(value_of(out, "Node-Selectors:") == "disk=ssd");
    CHECK(value_of(out, "Tolerations:") == "op=Exists");
    CHECK(value_of(out, "QoS Class:") == "Burstable");
    CHECK(value_of(out, "IPs:") == "");
    CHECK(has_line(out,
                   "  Warning  BackOff  3m (x12 over 8m)  kubelet  Back-off restarting failed "
                   "container app in pod web-7d4b9_shop(u-1)"));
    // The waiting message is not printed, as in kubectl.
    CHECK(out.find("back-off 5m0s") == std::string::npos);
  }

  TEST_CASE("describe_pod: Terminating status and a pending pod without node or status") {
    json pod = synthetic_pod();
    pod["metadata"]["deletionTimestamp"] = "2024-05-01T11:59:00Z";
    pod["metadata"]["deletionGracePeriodSeconds"] = 30;
    std::string out = describe_pod(pod, {}, kNow);
    CHECK(value_of(out, "Status:") == "Terminating (lasts 60s)");
    CHECK(value_of(out, "Termination Grace Period:") == "30s");

    const json pending = {
        {"metadata", {{"name", "p"}, {"namespace", "d"}}},
        {"spec", {{"containers", json::array({{{"name", "c"}, {"image", "i"}}})}}},
        {"status", {{"phase", "Pending"}}}};
    out = describe_pod(pending, {}, kNow);
    CHECK(value_of(out, "Node:") == "<none>");
    CHECK(value_of(out, "IPs:") == "<none>");
    CHECK(value_of(out, "Volumes:") == "<none>");
    CHECK(value_of(out, "QoS Class:") == "BestEffort");
    CHECK(value_of(out, "Tolerations:") == "<none>");
    CHECK(out.find("Container ID:") == std::string::npos);  // no status for the container
    CHECK(out.find("Conditions:") == std::string::npos);
  }

  TEST_CASE("describe_pod never throws on odd data") {
    const json odd = json::parse(R"({
      "metadata": {"name": 5, "labels": ["x"], "annotations": {"a": 1}},
      "spec": {"containers": "nope", "volumes": [3, {"name": {}}], "tolerations": {"k": 1},
               "initContainers": [{"name": "i", "ports": [{"containerPort": "x"}], "env": [{"valueFrom": 4}],
                                   "resources": {"limits": {"cpu": "lots"}}}]},
      "status": {"conditions": [null], "containerStatuses": [{"name": "i"}], "startTime": "yesterday"}
    })");
    std::string out;
    CHECK_NOTHROW(out = describe_pod(odd, {nullptr, &odd}, kNow));
    CHECK(out.rfind("Name:", 0) == 0);
    CHECK(value_of(out, "cpu:") == "lots");  // unparsable quantities stay visible
    CHECK_NOTHROW(describe_pod(json(42), {}, kNow));
    CHECK_NOTHROW(describe_pod(json(), {}, kNow));
  }
}
