#include "record/last_state.h"

namespace kmg::record {
namespace {

std::string meta(const nlohmann::json& obj, const char* field) {
  const auto m = obj.find("metadata");
  if (m == obj.end() || !m->is_object()) return {};
  const auto it = m->find(field);
  return it != m->end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<const ObjectState*> select(const ResourceState* r, bool deleted) {
  std::vector<const ObjectState*> out;
  if (r == nullptr) return out;
  for (const auto& [key, state] : r->objects)
    if (state.deleted_at.has_value() == deleted) out.push_back(&state);
  return out;
}

}  // namespace

std::string resource_key(const std::string& group, const std::string& resource) {
  return group.empty() ? resource : resource + "." + group;
}

void LastState::apply(ObjectChange& change, const std::string& at_text) {
  ResourceState& r = resources_[resource_key(change.group, change.resource)];
  if (r.resource.empty()) {
    r.group = change.group;
    r.resource = change.resource;
  }
  if (!change.version.empty()) r.version = change.version;
  const std::string key = meta(change.object, "namespace") + '\x1f' + meta(change.object, "name") +
                          '\x1f' + meta(change.object, "uid");
  ObjectState& state = r.objects[key];
  state.object = std::move(change.object);
  // A DELETED ends the object; anything after it (a late MODIFIED from another watch) is the
  // same object seen again, alive.
  if (change.type == "DELETED")
    state.deleted_at = at_text;
  else
    state.deleted_at.reset();
}

const ResourceState* LastState::find(const std::string& key) const {
  const auto it = resources_.find(key);
  return it == resources_.end() ? nullptr : &it->second;
}

std::vector<const ObjectState*> LastState::alive(const std::string& key) const {
  return select(find(key), false);
}
std::vector<const ObjectState*> LastState::deleted(const std::string& key) const {
  return select(find(key), true);
}

}  // namespace kmg::record
