// services/proxy: the Jaeger query UI behind a service, from the scenario's traces.
#include <algorithm>
#include <chrono>

#include "jaeger.h"
#include "selectors.h"
#include "server.h"
#include "server_http.h"
#include "util/text.h"

namespace kmg::fakeapi {

void ApiServer::serve_proxy(const httplib::Request& req, httplib::Response& res,
                            const std::string& ns, const std::string& target,
                            const std::string& rest) {
  // "[scheme:]name[:port]" (apimachinery SplitSchemeNamePort).
  auto parts = split(target, ':');
  std::string name = target;
  std::string port;
  if (parts.size() == 2) {
    name = parts[0];
    port = parts[1];
  } else if (parts.size() == 3) {
    if (parts[0] != "http" && parts[0] != "https" && !parts[0].empty()) {
      throw SelectorError("invalid service request \"" + target + "\"");
    }
    name = parts[1];
    port = parts[2];
  } else if (parts.size() > 3) {
    throw SelectorError("invalid service request \"" + target + "\"");
  }
  const JaegerBackend* backend = store_.find_jaeger(ns, name);
  if (backend != nullptr && !port.empty() && port != std::to_string(backend->port) &&
      !std::all_of(port.begin(), port.end(), [](char c) {
        return std::isalpha(static_cast<unsigned char>(c)) || c == '-';
      })) {
    backend = nullptr;
  }
  if (backend == nullptr) {
    const ResourceInfo* services = store_.find("", "v1", "services");
    if (store_.get(*services, ns, name) == nullptr && store_.find_jaeger(ns, name) == nullptr) {
      send_not_found(res, *services, name);
      return;
    }
    send_status(res, 503, "ServiceUnavailable",
                "no endpoints available for service \"" + name + "\"");
    return;
  }
  QueryParams params(req.params.begin(), req.params.end());
  const auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const auto reply = serve_jaeger(*backend, rest, params, now_us);
  res.status = reply.status;
  res.set_content(reply.body, reply.content_type.c_str());
}

}  // namespace kmg::fakeapi
