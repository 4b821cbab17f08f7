#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "util/redact.h"

namespace {

constexpr std::string_view kMask = kmg::Redactor::kMask;

bool contains(const std::string& text, std::string_view what) {
  return text.find(what) != std::string::npos;
}

// Feeds `text` to a LineRedactor in pieces of `piece` bytes and returns everything it emitted.
std::string stream(const kmg::Redactor& redactor, const std::string& text, std::size_t piece) {
  std::string out;
  kmg::LineRedactor lines(redactor, [&](std::string_view s) { out.append(s); });
  for (std::size_t at = 0; at < text.size(); at += piece) lines.feed(text.substr(at, piece));
  lines.flush();
  return out;
}

const std::string kGithub = "ghp_" + std::string(36, 'G');
const std::string kPem =
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEpAIBAAKCAQEAPEMSECRET1xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
    "PEMSECRET2yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\n"
    "-----END RSA PRIVATE KEY-----\n";

}  // namespace

TEST_SUITE("util::redact") {
  TEST_CASE("each kind of secret is masked and counted") {
    struct Case {
      std::string text;
      std::string secret;  // a unique marker that must disappear
      std::string kept;    // context that must stay
    };
    const std::vector<Case> cases = {
        {"Authorization: Bearer BEARERSECRET123abc", "BEARERSECRET123abc",
         "Authorization: Bearer "},
        {"sending bearer lowerBEARER999xyz to api", "lowerBEARER999xyz", " to api"},
        {"Authorization: Basic dXNlcjpCQVNJQ1NFQ1JFVA==", "dXNlcjpCQVNJQ1NFQ1JFVA==", "Basic "},
        {"pulling https://alice:URLPASS42@registry.local/v2", "URLPASS42", "https://alice:"},
        {"redis://:REDISPASS@cache:6379", "REDISPASS", "@cache:6379"},
        {"DB_PASSWORD=PWDSECRET1 other=1", "PWDSECRET1", "other=1"},
        {"  client_secret: CLIENTSECRET2", "CLIENTSECRET2", "client_secret: "},
        {R"({"apiKey":"APIKEYSECRET3","user":"bob"})", "APIKEYSECRET3", R"("user":"bob")"},
        {R"(msg="{\"password\":\"NESTEDSECRET\"}")", "NESTEDSECRET", R"(\"password\":\")"},
        {"url=/cb?access_token=QUERYTOKEN4&state=ok", "QUERYTOKEN4", "&state=ok"},
        {"private-key: 'PRIVKEY5'", "PRIVKEY5", "private-key: '"},
        {"AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/AWSSECRET6", "AWSSECRET6",
         "AWS_SECRET_ACCESS_KEY="},
        {"aws_secret_access_key = AWSSECRET7", "AWSSECRET7", "aws_secret_access_key = "},
        {"credentials: CREDSECRET8", "CREDSECRET8", "credentials: "},
        {"key id AKIAIOSFODNN7EXAMPLE used", "AKIAIOSFODNN7EXAMPLE", " used"},
        {"temp ASIAY34FZKBOKMUTVV7A ok", "ASIAY34FZKBOKMUTVV7A", " ok"},
        {"cloning with " + kGithub + " now", kGithub, " now"},
        {"slack xoxb-1234567890-SLACKSECRET9", "xoxb-1234567890-SLACKSECRET9", "slack "},
        {"jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJKV1RTRUNSRVQifQ.c2lnbmF0dXJlSldU end",
         "eyJzdWIiOiJKV1RTRUNSRVQifQ", " end"},
    };
    for (const auto& c : cases) {
      CAPTURE(c.text);
      kmg::Redactor redactor(true);
      const std::string out = redactor.redact(c.text);
      CHECK_FALSE(contains(out, c.secret));
      CHECK(contains(out, kMask));
      CHECK(contains(out, c.kept));
      CHECK(redactor.masked_count() == 1);
    }
  }

  TEST_CASE("ordinary text is left alone") {
    kmg::Redactor redactor(true);
    const std::vector<std::string> texts = {
        "tokens processed: 5",
        "passwordless login disabled",
        "using bearer token authentication",
        "secretName: db-credentials",
        "TokenExpirationSeconds:  3607",
        "automountServiceAccountToken: false",
        "Tokens:              <none>",
        "password: ${DB_PASSWORD}",
        "PWD=/home/user",
        "image: docker.io/library/nginx@sha256:0123456789abcdef",
        "https://kind-control-plane:6443/api/v1/pods",
        "-----BEGIN CERTIFICATE-----",
        "password:",
        "token: |",
        "I0204 10:15:00.123456       1 controller.go:42] Reconciled widget default/w1",
        // A URL path ending in a secret word is not a key (the seed's authwebhook log).
        R"(err="Get \"http://gateway-api.gateway-e2e.svc:8080/v1/token\": dial tcp 10.96.44.21:8080")",
        "GET /oauth/token: 503 after 2s",
        // kubectl describe names the Secret key behind a variable, never its value.
        "      DB_PASSWORD:  <set to the key 'password' in secret 'db-credentials'>  Optional: "
        "false",
    };
    for (const auto& text : texts) {
      CAPTURE(text);
      CHECK(redactor.redact(text) == text);
    }
    CHECK(redactor.masked_count() == 0);
  }

  TEST_CASE("values that hold no secret whatever their key") {
    for (const char* value : {"", "true", "<none>", "<set", "$(DB_PASSWORD)", "${TOKEN}", "$TOKEN",
                              "/credentials/cloud", "/var/run/secrets/token"}) {
      CAPTURE(value);
      CHECK(kmg::Redactor::holds_no_secret(value));
    }
    for (const char* value : {"hunter2", "$ecr3t!", "/short", "/path with space/x", "s3cr3t/"}) {
      CAPTURE(value);
      CHECK_FALSE(kmg::Redactor::holds_no_secret(value));
    }
    // A key that names a format is not a secret: contour's "--secrets-format=pem".
    kmg::Redactor redactor(true);
    CHECK(redactor.redact("--secrets-format=pem --password=hunter2") ==
          "--secrets-format=pem --password=***REDACTED***");
  }

  TEST_CASE("a disabled redactor changes nothing") {
    kmg::Redactor redactor(false);
    const std::string text = "password=hunter2\n" + kPem;
    CHECK(redactor.redact(text) == text);
    CHECK(stream(redactor, text, 5) == text);
    CHECK(redactor.masked_count() == 0);
  }

  TEST_CASE("multi-line text: PEM private key blocks are dropped, the rest kept") {
    kmg::Redactor redactor(true);
    const std::string text = "before password=PWLINE1\n" + kPem +
                             "-----BEGIN CERTIFICATE-----\nMIIC\n" +
                             "-----END CERTIFICATE-----\nafter\n";
    const std::string out = redactor.redact(text);
    CHECK_FALSE(contains(out, "PEMSECRET1"));
    CHECK_FALSE(contains(out, "PEMSECRET2"));
    CHECK_FALSE(contains(out, "PWLINE1"));
    CHECK(contains(
        out, "-----BEGIN RSA PRIVATE KEY-----\n***REDACTED***\n-----END RSA PRIVATE KEY-----\n"));
    CHECK(contains(out, "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\nafter\n"));
    CHECK(redactor.masked_count() == 2);
  }

  TEST_CASE("a private key on one line (escaped newlines in JSON) is masked inline") {
    kmg::Redactor redactor(true);
    const std::string text =
        R"({"key":"-----BEGIN PRIVATE KEY-----\nINLINEPEM\n-----END PRIVATE KEY-----\n","n":1})";
    const std::string out = redactor.redact(text);
    CHECK_FALSE(contains(out, "INLINEPEM"));
    CHECK(contains(out, "-----END PRIVATE KEY-----"));
    CHECK(contains(out, R"("n":1})"));
  }

  TEST_CASE("masking is idempotent") {
    kmg::Redactor redactor(true);
    const std::string once =
        redactor.redact("password=abc123 Bearer abcdefghijkl https://u:p4ss@h/");
    const auto count = redactor.masked_count();
    CHECK(count == 3);
    CHECK(redactor.redact(once) == once);
    CHECK(redactor.masked_count() == count);
  }

  TEST_CASE("sensitive key names") {
    kmg::Redactor redactor(true);
    for (const char* key : {"DB_PASSWORD", "api_key", "ApiKey", "GITHUB_TOKEN", "client-secret",
                            "AWS_SECRET_ACCESS_KEY", "tls.private-key", "credentials"}) {
      CAPTURE(key);
      CHECK(redactor.is_sensitive_key(key));
    }
    for (const char* key : {"HOME", "PATH", "secretName", "TOKEN_FILE", "password_path", "PWD",
                            "max_tokens", "LOG_LEVEL"}) {
      CAPTURE(key);
      CHECK_FALSE(redactor.is_sensitive_key(key));
    }
  }

  TEST_CASE("LineRedactor gives the same result whatever the chunking") {
    kmg::Redactor reference(true);
    const std::string text = "2026-02-04T10:15:00Z start\n" + std::string("token=CHUNKSECRET1\n") +
                             "Authorization: Bearer CHUNKBEARER2xyz\n" + kPem +
                             "plain line\nno newline at end password=LASTSECRET3";
    const std::string expected = reference.redact(text);
    CHECK_FALSE(contains(expected, "LASTSECRET3"));
    for (std::size_t piece : {1u, 2u, 3u, 7u, 16u, 64u, 4096u}) {
      CAPTURE(piece);
      kmg::Redactor redactor(true);
      const std::string out = stream(redactor, text, piece);
      CHECK(out == expected);
      CHECK(redactor.masked_count() == reference.masked_count());
      for (const char* secret :
           {"CHUNKSECRET1", "CHUNKBEARER2xyz", "PEMSECRET1", "PEMSECRET2", "LASTSECRET3"}) {
        CHECK_FALSE(contains(out, secret));
      }
    }
  }

  TEST_CASE("LineRedactor emits only complete lines until flushed") {
    kmg::Redactor redactor(true);
    std::vector<std::string> emitted;
    kmg::LineRedactor lines(redactor, [&](std::string_view s) { emitted.emplace_back(s); });
    lines.feed("first line\nsecond pass");
    REQUIRE(emitted.size() == 1);
    CHECK(emitted[0] == "first line\n");
    lines.feed("word=SPLITSECRET and more\n");
    REQUIRE(emitted.size() == 2);
    CHECK(emitted[1] == "second password=***REDACTED*** and more\n");
    lines.feed("tail");
    CHECK(emitted.size() == 2);
    lines.flush();
    REQUIRE(emitted.size() == 3);
    CHECK(emitted[2] == "tail");
  }

  TEST_CASE("LineRedactor: a PEM block split across chunks") {
    kmg::Redactor redactor(true);
    std::string out;
    kmg::LineRedactor lines(redactor, [&](std::string_view s) { out.append(s); });
    lines.feed("x\n-----BEGIN EC PRIVATE");
    lines.feed(" KEY-----\nPEMPART");
    lines.feed("ONE\nPEMPARTTWO\n-----END EC PRIV");
    lines.feed("ATE KEY-----\ny\n");
    lines.flush();
    CHECK(out ==
          "x\n-----BEGIN EC PRIVATE KEY-----\n***REDACTED***\n-----END EC PRIVATE KEY-----\ny\n");
    CHECK(redactor.masked_count() == 1);
  }

  TEST_CASE("LineRedactor: very long lines are emitted in pieces, memory stays bounded") {
    kmg::Redactor redactor(true);
    std::size_t total = 0;
    std::size_t largest = 0;
    kmg::LineRedactor lines(redactor, [&](std::string_view s) {
      total += s.size();
      largest = std::max(largest, s.size());
    });
    const std::string piece(256 * 1024, 'a');  // 3 MiB without a newline
    for (int i = 0; i < 12; ++i) lines.feed(piece);
    CHECK(total >= 2 * kmg::LineRedactor::kMaxLine);  // pieces went out before the end
    lines.feed("\n");
    lines.flush();
    CHECK(total == 12 * piece.size() + 1);
    CHECK(largest <= kmg::LineRedactor::kMaxLine + piece.size());
  }

  TEST_CASE("secrets in a large clean log are found") {
    kmg::Redactor redactor(true);
    std::string text;
    for (int i = 0; i < 20000; ++i)
      text += "I0204 10:15:00.000000 1 loop.go:1] iteration " + std::to_string(i) + "\n";
    text += "leaked token=NEEDLESECRET\n";
    const std::string out = stream(redactor, text, 65536);
    CHECK(out.substr(0, 1000) == text.substr(0, 1000));
    CHECK(out.size() == text.size() - std::string("NEEDLESECRET").size() + kMask.size());
    CHECK_FALSE(contains(out, "NEEDLESECRET"));
    CHECK(redactor.masked_count() == 1);
  }
}
