#include "util/redact.h"

namespace kmg {

// Placeholder until the redaction patterns land; masks nothing.
struct Redactor::Patterns {};

Redactor::Redactor(bool enabled) : enabled_(enabled), patterns_(std::make_unique<Patterns>()) {}
Redactor::~Redactor() = default;
std::string Redactor::redact(std::string_view text) const { return std::string(text); }
bool Redactor::is_sensitive_key(std::string_view) const { return false; }

}  // namespace kmg
