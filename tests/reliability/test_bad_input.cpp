// Bad input to the real binary: broken kubeconfigs, an output that cannot be written, and an API
// server full of hostile objects and logs.
#include <filesystem>

#include <doctest/doctest.h>
#include <sys/mount.h>

#include "fake_apiserver_process.h"
#include "fixture.h"
#include "util/text.h"

namespace {

using kmg::reliability::contains;
using kmg::reliability::Gathered;
using kmg::reliability::kSeedCluster;
using kmg::testing::FakeApiserver;
using kmg::testing::FakeApiserverOptions;
using kmg::testing::TempDir;

FakeApiserver start_seed() {
  FakeApiserverOptions o;
  o.scenarios = {kmg::reliability::seed_scenario()};
  o.cluster_name = "gateway-e2e";
  return FakeApiserver::start(o);
}

// Every place a gather records why a cluster could not be gathered, as one text.
std::string recorded_problems(const Gathered& g) {
  std::string out = g.manifest.value("discovery_notes", nlohmann::json::array()).dump();
  const auto clusters = g.manifest.value("clusters", nlohmann::json::object());
  for (const auto& [name, c] : clusters.items()) {
    out += c.value("problems", nlohmann::json::array()).dump();
    out += c.value("failures", nlohmann::json::array()).dump();
    out += c.value("notes", nlohmann::json::array()).dump();
  }
  return out;
}

// The stderr lines that are errors or warnings, not progress ("I hh:mm:ss ...").
std::string error_lines(const std::string& err) {
  std::string out;
  for (const auto& line : kmg::split(err, '\n')) {
    if (line.rfind("I ", 0) == 0 || line.rfind("verdict:", 0) == 0) continue;
    out += line + "\n";
  }
  return out;
}

struct BadKubeconfig {
  std::string name;
  std::string path;
  std::vector<std::string> extra_args;
  std::string expected;  // what the message must name besides the file (a field, a context)
};

// Broken kubeconfigs built from a working one.
std::vector<BadKubeconfig> bad_kubeconfigs(const TempDir& dir, const FakeApiserver& api,
                                           const FakeApiserver& other) {
  const std::string good = kmg::testing::read_file(api.kubeconfig_path());
  const std::string other_key = kmg::reliability::kubeconfig_field(
      kmg::testing::read_file(other.kubeconfig_path()), "client-key-data");
  return {
      {"missing file", dir.path() + "/does-not-exist.kubeconfig", {}, "does-not-exist"},
      {"bad YAML",
       dir.write("bad-yaml.kubeconfig", "apiVersion: v1\nclusters: [\n  - {name: x\n"),
       {},
       "YAML"},
      {"bad base64",
       dir.write("bad-base64.kubeconfig", kmg::reliability::replace_kubeconfig_field(
                                              good, "client-key-data", "\"!!not*base64@@\"")),
       {},
       "client-key-data"},
      {"unknown context",
       dir.write("unknown-context.kubeconfig", good),
       {"--context", "nosuch"},
       "nosuch"},
      {"certificate and key that do not match",
       dir.write("mismatch.kubeconfig",
                 kmg::reliability::replace_kubeconfig_field(good, "client-key-data", other_key)),
       {},
       "key"},
  };
}

}  // namespace

