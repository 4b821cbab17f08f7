#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include "kube/kubeconfig.h"
#include "temp_dir.h"
#include "util/errors.h"
#include "util/text.h"

using kmg::kube::Kubeconfig;
using kmg::kube::KubeconfigEnv;
using kmg::kube::load_kubeconfig;
using kmg::kube::parse_kubeconfig;
using kmg::kube::resolve_context;
using kmg::testing::TempDir;

namespace {

// A kubeconfig with one context `name` -> cluster `name` -> user `name`, the user's fields given.
std::string one_context(const std::string& name, const std::string& server,
                        const std::string& user_fields, bool current = true) {
  std::string y = "apiVersion: v1\nkind: Config\n";
  y += "clusters:\n- name: " + name + "\n  cluster:\n    server: " + server + "\n";
  y += "users:\n- name: " + name + "\n  user:\n" + user_fields;
  y += "contexts:\n- name: " + name + "\n  context:\n    cluster: " + name + "\n    user: " + name +
       "\n";
  if (current) y += "current-context: " + name + "\n";
  return y;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const kmg::Error& e) {
    return e.what();
  }
  return "(no error)";
}

std::string make_script(const TempDir& dir, const std::string& name, const std::string& body) {
  const std::string path = dir.write(name, "#!/bin/sh\n" + body);
  ::chmod(path.c_str(), 0755);
  return path;
}

}  // namespace

