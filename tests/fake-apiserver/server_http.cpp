#include "server_http.h"

#include <chrono>

#include "selectors.h"
#include "server.h"

namespace kmg::fakeapi {
namespace {

constexpr const char* kNotFoundPath = "the server could not find the requested resource";

}  // namespace

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void send_json(httplib::Response& res, int code, const json& body) {
  res.status = code;
  res.set_content(body.dump(), "application/json");
}

void send_status(httplib::Response& res, int code, const std::string& reason,
                 const std::string& message, const json& details) {
  send_json(res, code, make_status(code, reason, message, details));
}

void send_not_found_path(httplib::Response& res) {
  send_status(res, 404, "NotFound", kNotFoundPath, json::object());
}

void send_not_found(httplib::Response& res, const ResourceInfo& r, const std::string& name) {
  json details = {{"name", name}, {"kind", r.plural}};
  if (!r.group.empty()) details["group"] = r.group;
  send_status(res, 404, "NotFound", r.qualified() + " \"" + name + "\" not found", details);
}

std::string param(const httplib::Request& req, const std::string& key) {
  return req.has_param(key.c_str()) ? req.get_param_value(key.c_str()) : "";
}

bool truthy(const std::string& v) { return v == "true" || v == "1" || v == "True"; }

std::optional<std::int64_t> int_param(const httplib::Request& req, const std::string& key) {
  const auto v = param(req, key);
  if (v.empty()) return std::nullopt;
  try {
    return std::stoll(v);
  } catch (const std::exception&) {
    throw SelectorError("invalid value for " + key + ": " + v);
  }
}

json make_status(int code, const std::string& reason, const std::string& message,
                 const json& details) {
  json s = {{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", json::object()},
            {"status", "Failure"}, {"message", message}, {"reason", reason}};
  if (!details.is_null()) s["details"] = details;
  s["code"] = code;
  return s;
}

void stream_uncompressed(const httplib::Request& req) {
  // The handler gets the request as const, but cpp-httplib owns it as a mutable object and reads
  // Accept-Encoding only after the handler returns, when it picks the response encoding.
  const_cast<httplib::Request&>(req).headers.erase("Accept-Encoding");
}

}  // namespace kmg::fakeapi
