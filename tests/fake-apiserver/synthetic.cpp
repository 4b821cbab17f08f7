#include "synthetic.h"

#include <cstdio>

#include "util/errors.h"
#include "util/text.h"
#include "util/timestamps.h"

namespace kmg::fakeapi {
namespace {

// Every generated timestamp counts from here, so output is the same on every run.
constexpr EpochNanos kBase = 1770199200LL * 1000000000LL;  // 2026-02-04T10:00:00Z

std::string ts(EpochNanos t, bool nanos = false) {
  const std::string s = format_rfc3339(t);  // "...:00Z"
  if (!nanos) return s;
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%09lld", static_cast<long long>(t % 1000000000LL));
  return s.substr(0, s.size() - 1) + frac + "Z";
}

std::string hex(unsigned long v, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*lx", width, v);
  return buf;
}

std::string uid(unsigned long n) {
  return hex(n * 2654435761UL % 0xffffffffUL, 8) + "-" + hex(n % 0xffff, 4) + "-4" +
         hex(n % 0xfff, 3) + "-8" + hex(n % 0xfff, 3) + "-" + hex(n * 40503UL, 12);
}

json event(const std::string& ns, const std::string& pod, const std::string& pod_uid, int i,
           const std::string& type, const std::string& reason, const std::string& message,
           const std::string& component, const std::string& node, const std::string& field_path,
           EpochNanos t, int count) {
  json ev = {
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata",
       {{"name",
         pod + "." + hex(0x17f0000000000000UL + static_cast<unsigned long>(t / 1000) + i, 16)},
        {"namespace", ns},
        {"creationTimestamp", ts(t)}}},
      {"involvedObject",
       {{"kind", "Pod"}, {"namespace", ns}, {"name", pod}, {"uid", pod_uid}, {"apiVersion", "v1"}}},
      {"reason", reason},
      {"message", message},
      {"type", type},
      {"count", count},
      {"reportingComponent", component},
      {"reportingInstance", component == "kubelet" ? node : ""}};
  if (!field_path.empty()) ev["involvedObject"]["fieldPath"] = field_path;
  if (component == "default-scheduler") {
    // Written through events.k8s.io: eventTime set, legacy timestamps null.
    ev["eventTime"] = ts(t, true).substr(0, 26) + "Z";
    ev["firstTimestamp"] = nullptr;
    ev["lastTimestamp"] = nullptr;
    ev["source"] = json::object();
    ev["action"] = "Binding";
  } else {
    ev["source"] = {{"component", component}, {"host", node}};
    ev["firstTimestamp"] = ts(t);
    ev["lastTimestamp"] = ts(t + (count - 1) * 30000000000LL);
    ev["eventTime"] = nullptr;
  }
  return ev;
}

std::vector<std::string> log_lines(long bytes, const std::string& who, EpochNanos start) {
  static const char* const kMessages[] = {
      "handled request method=GET path=/healthz status=200 duration_ms=1",
      "handled request method=POST path=/api/orders status=201 duration_ms=23",
      "cache refresh completed entries=512",
      "connected to upstream addr=10.96.0.12:5432",
      "slow request method=GET path=/api/orders status=200 duration_ms=812",
  };
  std::vector<std::string> lines;
  long total = 0;
  for (long i = 0; total < bytes; ++i) {
    std::string line = ts(start + i * 250000000LL, true) + " level=info component=" + who + " " +
                       kMessages[i % 5] + " seq=" + std::to_string(i);
    total += static_cast<long>(line.size()) + 1;
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace

SyntheticSpec parse_synthetic_spec(const std::string& text) {
  SyntheticSpec spec;
  for (const auto& item : split(text, ',')) {
    if (trim(item).empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string::npos) throw Error("--synthetic: expected key=value, got '" + item + "'");
    const std::string key(trim(item.substr(0, eq)));
    long value = 0;
    try {
      value = std::stol(item.substr(eq + 1));
    } catch (const std::exception&) {
      throw Error("--synthetic: " + key + " needs a number, got '" + item.substr(eq + 1) + "'");
    }
    if (key == "namespaces")
      spec.namespaces = static_cast<int>(value);
    else if (key == "pods")
      spec.pods = static_cast<int>(value);
    else if (key == "containers")
      spec.containers = static_cast<int>(value);
    else if (key == "events")
      spec.events = static_cast<int>(value);
    else if (key == "crs")
      spec.crs = static_cast<int>(value);
    else if (key == "logbytes")
      spec.logbytes = value;
    else
      throw Error("--synthetic: unknown key '" + key +
                  "' (namespaces, pods, containers, events, crs, logbytes)");
  }
  return spec;
}

void generate_synthetic(const SyntheticSpec& spec, const std::string& cluster, Store& store) {
  const std::vector<std::string> nodes = {cluster + "-control-plane", cluster + "-worker",
                                          cluster + "-worker2"};
  for (size_t i = 0; i < nodes.size(); ++i) {
    json labels = {{"kubernetes.io/hostname", nodes[i]}, {"kubernetes.io/os", "linux"}};
    if (i == 0) labels["node-role.kubernetes.io/control-plane"] = "";
    store.add_object(
        {{"apiVersion", "v1"},
         {"kind", "Node"},
         {"metadata",
          {{"name", nodes[i]},
           {"uid", uid(10 + i)},
           {"creationTimestamp", ts(kBase)},
           {"labels", labels}}},
         {"spec",
          {{"podCIDR", "10.244." + std::to_string(i) + ".0/24"},
           {"providerID", "kind://docker/" + cluster + "/" + nodes[i]}}},
         {"status",
          {{"conditions",
            {{{"type", "Ready"},
              {"status", "True"},
              {"reason", "KubeletReady"},
              {"message", "kubelet is posting ready status"}}}},
           {"addresses",
            {{{"type", "InternalIP"}, {"address", "172.18.0." + std::to_string(2 + i)}},
             {{"type", "Hostname"}, {"address", nodes[i]}}}},
           {"nodeInfo",
            {{"kubeletVersion", "v1.32.2"},
             {"osImage", "Debian GNU/Linux 12 (bookworm)"},
             {"kernelVersion", "6.1.0-18-amd64"},
             {"containerRuntimeVersion", "containerd://2.0.2"},
             {"architecture", "amd64"},
             {"operatingSystem", "linux"}}}}}});
  }
  store.add_object(
      {{"apiVersion", "apiextensions.k8s.io/v1"},
       {"kind", "CustomResourceDefinition"},
       {"metadata",
        {{"name", "widgets.example.com"}, {"uid", uid(5)}, {"creationTimestamp", ts(kBase)}}},
       {"spec",
        {{"group", "example.com"},
         {"scope", "Namespaced"},
         {"names",
          {{"plural", "widgets"},
           {"singular", "widget"},
           {"kind", "Widget"},
           {"listKind", "WidgetList"},
           {"shortNames", {"wd"}}}},
         {"versions",
          {{{"name", "v1"},
            {"served", true},
            {"storage", true},
            {"schema",
             {{"openAPIV3Schema",
               {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}}}}}}}}},
       {"status",
        {{"conditions",
          {{{"type", "Established"}, {"status", "True"}, {"reason", "InitialNamesAccepted"}},
           {{"type", "NamesAccepted"}, {"status", "True"}, {"reason", "NoConflicts"}}}},
         {"acceptedNames", {{"plural", "widgets"}, {"kind", "Widget"}}},
         {"storedVersions", {"v1"}}}}});
  unsigned long serial = 1000;
  std::vector<std::string> namespaces;
  for (int n = 0; n < spec.namespaces; ++n) {
    char name[32];
    std::snprintf(name, sizeof name, "team-%03d", n);
    namespaces.push_back(name);
  }
  for (const std::string ns : {"default", "kube-system"}) namespaces.push_back(ns);
  for (const auto& ns : namespaces) {
    store.add_object({{"apiVersion", "v1"},
                      {"kind", "Namespace"},
                      {"metadata",
                       {{"name", ns},
                        {"uid", uid(++serial)},
                        {"creationTimestamp", ts(kBase)},
                        {"labels", {{"kubernetes.io/metadata.name", ns}}}}},
                      {"spec", {{"finalizers", {"kubernetes"}}}},
                      {"status", {{"phase", "Active"}}}});
  }
  int pod_index = 0;
  for (int n = 0; n < spec.namespaces; ++n) {
    const auto& ns = namespaces[static_cast<size_t>(n)];
    for (int p = 0; p < spec.pods; ++p, ++pod_index) {
      const std::string app = "svc-" + std::to_string(p % 5);
      const std::string pod =
          app + "-" + hex(0x5d9f8c7b6dUL + static_cast<unsigned long>(p / 5), 10).substr(0, 10) +
          "-" + hex(static_cast<unsigned long>(0x1a2b3 + p * 7919) % 0xfffff, 5);
      const std::string pod_uid = uid(++serial);
      const std::string node = nodes[1 + static_cast<size_t>(pod_index) % 2];
      const EpochNanos created = kBase + static_cast<EpochNanos>(pod_index % 600) * 1000000000LL;
      const bool crash = pod_index % 10 == 3;
      const bool pull = pod_index % 17 == 5;
      json containers = json::array();
      json statuses = json::array();
      for (int c = 0; c < spec.containers; ++c) {
        const std::string cname = c == 0 ? "app" : "sidecar-" + std::to_string(c);
        const std::string image =
            c == 0 ? "registry.example.com/" + app + ":1.4." + std::to_string(p % 3)
                   : "docker.io/envoyproxy/envoy:v1.31.0";
        containers.push_back(
            {{"name", cname},
             {"image", image},
             {"imagePullPolicy", "IfNotPresent"},
             {"ports", {{{"containerPort", 8080 + c}, {"protocol", "TCP"}}}},
             {"resources", {{"requests", {{"cpu", "100m"}, {"memory", "128Mi"}}}}}});
        json status = {
            {"name", cname},
            {"image", image},
            {"restartCount", 0},
            {"started", true},
            {"ready", true},
            {"imageID", image + "@sha256:" + hex(serial * 7, 16) + hex(serial * 13, 16) +
                            hex(serial * 17, 16) + hex(serial * 19, 16)},
            {"containerID", "containerd://" + hex(serial * 31 + c, 16) + hex(serial * 37 + c, 16) +
                                hex(serial * 41, 16) + hex(serial * 43, 16)},
            {"state", {{"running", {{"startedAt", ts(created + 5000000000LL)}}}}}};
        if (c == 0 && crash) {
          status["ready"] = false;
          status["started"] = false;
          status["restartCount"] = 6;
          status["state"] = {{"waiting",
                              {{"reason", "CrashLoopBackOff"},
                               {"message", "back-off 2m40s restarting failed container=app pod=" +
                                               pod + "_" + ns + "(" + pod_uid + ")"}}}};
          status["lastState"] = {{"terminated",
                                  {{"exitCode", 1},
                                   {"reason", "Error"},
                                   {"startedAt", ts(created + 300000000000LL)},
                                   {"finishedAt", ts(created + 302000000000LL)},
                                   {"containerID", status["containerID"]}}}};
        } else if (c == 0 && pull) {
          status = {{"name", cname},
                    {"image", image},
                    {"imageID", ""},
                    {"restartCount", 0},
                    {"started", false},
                    {"ready", false},
                    {"state",
                     {{"waiting",
                       {{"reason", "ImagePullBackOff"},
                        {"message", "Back-off pulling image \"" + image +
                                        "\": ErrImagePull: rpc error: code = NotFound desc = "
                                        "failed to pull and unpack image \"" +
                                        image + "\": not found"}}}}}};
        }
        statuses.push_back(status);
        if (!(c == 0 && pull)) {
          store.add_log(
              {ns, pod, cname, false, log_lines(spec.logbytes, cname, created + 6000000000LL)});
        }
        if (c == 0 && crash) {
          auto prev = log_lines(spec.logbytes / 4 + 1, cname, created + 300000000000LL);
          prev.push_back(ts(created + 301900000000LL, true) +
                         " level=error msg=\"failed to connect to database\" error=\"dial tcp "
                         "10.96.0.12:5432: connect: connection refused\"");
          prev.push_back(ts(created + 301950000000LL, true) +
                         " panic: unable to start: database unavailable");
          store.add_log({ns, pod, cname, true, prev});
        }
      }
      const bool ready = !crash && !pull;
      store.add_object({{"apiVersion", "v1"},
                        {"kind", "Pod"},
                        {"metadata",
                         {{"name", pod},
                          {"namespace", ns},
                          {"uid", pod_uid},
                          {"creationTimestamp", ts(created)},
                          {"labels",
                           {{"app", app},
                            {"pod-template-hash", "5d9f8c7b6d"},
                            {"tier", p % 2 == 0 ? "backend" : "frontend"}}},
                          {"ownerReferences",
                           {{{"apiVersion", "apps/v1"},
                             {"kind", "ReplicaSet"},
                             {"name", app + "-5d9f8c7b6d"},
                             {"uid", uid(serial + 100000)},
                             {"controller", true}}}}}},
                        {"spec",
                         {{"containers", containers},
                          {"nodeName", node},
                          {"restartPolicy", "Always"},
                          {"schedulerName", "default-scheduler"},
                          {"serviceAccountName", "default"},
                          {"terminationGracePeriodSeconds", 30}}},
                        {"status",
                         {{"phase", "Running"},
                          {"conditions",
                           {{{"type", "PodScheduled"}, {"status", "True"}},
                            {{"type", "Initialized"}, {"status", "True"}},
                            {{"type", "ContainersReady"}, {"status", ready ? "True" : "False"}},
                            {{"type", "Ready"}, {"status", ready ? "True" : "False"}}}},
                          {"hostIP", "172.18.0." + std::to_string(3 + pod_index % 2)},
                          {"podIP", "10.244." + std::to_string(1 + pod_index % 2) + "." +
                                        std::to_string(2 + pod_index % 250)},
                          {"podIPs",
                           {{{"ip", "10.244." + std::to_string(1 + pod_index % 2) + "." +
                                        std::to_string(2 + pod_index % 250)}}}},
                          {"startTime", ts(created)},
                          {"qosClass", "Burstable"},
                          {"containerStatuses", statuses}}}});
      // Events in the order a kubelet emits them; the list repeats when more are asked for.
      std::vector<std::tuple<std::string, std::string, std::string, std::string, std::string>> evs =
          {
              {"Normal", "Scheduled", "Successfully assigned " + ns + "/" + pod + " to " + node,
               "default-scheduler", ""},
              {"Normal", "Pulling",
               "Pulling image \"" + containers[0]["image"].get<std::string>() + "\"", "kubelet",
               "spec.containers{app}"},
          };
      if (pull) {
        const auto image = containers[0]["image"].get<std::string>();
        evs.push_back(
            {"Warning", "Failed",
             "Failed to pull image \"" + image +
                 "\": rpc error: code = NotFound desc = failed to pull and unpack image \"" +
                 image + "\": not found",
             "kubelet", "spec.containers{app}"});
        evs.push_back(
            {"Warning", "Failed", "Error: ErrImagePull", "kubelet", "spec.containers{app}"});
        evs.push_back({"Normal", "BackOff", "Back-off pulling image \"" + image + "\"", "kubelet",
                       "spec.containers{app}"});
        evs.push_back(
            {"Warning", "Failed", "Error: ImagePullBackOff", "kubelet", "spec.containers{app}"});
      } else {
        evs.push_back({"Normal", "Pulled",
                       "Successfully pulled image \"" + containers[0]["image"].get<std::string>() +
                           "\" in 1.204s (1.204s including waiting). Image size: 48123904 bytes.",
                       "kubelet", "spec.containers{app}"});
        evs.push_back(
            {"Normal", "Created", "Created container: app", "kubelet", "spec.containers{app}"});
        evs.push_back(
            {"Normal", "Started", "Started container app", "kubelet", "spec.containers{app}"});
      }
      if (crash) {
        evs.push_back({"Warning", "BackOff",
                       "Back-off restarting failed container app in pod " + pod + "_" + ns + "(" +
                           pod_uid + ")",
                       "kubelet", "spec.containers{app}"});
      } else if (p % 7 == 2) {
        evs.push_back({"Warning", "Unhealthy",
                       "Readiness probe failed: HTTP probe failed with statuscode: 503", "kubelet",
                       "spec.containers{app}"});
      }
      for (int e = 0; e < spec.events; ++e) {
        const auto& [type, reason, message, component, field] =
            evs[static_cast<size_t>(e) % evs.size()];
        const int count = reason == "BackOff" || reason == "Unhealthy" ? 12 : 1;
        store.add_object(event(ns, pod, pod_uid, e, type, reason, message, component, node, field,
                               created + static_cast<EpochNanos>(e) * 2000000000LL, count));
      }
    }
  }
  for (int i = 0; i < spec.crs; ++i) {
    const auto& ns =
        namespaces[static_cast<size_t>(i) % static_cast<size_t>(std::max(1, spec.namespaces))];
    char name[32];
    std::snprintf(name, sizeof name, "widget-%05d", i);
    store.add_object({{"apiVersion", "example.com/v1"},
                      {"kind", "Widget"},
                      {"metadata",
                       {{"name", name},
                        {"namespace", ns},
                        {"uid", uid(++serial)},
                        {"creationTimestamp", ts(kBase)},
                        {"labels", {{"color", i % 3 == 0 ? "red" : "blue"}}}}},
                      {"spec", {{"size", i % 10}, {"owner", "team-" + std::to_string(i % 7)}}},
                      {"status", {{"phase", i % 13 == 0 ? "Degraded" : "Ready"}}}});
  }
}

}  // namespace kmg::fakeapi
