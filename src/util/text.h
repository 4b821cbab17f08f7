// Small string helpers used across the tool.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kmg {

std::string_view trim(std::string_view s);
std::vector<std::string> split(std::string_view s, char sep);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
std::string to_lower(std::string_view s);
// "1.5 MiB", "312 B".
std::string human_bytes(std::uint64_t bytes);
// Percent-encodes a query value (RFC 3986 unreserved characters pass through).
std::string url_encode(std::string_view s);
// Standard base64 (with padding); decode throws kmg::Error on bad input.
std::string base64_encode(std::string_view data);
std::string base64_decode(std::string_view text);
// Replaces bytes that are not valid UTF-8 with U+FFFD so the text is safe in JSON and Markdown.
std::string to_valid_utf8(std::string_view s);

// Makes the process's character type UTF-8 (C.UTF-8) when it is plain ASCII ("C", as in many CI
// jobs). Object names are UTF-8, and libarchive converts tar entry names through the locale's
// charset: under "C" a name like "café" cannot be written. Call once at start-up, before threads.
void use_utf8_ctype();

}  // namespace kmg
