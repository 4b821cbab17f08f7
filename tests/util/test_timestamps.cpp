#include <doctest/doctest.h>

#include "util/timestamps.h"

TEST_SUITE("util::time") {
  TEST_CASE("parse_rfc3339 handles Z, fractions and offsets") {
    const auto base = kmg::parse_rfc3339("2026-02-04T10:15:00Z");
    REQUIRE(base.has_value());
    CHECK(*base == 1770200100LL * 1'000'000'000);
    CHECK(*kmg::parse_rfc3339("2026-02-04T10:15:00.5Z") == *base + 500'000'000);
    CHECK(*kmg::parse_rfc3339("2026-02-04T10:15:00.123456789Z") == *base + 123456789);
    CHECK(*kmg::parse_rfc3339("2026-02-04T12:15:00+02:00") == *base);
  }

  TEST_CASE("parse_rfc3339 rejects malformed text") {
    CHECK_FALSE(kmg::parse_rfc3339("").has_value());
    CHECK_FALSE(kmg::parse_rfc3339("2026-02-04 10:15").has_value());
    CHECK_FALSE(kmg::parse_rfc3339("2026-13-04T10:15:00Z").has_value());
    CHECK_FALSE(kmg::parse_rfc3339("2026-02-04T10:15:00Zjunk").has_value());
  }

  TEST_CASE("format_rfc3339 inverts parse") {
    const auto t = kmg::parse_rfc3339("1999-12-31T23:59:59Z");
    CHECK(kmg::format_rfc3339(*t) == "1999-12-31T23:59:59Z");
    CHECK(kmg::format_compact_utc(*t) == "19991231T235959Z");
  }

  TEST_CASE("short_duration follows kubectl's Age style") {
    CHECK(kmg::short_duration(45) == "45s");
    CHECK(kmg::short_duration(150) == "2m30s");
    CHECK(kmg::short_duration(3 * 60) == "3m");
    CHECK(kmg::short_duration(4 * 3600 + 5 * 60) == "4h5m");
    CHECK(kmg::short_duration(3 * 86400) == "3d");
    CHECK(kmg::short_duration(729 * 86400) == "729d");
    CHECK(kmg::short_duration(730 * 86400) == "2y");
    CHECK(kmg::short_duration(1761 * 86400 + 3600) == "4y301d");
    CHECK(kmg::short_duration(8 * 365 * 86400 + 40 * 86400) == "8y");
  }
}
