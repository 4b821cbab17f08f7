// The seed scenario (tests/scenarios/seed.json) served by the fake apiserver and discovered through
// podman, gathered by the real binary: everything the scenario holds is in the bundle, no secret
// is, and the injected 403 is in the manifest. Expectations come from the scenario file.
#include <algorithm>
#include <filesystem>
#include <set>

#include <doctest/doctest.h>

#include "fixture.h"
#include "kind_nodes.h"
#include "scenario.h"
#include "util/text.h"

using kmg::integration::cluster_dir;
using kmg::testing::PodmanFixture;

namespace {

// A resource the gather lists but nothing below depends on: forbidding it is the injected fault.
constexpr const char* kForbidden = "networkpolicies.networking.k8s.io";

struct SeedGather {
  std::string context;  // the Kind cluster name: the bundle's key for a discovered cluster
  kmg::reliability::RunResult run;
  std::string bundle;
  std::map<std::string, std::string> files;  // relative to the bundle's top folder
  nlohmann::json manifest;
  nlohmann::json scenario;
};

std::string attachment_source() {
  return kmg::testing::source_root() + "/tests/scenarios/demo-junit.xml";
}

// One gather for every case of this file: the gather is the expensive part.
const SeedGather& seed_gather() {
  static const SeedGather g = [] {
    SeedGather out;
    out.scenario = kmg::integration::load_scenario(kmg::reliability::seed_scenario());
    static kmg::testing::TempDir dir;
    const std::string cluster = PodmanFixture::unique_name("gateway-e2e");
    out.context = cluster;
    kmg::testing::FakeApiserverOptions options;
    options.scenarios = {kmg::reliability::seed_scenario()};
    options.cluster_name = cluster;
    options.forbid = {kForbidden};
    auto api = kmg::testing::FakeApiserver::start(options);
    kmg::integration::add_kind_nodes(kmg::testing::podman_fixture(), api, cluster);

    const std::string home = dir.path() + "/home";
    std::filesystem::create_directories(home);
    out.bundle = dir.path() + "/seed.tar.gz";
    // Discovery only: no --kubeconfig, no --no-kind. --cluster keeps other tests' kind-like
    // containers on the same podman storage out of this bundle. No --trace-lookback: the default
    // window (since the oldest Node's creation) must reach the seed's traces of 2026-02-04.
    out.run = kmg::reliability::run_process(
        {kmg::reliability::kmg_exe(), "--cluster", cluster, "--attach", attachment_source(),
         "--output", out.bundle},
        std::chrono::seconds(180),
        kmg::integration::podman_env(kmg::testing::podman_fixture(), home));
    if (std::filesystem::exists(out.bundle)) {
      out.files = kmg::reliability::read_bundle(out.bundle);
      out.manifest = nlohmann::json::parse(out.files["manifest.json"], nullptr, false);
    }
    return out;
  }();
  return g;
}

bool has(const SeedGather& g, const std::string& path) { return g.files.count(path) == 1; }

}  // namespace

