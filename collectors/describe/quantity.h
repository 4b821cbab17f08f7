// Kubernetes resource quantities ("100m", "64Mi", "1.5", "129e6"): parse, add, compare, and print
// them the way apimachinery's Quantity.String() does (canonical form), so sums and percentages in
// the node tables read like kubectl's.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace kmg::describe {

class Quantity {
 public:
  enum class Format { DecimalSI, BinarySI, DecimalExponent };

  // Zero, DecimalSI (what a missing entry in a ResourceList reads as).
  Quantity() = default;

  // nullopt for text that is not a quantity. Precision below 1n is rounded up, as Kubernetes does.
  static std::optional<Quantity> parse(std::string_view text);

  // Canonical form: "0", "100m", "1500m", "2k", "64Mi", "1536Mi", "16393916Ki", "129e6".
  std::string to_string() const;
  // Rounded up, like Quantity.MilliValue() and Value().
  std::int64_t milli_value() const;
  std::int64_t value() const;
  bool is_zero() const { return nanos_ == 0; }
  Format format() const { return format_; }

  // Sum keeps the format of the first non-zero operand, as Quantity.Add does.
  void add(const Quantity& other);
  // -1, 0, 1.
  int compare(const Quantity& other) const;

 private:
  // GCC/Clang extension; __extension__ keeps -Wpedantic quiet. Nano-units of 1e-9 give exact
  // arithmetic for every suffix up to Ei.
  __extension__ using Int128 = __int128;

  Int128 nanos_ = 0;
  Format format_ = Format::DecimalSI;
};

// A ResourceList ({"cpu":"100m","memory":"64Mi"}) parsed; entries that are not quantities are
// skipped. Anything but an object gives an empty map.
using ResourceList = std::map<std::string, Quantity>;
ResourceList parse_resource_list(const nlohmann::json& list);

// Adds b into a, per resource name.
void add_resource_list(ResourceList& a, const ResourceList& b);
// a[name] = max(a[name], b[name]) per resource name.
void max_resource_list(ResourceList& a, const ResourceList& b);

// The text of one ResourceList entry as kubectl prints it: canonical when it parses, else the
// raw text (odd data stays visible rather than vanishing).
std::string quantity_text(const nlohmann::json& value);

}  // namespace kmg::describe
