// layout::parse is the inverse of the path builders: build -> parse gives the builder's
// arguments back (as safe_path_component made them), and parse -> path gives the path back.
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "bundle/layout.h"
#include "util/path.h"

namespace layout = kmg::bundle::layout;
using layout::EntryKind;

namespace {

// Names as servers send them: DNS labels, dotted groups, and hostile ones.
class Names {
 public:
  explicit Names(unsigned seed) : rng_(seed) {}
  std::string any() {
    static const std::vector<std::string> odd = {
        "..",        ".",    "",     "a/b",  "../../x",    std::string("n\0ul", 4), "tab\tx",
        "é-ü",       "core", "pods", "logs", "x.previous", std::string(190, 'L'),   "\xff\xfe",
        "a.describe"};
    if (pick(4) == 0) return odd[pick(odd.size())];
    return label();
  }
  // A DNS-1123 label: what Kubernetes allows for containers and resources (no dot).
  std::string label() {
    static const std::string chars = "abcdefghijklmnopqrstuvwxyz0123456789-";
    std::string s(1 + pick(20), 'a');
    for (auto& c : s) c = chars[pick(chars.size())];
    return s;
  }
  std::string group() { return pick(3) == 0 ? "" : label() + "." + label() + ".io"; }
  std::size_t pick(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
  }

 private:
  std::mt19937 rng_;
};

std::string s(const std::string& name) { return kmg::safe_path_component(name); }

// parse(built) has `kind`, the cluster given, and path() rebuilds `built`.
layout::Entry check(const std::string& built, EntryKind kind, const std::string& cluster) {
  CAPTURE(built);
  const layout::Entry e = layout::parse(built);
  CHECK(layout::kind_name(e.kind) == layout::kind_name(kind));
  CHECK(e.cluster == s(cluster));
  CHECK(layout::path(e) == built);
  return e;
}

// The recorded/ builders: the same round trip.
void check_recorded(const std::string& c, const std::string& ns, const std::string& pod,
                    const std::string& container, const std::string& group,
                    const std::string& resource, const std::string& instance) {
  const std::string key = resource + (group.empty() ? "" : "." + group);
  for (const auto kind : {EntryKind::recorded_history, EntryKind::recorded_deleted}) {
    const auto built = kind == EntryKind::recorded_history
                           ? layout::recorded_history(c, group, resource)
                           : layout::recorded_deleted(c, group, resource);
    auto e = check(built, kind, c);
    CHECK(e.group == group);
    CHECK(e.resource == resource);
    CHECK(e.list_key == key);
  }
  auto log =
      check(layout::recorded_log(c, ns, pod, container, instance), EntryKind::recorded_log, c);
  CHECK(log.ns == s(ns));
  CHECK(log.pod == s(pod));
  CHECK(log.container == container);
  CHECK(log.instance == s(instance));
}

}  // namespace

