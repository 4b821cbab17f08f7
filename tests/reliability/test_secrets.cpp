// Planted secrets: markers in Secrets, env values, ConfigMaps, logs and the kubeconfig itself.
// The whole bundle is decompressed and every file (content and path) is searched for every marker.
#include <doctest/doctest.h>

#include "fake_apiserver_process.h"
#include "fixture.h"
#include "util/text.h"

namespace {

using kmg::reliability::contains;
using kmg::reliability::Gathered;
using kmg::testing::FakeApiserver;
using kmg::testing::FakeApiserverOptions;
using kmg::testing::TempDir;
using nlohmann::json;

constexpr const char* kNs = "secrets-test";
constexpr const char* kLastApplied = "kubectl.kubernetes.io/last-applied-configuration";

// Values of a Secret: never collected, with or without --no-redact.
const std::vector<std::string> kSecretValues = {"RELSEC-SECRET-DATA-1a2b",
                                                "RELSEC-SECRET-STRINGDATA-3c4d"};
// Env values of the pod and Deployment (and the seed's), masked by redaction.
const std::vector<std::string> kEnvMarkers = {"RELSEC-ENV-PASSWORD-5e6f", "RELSEC-ENV-TOKEN-7a8b",
                                              "RELSEC-ENV-AWSSECRET-2b3c",
                                              "SEED-ENV-PASSWORD-88e1"};
// ConfigMap values masked by redaction.
const std::vector<std::string> kConfig = {"RELSEC-CM-PASSWORD-9c0d", "RELSEC-CM-TOKEN-1e2f"};
// Markers in logs: masked by default, present with --no-redact.
const std::vector<std::string> kLogMarkers = {
    "RELSEC-LOG-BEARER-3a4b", "RELSEC-LOG-PASSWORD-5c6d", "RELSEC-LOG-BASICAUTH-7e8f",
    "RELSECPEMKEY9a0b",       "RELSECJWTSIG1c2d",         "AKIARELSECAWSK3E4F5G",
    "RELSEC-LOG-JSONPW-8c9d"};
// The seed scenario's own markers (tests/scenarios/README.md).
const std::vector<std::string> kSeedMarkers = {"SEED-SECRET-VALUE-7f3a9", "SEED-CM-TOKEN-c41d",
                                               "SEED-LOG-BEARER-d00d"};

json meta(const std::string& name, int n) {
  return {{"name", name},
          {"namespace", kNs},
          {"uid", "00000000-0000-4000-a000-" + std::to_string(100000000000 + n)},
          {"resourceVersion", std::to_string(500 + n)},
          {"creationTimestamp", "2026-02-04T10:10:00Z"},
          {"labels", {{"app", "leaky"}}}};
}

json env() {
  return {{{"name", "DB_PASSWORD"}, {"value", "RELSEC-ENV-PASSWORD-5e6f"}},
          {{"name", "API_TOKEN"}, {"value", "RELSEC-ENV-TOKEN-7a8b"}},
          {{"name", "AWS_SECRET_ACCESS_KEY"}, {"value", "RELSEC-ENV-AWSSECRET-2b3c"}},
          {{"name", "FROM_SECRET"},
           {"valueFrom", {{"secretKeyRef", {{"name", "app-secret"}, {"key", "password"}}}}}}};
}

json leaky_scenario() {
  json objects = json::array();
  objects.push_back({{"apiVersion", "v1"},
                     {"kind", "Namespace"},
                     {"metadata",
                      {{"name", kNs},
                       {"uid", "00000000-0000-4000-a000-000000000001"},
                       {"resourceVersion", "400"},
                       {"creationTimestamp", "2026-02-04T10:00:00Z"}}},
                     {"status", {{"phase", "Active"}}}});

  const json applied_secret = {
      {"apiVersion", "v1"},
      {"kind", "Secret"},
      {"metadata", {{"name", "app-secret"}, {"namespace", kNs}}},
      {"data", {{"password", kmg::base64_encode("RELSEC-SECRET-DATA-1a2b")}}},
      {"stringData", {{"token", "RELSEC-SECRET-STRINGDATA-3c4d"}}}};
  json secret = {{"apiVersion", "v1"},
                 {"kind", "Secret"},
                 {"metadata", meta("app-secret", 1)},
                 {"type", "Opaque"},
                 {"data",
                  {{"password", kmg::base64_encode("RELSEC-SECRET-DATA-1a2b")},
                   {"token", kmg::base64_encode("RELSEC-SECRET-STRINGDATA-3c4d")}}}};
  secret["metadata"]["annotations"] = {
      {"kubectl.kubernetes.io/last-applied-configuration", applied_secret.dump() + "\n"}};
  objects.push_back(secret);

  json cm = {
      {"apiVersion", "v1"},
      {"kind", "ConfigMap"},
      {"metadata", meta("app-config", 2)},
      {"data",
       {{"app.conf",
         "listen=:8080\npassword=RELSEC-CM-PASSWORD-9c0d\napi_token=RELSEC-CM-TOKEN-1e2f\n"}}}};
  objects.push_back(cm);

  const json container = {
      {"name", "app"}, {"image", "docker.io/library/busybox:1.36"}, {"env", env()}};
  json deployment = {{"apiVersion", "apps/v1"},
                     {"kind", "Deployment"},
                     {"metadata", meta("leaky", 3)},
                     {"spec",
                      {{"replicas", 1},
                       {"selector", {{"matchLabels", {{"app", "leaky"}}}}},
                       {"template",
                        {{"metadata", {{"labels", {{"app", "leaky"}}}}},
                         {"spec", {{"containers", {container}}}}}}}},
                     {"status", {{"replicas", 1}, {"readyReplicas", 1}}}};
  json applied_deployment = deployment;
  applied_deployment.erase("status");
  applied_deployment["metadata"] = {{"name", "leaky"}, {"namespace", kNs}};
  deployment["metadata"]["annotations"] = {
      {"kubectl.kubernetes.io/last-applied-configuration", applied_deployment.dump() + "\n"}};
  objects.push_back(deployment);

  objects.push_back({{"apiVersion", "v1"},
                     {"kind", "Pod"},
                     {"metadata", meta("leaky-0", 4)},
                     {"spec", {{"nodeName", "gateway-e2e-worker"}, {"containers", {container}}}},
                     {"status",
                      {{"phase", "Running"},
                       {"conditions", {{{"type", "Ready"}, {"status", "True"}}}},
                       {"containerStatuses",
                        {{{"name", "app"},
                          {"ready", true},
                          {"restartCount", 0},
                          {"image", "docker.io/library/busybox:1.36"},
                          {"imageID", "docker.io/library/busybox@sha256:0123"},
                          {"containerID", "containerd://abc"},
                          {"started", true},
                          {"state", {{"running", {{"startedAt", "2026-02-04T10:11:00Z"}}}}}}}}}}});

  const std::string t = "2026-02-04T10:12:00.0000000";
  json lines = {
      t + "01Z GET /api header=\"Authorization: Bearer RELSEC-LOG-BEARER-3a4b\"",
      t + "02Z login with password=RELSEC-LOG-PASSWORD-5c6d",
      t + "03Z connecting to https://admin:RELSEC-LOG-BASICAUTH-7e8f@db.example.com:5432/app",
      t + "04Z -----BEGIN RSA PRIVATE KEY-----",
      t + "05Z MIIEvQIBADANRELSECPEMKEY9a0bBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7",
      t + "06Z -----END RSA PRIVATE KEY-----",
      t + "07Z token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJyZWxzZWMifQ.RELSECJWTSIG1c2d",
      t + "08Z using AWS key AKIARELSECAWSK3E4F5G for s3",
      t + "09Z {\"level\":\"info\",\"password\":\"RELSEC-LOG-JSONPW-8c9d\",\"msg\":\"config\"}"};
  json logs = json::array();
  logs.push_back({{"namespace", kNs}, {"pod", "leaky-0"}, {"container", "app"}, {"lines", lines}});
  return {{"name", "leaky"}, {"objects", objects}, {"logs", logs}};
}

// Every marker (and the base64 form of each Secret value) that appears anywhere in the bundle:
// file contents and paths.
std::vector<std::string> found_markers(const Gathered& g, const std::vector<std::string>& markers,
                                       bool skip_last_applied = false) {
  std::vector<std::string> found;
  for (const auto& marker : markers) {
    for (const auto& [path, content] : g.files) {
      if (skip_last_applied && contains(content, kLastApplied)) continue;
      if (contains(content, marker) || contains(path, marker)) {
        found.push_back(marker + " in " + path);
        break;
      }
    }
  }
  return found;
}

std::vector<std::string> with_base64(const std::vector<std::string>& values) {
  std::vector<std::string> out = values;
  for (const auto& v : values) out.push_back(kmg::base64_encode(v));
  return out;
}

struct LeakyCluster {
  TempDir dir;
  FakeApiserver api;
  std::vector<std::string> kubeconfig_secrets;  // the client key, base64 and its PEM body lines

