// Reply and request helpers shared by the ApiServer's handler files (not a public interface).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <httplib.h>

#include "store.h"

namespace kmg::fakeapi {

std::int64_t now_seconds();
void send_json(httplib::Response& res, int code, const json& body);
void send_status(httplib::Response& res, int code, const std::string& reason,
                 const std::string& message, const json& details = nullptr);
// 404 for a path no resource serves.
void send_not_found_path(httplib::Response& res);
// 404 for a missing object: `pods "x" not found`.
void send_not_found(httplib::Response& res, const ResourceInfo& r, const std::string& name);
std::string param(const httplib::Request& req, const std::string& key);
bool truthy(const std::string& v);
// Throws SelectorError (a 400) for a value that is not a number.
std::optional<std::int64_t> int_param(const httplib::Request& req, const std::string& key);

// For a streamed response (watch, log follow): cpp-httplib gzips a chunked body whenever the client
// accepts gzip, and its compressor holds the data until the stream ends, so a client would see no
// event until then. The apiserver does not compress watches; neither do we.
void stream_uncompressed(const httplib::Request& req);

}  // namespace kmg::fakeapi
