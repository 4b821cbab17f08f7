#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "kube/kube_api.h"
#include "kube/list.h"
#include "kube/retry.h"
#include "memory_kube_api.h"
#include "util/deadline.h"

using kmg::kube::Response;
using namespace std::chrono_literals;

namespace {

Response reply(long status, std::string body = {}) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// Answers each call with the next canned response (the last one repeats) and counts calls.
class ScriptedKubeApi final : public kmg::kube::KubeApi {
 public:
  explicit ScriptedKubeApi(std::vector<Response> replies) : replies_(std::move(replies)) {}
  Response get(const std::string&) override { return next(); }
  Response stream(const std::string&, const kmg::kube::ChunkSink& sink) override {
    Response r = next();
    if (r.ok() && !r.body.empty()) sink(r.body);
    // A stream that fails after delivering part of the body.
    if (r.ok() && fail_after_body_) {
      r.error = "connection reset";
      r.transient = true;
    }
    return r;
  }
  std::string endpoint() const override { return "scripted://"; }
  int calls = 0;
  bool fail_after_body_ = false;

 private:
  Response next() {
    const auto i = std::min<std::size_t>(static_cast<std::size_t>(calls), replies_.size() - 1);
    ++calls;
    return replies_[i];
  }
  std::vector<Response> replies_;
};

kmg::kube::RetryPolicy quick_policy() {
  kmg::kube::RetryPolicy p;
  p.base_delay = 1ms;
  p.max_delay = 4ms;
  p.max_retry_after = 2ms;
  return p;
}

}  // namespace