TEST_SUITE("integration") {
  TEST_CASE("bad kubeconfigs: a bundle is still written and the manifest names the problem") {
    auto api = start_seed();
    auto other = FakeApiserver::start({.cluster_name = "other"});
    TempDir dir;
    for (const auto& bad : bad_kubeconfigs(dir, api, other)) {
      SUBCASE(bad.name.c_str()) {
        std::vector<std::string> args = {"--kubeconfig", bad.path, "--timeout", "60s"};
        args.insert(args.end(), bad.extra_args.begin(), bad.extra_args.end());
        const auto g = kmg::reliability::gather(dir, args);
        INFO("stderr: ", g.run.err);
        CHECK_FALSE(g.run.timed_out);
        CHECK(g.run.exit_code >= 0);  // no crash
        CHECK(g.run.exit_code != 3);
        REQUIRE(g.bundle_exists);
        REQUIRE(g.manifest.is_object());
        const std::string problems = recorded_problems(g);
        INFO("recorded: ", problems);
        CHECK(contains(problems, bad.expected));
      }
    }
  }

  TEST_CASE("bad kubeconfigs: one clear error line on stderr naming the file, exit 1") {
    auto api = start_seed();
    auto other = FakeApiserver::start({.cluster_name = "other"});
    TempDir dir;
    for (const auto& bad : bad_kubeconfigs(dir, api, other)) {
      SUBCASE(bad.name.c_str()) {
        std::vector<std::string> args = {"--kubeconfig", bad.path, "--timeout", "60s"};
        args.insert(args.end(), bad.extra_args.begin(), bad.extra_args.end());
        const auto g = kmg::reliability::gather(dir, args);
        const std::string errors = error_lines(g.run.err);
        INFO("stderr errors: ", errors);
        const std::string file = std::filesystem::path(bad.path).filename().string();
        const std::string line = kmg::reliability::line_with(errors, file);
        CHECK_FALSE(line.empty());
        CHECK(contains(line, bad.expected));
        // A cluster that was asked for and not gathered makes the bundle incomplete.
        CHECK(g.run.exit_code == 1);
        // REPORT.md tells the reader too.
        CHECK(contains(g.report, file));
      }
    }
  }

  TEST_CASE("relative certificate paths resolve against the kubeconfig's folder") {
    auto api = start_seed();
    TempDir dir;
    const std::string good = kmg::testing::read_file(api.kubeconfig_path());
    dir.write("conf/certs/client.crt", kmg::base64_decode(kmg::reliability::kubeconfig_field(
                                           good, "client-certificate-data")));
    dir.write("conf/certs/client.key",
              kmg::base64_decode(kmg::reliability::kubeconfig_field(good, "client-key-data")));
    dir.write("conf/certs/ca.crt", kmg::base64_decode(kmg::reliability::kubeconfig_field(
                                       good, "certificate-authority-data")));
    std::string text = good;
    for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
             {"client-certificate-data", "client-certificate"},
             {"client-key-data", "client-key"},
             {"certificate-authority-data", "certificate-authority"}}) {
      const std::string value = to == "client-certificate" ? "certs/client.crt"
                                : to == "client-key"       ? "certs/client.key"
                                                           : "certs/ca.crt";
      const auto at = text.find(from + ": ");
      REQUIRE(at != std::string::npos);
      const auto end = text.find('\n', at);
      text.replace(at, end - at, to + ": " + value);
    }
    const std::string kc = dir.write("conf/kubeconfig", text);
    // The tool runs in the test's folder, not in conf/: only resolution against the kubeconfig's
    // folder finds the files.
    REQUIRE(std::filesystem::current_path() != std::filesystem::path(dir.path()) / "conf");
    const auto g = kmg::reliability::gather(dir, {"--kubeconfig", kc, "--timeout", "60s"});
    INFO("stderr: ", g.run.err);
    REQUIRE(g.bundle_exists);
    CHECK(g.run.exit_code == 0);
    CHECK(g.manifest["clusters"][kSeedCluster].value("reachable", false));
    CHECK(g.files.count(std::string("clusters/") + kSeedCluster + "/lists/pods.json") == 1);
  }

  TEST_CASE("output in a folder that cannot be written: exit 3, clear error, no bundle") {
    auto api = start_seed();
    TempDir dir;
    // As root, permissions do not stop writes: a path under a regular file cannot be created.
    const std::string blocker = dir.write("not-a-folder", "x");
    const auto g =
        kmg::reliability::gather(dir, {"--kubeconfig", api.kubeconfig_path(), "--timeout", "60s"},
                                 std::chrono::seconds(120), "not-a-folder/out.tar.gz");
    INFO("stderr: ", g.run.err);
    CHECK(g.run.exit_code == 3);
    CHECK_FALSE(g.bundle_exists);
    CHECK_FALSE(kmg::reliability::line_with(g.run.err, "not-a-folder").empty());
  }

  TEST_CASE("disk full (64 KiB tmpfs): exit 3, clear error, no file under the final name") {
    auto api = start_seed();
    TempDir dir;
    const std::string tiny = dir.path() + "/tiny";
    std::filesystem::create_directories(tiny);
    if (mount("tmpfs", tiny.c_str(), "tmpfs", 0, "size=64k") != 0) {
      MESSAGE("cannot mount a tmpfs here (not root or no CAP_SYS_ADMIN): skipped");
      return;
    }
    const auto g =
        kmg::reliability::gather(dir, {"--kubeconfig", api.kubeconfig_path(), "--timeout", "60s"},
                                 std::chrono::seconds(120), "tiny/out.tar.gz");
    std::vector<std::string> left;
    for (const auto& e : std::filesystem::directory_iterator(tiny)) left.push_back(e.path());
    umount2(tiny.c_str(), MNT_DETACH);
    INFO("stderr tail: ", g.run.err.substr(g.run.err.size() > 2000 ? g.run.err.size() - 2000 : 0));
    CHECK(g.run.exit_code == 3);
    CHECK_FALSE(g.bundle_exists);
    CHECK(left.empty());  // no staging leftovers either
    const auto errors = kmg::split(error_lines(g.run.err), '\n');
    std::string last_error;
    for (const auto& line : errors) {
      if (line.rfind("E ", 0) == 0) last_error = line;
    }
    CHECK(contains(last_error, "out.tar.gz"));
    CHECK(contains(last_error, "No space left on device"));
    // The first refused file is a warning; the hundreds after it are not repeated on stderr.
    std::size_t write_warnings = 0;
    for (const auto& line : kmg::split(g.run.err, '\n')) {
      if (line.rfind("W ", 0) == 0 && contains(line, "bundle: cannot")) ++write_warnings;
    }
    CHECK(write_warnings <= 1);
  }
}

