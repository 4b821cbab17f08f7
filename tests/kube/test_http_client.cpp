#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kube/http_client.h"
#include "temp_dir.h"
#include "tls_certs.h"
#include "util/deadline.h"

using kmg::kube::CurlKubeApi;
using kmg::kube::HttpOptions;
using kmg::kube::RestConfig;
using namespace std::chrono_literals;

namespace {

// Runs an httplib server on a free loopback port for the life of the object.
class RunningServer {
 public:
  explicit RunningServer(std::unique_ptr<httplib::Server> server) : server_(std::move(server)) {
    port_ = server_->bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    for (int i = 0; i < 500 && !server_->is_running(); ++i) std::this_thread::sleep_for(2ms);
  }
  ~RunningServer() {
    server_->stop();
    thread_.join();
  }
  RunningServer(const RunningServer&) = delete;
  RunningServer& operator=(const RunningServer&) = delete;
  int port() const { return port_; }

 private:
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::thread thread_;
};

// A handler that hangs until released (or 10 s pass), so the client's timeouts are what end it.
class Gate {
 public:
  void wait() {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, 10s, [this] { return open_; });
  }
  void open() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = false;
};

const char* kNotFound =
    R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"pods"},"code":404})";

RestConfig plain_config(int port) {
  RestConfig c;
  c.server = "http://127.0.0.1:" + std::to_string(port);
  return c;
}

int unused_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

std::string peer_common_name(const httplib::Request& req) {
  if (req.ssl == nullptr) return "(no tls)";
  X509* peer = SSL_get1_peer_certificate(req.ssl);
  if (peer == nullptr) return "(no client certificate)";
  char cn[256] = {0};
  X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof cn);
  X509_free(peer);
  return cn;
}

}  // namespace

