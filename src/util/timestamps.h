// Times as Kubernetes writes them (RFC 3339, with or without fractional seconds).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kmg {

// Nanoseconds since the Unix epoch, UTC.
using EpochNanos = std::int64_t;

// Parses "2026-02-04T10:15:00Z", "2026-02-04T10:15:00.123456789Z" or with a "+02:00" offset.
std::optional<EpochNanos> parse_rfc3339(std::string_view text);
// "2026-02-04T10:15:00Z" (seconds precision).
std::string format_rfc3339(EpochNanos t);
// "2026-02-04T10:15:00.123456789Z": always nine fraction digits, so such times sort as text.
std::string format_rfc3339_nano(EpochNanos t);
// The wall clock now. Only gathering and recording read it: analysis takes every time from data.
EpochNanos now_nanos();
// "20260204T101500Z", for file names.
std::string format_compact_utc(EpochNanos t);
// kubectl's Age column (apimachinery's HumanDuration): "45s", "3m", "2h5m", "4d", "4y301d".
std::string short_duration(std::int64_t seconds);

}  // namespace kmg
