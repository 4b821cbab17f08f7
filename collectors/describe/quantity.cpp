#include "collectors/describe/quantity.h"

#include <array>
#include <cctype>
#include <cmath>

namespace kmg::describe {
namespace {

__extension__ using Int128 = __int128;

constexpr std::int64_t kNanosPerUnit = 1'000'000'000;

Int128 pow_int(Int128 base, int exp) {
  Int128 r = 1;
  for (int i = 0; i < exp; ++i) r *= base;
  return r;
}

std::string int128_to_string(Int128 v) {
  if (v == 0) return "0";
  const bool negative = v < 0;
  std::string digits;
  while (v != 0) {
    const int d = static_cast<int>(v % 10);
    digits.insert(digits.begin(), static_cast<char>('0' + (d < 0 ? -d : d)));
    v /= 10;
  }
  if (negative) digits.insert(digits.begin(), '-');
  return digits;
}

// Ceiling division for a positive divisor.
Int128 ceil_div(Int128 a, Int128 b) {
  Int128 q = a / b;
  if (a % b != 0 && a > 0) ++q;
  return q;
}

std::int64_t clamp_to_int64(Int128 v) {
  constexpr auto kMax = static_cast<Int128>(INT64_MAX);
  constexpr auto kMin = static_cast<Int128>(INT64_MIN);
  if (v > kMax) return INT64_MAX;
  if (v < kMin) return INT64_MIN;
  return static_cast<std::int64_t>(v);
}

struct Suffix {
  Quantity::Format format;
  int base;      // 10 or 2
  int exponent;  // power of base
};

std::optional<Suffix> parse_suffix(std::string_view s) {
  if (s.empty()) return Suffix{Quantity::Format::DecimalSI, 10, 0};
  static constexpr std::array<std::pair<std::string_view, int>, 6> kBinary{
      {{"Ki", 10}, {"Mi", 20}, {"Gi", 30}, {"Ti", 40}, {"Pi", 50}, {"Ei", 60}}};
  for (const auto& [name, exp] : kBinary) {
    if (s == name) return Suffix{Quantity::Format::BinarySI, 2, exp};
  }
  static constexpr std::array<std::pair<std::string_view, int>, 9> kDecimal{{{"n", -9},
                                                                             {"u", -6},
                                                                             {"m", -3},
                                                                             {"k", 3},
                                                                             {"M", 6},
                                                                             {"G", 9},
                                                                             {"T", 12},
                                                                             {"P", 15},
                                                                             {"E", 18}}};
  for (const auto& [name, exp] : kDecimal) {
    if (s == name) return Suffix{Quantity::Format::DecimalSI, 10, exp};
  }
  if (s[0] == 'e' || s[0] == 'E') {
    std::string_view rest = s.substr(1);
    bool negative = false;
    if (!rest.empty() && (rest[0] == '+' || rest[0] == '-')) {
      negative = rest[0] == '-';
      rest.remove_prefix(1);
    }
    if (rest.empty() || rest.size() > 3) return std::nullopt;
    int exp = 0;
    for (char c : rest) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
      exp = exp * 10 + (c - '0');
    }
    return Suffix{Quantity::Format::DecimalExponent, 10, negative ? -exp : exp};
  }
  return std::nullopt;
}

std::string_view decimal_suffix(int exponent) {
  switch (exponent) {
    case -9:
      return "n";
    case -6:
      return "u";
    case -3:
      return "m";
    case 0:
      return "";
    case 3:
      return "k";
    case 6:
      return "M";
    case 9:
      return "G";
    case 12:
      return "T";
    case 15:
      return "P";
    case 18:
      return "E";
    default:
      return "?";
  }
}

std::string_view binary_suffix(int power_of_1024) {
  static constexpr std::array<std::string_view, 7> kNames{"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
  return kNames[static_cast<std::size_t>(power_of_1024)];
}

}  // namespace

std::optional<Quantity> Quantity::parse(std::string_view text) {
  // Trim spaces, as UnmarshalJSON does.
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  if (text.empty()) return std::nullopt;
  bool negative = false;
  std::size_t pos = 0;
  if (text[0] == '+' || text[0] == '-') {
    negative = text[0] == '-';
    pos = 1;
  }
  Int128 mantissa = 0;
  int scale = 0;  // value = mantissa * 10^-scale
  int digits = 0;
  bool seen_dot = false;
  for (; pos < text.size(); ++pos) {
    const char c = text[pos];
    if (c == '.') {
      if (seen_dot) return std::nullopt;
      seen_dot = true;
      continue;
    }
    if (!std::isdigit(static_cast<unsigned char>(c))) break;
    if (digits >= 36) return std::nullopt;  // far beyond anything real; avoid overflow
    if (mantissa == 0 && c == '0' && !seen_dot) continue;  // leading zeros
    mantissa = mantissa * 10 + (c - '0');
    ++digits;
    if (seen_dot) ++scale;
  }
  // Count digits before the suffix for "." alone or no digits at all.
  const std::string_view number =
      text.substr(negative || text[0] == '+' ? 1 : 0, pos - (negative || text[0] == '+' ? 1 : 0));
  if (number.empty() || number == ".") return std::nullopt;
  const auto suffix = parse_suffix(text.substr(pos));
  if (!suffix) return std::nullopt;

  // nanos = mantissa * 10^-scale * base^exponent * 1e9, rounded up. Absurd magnitudes are
  // refused rather than overflowing the 128-bit numerator.
  const long double multiplier = suffix->base == 2
                                     ? static_cast<long double>(pow_int(2, suffix->exponent)) * 1e9L
                                     : std::pow(10.0L, suffix->exponent + 9);
  if (static_cast<long double>(mantissa) * multiplier > 1e36L) return std::nullopt;
  Int128 numerator = mantissa;
  Int128 denominator = pow_int(10, scale);
  if (suffix->base == 2) {
    numerator *= pow_int(2, suffix->exponent);
  } else {
    const int exp10 = suffix->exponent + 9;
    if (exp10 > 27 || exp10 < -27) return std::nullopt;
    if (exp10 >= 0) {
      numerator *= pow_int(10, exp10);
    } else {
      denominator *= pow_int(10, -exp10);
    }
  }
  if (suffix->base == 2) numerator *= kNanosPerUnit;
  Quantity q;
  q.nanos_ = ceil_div(numerator, denominator);
  if (negative) q.nanos_ = -q.nanos_;
  q.format_ = suffix->format;
  return q;
}

std::string Quantity::to_string() const {
  if (nanos_ == 0) return "0";
  Format format = format_;
  if (format == Format::BinarySI) {
    const Int128 limit = static_cast<Int128>(1024) * kNanosPerUnit;
    // Small or fractional binary values print as DecimalSI, to avoid rounding.
    if ((nanos_ > -limit && nanos_ < limit) || nanos_ % kNanosPerUnit != 0) {
      format = Format::DecimalSI;
    }
  }
  if (format == Format::BinarySI) {
    Int128 amount = nanos_ / kNanosPerUnit;
    int power = 0;
    while (power < 6 && amount % 1024 == 0) {
      amount /= 1024;
      ++power;
    }
    return int128_to_string(amount) + std::string(binary_suffix(power));
  }
  // Decimal: strip factors of ten, then bring the exponent down to a multiple of three.
  Int128 amount = nanos_;
  int exponent = -9;
  while (amount % 10 == 0) {
    amount /= 10;
    ++exponent;
  }
  while (exponent % 3 != 0) {
    amount *= 10;
    --exponent;
  }
  if (format == Format::DecimalExponent) {
    return int128_to_string(amount) + (exponent == 0 ? "" : "e" + std::to_string(exponent));
  }
  if (exponent > 18) {  // beyond "E": keep the value readable and exact
    return int128_to_string(amount) + "e" + std::to_string(exponent);
  }
  return int128_to_string(amount) + std::string(decimal_suffix(exponent));
}

std::int64_t Quantity::milli_value() const { return clamp_to_int64(ceil_div(nanos_, 1'000'000)); }

std::int64_t Quantity::value() const { return clamp_to_int64(ceil_div(nanos_, kNanosPerUnit)); }

void Quantity::add(const Quantity& other) {
  if (nanos_ == 0) format_ = other.format_;
  nanos_ += other.nanos_;
}

int Quantity::compare(const Quantity& other) const {
  if (nanos_ < other.nanos_) return -1;
  return nanos_ > other.nanos_ ? 1 : 0;
}

ResourceList parse_resource_list(const nlohmann::json& list) {
  ResourceList out;
  if (!list.is_object()) return out;
  for (const auto& [name, value] : list.items()) {
    std::optional<Quantity> q;
    if (value.is_string()) {
      q = Quantity::parse(value.get_ref<const std::string&>());
    } else if (value.is_number()) {
      q = Quantity::parse(value.dump());
    }
    if (q) out[name] = *q;
  }
  return out;
}

void add_resource_list(ResourceList& a, const ResourceList& b) {
  for (const auto& [name, q] : b) a[name].add(q);
}

void max_resource_list(ResourceList& a, const ResourceList& b) {
  for (const auto& [name, q] : b) {
    auto it = a.find(name);
    if (it == a.end() || it->second.compare(q) < 0) a[name] = q;
  }
}

std::string quantity_text(const nlohmann::json& value) {
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    if (auto q = Quantity::parse(s)) return q->to_string();
    return s;
  }
  if (value.is_number()) {
    if (auto q = Quantity::parse(value.dump())) return q->to_string();
  }
  return value.is_null() ? "<none>" : value.dump();
}

}  // namespace kmg::describe
