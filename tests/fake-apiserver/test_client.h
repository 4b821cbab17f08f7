// Test-side HTTPS client of the fake apiserver: trusts its CA and, unless anonymous, presents the
// kubeconfig's admin certificate. Shared by this folder's doctest suites.
#pragma once

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <doctest/doctest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "fake_apiserver_process.h"
#include "util/text.h"

namespace kmg::testing {

inline std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string kubeconfig_field(const std::string& kubeconfig, const std::string& key) {
  const auto pos = kubeconfig.find(key + ": ");
  REQUIRE(pos != std::string::npos);
  const auto start = pos + key.size() + 2;
  return kubeconfig.substr(start, kubeconfig.find('\n', start) - start);
}

// An HTTPS client that trusts the cluster CA and, unless anonymous, presents the admin cert.
struct Client {
  std::unique_ptr<httplib::SSLClient> http;

  Client(const FakeApiserver& api, bool anonymous = false) {
    const std::string kc = read_all(api.kubeconfig_path());
    const std::string ca = api.folder() + "/ca.pem";
    std::ofstream(ca) << kmg::base64_decode(kubeconfig_field(kc, "certificate-authority-data"));
    if (anonymous) {
      http = std::make_unique<httplib::SSLClient>("127.0.0.1", api.port());
    } else {
      const std::string cert = api.folder() + "/client.pem";
      const std::string key = api.folder() + "/client-key.pem";
      std::ofstream(cert) << kmg::base64_decode(kubeconfig_field(kc, "client-certificate-data"));
      std::ofstream(key) << kmg::base64_decode(kubeconfig_field(kc, "client-key-data"));
      http = std::make_unique<httplib::SSLClient>("127.0.0.1", api.port(), cert, key);
    }
    http->set_ca_cert_path(ca.c_str());
    http->enable_server_certificate_verification(true);
    http->set_read_timeout(10);
  }

  httplib::Result get(const std::string& path, const std::string& accept = "application/json") {
    return http->Get(path.c_str(), httplib::Headers{{"Accept", accept}});
  }
  nlohmann::json get_json(const std::string& path, int expected_status = 200,
                          const std::string& accept = "application/json") {
    auto res = get(path, accept);
    REQUIRE(res);
    INFO(path << " -> " << res->body);
    CHECK(res->status == expected_status);
    return nlohmann::json::parse(res->body);
  }
};

}  // namespace kmg::testing
