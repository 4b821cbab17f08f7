// ?watch=true on a list path, as the apiserver's watch cache serves it
// (staging/src/k8s.io/apiserver/pkg/storage/cacher): resourceVersion "" or "0" replays the current
// objects as ADDED, N replays the changes after N from the history or answers an ERROR event with
// a 410 Expired Status ("too old resource version: N (floor)") when N predates it; BOOKMARKs,
// timeoutSeconds, selectors, Table output; one JSON object per line over a chunked response.
#include <algorithm>
#include <chrono>
#include <deque>
#include <memory>

#include "selectors.h"
#include "server.h"
#include "server_http.h"
#include "tables.h"

namespace kmg::fakeapi {
namespace {

using Clock = std::chrono::steady_clock;

struct WatchSpec {
  std::string ns;
  std::vector<LabelRequirement> labels;
  std::vector<FieldRequirement> fields;
  bool bookmarks = false;
  bool initial_events = false;  // sendInitialEvents (the WatchList protocol)
  bool table = false;
  std::string include = "Metadata";
  std::optional<std::int64_t> from;  // nullopt: "" or "0", start with the current state
  Clock::time_point deadline;
};

struct WatchState {
  std::deque<std::string> pending;
  std::int64_t last_rv = 0;
  Clock::time_point next_bookmark;
  bool finished = false;  // after an ERROR event: end the stream once it is written
};

std::string event_line(const std::string& type, const json& object) {
  // The apiserver's field order (type, then object), which nlohmann's sorted keys would swap.
  return "{\"type\":\"" + type + "\",\"object\":" + object.dump() + "}\n";
}

json bookmark_object(const ResourceInfo& r, std::int64_t rv, bool initial_events_end) {
  json md = {{"resourceVersion", std::to_string(rv)}};
  if (initial_events_end) md["annotations"] = {{"k8s.io/initial-events-end", "true"}};
  return {{"kind", r.kind}, {"apiVersion", r.group_version()}, {"metadata", md}};
}

bool visible(const ResourceInfo& r, const WatchSpec& w, const ObjectPtr& obj) {
  if (obj == nullptr) return false;
  const auto& md = (*obj)["metadata"];
  if (!w.ns.empty() && md.value("namespace", "") != w.ns) return false;
  return labels_match(w.labels, md.value("labels", json::object())) &&
         fields_match(r, w.fields, *obj);
}

// cacheWatcher.convertToWatchEvent: through a selector, an object entering it is ADDED and one
// leaving it DELETED; "" when the watcher sees nothing.
std::string seen_as(const ResourceInfo& r, const WatchSpec& w, const Change& c) {
  const bool now = visible(r, w, c.object);
  if (c.type == "DELETED") return now ? "DELETED" : "";
  const bool before = c.type == "MODIFIED" && visible(r, w, c.previous);
  if (now && before) return "MODIFIED";
  if (now) return "ADDED";
  return before ? "DELETED" : "";
}

WatchSpec parse_watch(const httplib::Request& req, const ResourceInfo& r, const std::string& ns,
                      int server_timeout) {
  WatchSpec w;
  w.ns = ns;
  w.labels = parse_label_selector(param(req, "labelSelector"));
  w.fields = parse_field_selector(param(req, "fieldSelector"));
  check_fields_supported(r, w.fields);
  w.bookmarks = truthy(param(req, "allowWatchBookmarks"));
  w.initial_events = truthy(param(req, "sendInitialEvents"));
  w.table = req.get_header_value("Accept").find("as=Table") != std::string::npos;
  if (const auto include = param(req, "includeObject"); !include.empty()) w.include = include;
  const std::string rv = param(req, "resourceVersion");
  if (!rv.empty() && rv != "0") {
    try {
      std::size_t used = 0;
      w.from = std::stoll(rv, &used);
      if (used != rv.size() || *w.from < 0) throw std::invalid_argument(rv);
    } catch (const std::exception&) {
      throw SelectorError("invalid resource version: " + rv);
    }
  }
  // The apiserver takes the client's timeoutSeconds as is, else its own request timeout.
  const std::int64_t timeout = int_param(req, "timeoutSeconds").value_or(0);
  w.deadline = Clock::now() + std::chrono::seconds(timeout > 0 ? timeout : server_timeout);
  return w;
}

}  // namespace

void ApiServer::serve_watch(const httplib::Request& req, httplib::Response& res,
                            const ResourceInfo& r, const std::string& ns) {
  const WatchSpec spec = parse_watch(req, r, ns, options_.watch_timeout_seconds);
  auto encode = [this, &r, spec](const std::string& type, const json& stored) {
    json object = output_object(r, stored, false);
    if (spec.table && type != "BOOKMARK" && type != "ERROR") {
      json table = make_table(r, {object}, spec.include, now_seconds());
      table["metadata"] = {{"resourceVersion", object["metadata"].value("resourceVersion", "")}};
      object = std::move(table);
    }
    return event_line(type, object);
  };
  auto state = std::make_shared<WatchState>();
  const auto bookmark_every = std::chrono::milliseconds(std::max(options_.bookmark_interval_ms, 1));
  state->next_bookmark = Clock::now() + bookmark_every;
  if (!spec.from) {
    for (const auto& obj : store_.objects(r, &state->last_rv)) {
      if (visible(r, spec, obj)) state->pending.push_back(encode("ADDED", *obj));
    }
    if (spec.initial_events && spec.bookmarks) {
      state->pending.push_back(event_line("BOOKMARK", bookmark_object(r, state->last_rv, true)));
    }
  } else {
    // A resourceVersion the store has not reached yet: the cacher waits up to 3 s for it.
    const auto wait_until = Clock::now() + std::chrono::seconds(3);
    std::int64_t current = store_.resource_version();
    while (current < *spec.from && Clock::now() < wait_until) {
      store_.wait_for_change(store_.sequence(), std::chrono::milliseconds(100));
      current = store_.resource_version();
    }
    state->last_rv = *spec.from;
    if (current < *spec.from) {
      json status = make_status(
          504, "Timeout",
          "Too large resource version: " + std::to_string(*spec.from) +
              ", current: " + std::to_string(current),
          {{"causes",
            {{{"reason", "ResourceVersionTooLarge"}, {"message", "Too large resource version"}}}},
           {"retryAfterSeconds", 1}});
      state->pending.push_back(event_line("ERROR", status));
      state->finished = true;
    } else if (const auto since = store_.changes_since(*spec.from, r.key()); since.expired) {
      // errors.NewResourceExpired, delivered as the watch's only event after a 200.
      json status = make_status(410, "Expired",
                                "too old resource version: " + std::to_string(*spec.from) + " (" +
                                    std::to_string(since.floor) + ")");
      state->pending.push_back(event_line("ERROR", status));
      state->finished = true;
    }
  }
  const std::uint64_t epoch = epoch_;
  stream_uncompressed(req);
  res.set_chunked_content_provider("application/json", [this, &r, spec, state, epoch, encode,
                                                        bookmark_every](size_t,
                                                                        httplib::DataSink& sink) {
    if (!serving(epoch)) return false;  // stop or outage: the connection just drops
    if (!state->pending.empty()) {
      std::string out;
      for (auto& line : state->pending) out += line;
      state->pending.clear();
      return sink.write(out.data(), out.size());
    }
    const auto now = Clock::now();
    if (state->finished || now >= spec.deadline) {
      sink.done();
      return true;
    }
    const std::uint64_t seen = store_.sequence();
    const auto since = store_.changes_since(state->last_rv, r.key());
    if (since.expired) {
      // Fell behind the history (the cacher closes such a watcher): the client re-watches.
      sink.done();
      return true;
    }
    for (const auto& change : since.changes) {
      if (const auto type = seen_as(r, spec, change); !type.empty()) {
        state->pending.push_back(encode(type, *change.object));
      }
      state->last_rv = change.rv;
    }
    if (!state->pending.empty()) return true;
    if (spec.bookmarks && now >= state->next_bookmark) {
      state->last_rv = std::max(state->last_rv, since.current);
      state->next_bookmark = now + bookmark_every;
      state->pending.push_back(event_line("BOOKMARK", bookmark_object(r, state->last_rv, false)));
      return true;
    }
    auto wake = std::min(spec.deadline, now + std::chrono::milliseconds(250));
    if (spec.bookmarks) wake = std::min(wake, state->next_bookmark);
    store_.wait_for_change(seen, std::chrono::duration_cast<std::chrono::milliseconds>(
                                     wake - now + std::chrono::milliseconds(1)));
    return true;
  });
}

}  // namespace kmg::fakeapi
