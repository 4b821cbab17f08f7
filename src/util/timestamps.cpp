#include "util/timestamps.h"

#include <cctype>
#include <chrono>
#include <cstdio>

namespace kmg {
namespace {

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

bool read_digits(std::string_view s, std::size_t pos, std::size_t count, int& out) {
  if (pos + count > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

std::optional<EpochNanos> parse_rfc3339(std::string_view s) {
  int year, month, day, hour, minute, second;
  if (!read_digits(s, 0, 4, year) || s.size() < 20 || s[4] != '-' || !read_digits(s, 5, 2, month) ||
      s[7] != '-' || !read_digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !read_digits(s, 11, 2, hour) || s[13] != ':' || !read_digits(s, 14, 2, minute) ||
      s[16] != ':' || !read_digits(s, 17, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  std::int64_t nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      if (digits < 9) {
        nanos = nanos * 10 + (s[pos] - '0');
        ++digits;
      }
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 9; ++digits) nanos *= 10;
  }
  std::int64_t offset_seconds = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!read_digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !read_digits(s, pos + 4, 2, om)) {
      return std::nullopt;
    }
    offset_seconds = (oh * 3600 + om * 60) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  const std::int64_t days =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const std::int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  return seconds * 1'000'000'000 + nanos;
}

std::string format_rfc3339(EpochNanos t) {
  std::int64_t seconds = t / 1'000'000'000;
  if (t < 0 && t % 1'000'000'000 != 0) --seconds;
  std::int64_t days = seconds / 86400;
  std::int64_t rem = seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ",
                static_cast<long long>(y), m, d, static_cast<long long>(rem / 3600),
                static_cast<long long>(rem % 3600 / 60), static_cast<long long>(rem % 60));
  return buf;
}

std::string format_compact_utc(EpochNanos t) {
  std::string s = format_rfc3339(t);  // YYYY-MM-DDTHH:MM:SSZ
  std::string out;
  for (char c : s) {
    if (c != '-' && c != ':') out += c;
  }
  return out;
}

std::string short_duration(std::int64_t seconds) {
  if (seconds < 0) seconds = 0;
  char buf[32];
  if (seconds < 120) {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(seconds));
  } else if (seconds < 600) {
    const auto m = seconds / 60, s = seconds % 60;
    if (s == 0) {
      std::snprintf(buf, sizeof buf, "%lldm", static_cast<long long>(m));
    } else {
      std::snprintf(buf, sizeof buf, "%lldm%llds", static_cast<long long>(m),
                    static_cast<long long>(s));
    }
  } else if (seconds < 3 * 3600) {
    std::snprintf(buf, sizeof buf, "%lldm", static_cast<long long>(seconds / 60));
  } else if (seconds < 8 * 3600) {
    const auto h = seconds / 3600, m = seconds % 3600 / 60;
    if (m == 0) {
      std::snprintf(buf, sizeof buf, "%lldh", static_cast<long long>(h));
    } else {
      std::snprintf(buf, sizeof buf, "%lldh%lldm", static_cast<long long>(h),
                    static_cast<long long>(m));
    }
  } else if (seconds < 48 * 3600) {
    std::snprintf(buf, sizeof buf, "%lldh", static_cast<long long>(seconds / 3600));
  } else if (seconds < 8 * 86400) {
    const auto d = seconds / 86400, h = seconds % 86400 / 3600;
    if (h == 0) {
      std::snprintf(buf, sizeof buf, "%lldd", static_cast<long long>(d));
    } else {
      std::snprintf(buf, sizeof buf, "%lldd%lldh", static_cast<long long>(d),
                    static_cast<long long>(h));
    }
  } else if (seconds < 2 * 365 * 86400) {
    std::snprintf(buf, sizeof buf, "%lldd", static_cast<long long>(seconds / 86400));
  } else if (seconds < 8 * 365 * 86400) {
    // Years of 365 days, as apimachinery's HumanDuration counts them.
    const auto days = seconds / 86400, y = days / 365, d = days % 365;
    if (d == 0) {
      std::snprintf(buf, sizeof buf, "%lldy", static_cast<long long>(y));
    } else {
      std::snprintf(buf, sizeof buf, "%lldy%lldd", static_cast<long long>(y),
                    static_cast<long long>(d));
    }
  } else {
    std::snprintf(buf, sizeof buf, "%lldy", static_cast<long long>(seconds / 86400 / 365));
  }
  return buf;
}

std::string format_rfc3339_nano(EpochNanos t) {
  std::int64_t fraction = t % 1'000'000'000;
  if (fraction < 0) fraction += 1'000'000'000;
  std::string text = format_rfc3339(t);  // "...:SSZ"
  char digits[16];
  std::snprintf(digits, sizeof digits, ".%09lld", static_cast<long long>(fraction));
  text.insert(text.size() - 1, digits);
  return text;
}

EpochNanos now_nanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace kmg
