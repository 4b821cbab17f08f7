#include <doctest/doctest.h>

#include "util/errors.h"
#include "util/text.h"

TEST_SUITE("util::strings") {
  TEST_CASE("split and join round-trip") {
    const auto parts = kmg::split("a,b,,c", ',');
    REQUIRE(parts.size() == 4);
    CHECK(parts[2].empty());
    CHECK(kmg::join(parts, ",") == "a,b,,c");
  }

  TEST_CASE("trim removes surrounding whitespace only") {
    CHECK(kmg::trim("  a b \n") == "a b");
    CHECK(kmg::trim("   ").empty());
  }

  TEST_CASE("human_bytes picks a unit") {
    CHECK(kmg::human_bytes(312) == "312 B");
    CHECK(kmg::human_bytes(1536) == "1.5 KiB");
    CHECK(kmg::human_bytes(10ull << 20) == "10.0 MiB");
  }

  TEST_CASE("url_encode escapes reserved characters") {
    CHECK(kmg::url_encode("involvedObject.name=web,x y") == "involvedObject.name%3Dweb%2Cx%20y");
  }

  TEST_CASE("base64 round-trips every length") {
    for (std::string s : {"", "a", "ab", "abc", "abcd", "\x01\xff\x80 binary"}) {
      CHECK(kmg::base64_decode(kmg::base64_encode(s)) == s);
    }
    CHECK(kmg::base64_encode("hello") == "aGVsbG8=");
  }

  TEST_CASE("base64_decode rejects garbage with a reason") {
    CHECK_THROWS_WITH_AS(kmg::base64_decode("aGV$bG8="), doctest::Contains("unexpected character"),
                         kmg::Error);
    CHECK_THROWS_AS(kmg::base64_decode("a"), kmg::Error);
  }

  TEST_CASE("to_valid_utf8 keeps valid text and replaces bad bytes") {
    CHECK(kmg::to_valid_utf8("héllo ✓") == "héllo ✓");
    CHECK(kmg::to_valid_utf8(std::string("a\xff"
                                         "b")) ==
          "a\xEF\xBF\xBD"
          "b");
    CHECK(kmg::to_valid_utf8(std::string("\xC3")) == "\xEF\xBF\xBD");
    CHECK(kmg::to_valid_utf8(std::string("\xED\xA0\x80")) ==
          "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate halves are not UTF-8
  }
}