TEST_SUITE("kube") {
  TEST_CASE("CurlKubeApi: GET body, lower-cased headers, Accept and bearer token sent") {
    auto server = std::make_unique<httplib::Server>();
    std::string seen_auth;
    std::string seen_accept;
    server->Get("/api/v1/namespaces/default/pods",
                [&](const httplib::Request& req, httplib::Response& res) {
                  seen_auth = req.get_header_value("Authorization");
                  seen_accept = req.get_header_value("Accept");
                  res.set_header("X-Kubernetes-PF-FlowSchema-UID", "abc");
                  res.set_content(R"({"kind":"PodList","items":[]})" + req.get_param_value("limit"),
                                  "application/json");
                });
    RunningServer running(std::move(server));
    RestConfig config = plain_config(running.port());
    config.token = "secret-token";
    CurlKubeApi api(config, HttpOptions{});
    CHECK(api.endpoint() == config.server);

    const auto r = api.get("/api/v1/namespaces/default/pods?limit=7");
    CHECK(r.ok());
    CHECK(r.status == 200);
    CHECK(r.body == R"({"kind":"PodList","items":[]}7)");
    CHECK(r.bytes == r.body.size());
    CHECK(r.headers.at("x-kubernetes-pf-flowschema-uid") == "abc");
    CHECK(r.headers.at("content-type") == "application/json");
    CHECK(seen_auth == "Bearer secret-token");
    CHECK(seen_accept == "application/json");
  }

  TEST_CASE("CurlKubeApi: basic auth, 404 Status parsed, error body kept by stream") {
    auto server = std::make_unique<httplib::Server>();
    std::string seen_auth;
    server->Get("/api/v1/namespaces/default/pods/x",
                [&](const httplib::Request& req, httplib::Response& res) {
                  seen_auth = req.get_header_value("Authorization");
                  res.status = 404;
                  res.set_content(kNotFound, "application/json");
                });
    RunningServer running(std::move(server));
    RestConfig config = plain_config(running.port());
    config.username = "admin";
    config.password = "pw";
    CurlKubeApi api(config, HttpOptions{});

    const auto r = api.get("/api/v1/namespaces/default/pods/x");
    CHECK_FALSE(r.ok());
    CHECK(r.status == 404);
    CHECK(r.describe() == "404 NotFound: pods \"x\" not found");
    CHECK(seen_auth == "Basic YWRtaW46cHc=");

    int chunks = 0;
    const auto s = api.stream("/api/v1/namespaces/default/pods/x", [&](std::string_view) {
      ++chunks;
      return true;
    });
    CHECK(chunks == 0);
    CHECK(s.status == 404);
    CHECK(s.body == kNotFound);
    CHECK(s.describe() == "404 NotFound: pods \"x\" not found");
  }

  TEST_CASE("CurlKubeApi: stream hands chunks over as they arrive, and the sink can stop it") {
    auto server = std::make_unique<httplib::Server>();
    std::promise<void> first_seen;
    auto first_seen_future = first_seen.get_future().share();
    std::atomic<bool> client_had_first_chunk{false};
    server->Get("/log", [&](const httplib::Request&, httplib::Response& res) {
      res.set_chunked_content_provider(
          "application/octet-stream", [&](size_t, httplib::DataSink& sink) {
            sink.write("first chunk\n", 12);
            // The second chunk is only written once the client has the first: a client that
            // buffered the body would never see it before the end.
            client_had_first_chunk = first_seen_future.wait_for(5s) == std::future_status::ready;
            sink.write("second chunk\n", 13);
            sink.done();
            return true;
          });
    });
    server->Get("/endless", [&](const httplib::Request&, httplib::Response& res) {
      res.set_chunked_content_provider("application/octet-stream",
                                       [](size_t, httplib::DataSink& sink) {
                                         std::this_thread::sleep_for(1ms);
                                         return sink.write("more\n", 5);
                                       });
    });
    RunningServer running(std::move(server));
    CurlKubeApi api(plain_config(running.port()), HttpOptions{});

    std::vector<std::string> chunks;
    const auto r = api.stream("/log", [&](std::string_view c) {
      if (chunks.empty()) first_seen.set_value();
      chunks.emplace_back(c);
      return true;
    });
    CHECK(r.ok());
    CHECK(r.body.empty());
    CHECK(client_had_first_chunk.load());
    REQUIRE(chunks.size() >= 2);
    std::string all;
    for (const auto& c : chunks) all += c;
    CHECK(all == "first chunk\nsecond chunk\n");
    CHECK(r.bytes == all.size());

    std::size_t received = 0;
    const auto stopped = api.stream("/endless", [&](std::string_view c) {
      received += c.size();
      return received < 50;
    });
    CHECK(stopped.error == "aborted by receiver");
    CHECK(received >= 50);
  }

  TEST_CASE("CurlKubeApi: a hanging server times out, a cancelled deadline aborts") {
    auto server = std::make_unique<httplib::Server>();
    Gate gate;
    server->Get("/hang", [&](const httplib::Request&, httplib::Response& res) {
      gate.wait();
      res.set_content("late", "text/plain");
    });
    RunningServer running(std::move(server));

    HttpOptions quick;
    quick.request_timeout = 300ms;
    CurlKubeApi api(plain_config(running.port()), quick);
    const auto r = api.get("/hang");
    CHECK_FALSE(r.ok());
    CHECK(r.status == 0);
    CHECK(r.error.find("timed out") != std::string::npos);
    CHECK_FALSE(r.transient);

    kmg::Deadline deadline(std::chrono::hours(1));
    HttpOptions with_deadline;
    with_deadline.deadline = &deadline;
    CurlKubeApi cancellable(plain_config(running.port()), with_deadline);
    std::thread canceller([&] {
      std::this_thread::sleep_for(200ms);
      deadline.cancel();
    });
    const auto c = cancellable.get("/hang");
    canceller.join();
    CHECK(c.error == "cancelled");
    // Once cancelled, nothing more is even sent.
    CHECK(cancellable.get("/hang").error == "cancelled");
    gate.open();
  }

  TEST_CASE("CurlKubeApi: connection refused is a transient transport error") {
    // A port that was free a moment ago and has nobody listening now.
    const int port = unused_port();
    REQUIRE(port > 0);
    CurlKubeApi api(plain_config(port), HttpOptions{});
    const auto r = api.get("/version");
    CHECK(r.status == 0);
    CHECK_FALSE(r.error.empty());
    CHECK(r.transient);
    CHECK(r.describe() == r.error);
  }

  TEST_CASE("CurlKubeApi: one client used from many threads at once") {
    auto server = std::make_unique<httplib::Server>();
    server->Get(R"(/api/v1/namespaces/(\d+))", [](const httplib::Request& req,
                                                  httplib::Response& res) {
      res.set_content(R"({"name":")" + std::string(req.matches[1]) + R"("})", "application/json");
    });
    RunningServer running(std::move(server));
    CurlKubeApi api(plain_config(running.port()), HttpOptions{});
    std::atomic<int> good{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 10; ++i) {
          const std::string n = std::to_string(t * 100 + i);
          const auto r = api.get("/api/v1/namespaces/" + n);
          if (r.ok() && r.body == R"({"name":")" + n + R"("})") ++good;
        }
      });
    }
    for (auto& th : threads) th.join();
    CHECK(good.load() == 60);
  }

  TEST_CASE("CurlKubeApi over TLS: CA from memory, tls-server-name, client certificate auth") {
    const auto pki = kmg::testing::make_test_pki();
    kmg::testing::TempDir dir;
    const auto cert = dir.write("server.crt", pki.server_cert);
    const auto key = dir.write("server.key", pki.server_key);
    const auto ca = dir.write("ca.crt", pki.ca_cert);
    auto mtls = std::make_unique<httplib::SSLServer>(cert.c_str(), key.c_str(), ca.c_str());
    REQUIRE(mtls->is_valid());
    mtls->Get("/whoami", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(peer_common_name(req), "text/plain");
    });
    RunningServer running(std::move(mtls));

    RestConfig config;
    config.server = "https://127.0.0.1:" + std::to_string(running.port());
    config.ca_pem = pki.ca_cert;
    config.tls_server_name = "kube.test";  // the certificate does not name 127.0.0.1
    config.client_cert_pem = pki.client_cert;
    config.client_key_pem = pki.client_key;
    {
      CurlKubeApi api(config, HttpOptions{});
      const auto r = api.get("/whoami");
      CHECK(r.describe() == "200 OK");
      CHECK(r.body == "admin");
      CHECK(api.get("/whoami").body == "admin");  // again, on a reused connection
    }
    {
      RestConfig no_cert = config;
      no_cert.client_cert_pem.clear();
      no_cert.client_key_pem.clear();
      CurlKubeApi api(no_cert, HttpOptions{});
      CHECK_FALSE(api.get("/whoami").ok());
    }
    {
      RestConfig wrong_name = config;
      wrong_name.tls_server_name.clear();
      CurlKubeApi api(wrong_name, HttpOptions{});
      const auto r = api.get("/whoami");
      CHECK_FALSE(r.ok());
      CHECK(r.status == 0);
    }
    {
      RestConfig wrong_ca = config;
      wrong_ca.ca_pem = pki.other_ca_cert;
      CurlKubeApi api(wrong_ca, HttpOptions{});
      CHECK_FALSE(api.get("/whoami").ok());
    }
    {
      RestConfig insecure = config;
      insecure.ca_pem = pki.other_ca_cert;
      insecure.tls_server_name.clear();
      insecure.insecure_skip_tls_verify = true;
      CurlKubeApi api(insecure, HttpOptions{});
      CHECK(api.get("/whoami").body == "admin");
    }
    {
      // No CA in the kubeconfig: the system bundle, which SSL_CERT_FILE replaces (a packaged
      // binary in a chroot has no /etc/ssl of its distribution).
      RestConfig system_ca = config;
      system_ca.ca_pem.clear();
      const auto other = dir.write("other-ca.crt", pki.other_ca_cert);
      ::setenv("SSL_CERT_FILE", ca.c_str(), 1);
      {
        CurlKubeApi api(system_ca, HttpOptions{});
        CHECK(api.get("/whoami").body == "admin");
      }
      ::setenv("SSL_CERT_FILE", other.c_str(), 1);
      {
        CurlKubeApi api(system_ca, HttpOptions{});
        CHECK_FALSE(api.get("/whoami").ok());
      }
      ::unsetenv("SSL_CERT_FILE");
    }
  }
}
