#include "model_fixture.h"

#include <doctest/doctest.h>

#include "report/detectors/registry.h"
#include "report/signatures.h"
#include "util/text.h"

namespace kmg::testing {

report::ClusterData& ModelFixture::cluster(const std::string& name) {
  auto [it, created] = model.clusters.try_emplace(name);
  if (created) {
    it->second.name = name;
    it->second.dir = name;
    it->second.in_manifest = true;
    it->second.info = {{"reachable", true}, {"provider", "docker"}};
  }
  return it->second;
}

ModelFixture& ModelFixture::list(const std::string& key, const nlohmann::json& items,
                                 const std::string& c) {
  cluster(c).lists[key] = items;
  return *this;
}

ModelFixture& ModelFixture::events(const nlohmann::json& items, const std::string& c) {
  cluster(c).events = items;
  return *this;
}

ModelFixture& ModelFixture::log(const std::string& ns, const std::string& pod,
                                const std::string& container, bool previous,
                                const std::vector<std::string>& lines, const std::string& c) {
  report::LogInfo info;
  info.path = "clusters/" + c + "/namespaces/" + ns + "/pods/" + pod + "/logs/" + container +
              (previous ? ".previous.log" : ".log");
  info.cluster = c;
  info.ns = ns;
  info.pod = pod;
  info.container = container;
  info.previous = previous;
  info.lines = lines.size();
  for (const auto& l : lines) {
    info.tail.push_back(l);
    if (report::is_error_line(l))
      info.errors.push_back(report::ErrorLine{std::nullopt, c, ns, pod, container, l, info.path});
    if (report::is_network_error(l))
      info.network.push_back(report::ErrorLine{std::nullopt, c, ns, pod, container, l, info.path});
  }
  cluster(c).logs[info.path] = std::move(info);
  return *this;
}

std::vector<report::Finding> ModelFixture::run(std::string_view detector) const {
  return report::detect::run_one(model, detector);
}

std::vector<report::Finding> ModelFixture::all() const { return report::detect_findings(model); }

const report::Finding& finding(const std::vector<report::Finding>& fs, std::string_view detector,
                               std::string_view name) {
  for (const auto& f : fs)
    if (f.detector == detector && (name.empty() || f.object.name == name)) return f;
  FAIL("no finding of " << detector << " on '" << name << "' among " << fs.size());
  static const report::Finding none;
  return none;
}

std::string text_of(const report::Finding& f) {
  return f.title + "\n" + f.cause + "\n" + f.next_step + "\n" + join(f.evidence, "\n");
}

}  // namespace kmg::testing
