#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "util/yaml_emit.h"

namespace {

// Reads YAML back with yaml-cpp and converts to JSON-ish for comparison: proves the emitted text
// means what the JSON meant.
nlohmann::json from_yaml(const YAML::Node& n) {
  if (n.IsMap()) {
    nlohmann::json o = nlohmann::json::object();
    for (const auto& kv : n) o[kv.first.as<std::string>()] = from_yaml(kv.second);
    return o;
  }
  if (n.IsSequence()) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& item : n) a.push_back(from_yaml(item));
    return a;
  }
  if (n.IsNull()) return nullptr;
  return n.as<std::string>();
}

// JSON with every scalar turned into its string form, like from_yaml sees it.
nlohmann::json stringify(const nlohmann::json& j) {
  if (j.is_object()) {
    nlohmann::json o = nlohmann::json::object();
    for (auto it = j.begin(); it != j.end(); ++it) o[it.key()] = stringify(it.value());
    return o;
  }
  if (j.is_array()) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& x : j) a.push_back(stringify(x));
    return a;
  }
  if (j.is_null()) return nullptr;
  if (j.is_string()) return j;
  return j.dump();
}

}  // namespace

TEST_SUITE("util::yaml_emit") {
  TEST_CASE("emits kubectl-style block YAML") {
    const auto pod = nlohmann::json::parse(R"({"apiVersion":"v1","kind":"Pod",
      "metadata":{"name":"web","labels":{"app":"web"}},
      "spec":{"containers":[{"name":"app","image":"nginx:1.25","ports":[{"containerPort":80}]}]}})");
    const std::string expected =
        "apiVersion: v1\n"
        "kind: Pod\n"
        "metadata:\n"
        "  labels:\n"
        "    app: web\n"
        "  name: web\n"
        "spec:\n"
        "  containers:\n"
        "  - image: nginx:1.25\n"
        "    name: app\n"
        "    ports:\n"
        "    - containerPort: 80\n";
    CHECK(kmg::to_yaml(pod) == expected);
  }

  TEST_CASE("strings YAML would misread are quoted and round-trip") {
    const auto doc = nlohmann::json::parse(R"({"a":"true","b":"123","c":"","d":"x: y","e":"- item",
      "f":" lead","g":"tab\there","h":"#comment","i":"null","j":"1.5e3","k":"plain text",
      "l":"ünïcödé","m":[],"n":{},"o":null,"p":[[1,2],{"q":"r"}]})");
    const auto yaml = kmg::to_yaml(doc);
    CHECK(yaml.find("a: \"true\"") != std::string::npos);
    CHECK(yaml.find("b: \"123\"") != std::string::npos);
    CHECK(yaml.find("k: plain text") != std::string::npos);
    CHECK(from_yaml(YAML::Load(yaml)) == stringify(doc));
  }

  TEST_CASE("multi-line strings become literal blocks that round-trip") {
    const auto doc = nlohmann::json::parse(R"({"config":"line one\nline two\n\nline four\n",
      "nofinal":"a\nb","trailing_space":"a \nb"})");
    const auto yaml = kmg::to_yaml(doc);
    CHECK(yaml.find("config: |\n  line one\n  line two\n\n  line four\n") != std::string::npos);
    CHECK(yaml.find("nofinal: |-\n") != std::string::npos);
    CHECK(from_yaml(YAML::Load(yaml)) == stringify(doc));
  }
}