TEST_SUITE("kube") {
  TEST_CASE("default paths follow KUBECONFIG, keeping only files that exist") {
    TempDir dir;
    const auto a = dir.write("a.yaml", "");
    const auto b = dir.write("b.yaml", "");
    KubeconfigEnv env;
    env.home = dir.path();
    env.kubeconfig = a + ":" + dir.path() + "/missing.yaml::" + b + ":" + a;
    const auto paths = kmg::kube::default_kubeconfig_paths(env);
    REQUIRE(paths.size() == 2);
    CHECK(paths[0] == a);
    CHECK(paths[1] == b);

    env.kubeconfig.reset();
    const auto home = kmg::kube::default_kubeconfig_paths(env);
    REQUIRE(home.size() == 1);
    CHECK(home[0] == dir.path() + "/.kube/config");
  }

  TEST_CASE("merging two files: the first file wins per name and for current-context") {
    TempDir dir;
    std::string first = one_context("shared", "https://first:6443", "    token: t1\n", false);
    first += "- name: only-first\n  context:\n    cluster: shared\n    user: shared\n";
    first += "current-context: shared\n";
    const auto a = dir.write("a.yaml", first);
    std::string second = one_context("shared", "https://second:6443", "    token: t2\n", false);
    second += "- name: only-second\n  context:\n    cluster: shared\n    user: shared\n";
    second += "current-context: only-second\n";
    const auto b = dir.write("b.yaml", second);
    // The second file's current-context must not replace the first's.
    const auto c = dir.write("c.yaml", "current-context: only-second\n");

    const Kubeconfig config = load_kubeconfig({a, b, c});
    CHECK(config.files.size() == 3);
    CHECK(config.current_context == "shared");
    CHECK(config.contexts.count("only-first") == 1);
    CHECK(config.contexts.count("only-second") == 1);
    CHECK(config.clusters.at("shared").file == a);

    const auto rest = resolve_context(config);
    CHECK(rest.context == "shared");
    CHECK(rest.server == "https://first:6443");
    CHECK(rest.token == "t1");
    CHECK(rest.source == a);

    // current-context comes from the first file that sets one.
    const Kubeconfig later = load_kubeconfig({c, a});
    CHECK(later.current_context == "only-second");
  }

  TEST_CASE("cluster fields: CA from data and from a relative file, TLS name, proxy, insecure") {
    TempDir dir;
    dir.write("sub/certs/ca.pem", "CA FROM FILE");
    const auto path = dir.write("sub/config", R"(clusters:
- name: file-ca
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority: certs/ca.pem
    tls-server-name: kubernetes.default
    proxy-url: socks5://proxy:1080
- name: data-ca
  cluster:
    server: https://10.0.0.2:6443
    certificate-authority-data: )" + kmg::base64_encode("CA FROM DATA") +
                                                  R"(
- name: insecure
  cluster:
    server: https://10.0.0.3:6443
    insecure-skip-tls-verify: true
contexts:
- {name: a, context: {cluster: file-ca}}
- {name: b, context: {cluster: data-ca}}
- {name: c, context: {cluster: insecure}}
)");
    const auto config = load_kubeconfig({path});
    const auto a = resolve_context(config, "a");
    CHECK(a.ca_pem == "CA FROM FILE");
    CHECK(a.tls_server_name == "kubernetes.default");
    CHECK(a.proxy_url == "socks5://proxy:1080");
    CHECK_FALSE(a.insecure_skip_tls_verify);
    CHECK_FALSE(a.has_credentials());
    const auto b = resolve_context(config, "b");
    CHECK(b.ca_pem == "CA FROM DATA");
    CHECK(b.server == "https://10.0.0.2:6443");
    const auto c = resolve_context(config, "c");
    CHECK(c.insecure_skip_tls_verify);
    CHECK(c.ca_pem.empty());
  }

  TEST_CASE("user credentials: client cert/key as data and as relative files") {
    TempDir dir;
    dir.write("conf/pki/client.crt", "CERT FILE");
    dir.write("conf/pki/client.key", "KEY FILE");
    const auto files = dir.write(
        "conf/files.yaml", one_context("x", "https://h:1", R"(    client-certificate: pki/client.crt
    client-key: pki/client.key
)"));
    auto rest = resolve_context(load_kubeconfig({files}));
    CHECK(rest.client_cert_pem == "CERT FILE");
    CHECK(rest.client_key_pem == "KEY FILE");
    CHECK(rest.has_credentials());

    const auto data = parse_kubeconfig(
        one_context("y", "https://h:1",
                    "    client-certificate-data: " + kmg::base64_encode("CERT DATA") +
                        "\n    client-key-data: " + kmg::base64_encode("KEY DATA") + "\n"),
        "admin.conf of node");
    rest = resolve_context(data);
    CHECK(rest.client_cert_pem == "CERT DATA");
    CHECK(rest.client_key_pem == "KEY DATA");
    CHECK(rest.source == "admin.conf of node");
  }

  TEST_CASE("user credentials: token, tokenFile (trimmed, relative) and basic auth") {
    TempDir dir;
    dir.write("tokens/sa", "  file-token\n");
    const auto path = dir.write("config", R"(clusters:
- {name: c, cluster: {server: "https://h:1"}}
users:
- {name: inline, user: {token: inline-token, tokenFile: tokens/sa}}
- {name: file, user: {tokenFile: tokens/sa}}
- {name: basic, user: {username: admin, password: s3cret}}
contexts:
- {name: inline, context: {cluster: c, user: inline}}
- {name: file, context: {cluster: c, user: file}}
- {name: basic, context: {cluster: c, user: basic}}
)");
    const auto config = load_kubeconfig({path});
    CHECK(resolve_context(config, "inline").token == "inline-token");
    CHECK(resolve_context(config, "file").token == "file-token");
    const auto basic = resolve_context(config, "basic");
    CHECK(basic.username == "admin");
    CHECK(basic.password == "s3cret");
    CHECK(basic.token.empty());
    CHECK(basic.has_credentials());
  }

  TEST_CASE("exec plugin: args, env and KUBERNETES_EXEC_INFO as kubectl passes them") {
    TempDir dir;
    make_script(dir, "bin/plugin", R"(printf '%s' "$KUBERNETES_EXEC_INFO" > "$INFO_FILE"
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"tok-%s-%s"}}' "$1" "$MY_VAR"
)");
    const std::string info = dir.path() + "/info.json";
    const auto path = dir.write("config", one_context("e", "https://h:1", R"(    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./bin/plugin
      args: [first]
      env:
      - {name: MY_VAR, value: from-env}
      - {name: INFO_FILE, value: )" + info + R"(}
      interactiveMode: Never
      provideClusterInfo: true
)"));
    const auto rest = resolve_context(load_kubeconfig({path}));
    CHECK(rest.token == "tok-first-from-env");

    const auto exec_info = nlohmann::json::parse(kmg::testing::read_file(info));
    CHECK(exec_info["apiVersion"] == "client.authentication.k8s.io/v1");
    CHECK(exec_info["kind"] == "ExecCredential");
    CHECK(exec_info["spec"]["interactive"] == false);
    CHECK(exec_info["spec"]["cluster"]["server"] == "https://h:1");
  }

  TEST_CASE("exec plugin: client certificate credential (v1beta1)") {
    TempDir dir;
    const auto script = make_script(dir, "plugin.sh", R"(cat <<'JSON'
{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential",
 "status":{"clientCertificateData":"-----CERT-----","clientKeyData":"-----KEY-----"}}
JSON
)");
    const auto path = dir.write("config", one_context("e", "https://h:1",
                                                      "    exec:\n      apiVersion: "
                                                      "client.authentication.k8s.io/v1beta1\n"
                                                      "      command: " +
                                                          script + "\n"));
    const auto rest = resolve_context(load_kubeconfig({path}));
    CHECK(rest.client_cert_pem == "-----CERT-----");
    CHECK(rest.client_key_pem == "-----KEY-----");
    CHECK(rest.token.empty());
  }

  TEST_CASE("exec plugin failures name the file, the user, the exit code and stderr") {
    TempDir dir;
    const auto failing = make_script(dir, "fail.sh", "echo 'boom: no credentials' >&2\nexit 3\n");
    const auto slow = make_script(dir, "slow.sh", "exec sleep 5\n");
    const auto garbage = make_script(dir, "garbage.sh", "echo not json\n");
    auto config_for = [&](const std::string& command) {
      return dir.write("config", one_context("e", "https://h:1",
                                             "    exec:\n      apiVersion: "
                                             "client.authentication.k8s.io/v1\n      command: " +
                                                 command + "\n"));
    };

    auto path = config_for(failing);
    auto msg = error_of([&] { resolve_context(load_kubeconfig({path})); });
    CHECK(msg.find("kubeconfig " + path) == 0);
    CHECK(msg.find("users[\"e\"].exec") != std::string::npos);
    CHECK(msg.find("exit code 3") != std::string::npos);
    CHECK(msg.find("boom: no credentials") != std::string::npos);

    path = config_for(slow);
    kmg::kube::ResolveOptions fast;
    fast.exec_timeout = std::chrono::milliseconds(200);
    msg = error_of([&] { resolve_context(load_kubeconfig({path}), "", fast); });
    CHECK(msg.find("timed out") != std::string::npos);

    path = config_for(garbage);
    msg = error_of([&] { resolve_context(load_kubeconfig({path})); });
    CHECK(msg.find("invalid JSON") != std::string::npos);

    path = config_for(dir.path() + "/does-not-exist");
    msg = error_of([&] { resolve_context(load_kubeconfig({path})); });
    CHECK(msg.find("could not be started") != std::string::npos);
  }

  TEST_CASE("bad inputs give one error naming the file and the field") {
    TempDir dir;
    const std::string missing = dir.path() + "/nope.yaml";
    auto msg = error_of([&] { load_kubeconfig({missing}, false); });
    CHECK(msg == "kubeconfig " + missing + ": file not found");
    // Missing KUBECONFIG entries are skipped, as kubectl does.
    CHECK(load_kubeconfig({missing}, true).files.empty());

    const auto bad_yaml = dir.write("bad.yaml", "clusters:\n- name: a\n  cluster: [unclosed\n");
    msg = error_of([&] { load_kubeconfig({bad_yaml}); });
    CHECK(msg.find("kubeconfig " + bad_yaml + ": invalid YAML at line ") == 0);

    const auto bad_b64 = dir.write("b64.yaml", one_context("u", "https://h:1",
                                                           "    client-certificate-data: "
                                                           "Zm9v\n    client-key-data: '***'\n"));
    msg = error_of([&] { resolve_context(load_kubeconfig({bad_b64})); });
    CHECK(msg == "kubeconfig " + bad_b64 + ": users[\"u\"].client-key-data: invalid base64");

    const auto ok = dir.write("ok.yaml", one_context("u", "https://h:1", "    token: t\n"));
    msg = error_of([&] { resolve_context(load_kubeconfig({ok}), "other"); });
    CHECK(msg == "kubeconfig " + ok + ": context \"other\" not found");

    const auto dangling = dir.write("dangling.yaml", R"(clusters: []
users: []
contexts:
- {name: d, context: {cluster: ghost, user: nobody}}
- {name: u, context: {cluster: real, user: nobody}}
)");
    msg = error_of([&] { resolve_context(load_kubeconfig({dangling}), "d"); });
    CHECK(msg ==
          "kubeconfig " + dangling + ": contexts[\"d\"].cluster: cluster \"ghost\" not found");

    const auto no_server = dir.write("noserver.yaml", one_context("s", "\"\"", "    token: t\n"));
    msg = error_of([&] { resolve_context(load_kubeconfig({no_server})); });
    CHECK(msg == "kubeconfig " + no_server + ": clusters[\"s\"].server: missing");

    const auto missing_cert =
        dir.write("cert.yaml", one_context("m", "https://h:1",
                                           "    client-certificate: gone.crt\n"
                                           "    client-key: gone.key\n"));
    msg = error_of([&] { resolve_context(load_kubeconfig({missing_cert})); });
    CHECK(msg.find("kubeconfig " + missing_cert +
                   ": users[\"m\"].client-certificate: cannot read " + dir.path() + "/gone.crt") ==
          0);

    msg = error_of([&] { resolve_context(Kubeconfig{}); });
    CHECK(msg.find("current-context is not set") != std::string::npos);
  }

  TEST_CASE("a context naming an unknown user is an error, one with no user is anonymous") {
    const auto config = parse_kubeconfig(R"(clusters:
- {name: c, cluster: {server: "https://h:1"}}
contexts:
- {name: ghost-user, context: {cluster: c, user: nobody}}
- {name: anonymous, context: {cluster: c}}
)",
                                         "mem");
    CHECK(error_of([&] { resolve_context(config, "ghost-user"); }) ==
          "kubeconfig mem: contexts[\"ghost-user\"].user: user \"nobody\" not found");
    const auto anon = resolve_context(config, "anonymous");
    CHECK_FALSE(anon.has_credentials());
    CHECK(anon.server == "https://h:1");
  }
}