namespace {

using nlohmann::json;

constexpr const char* kHostileNs = "hostile";

json pod(const std::string& name, int index, bool failing) {
  json status_container = {{"name", "c"},
                           {"ready", !failing},
                           {"restartCount", failing ? 4 : 0},
                           {"image", "docker.io/library/busybox:1.36"},
                           {"imageID", "docker.io/library/busybox@sha256:0123"},
                           {"containerID", "containerd://" + std::to_string(1000 + index)},
                           {"started", !failing}};
  if (failing) {
    status_container["state"] = {
        {"waiting",
         {{"reason", "CrashLoopBackOff"},
          {"message", "back-off 40s | restarting `c` <b>failed</b>\ncontainer=c"}}}};
    status_container["lastState"] = {{"terminated",
                                      {{"exitCode", 1},
                                       {"reason", "Error"},
                                       {"message", "exit | 1 \u001b[31mred\u001b[0m"},
                                       {"startedAt", "2026-02-04T10:14:00Z"},
                                       {"finishedAt", "2026-02-04T10:14:05Z"}}}};
  } else {
    status_container["state"] = {{"running", {{"startedAt", "2026-02-04T10:11:00Z"}}}};
  }
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           {{"name", name},
            {"namespace", kHostileNs},
            {"uid", "00000000-0000-4000-8000-" + std::to_string(100000000000 + index)},
            {"resourceVersion", std::to_string(100 + index)},
            {"creationTimestamp", "2026-02-04T10:10:00Z"},
            {"labels", {{"app", "hostile"}}}}},
          {"spec",
           {{"nodeName", "hostile-control-plane"},
            {"containers", {{{"name", "c"}, {"image", "docker.io/library/busybox:1.36"}}}}}},
          {"status",
           {{"phase", "Running"},
            {"conditions",
             {{{"type", "Ready"}, {"status", failing ? "False" : "True"}},
              {{"type", "PodScheduled"}, {"status", "True"}}}},
            {"containerStatuses", {status_container}}}}};
}

// Names a path must never be built from verbatim.
const std::vector<std::string> kHostileNames = {
    "../../../escape",   "a/b/c",        "..",          ".",        "nul\u0000byte",
    "ansi\u001b[31mred", "pipe|in|name", "back\\slash", "/absolute"};
// Valid UTF-8 but not ASCII: a Kubernetes name cannot be this, a file name (attachments, node
// logs) often is.
const std::string kNonAsciiName = "unicode-\u00fcn\u00ef-\u65e5\u672c";

