#include "selectors.h"

#include <algorithm>

namespace kmg::fakeapi {
namespace {

std::string trim_copy(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  const auto e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

// Splits on commas that are not inside "(...)" (set-based requirements carry comma lists).
std::vector<std::string> split_terms(std::string_view text) {
  std::vector<std::string> out;
  int depth = 0;
  std::string cur;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(trim_copy(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!trim_copy(cur).empty() || !out.empty()) out.push_back(trim_copy(cur));
  return out;
}

std::vector<std::string> parse_set(const std::string& term, std::string_view rest) {
  const auto open = rest.find('(');
  const auto close = rest.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    throw SelectorError("unable to parse requirement: found '" + term +
                        "', expected: '(' and ')' around the values");
  }
  std::vector<std::string> values;
  std::string cur;
  for (char c : rest.substr(open + 1, close - open - 1)) {
    if (c == ',') {
      values.push_back(trim_copy(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  values.push_back(trim_copy(cur));
  return values;
}

std::string json_path_string(const json& obj, std::initializer_list<const char*> path) {
  const json* cur = &obj;
  for (const char* p : path) {
    if (!cur->is_object() || !cur->contains(p)) return "";
    cur = &(*cur)[p];
  }
  if (cur->is_string()) return cur->get<std::string>();
  if (cur->is_boolean()) return cur->get<bool>() ? "true" : "false";
  if (cur->is_null()) return "";
  return cur->dump();
}

// The field label -> value mapping of each resource's GetAttrs / field label conversion.
std::optional<std::string> field_value(const ResourceInfo& r, const json& o,
                                       const std::string& field) {
  if (field == "metadata.name") return json_path_string(o, {"metadata", "name"});
  if (field == "metadata.namespace") return json_path_string(o, {"metadata", "namespace"});
  if (r.group.empty() && r.plural == "events") {
    static const std::vector<std::string> involved = {
        "kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"};
    for (const auto& f : involved) {
      if (field == "involvedObject." + f) {
        return json_path_string(o, {"involvedObject", f.c_str()});
      }
    }
    if (field == "reason") return json_path_string(o, {"reason"});
    if (field == "type") return json_path_string(o, {"type"});
    if (field == "source") return json_path_string(o, {"source", "component"});
    if (field == "reportingComponent") return json_path_string(o, {"reportingComponent"});
    return std::nullopt;
  }
  if (r.group == "events.k8s.io" && r.plural == "events") {
    static const std::vector<std::string> regarding = {
        "kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"};
    for (const auto& f : regarding) {
      if (field == "regarding." + f) return json_path_string(o, {"regarding", f.c_str()});
    }
    if (field == "reason") return json_path_string(o, {"reason"});
    if (field == "type") return json_path_string(o, {"type"});
    if (field == "reportingController") return json_path_string(o, {"reportingController"});
    return std::nullopt;
  }
  if (r.group.empty() && r.plural == "pods") {
    if (field == "spec.nodeName") return json_path_string(o, {"spec", "nodeName"});
    if (field == "spec.restartPolicy") return json_path_string(o, {"spec", "restartPolicy"});
    if (field == "spec.schedulerName") return json_path_string(o, {"spec", "schedulerName"});
    if (field == "spec.serviceAccountName") {
      return json_path_string(o, {"spec", "serviceAccountName"});
    }
    if (field == "spec.hostNetwork") {
      const auto v = json_path_string(o, {"spec", "hostNetwork"});
      return v.empty() ? "false" : v;
    }
    if (field == "status.phase") return json_path_string(o, {"status", "phase"});
    if (field == "status.podIP") return json_path_string(o, {"status", "podIP"});
    if (field == "status.nominatedNodeName") {
      return json_path_string(o, {"status", "nominatedNodeName"});
    }
    return std::nullopt;
  }
  if (r.group.empty() && r.plural == "nodes" && field == "spec.unschedulable") {
    const auto v = json_path_string(o, {"spec", "unschedulable"});
    return v.empty() ? "false" : v;
  }
  if (r.group.empty() && r.plural == "namespaces" && field == "status.phase") {
    return json_path_string(o, {"status", "phase"});
  }
  if (r.group.empty() && r.plural == "secrets" && field == "type") {
    return json_path_string(o, {"type"});
  }
  if (r.group == "batch" && r.plural == "jobs" && field == "status.successful") {
    const auto v = json_path_string(o, {"status", "succeeded"});
    return v.empty() ? "0" : v;
  }
  return std::nullopt;
}

}  // namespace

std::vector<LabelRequirement> parse_label_selector(std::string_view text) {
  std::vector<LabelRequirement> out;
  for (const auto& term : split_terms(text)) {
    if (term.empty()) throw SelectorError("unable to parse requirement: found '', expected: !");
    LabelRequirement req;
    if (term[0] == '!') {
      req.key = trim_copy(std::string_view(term).substr(1));
      req.op = LabelRequirement::Op::kDoesNotExist;
    } else if (auto pos = term.find("!="); pos != std::string::npos) {
      req.key = trim_copy(std::string_view(term).substr(0, pos));
      req.op = LabelRequirement::Op::kNotEquals;
      req.values = {trim_copy(std::string_view(term).substr(pos + 2))};
    } else if (pos = term.find("=="); pos != std::string::npos) {
      req.key = trim_copy(std::string_view(term).substr(0, pos));
      req.values = {trim_copy(std::string_view(term).substr(pos + 2))};
    } else if (pos = term.find('='); pos != std::string::npos) {
      req.key = trim_copy(std::string_view(term).substr(0, pos));
      req.values = {trim_copy(std::string_view(term).substr(pos + 1))};
    } else if (pos = term.find(" notin "); pos != std::string::npos) {
      req.key = trim_copy(std::string_view(term).substr(0, pos));
      req.op = LabelRequirement::Op::kNotIn;
      req.values = parse_set(term, std::string_view(term).substr(pos + 7));
    } else if (pos = term.find(" in "); pos != std::string::npos) {
      req.key = trim_copy(std::string_view(term).substr(0, pos));
      req.op = LabelRequirement::Op::kIn;
      req.values = parse_set(term, std::string_view(term).substr(pos + 4));
    } else {
      req.key = term;
      req.op = LabelRequirement::Op::kExists;
    }
    if (req.key.empty() || req.key.find_first_of(" ()!=") != std::string::npos) {
      throw SelectorError("unable to parse requirement: invalid label key \"" + req.key + "\"");
    }
    out.push_back(std::move(req));
  }
  return out;
}

bool labels_match(const std::vector<LabelRequirement>& selector, const json& labels) {
  for (const auto& req : selector) {
    const bool has = labels.is_object() && labels.contains(req.key);
    const std::string value = has ? labels[req.key].get<std::string>() : "";
    const bool in = std::find(req.values.begin(), req.values.end(), value) != req.values.end();
    switch (req.op) {
      case LabelRequirement::Op::kEquals:
        if (!has || value != req.values[0]) return false;
        break;
      case LabelRequirement::Op::kNotEquals:
        if (has && value == req.values[0]) return false;
        break;
      case LabelRequirement::Op::kIn:
        if (!has || !in) return false;
        break;
      case LabelRequirement::Op::kNotIn:
        if (has && in) return false;
        break;
      case LabelRequirement::Op::kExists:
        if (!has) return false;
        break;
      case LabelRequirement::Op::kDoesNotExist:
        if (has) return false;
        break;
    }
  }
  return true;
}

std::vector<FieldRequirement> parse_field_selector(std::string_view text) {
  std::vector<FieldRequirement> out;
  for (const auto& term : split_terms(text)) {
    FieldRequirement req;
    auto pos = term.find("!=");
    size_t skip = 2;
    if (pos != std::string::npos) {
      req.equals = false;
    } else if (pos = term.find("=="); pos == std::string::npos) {
      pos = term.find('=');
      skip = 1;
    }
    if (pos == std::string::npos) {
      throw SelectorError("invalid selector: '" + std::string(text) + "'; can't understand '" +
                          term + "'");
    }
    req.field = trim_copy(std::string_view(term).substr(0, pos));
    req.value = trim_copy(std::string_view(term).substr(pos + skip));
    out.push_back(std::move(req));
  }
  return out;
}

void check_fields_supported(const ResourceInfo& resource,
                            const std::vector<FieldRequirement>& selector) {
  static const json probe = json::object();
  for (const auto& req : selector) {
    if (resource.custom) {
      // CRDs index only metadata.name/namespace (plus selectableFields, not modelled here).
      if (req.field != "metadata.name" && req.field != "metadata.namespace") {
        throw SelectorError("field label not supported: " + req.field);
      }
      continue;
    }
    if (!field_value(resource, probe, req.field)) {
      throw SelectorError("field label not supported: " + req.field);
    }
  }
}

bool fields_match(const ResourceInfo& resource, const std::vector<FieldRequirement>& selector,
                  const json& object) {
  for (const auto& req : selector) {
    const auto v = field_value(resource, object, req.field).value_or("");
    if ((v == req.value) != req.equals) return false;
  }
  return true;
}

}  // namespace kmg::fakeapi
