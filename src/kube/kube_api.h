// The seam between collectors and a Kubernetes API server. Production: CurlKubeApi
// (http_client.h). Unit tests: an in-memory fake (tests/support/memory_kube_api.h).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace kmg::kube {

struct Response {
  long status = 0;    // HTTP status; 0 when the request never got an answer
  std::string body;   // whole body (get) or, for stream(), the body of an error reply
  std::string error;  // transport error ("connection refused", "timed out after 30s")
  std::map<std::string, std::string> headers;  // lower-case names
  std::uint64_t bytes = 0;                     // body bytes received, streamed or not
  // The transport failed in a way worth another try (connection refused or reset, DNS hiccup),
  // as opposed to a timeout, a cancelled deadline or a receiver that stopped reading.
  bool transient = false;

  bool ok() const { return error.empty() && status >= 200 && status < 300; }
  // One line for the manifest and the logs: "404 NotFound: pods \"x\" not found" or the
  // transport error. Parses a Kubernetes Status body when there is one.
  std::string describe() const;
};

// Receives a streamed body chunk by chunk. Return false to stop reading (the response then
// carries error "aborted by receiver").
using ChunkSink = std::function<bool(std::string_view chunk)>;

// Thread-safe: collectors call it from several workers at once.
class KubeApi {
 public:
  virtual ~KubeApi() = default;
  // GET `path` (absolute API path with query, e.g. "/api/v1/pods?limit=500"), body in memory.
  virtual Response get(const std::string& path) = 0;
  // GET `path`, handing a 2xx body to `sink` as it arrives; an error body is kept in memory.
  virtual Response stream(const std::string& path, const ChunkSink& sink) = 0;
  // Where requests go, for messages: "https://127.0.0.1:41234".
  virtual std::string endpoint() const = 0;
};

}  // namespace kmg::kube