json hostile_scenario(const std::vector<std::string>& names) {
  json objects = json::array();
  objects.push_back({{"apiVersion", "v1"},
                     {"kind", "Namespace"},
                     {"metadata",
                      {{"name", kHostileNs},
                       {"uid", "00000000-0000-4000-8000-000000000001"},
                       {"resourceVersion", "2"},
                       {"creationTimestamp", "2026-02-04T10:00:00Z"}}},
                     {"status", {{"phase", "Active"}}}});
  int index = 0;
  for (const auto& name : names) objects.push_back(pod(name, ++index, true));
  const json chatty = pod("chatty", ++index, true);
  objects.push_back(chatty);

  // 10,000 events for one pod.
  for (int i = 0; i < 10000; ++i) {
    objects.push_back(
        {{"apiVersion", "v1"},
         {"kind", "Event"},
         {"metadata",
          {{"name", "chatty." + std::to_string(1000000 + i)},
           {"namespace", kHostileNs},
           {"uid", "00000000-0000-4000-9000-" + std::to_string(100000000000 + i)},
           {"resourceVersion", std::to_string(10000 + i)},
           {"creationTimestamp", "2026-02-04T10:15:00Z"}}},
         {"involvedObject",
          {{"kind", "Pod"},
           {"namespace", kHostileNs},
           {"name", "chatty"},
           {"uid", chatty["metadata"]["uid"]},
           {"apiVersion", "v1"},
           {"fieldPath", "spec.containers{c}"}}},
         {"reason", i % 2 == 0 ? "BackOff" : "Unhealthy"},
         {"message", "event " + std::to_string(i) + " | pipe \u001b[1mbold\u001b[0m `tick`"},
         {"type", "Warning"},
         {"count", 1},
         {"firstTimestamp", "2026-02-04T10:15:00Z"},
         {"lastTimestamp", "2026-02-04T10:15:00Z"},
         {"eventTime", nullptr},
         {"source", {{"component", "kubelet"}, {"host", "hostile-control-plane"}}},
         {"reportingComponent", "kubelet"},
         {"reportingInstance", "hostile-control-plane"}});
  }

  // A custom resource of 5 MB.
  objects.push_back(
      {{"apiVersion", "apiextensions.k8s.io/v1"},
       {"kind", "CustomResourceDefinition"},
       {"metadata",
        {{"name", "hugethings.example.com"},
         {"uid", "00000000-0000-4000-8000-000000000002"},
         {"resourceVersion", "3"},
         {"creationTimestamp", "2026-02-04T10:00:00Z"}}},
       {"spec",
        {{"group", "example.com"},
         {"scope", "Namespaced"},
         {"names",
          {{"plural", "hugethings"},
           {"singular", "hugething"},
           {"kind", "HugeThing"},
           {"listKind", "HugeThingList"}}},
         {"versions",
          {{{"name", "v1"},
            {"served", true},
            {"storage", true},
            {"schema",
             {{"openAPIV3Schema",
               {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}}}}}}}}},
       {"status",
        {{"conditions", {{{"type", "Established"}, {"status", "True"}}}},
         {"acceptedNames", {{"plural", "hugethings"}, {"kind", "HugeThing"}}},
         {"storedVersions", {"v1"}}}}});
  objects.push_back({{"apiVersion", "example.com/v1"},
                     {"kind", "HugeThing"},
                     {"metadata",
                      {{"name", "big"},
                       {"namespace", kHostileNs},
                       {"uid", "00000000-0000-4000-8000-000000000003"},
                       {"resourceVersion", "4"},
                       {"creationTimestamp", "2026-02-04T10:00:00Z"}}},
                     {"spec", {{"blob", std::string(5 * 1024 * 1024, 'x')}}}});

  json logs = json::array();
  json lines = {
      "2026-02-04T10:14:00.000000001Z \u001b[31mERROR\u001b[0m connect failed | pipe | `tick`",
      "2026-02-04T10:14:00.000000002Z C1 CSI \u009b31m and bidi \u202eevil\u202c and NUL \u0000 "
      "end",
      "2026-02-04T10:14:00.000000003Z panic: boom <script>alert(1)</script> ## heading",
      // The last line: 2 MB without a newline of its own.
      "2026-02-04T10:14:00.000000004Z " + std::string(2 * 1024 * 1024, 'L')};
  logs.push_back({{"namespace", kHostileNs},
                  {"pod", "chatty"},
                  {"container", "c"},
                  {"previous", false},
                  {"lines", lines}});
  logs.push_back({{"namespace", kHostileNs},
                  {"pod", "chatty"},
                  {"container", "c"},
                  {"previous", true},
                  {"lines", lines}});
  for (const auto& name : names) {
    logs.push_back({{"namespace", kHostileNs},
                    {"pod", name},
                    {"container", "c"},
                    {"previous", false},
                    {"lines", {"2026-02-04T10:14:00.000000001Z error: pod " + name + " failed"}}});
  }
  return {{"name", "hostile"}, {"cluster", "hostile"}, {"objects", objects}, {"logs", logs}};
}

}  // namespace