TEST_SUITE("bundle::layout parse") {
  TEST_CASE("build then parse gives the builder's arguments back") {
    Names n(20260203);
    for (int i = 0; i < 400; ++i) {
      const std::string c = n.any(), ns = n.any(), pod = n.any(), node = n.any();
      const std::string container = n.label(), resource = n.label(), group = n.group();
      const std::string name = n.any(), jaeger = n.any(), service = n.any();
      CAPTURE(i);
      check(layout::version_json(c), EntryKind::version, c);
      check(layout::events_json(c), EntryKind::event_list, c);
      check(layout::events_txt(c), EntryKind::events_text, c);
      auto list = check(layout::list_json(c, group, resource), EntryKind::list, c);
      CHECK(list.resource == resource);
      CHECK(list.group == group);
      CHECK(list.list_key == resource + (group.empty() ? "" : "." + group));
      CHECK(check(layout::node_yaml(c, node), EntryKind::node_yaml, c).node == s(node));
      CHECK(check(layout::node_describe(c, node), EntryKind::node_describe, c).node == s(node));
      auto file =
          check(layout::node_log(c, node, "pods/" + n.label() + "/0.log"), EntryKind::node_file, c);
      CHECK(file.node == s(node));
      CHECK(file.file.starts_with("pods/"));
      for (const auto kind : {EntryKind::pod_yaml, EntryKind::pod_describe}) {
        const auto built = kind == EntryKind::pod_yaml ? layout::pod_yaml(c, ns, pod)
                                                       : layout::pod_describe(c, ns, pod);
        auto e = check(built, kind, c);
        CHECK(e.ns == s(ns));
        CHECK(e.pod == s(pod));
      }
      for (const bool previous : {false, true}) {
        auto e = check(layout::container_log(c, ns, pod, container, previous),
                       previous ? EntryKind::previous_log : EntryKind::container_log, c);
        CHECK(e.ns == s(ns));
        CHECK(e.pod == s(pod));
        CHECK(e.container == container);
      }
      for (const std::string& object_ns : {ns, std::string()}) {
        if (group == "pods") continue;  // not an API group; would read as a pod's file
        auto e =
            check(layout::object_yaml(c, object_ns, group, resource, name), EntryKind::object, c);
        CHECK(e.ns == (object_ns.empty() ? "" : s(object_ns)));
        CHECK(e.group == group);
        CHECK(e.resource == resource);
        CHECK(e.name == s(name));
      }
      auto trace = check(layout::traces_json(c, jaeger, service), EntryKind::trace, c);
      CHECK(trace.jaeger == s(jaeger));
      CHECK(trace.service == s(service));
      check_recorded(c, ns, pod, container, group, resource, n.any());
    }
  }

  TEST_CASE("recorded paths are not a cluster's gathered files") {
    CHECK(layout::parse(layout::recorded_clusters()).kind == EntryKind::recorded_clusters);
    CHECK(layout::recorded_clusters() == "recorded/clusters.jsonl");
    CHECK(layout::recorded_history("kind", "apps", "deployments") ==
          "recorded/clusters/kind/history/deployments.apps.jsonl");
    CHECK(layout::recorded_deleted("kind", "", "pods") ==
          "recorded/clusters/kind/deleted/pods.json");
    CHECK(layout::recorded_log("kind", "ns", "p", "c", "0005-abc") ==
          "recorded/clusters/kind/logs/ns/p/c/0005-abc.log");
    for (const std::string p :
         {"recorded", "recorded/clusters", "recorded/clusters/c/history/x.json",
          "recorded/clusters/c/deleted/x.jsonl", "recorded/clusters/c/logs/n/p/c/i.txt",
          "recorded/clusters/c/logs/n/p/i.log", "recorded/other.jsonl", "recorded/clusters/c/x"}) {
      CAPTURE(p);
      CHECK(layout::parse(p).kind == EntryKind::unknown);
    }
  }

  TEST_CASE("a name cut to 200 bytes parses as the builder wrote it") {
    const std::string long_name(260, 'L');
    const auto e = layout::parse(layout::pod_yaml("kind", "ns", long_name));
    CHECK(e.kind == EntryKind::pod_yaml);
    CHECK(e.pod == s(long_name));
  }

  TEST_CASE("top-level files and attachments") {
    CHECK(layout::parse(layout::kManifest).kind == EntryKind::manifest);
    CHECK(layout::parse(layout::kReport).kind == EntryKind::report);
    CHECK(layout::parse(layout::kReportJson).kind == EntryKind::report_json);
    const auto a = layout::parse(layout::attachment("junit/e2e.xml"));
    CHECK(a.kind == EntryKind::attachment);
    CHECK(a.file == "junit/e2e.xml");
    CHECK(a.cluster.empty());
  }

  TEST_CASE("foreign paths are unknown, a cluster's unknown file still names its cluster") {
    for (const std::string p :
         {"", "/", "clusters", "clusters/c", "clusters/c/", "clusters//version.json",
          "clusters/../version.json", "/clusters/c/version.json", "attachments", "attachments/",
          "notes.txt", "clusters/c/lists/.json", "clusters/c/nodes/n.txt",
          "clusters/c/namespaces/n/pods/p/logs/c.txt", "clusters/c/traces/j/s.txt",
          "clusters/c/namespaces/n/core/cm", "clusters/c/cluster-scoped/core/nodes/n.json"}) {
      CAPTURE(p);
      const auto e = layout::parse(p);
      CHECK(e.kind == EntryKind::unknown);
      CHECK(layout::path(e).empty());
    }
    CHECK(layout::parse("clusters/kind/extra/thing.bin").cluster == "kind");
  }

  TEST_CASE("any path parse recognises is rebuilt by path()") {
    // Paths assembled from the layout's own words and safe names: parse either says unknown or
    // gives fields that rebuild the very path.
    const std::vector<std::string> words = {"clusters",
                                            "namespaces",
                                            "pods",
                                            "logs",
                                            "lists",
                                            "nodes",
                                            "node-logs",
                                            "traces",
                                            "cluster-scoped",
                                            "core",
                                            "attachments",
                                            "kind",
                                            "a.log",
                                            "b.previous.log",
                                            "pod.yaml",
                                            "describe.txt",
                                            "x.yaml",
                                            "n.describe.txt",
                                            "v.json",
                                            "version.json",
                                            "events.json",
                                            "events.txt",
                                            "manifest.json",
                                            ".previous.log",
                                            "a.",
                                            "d.e.json",
                                            "recorded",
                                            "history",
                                            "deleted",
                                            "clusters.jsonl",
                                            "h.jsonl",
                                            "..",
                                            ""};
    Names n(7);
    std::size_t recognised = 0;
    for (int i = 0; i < 20000; ++i) {
      std::string p;
      const std::size_t parts = 1 + n.pick(8);
      for (std::size_t k = 0; k < parts; ++k) p += (k ? "/" : "") + words[n.pick(words.size())];
      CAPTURE(p);
      const auto e = layout::parse(p);
      if (e.kind == EntryKind::unknown) continue;
      ++recognised;
      CHECK(layout::path(e) == p);
    }
    CHECK(recognised > 100);  // the generator does reach the recognised shapes
  }
}