TEST_SUITE("integration") {
  TEST_CASE("the seed cluster is found through podman and gathered; the 403 makes it exit 1") {
    const auto& g = seed_gather();
    INFO("stderr: ", g.run.err);
    REQUIRE(std::filesystem::exists(g.bundle));
    CHECK(g.run.exit_code == 1);  // README: bundle written but incomplete
    REQUIRE(g.manifest.is_object());
    REQUIRE(g.manifest["clusters"].contains(g.context));
    const auto& record = g.manifest["clusters"][g.context];
    CHECK(record.value("provider", "") == "podman");
    CHECK(record.value("kubeconfig_source", "").find("admin.conf") != std::string::npos);
    CHECK(record.value("reachable", false));
    CHECK(record.value("server_version", "") ==
          g.scenario["serverVersion"].value("gitVersion", ""));
  }

  TEST_CASE("the manifest names the injected failure") {
    const auto& g = seed_gather();
    const auto failures = kmg::reliability::failures(g.manifest);
    const std::string plural = std::string(kForbidden).substr(0, std::string(kForbidden).find('.'));
    const auto it = std::find_if(failures.begin(), failures.end(), [&](const auto& f) {
      return f.path.find("/" + plural) != std::string::npos;
    });
    REQUIRE(it != failures.end());
    CHECK(it->cluster == g.context);
    CHECK(it->status == 403);
    CHECK(it->message.find(plural) != std::string::npos);
    CHECK_FALSE(g.manifest.value("partial", true));
  }

  TEST_CASE("every pod has its YAML and describe text, every container that ran its logs") {
    const auto& g = seed_gather();
    const std::string base = cluster_dir(g.context) + "/namespaces/";
    for (const auto& pod : kmg::integration::objects_of_kind(g.scenario, "Pod")) {
      const std::string dir = base + pod["metadata"].value("namespace", "") + "/pods/" +
                              pod["metadata"].value("name", "");
      INFO("pod: ", dir);
      CHECK(has(g, dir + "/pod.yaml"));
      CHECK(has(g, dir + "/describe.txt"));
      if (has(g, dir + "/pod.yaml")) {
        CHECK(g.files.at(dir + "/pod.yaml").find("uid: " + pod["metadata"].value("uid", "")) !=
              std::string::npos);
      }
    }
    std::size_t previous_logs = 0;
    for (const auto& log : g.scenario["logs"]) {
      const bool previous = log.value("previous", false);
      previous_logs += previous ? 1 : 0;
      const std::string path = base + log.value("namespace", "") + "/pods/" + log.value("pod", "") +
                               "/logs/" + log.value("container", "") +
                               (previous ? ".previous.log" : ".log");
      INFO("log: ", path);
      REQUIRE(has(g, path));
      const auto& lines = log["lines"];
      const std::string& text = g.files.at(path);
      CHECK(std::count(text.begin(), text.end(), '\n') == static_cast<long>(lines.size()));
      // Redaction may mask parts of some lines; the last line of each seed log holds no secret.
      CHECK(text.find(lines.back().get<std::string>()) != std::string::npos);
    }
    CHECK(previous_logs > 0);  // the crash-looping containers' previous logs were checked
  }

  TEST_CASE("every event of the scenario is in events.json") {
    const auto& g = seed_gather();
    const std::string path = cluster_dir(g.context) + "/events.json";
    REQUIRE(has(g, path));
    const auto events = nlohmann::json::parse(g.files.at(path));
    std::set<std::string> uids;
    for (const auto& e : events["items"]) uids.insert(e["metadata"].value("uid", ""));
    const auto expected = kmg::integration::objects_of_kind(g.scenario, "Event");
    REQUIRE_FALSE(expected.empty());
    for (const auto& e : expected) {
      INFO("event: ", e["metadata"].value("name", ""));
      CHECK(uids.count(e["metadata"].value("uid", "")) == 1);
    }
  }

  TEST_CASE("every custom resource of the scenario's CRDs is in the bundle") {
    const auto& g = seed_gather();
    std::size_t checked = 0;
    for (const auto& crd :
         kmg::integration::objects_of_kind(g.scenario, "CustomResourceDefinition")) {
      const std::string group = crd["spec"]["group"];
      const std::string kind = crd["spec"]["names"]["kind"];
      for (const auto& obj : g.scenario["objects"]) {
        const std::string api_version = obj.value("apiVersion", "");
        if (obj.value("kind", "") != kind || api_version.rfind(group + "/", 0) != 0) continue;
        const std::string path = kmg::integration::custom_resource_path(g.context, crd, obj);
        INFO("custom resource: ", path);
        CHECK(has(g, path));
        ++checked;
      }
    }
    CHECK(checked > 0);
  }

  TEST_CASE("every workload, service, config and storage object of the scenario has its YAML") {
    const auto& g = seed_gather();
    struct Resource {
      const char* kind;
      const char* group_dir;  // the bundle's folder for the API group ("core" for the legacy one)
      const char* plural;
    };
    const Resource resources[] = {{"Deployment", "apps", "deployments"},
                                  {"ReplicaSet", "apps", "replicasets"},
                                  {"StatefulSet", "apps", "statefulsets"},
                                  {"DaemonSet", "apps", "daemonsets"},
                                  {"Job", "batch", "jobs"},
                                  {"Service", "core", "services"},
                                  {"ConfigMap", "core", "configmaps"},
                                  {"ServiceAccount", "core", "serviceaccounts"},
                                  {"StorageClass", "storage.k8s.io", "storageclasses"}};
    for (const auto& r : resources) {
      const auto objects = kmg::integration::objects_of_kind(g.scenario, r.kind);
      INFO("kind: ", r.kind);
      CHECK_FALSE(objects.empty());  // the seed holds at least one of each
      for (const auto& obj : objects) {
        const std::string ns = obj["metadata"].value("namespace", "");
        const std::string scope = ns.empty() ? "/cluster-scoped/" : "/namespaces/" + ns + "/";
        const std::string path = cluster_dir(g.context) + scope + r.group_dir + "/" + r.plural +
                                 "/" + obj["metadata"].value("name", "") + ".yaml";
        INFO("object: ", path);
        REQUIRE(has(g, path));
        CHECK(g.files.at(path).find("uid: " + obj["metadata"].value("uid", "")) !=
              std::string::npos);
      }
    }
  }

  TEST_CASE("every node's YAML lists its images") {
    const auto& g = seed_gather();
    for (const auto& node : kmg::integration::objects_of_kind(g.scenario, "Node")) {
      const std::string path =
          cluster_dir(g.context) + "/nodes/" + node["metadata"].value("name", "") + ".yaml";
      INFO("node: ", path);
      REQUIRE(has(g, path));
      for (const auto& image : node["status"]["images"]) {
        for (const auto& name : image["names"]) {
          CHECK(g.files.at(path).find(name.get<std::string>()) != std::string::npos);
        }
      }
    }
  }

  TEST_CASE("every Jaeger trace of the scenario is in a traces file") {
    const auto& g = seed_gather();
    for (const auto& jaeger : g.scenario["jaeger"]) {
      const std::string dir = cluster_dir(g.context) + "/traces/" + jaeger.value("namespace", "") +
                              "." + jaeger.value("service", "") + "/";
      std::set<std::string> in_bundle;
      for (const auto& [path, content] : g.files) {
        if (path.rfind(dir, 0) != 0) continue;
        const auto doc = nlohmann::json::parse(content);
        for (const auto& t : doc.at("data")) {
          in_bundle.insert(t.value("traceID", ""));
        }
      }
      REQUIRE_FALSE(jaeger["traces"].empty());
      for (const auto& trace : jaeger["traces"]) {
        INFO("trace: ", trace.value("traceID", ""), " under ", dir);
        CHECK(in_bundle.count(trace.value("traceID", "")) == 1);
        // One file per service of the trace.
        for (const auto& [id, process] : trace["processes"].items()) {
          CHECK(has(g, dir + process.value("serviceName", "") + ".json"));
        }
      }
    }
  }

  TEST_CASE("the --attach'ed file is in attachments/ unchanged") {
    const auto& g = seed_gather();
    const std::string path = "attachments/demo-junit.xml";
    REQUIRE(has(g, path));
    CHECK(g.files.at(path) == kmg::testing::read_file(attachment_source()));
  }

  TEST_CASE("no planted marker and no stored Secret value is in any entry of the tar") {
    const auto& g = seed_gather();
    const auto entries = kmg::integration::tar_contents(g.bundle);
    REQUIRE(entries.size() > g.files.size() / 2);
    std::vector<std::string> needles = kmg::integration::kPlantedMarkers;
    const auto secrets = kmg::integration::objects_of_kind(g.scenario, "Secret");
    REQUIRE_FALSE(secrets.empty());
    for (const auto& secret : secrets) {
      for (const auto& [key, value] : secret["data"].items()) needles.push_back(value);
    }
    for (const auto& [name, data] : entries) {
      for (const auto& needle : needles) {
        INFO("entry: ", name, " needle: ", needle);
        CHECK(name.find(needle) == std::string::npos);
        CHECK(data.find(needle) == std::string::npos);
      }
    }
  }

  TEST_CASE("Secrets are in the bundle without their values") {
    const auto& g = seed_gather();
    for (const auto& secret : kmg::integration::objects_of_kind(g.scenario, "Secret")) {
      const std::string path = cluster_dir(g.context) + "/namespaces/" +
                               secret["metadata"].value("namespace", "") + "/core/secrets/" +
                               secret["metadata"].value("name", "") + ".yaml";
      INFO("secret: ", path);
      REQUIRE(has(g, path));
      // Decoded values may be common words ("gateway"), so look only at the key's own line.
      for (const auto& [key, value] : secret["data"].items()) {
        const std::string line = kmg::reliability::line_with(g.files.at(path), key + ": ");
        CHECK_FALSE(line.empty());
        CHECK(line.find(kmg::base64_decode(value.get<std::string>())) == std::string::npos);
        CHECK(line.find(value.get<std::string>()) == std::string::npos);
      }
    }
  }
}