  LeakyCluster() : api(start(dir)) {
    const std::string kc = kmg::testing::read_file(api.kubeconfig_path());
    const std::string key_b64 = kmg::reliability::kubeconfig_field(kc, "client-key-data");
    REQUIRE_FALSE(key_b64.empty());
    kubeconfig_secrets.push_back(key_b64);
    for (const auto& line : kmg::split(kmg::base64_decode(key_b64), '\n')) {
      if (line.size() >= 40 && line.find("-----") == std::string::npos) {
        kubeconfig_secrets.push_back(line);
      }
    }
    REQUIRE(kubeconfig_secrets.size() >= 2);
  }

  static FakeApiserver start(const TempDir& dir) {
    FakeApiserverOptions o;
    o.scenarios = {kmg::reliability::seed_scenario(),
                   dir.write("leaky.json", leaky_scenario().dump())};
    o.cluster_name = "gateway-e2e";
    return FakeApiserver::start(o);
  }
};

}  // namespace

TEST_SUITE("integration") {
  TEST_CASE("redaction on: no planted marker appears anywhere in the bundle") {
    LeakyCluster cluster;
    const auto g = kmg::reliability::gather(
        cluster.dir, {"--kubeconfig", cluster.api.kubeconfig_path(), "--timeout", "120s"});
    INFO("stderr: ", g.run.err);
    REQUIRE(g.bundle_exists);
    REQUIRE(g.run.exit_code == 0);
    // The markers' objects were gathered: a pod log and the ConfigMap are there.
    const std::string ns_dir =
        std::string("clusters/") + kmg::reliability::kSeedCluster + "/namespaces/" + kNs;
    CHECK(g.files.count(ns_dir + "/pods/leaky-0/logs/app.log") == 1);
    CHECK(g.files.count(ns_dir + "/core/configmaps/app-config.yaml") == 1);

    std::vector<std::string> markers = with_base64(kSecretValues);
    markers.insert(markers.end(), kConfig.begin(), kConfig.end());
    markers.insert(markers.end(), kLogMarkers.begin(), kLogMarkers.end());
    markers.insert(markers.end(), kSeedMarkers.begin(), kSeedMarkers.end());
    markers.push_back(kmg::base64_encode("SEED-SECRET-VALUE-7f3a9"));
    markers.insert(markers.end(), cluster.kubeconfig_secrets.begin(),
                   cluster.kubeconfig_secrets.end());
    for (const auto& leak : found_markers(g, markers)) FAIL_CHECK("leaked: ", leak);
    // Env values: in pod specs, templates and lists, except inside a last-applied annotation
    // (checked by the next test case, a known gap).
    for (const auto& leak : found_markers(g, kEnvMarkers, true)) FAIL_CHECK("leaked: ", leak);

    // REPORT.md says redaction was on and how many values it masked (as the manifest counts).
    const auto masked = g.manifest["redaction"].value("masked", 0);
    CHECK(g.manifest["redaction"].value("enabled", false));
    CHECK(masked > 0);
    CHECK(
        contains(g.report, "Redaction was on: " + std::to_string(masked) + " values were masked"));
  }

  TEST_CASE("--no-redact: log markers appear, Secret values and the client key still never do") {
    LeakyCluster cluster;
    const auto g = kmg::reliability::gather(
        cluster.dir,
        {"--kubeconfig", cluster.api.kubeconfig_path(), "--timeout", "120s", "--no-redact"});
    INFO("stderr: ", g.run.err);
    REQUIRE(g.bundle_exists);
    REQUIRE(g.run.exit_code == 0);
    CHECK_FALSE(g.manifest["redaction"].value("enabled", true));

    const auto present = found_markers(g, kLogMarkers);
    CHECK(present.size() == kLogMarkers.size());
    CHECK(found_markers(g, {"SEED-LOG-BEARER-d00d"}).size() == 1);

    std::vector<std::string> never = with_base64(kSecretValues);
    never.push_back("SEED-SECRET-VALUE-7f3a9");
    never.push_back(kmg::base64_encode("SEED-SECRET-VALUE-7f3a9"));
    never.insert(never.end(), cluster.kubeconfig_secrets.begin(), cluster.kubeconfig_secrets.end());
    for (const auto& leak : found_markers(g, never)) FAIL_CHECK("leaked: ", leak);
  }

  TEST_CASE("redaction on: env values inside last-applied-configuration are masked too") {
    LeakyCluster cluster;
    const auto g = kmg::reliability::gather(
        cluster.dir, {"--kubeconfig", cluster.api.kubeconfig_path(), "--timeout", "120s"});
    REQUIRE(g.bundle_exists);
    for (const auto& leak : found_markers(g, kEnvMarkers)) FAIL_CHECK("leaked: ", leak);
  }
}
