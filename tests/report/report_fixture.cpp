#include "report_fixture.h"

#include <yaml-cpp/yaml.h>

namespace kmg::testing {

using nlohmann::json;

BundleFixture::BundleFixture() : root_(dir_.path() + "/must-gather-20260204T103000Z") {
  manifest_ = json{
      {"tool", {{"name", "kind-must-gather"}, {"version", "0.1.0"}}},
      {"command_line", "kind-must-gather collect"},
      {"started_at", "2026-02-04T10:29:00Z"},
      {"finished_at", "2026-02-04T10:30:00Z"},
      {"partial", false},
      {"redaction", {{"enabled", true}, {"masked", 0}}},
      {"engines",
       json::array(
           {{{"provider", "docker"}, {"endpoint", "unix:///var/run/docker.sock"}, {"error", ""}}})},
      {"clusters",
       {{"kind",
         {{"provider", "docker"},
          {"api_endpoint", "https://127.0.0.1:40000"},
          {"kubeconfig_source", "engine"},
          {"reachable", true},
          {"server_version", "v1.32.0"},
          {"problems", json::array()},
          {"nodes", json::array({{{"name", "kind-control-plane"},
                                  {"role", "control-plane"},
                                  {"state", "running"},
                                  {"image", "kindest/node:v1.32.0"}}})},
          {"collectors", json::object()},
          {"failures", json::array()},
          {"notes", json::array()}}}}}};
  dir_.write("must-gather-20260204T103000Z/clusters/kind/version.json",
             R"({"major":"1","minor":"32","gitVersion":"v1.32.0"})");
}

void BundleFixture::list(const std::string& key, const json& items, const std::string& cluster) {
  file("clusters/" + cluster + "/lists/" + key + ".json",
       json{{"apiVersion", "v1"}, {"kind", "List"}, {"items", items}}.dump(1));
}

void BundleFixture::events(const json& items, const std::string& cluster) {
  file("clusters/" + cluster + "/events.json",
       json{{"apiVersion", "v1"}, {"kind", "EventList"}, {"items", items}}.dump(1));
}

void BundleFixture::log(const std::string& ns, const std::string& pod, const std::string& container,
                        bool previous, const std::string& text, const std::string& cluster) {
  file("clusters/" + cluster + "/namespaces/" + ns + "/pods/" + pod + "/logs/" + container +
           (previous ? ".previous.log" : ".log"),
       text);
}

void BundleFixture::file(const std::string& relative, const std::string& content) {
  dir_.write("must-gather-20260204T103000Z/" + relative, content);
}

report::ReportOutput BundleFixture::build(const report::ReportSettings& s) {
  file("manifest.json", manifest_.dump(2));
  return report::build_report(root_, s);
}

json corpus_json(const std::string& relative) {
  return json::parse(read_file(shared_dir() + "/corpus/" + relative));
}

std::string corpus_text(const std::string& relative) {
  return read_file(shared_dir() + "/corpus/" + relative);
}

namespace {

json yaml_to_json(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      json o = json::object();
      for (const auto& kv : n) o[kv.first.as<std::string>()] = yaml_to_json(kv.second);
      return o;
    }
    case YAML::NodeType::Sequence: {
      json a = json::array();
      for (const auto& v : n) a.push_back(yaml_to_json(v));
      return a;
    }
    case YAML::NodeType::Scalar: {
      const std::string s = n.as<std::string>();
      if (n.Tag() == "!") return s;  // quoted
      if (s == "true" || s == "false") return s == "true";
      if (!s.empty() && s.find_first_not_of("-0123456789") == std::string::npos && s != "-")
        return std::stol(s);
      return s;
    }
    default:
      return nullptr;
  }
}

}  // namespace

json corpus_yaml(const std::string& relative) {
  return yaml_to_json(YAML::Load(corpus_text(relative)));
}

json findings_of(const report::ReportOutput& out, const std::string& detector) {
  json all = json::parse(out.json)["findings"];
  json res = json::array();
  for (const auto& f : all)
    if (f["detector"] == detector) res.push_back(f);
  return res;
}

std::string finding_text(const json& f) {
  std::string s = f["title"].get<std::string>() + "\n" + f["likely_cause"].get<std::string>() +
                  "\n" + f["next_step"].get<std::string>() + "\n";
  for (const auto& e : f["evidence"]) s += e.get<std::string>() + "\n";
  return s;
}

json make_pod(const std::string& ns, const std::string& name, const json& status,
              const json& spec) {
  json pod{{"apiVersion", "v1"},
           {"kind", "Pod"},
           {"metadata",
            {{"name", name},
             {"namespace", ns},
             {"uid", "uid-" + name},
             {"creationTimestamp", "2026-02-04T10:15:00Z"}}},
           {"spec", spec.is_null()
                        ? json{{"nodeName", "kind-control-plane"},
                               {"containers", json::array({{{"name", "app"}, {"image", "app:1"}}})}}
                        : spec},
           {"status", status}};
  return pod;
}

json make_event(const std::string& ns, const std::string& kind, const std::string& name,
                const std::string& type, const std::string& reason, const std::string& message,
                int count, const std::string& time) {
  return json{{"apiVersion", "v1"},
              {"kind", "Event"},
              {"metadata", {{"name", name + ".1"}, {"namespace", ns}}},
              {"involvedObject", {{"kind", kind}, {"namespace", ns}, {"name", name}}},
              {"type", type},
              {"reason", reason},
              {"message", message},
              {"count", count},
              {"firstTimestamp", time},
              {"lastTimestamp", time},
              {"source", {{"component", "kubelet"}}}};
}

}  // namespace kmg::testing
