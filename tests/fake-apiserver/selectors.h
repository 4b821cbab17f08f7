// labelSelector and fieldSelector as the apiserver parses them (apimachinery pkg/labels,
// pkg/fields).
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "store.h"

namespace kmg::fakeapi {

// A selector the apiserver would reject with 400 BadRequest; what() is the Status message.
class SelectorError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LabelRequirement {
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kDoesNotExist };
  std::string key;
  Op op = Op::kEquals;
  std::vector<std::string> values;
};

struct FieldRequirement {
  std::string field;
  bool equals = true;
  std::string value;
};

std::vector<LabelRequirement> parse_label_selector(std::string_view text);
bool labels_match(const std::vector<LabelRequirement>& selector, const json& labels);

std::vector<FieldRequirement> parse_field_selector(std::string_view text);
// Throws SelectorError("field label not supported: <f>") for a field the resource does not index.
void check_fields_supported(const ResourceInfo& resource,
                            const std::vector<FieldRequirement>& selector);
bool fields_match(const ResourceInfo& resource, const std::vector<FieldRequirement>& selector,
                  const json& object);

}  // namespace kmg::fakeapi