TEST_SUITE("integration") {
  TEST_CASE("hostile server data: no crash, paths stay inside the bundle, REPORT.md intact") {
    TempDir dir;
    const std::string scenario = dir.write("hostile.json", hostile_scenario(kHostileNames).dump());
    FakeApiserverOptions o;
    o.scenarios = {scenario};
    o.cluster_name = "hostile";
    auto api = FakeApiserver::start(o);
    const auto g =
        kmg::reliability::gather(dir, {"--kubeconfig", api.kubeconfig_path(), "--timeout", "120s"},
                                 std::chrono::seconds(240));
    INFO("stderr: ", g.run.err.substr(0, 4000));
    REQUIRE_FALSE(g.run.timed_out);
    CHECK((g.run.exit_code == 0 || g.run.exit_code == 1));
    REQUIRE(g.bundle_exists);

    const auto names = kmg::reliability::tar_entry_names(g.bundle);
    REQUIRE_FALSE(names.empty());
    const std::string top = names.front().substr(0, names.front().find('/'));
    REQUIRE_FALSE(top.empty());
    for (const auto& name : names) {
      INFO("entry: ", name);
      CHECK(name.rfind(top + "/", 0) == 0);
      CHECK(name.front() != '/');
      for (const auto& part : kmg::split(name, '/')) {
        CHECK(part != "..");
        CHECK(part != ".");
      }
    }

    // The hostile objects are in, whatever their names became.
    const std::string cluster = "clusters/kind-hostile/";
    std::size_t pod_files = 0;
    std::size_t biggest_log = 0;
    std::size_t biggest_cr = 0;
    for (const auto& [path, content] : g.files) {
      if (path.rfind(cluster + "namespaces/hostile/pods/", 0) == 0 && path.ends_with("/pod.yaml")) {
        ++pod_files;
      }
      if (path.ends_with(".log")) biggest_log = std::max(biggest_log, content.size());
      if (contains(path, "hugethings")) biggest_cr = std::max(biggest_cr, content.size());
    }
    CHECK(pod_files == kHostileNames.size() + 1);
    CHECK(biggest_log > 2 * 1024 * 1024);
    CHECK(biggest_cr > 5 * 1024 * 1024);
    const auto events = json::parse(g.files.at(cluster + "events.json"), nullptr, false);
    REQUIRE_FALSE(events.is_discarded());
    const auto& items = events.is_array() ? events : events["items"];
    CHECK(items.size() >= 10000);

    CHECK_FALSE(json::parse(g.files.at("report.json"), nullptr, false).is_discarded());
    kmg::reliability::check_markdown_tables(g.report, dir);
  }

  TEST_CASE("an object with a non-ASCII (UTF-8) name does not cost the whole bundle") {
    TempDir dir;
    const std::string scenario =
        dir.write("unicode.json", hostile_scenario({kNonAsciiName}).dump());
    FakeApiserverOptions o;
    o.scenarios = {scenario};
    o.cluster_name = "hostile";
    auto api = FakeApiserver::start(o);
    const auto g =
        kmg::reliability::gather(dir, {"--kubeconfig", api.kubeconfig_path(), "--timeout", "120s"},
                                 std::chrono::seconds(240));
    INFO("stderr: ", g.run.err.substr(0, 4000));
    CHECK(g.run.exit_code != 3);
    REQUIRE(g.bundle_exists);
    CHECK(g.files.count("REPORT.md") == 1);
  }
}