TEST_SUITE("kube") {
  TEST_CASE("describe: Status body, plain text, empty body, transport error") {
    auto status = reply(404, R"({"kind":"Status","apiVersion":"v1","status":"Failure",
      "message":"pods \"x\" not found","reason":"NotFound","code":404})");
    CHECK(status.describe() == "404 NotFound: pods \"x\" not found");

    auto text = reply(429, "Too many requests, please try again later.\nsecond line\n");
    CHECK(text.describe() == "429: Too many requests, please try again later.");

    auto long_line = reply(500, std::string(1000, 'a'));
    const auto d = long_line.describe();
    CHECK(d.size() == std::string("500: ").size() + 300 + 3);
    CHECK(d.substr(d.size() - 3) == "...");

    CHECK(reply(503).describe() == "503 Service Unavailable");
    CHECK(reply(200, "{}").describe() == "200 OK");

    Response refused;
    refused.error = "Failed to connect to 127.0.0.1 port 1: Connection refused";
    CHECK(refused.describe() == refused.error);
    CHECK_FALSE(refused.ok());

    Response cut = reply(200);
    cut.error = "aborted by receiver";
    CHECK(cut.describe() == "200: aborted by receiver");
  }

  TEST_CASE("backoff: exponential, capped, jittered between half and all, Retry-After wins") {
    kmg::kube::RetryPolicy p;
    p.base_delay = 100ms;
    p.max_delay = 1000ms;
    p.max_retry_after = 3000ms;
    p.max_attempts = 5;
    const auto busy = reply(503);
    CHECK(kmg::kube::retry_delay(busy, 1, p, 1.0) == 100ms);
    CHECK(kmg::kube::retry_delay(busy, 2, p, 1.0) == 200ms);
    CHECK(kmg::kube::retry_delay(busy, 3, p, 1.0) == 400ms);
    CHECK(kmg::kube::retry_delay(busy, 4, p, 0.0) == 400ms);           // 800ms, halved by jitter 0
    CHECK_FALSE(kmg::kube::retry_delay(busy, 5, p, 1.0).has_value());  // attempts used up
    p.max_attempts = 50;
    CHECK(kmg::kube::retry_delay(busy, 40, p, 1.0) == 1000ms);  // capped, no overflow

    auto throttled = reply(429);
    throttled.headers["retry-after"] = "2";
    CHECK(kmg::kube::retry_delay(throttled, 1, p, 0.0) == 2000ms);
    throttled.headers["retry-after"] = "120";
    CHECK(kmg::kube::retry_delay(throttled, 1, p, 0.0) == 3000ms);
    throttled.headers["retry-after"] = "Wed, 21 Oct 2015 07:28:00 GMT";
    CHECK(kmg::kube::retry_delay(throttled, 1, p, 1.0) == 100ms);

    CHECK_FALSE(kmg::kube::is_retryable(reply(404)));
    CHECK_FALSE(kmg::kube::is_retryable(reply(403)));
    CHECK(kmg::kube::is_retryable(reply(502)));
    Response reset;
    reset.error = "connection reset";
    CHECK_FALSE(kmg::kube::is_retryable(reset));  // not known to be transient
    reset.transient = true;
    CHECK(kmg::kube::is_retryable(reset));
  }

  TEST_CASE("retrying decorator: retries transient failures, stops at success or the limit") {
    ScriptedKubeApi flaky({reply(503), reply(429), reply(200, "ok")});
    kmg::kube::RetryingKubeApi api(flaky, quick_policy());
    const auto r = api.get("/api");
    CHECK(r.ok());
    CHECK(r.body == "ok");
    CHECK(flaky.calls == 3);
    CHECK(api.retries() == 2);

    ScriptedKubeApi down({reply(500)});
    kmg::kube::RetryingKubeApi limited(down, quick_policy());
    CHECK(limited.get("/api").status == 500);
    CHECK(down.calls == 5);

    ScriptedKubeApi missing({reply(404)});
    kmg::kube::RetryingKubeApi once(missing, quick_policy());
    CHECK(once.get("/api").status == 404);
    CHECK(missing.calls == 1);
  }

  TEST_CASE("retrying decorator: never waits past the deadline") {
    ScriptedKubeApi busy({reply(503)});
    kmg::Deadline deadline(std::chrono::hours(1));
    deadline.cancel();
    kmg::kube::RetryingKubeApi api(busy, quick_policy(), &deadline);
    CHECK(api.get("/api").status == 503);
    CHECK(busy.calls == 1);
  }

  TEST_CASE("retrying decorator: a stream is retried only before anything reached the sink") {
    ScriptedKubeApi before({reply(503), reply(200, "body")});
    kmg::kube::RetryingKubeApi api(before, quick_policy());
    std::string got;
    auto r = api.stream("/log", [&](std::string_view c) {
      got += c;
      return true;
    });
    CHECK(r.ok());
    CHECK(got == "body");
    CHECK(before.calls == 2);

    ScriptedKubeApi midway({reply(200, "part")});
    midway.fail_after_body_ = true;
    kmg::kube::RetryingKubeApi api2(midway, quick_policy());
    got.clear();
    r = api2.stream("/log", [&](std::string_view c) {
      got += c;
      return true;
    });
    CHECK_FALSE(r.ok());
    CHECK(got == "part");  // delivered once, not twice
    CHECK(midway.calls == 1);
  }

  TEST_CASE("list_all follows continue tokens and merges the pages") {
    kmg::testing::MemoryKubeApi api;
    api.set(
        "/api/v1/pods?limit=2",
        R"({"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"10","continue":"tok/1"},
               "items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]})");
    api.set("/api/v1/pods?limit=2&continue=tok%2F1",
            R"({"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"10"},
               "items":[{"metadata":{"name":"c"}}]})");
    const auto result = kmg::kube::list_all(api, "/api/v1/pods", 2);
    CHECK(result.ok);
    CHECK(result.pages == 2);
    CHECK(result.requests == 2);
    CHECK(result.bytes > 0);
    CHECK_FALSE(result.restarted);
    CHECK(result.list["kind"] == "PodList");
    CHECK(result.list["apiVersion"] == "v1");
    REQUIRE(result.list["items"].size() == 3);
    CHECK(result.list["items"][2]["metadata"]["name"] == "c");
    CHECK_FALSE(result.list["metadata"].contains("continue"));
  }

  TEST_CASE("list_all appends to an existing query and reports a failed page") {
    kmg::testing::MemoryKubeApi api;
    api.set("/api/v1/events?fieldSelector=x&limit=1",
            R"({"kind":"EventList","apiVersion":"v1","metadata":{"continue":"n"},"items":[{}]})");
    api.set(
        "/api/v1/events?fieldSelector=x&limit=1&continue=n",
        R"({"kind":"Status","status":"Failure","message":"etcd is sad","reason":"InternalError"})",
        500);
    const auto result = kmg::kube::list_all(api, "/api/v1/events?fieldSelector=x", 1);
    CHECK_FALSE(result.ok);
    CHECK(result.status == 500);
    CHECK(result.error == "500 InternalError: etcd is sad");
    CHECK(result.pages == 1);
    CHECK(result.requests == 2);
    CHECK(result.list["items"].size() == 1);  // what was gathered before the failure
  }

  TEST_CASE("list_all reads the list again, whole, when the continue token expired (410)") {
    kmg::testing::MemoryKubeApi api;
    api.set(
        "/api/v1/nodes?limit=1",
        R"({"kind":"NodeList","apiVersion":"v1","metadata":{"continue":"old"},"items":[{"n":1}]})");
    api.set("/api/v1/nodes?limit=1&continue=old",
            R"({"kind":"Status","reason":"Expired","message":"too old resource version"})", 410);
    api.set("/api/v1/nodes", R"({"kind":"NodeList","apiVersion":"v1","items":[{"n":1},{"n":2}]})");
    std::vector<long> statuses;
    kmg::kube::ListObserver observer;
    observer.on_response = [&](const std::string&, const kmg::kube::Response& r) {
      statuses.push_back(r.status);
    };
    const auto result = kmg::kube::list_all(api, "/api/v1/nodes", 1, observer);
    CHECK(result.restarted);
    CHECK(result.ok);
    CHECK(result.requests == 3);
    CHECK(statuses == std::vector<long>{200, 410, 200});
    REQUIRE(result.list["items"].size() == 2);  // the whole list once, no duplicates
    CHECK(result.list["items"][1]["n"] == 2);

    kmg::testing::MemoryKubeApi expiring;  // the whole list fails too: reported, not retried again
    expiring.set("/api/v1/nodes?limit=1",
                 R"({"kind":"NodeList","metadata":{"continue":"old"},"items":[{}]})");
    expiring.set("/api/v1/nodes?limit=1&continue=old", R"({"kind":"Status"})", 410);
    expiring.set("/api/v1/nodes", R"({"kind":"Status"})", 503);
    const auto failed = kmg::kube::list_all(expiring, "/api/v1/nodes", 1);
    CHECK_FALSE(failed.ok);
    CHECK(failed.status == 503);
    CHECK(failed.failed_url == "/api/v1/nodes");
    CHECK(failed.requests == 3);

    kmg::testing::MemoryKubeApi plain;
    plain.set("/apis/x/v1/things", R"({"kind":"ThingList","items":[{"a":1},{"a":2}]})");
    const auto unpaged = kmg::kube::list_all(plain, "/apis/x/v1/things", 0);
    CHECK(unpaged.ok);
    CHECK(unpaged.list["items"].size() == 2);
  }
}
