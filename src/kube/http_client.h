// KubeApi over libcurl: TLS with client certificates, connection reuse, HTTP/2 when offered,
// per-request and overall timeouts, bodies streamed to a callback.
#pragma once

#include <chrono>
#include <memory>

#include "kube/kube_api.h"
#include "kube/kubeconfig.h"

namespace kmg {
class Deadline;
}

namespace kmg::kube {

struct HttpOptions {
  std::chrono::milliseconds request_timeout{std::chrono::seconds(60)};
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  const Deadline* deadline = nullptr;  // overall deadline: no request outlives it
};

class CurlKubeApi final : public KubeApi {
 public:
  CurlKubeApi(RestConfig config, HttpOptions options);
  ~CurlKubeApi() override;
  CurlKubeApi(const CurlKubeApi&) = delete;
  CurlKubeApi& operator=(const CurlKubeApi&) = delete;

  Response get(const std::string& path) override;
  Response stream(const std::string& path, const ChunkSink& sink) override;
  std::string endpoint() const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kmg::kube
