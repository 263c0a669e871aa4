#include "web/http/router.h"
#include "web/http/strings.h"

#include <algorithm>
#include <exception>
#include <map>

namespace foresight::web {

namespace {

enum Kind { kLiteral = 0, kParam = 1, kRest = 2 };

struct Segment {
  Kind kind;
  std::string text;  // the literal, or the parameter name
};

std::vector<std::string_view> SplitPath(std::string_view path) {
  return Split(path.substr(1), '/');  // "/" -> {""}
}

}  // namespace

struct Router::Route {
  std::string pattern;
  std::string shape;  // the pattern with parameter names removed: equal shapes cannot coexist
  std::vector<Segment> segments;
  std::map<std::string, Handler> handlers;  // by method

  // On a match, the segment kinds (for precedence) and the captured parameters.
  bool Matches(const std::vector<std::string_view>& parts, std::vector<int>* kinds, Params* captured) const {
    kinds->clear();
    for (size_t i = 0; i < segments.size(); ++i) {
      const Segment& seg = segments[i];
      kinds->push_back(seg.kind);
      if (seg.kind == kRest) {
        if (captured != nullptr) {
          std::vector<std::string_view> rest(parts.begin() + std::min(i, parts.size()), parts.end());
          captured->Add(seg.text, Join(rest, "/"));
        }
        return true;
      }
      if (i >= parts.size()) return false;
      if (seg.kind == kLiteral && parts[i] != seg.text) return false;
      if (seg.kind == kParam) {
        if (parts[i].empty()) return false;
        if (captured != nullptr) captured->Add(seg.text, std::string(parts[i]));
      }
    }
    return parts.size() == segments.size();
  }

  const Handler* For(std::string_view method) const {
    auto it = handlers.find(std::string(method));
    if (it == handlers.end() && method == "HEAD") it = handlers.find("GET");
    return it == handlers.end() ? nullptr : &it->second;
  }
};

Router::Router() = default;
Router::~Router() = default;

absl::Status Router::Add(const std::vector<std::string>& methods, std::string_view pattern, Handler handler) {
  if (!pattern.starts_with("/")) return absl::InvalidArgumentError(Cat("route must start with /: ", pattern));
  if (methods.empty()) return absl::InvalidArgumentError(Cat("route without methods: ", pattern));
  if (!handler) return absl::InvalidArgumentError(Cat("route without handler: ", pattern));
  auto route = std::make_unique<Route>();
  route->pattern = std::string(pattern);
  std::vector<std::string_view> parts = SplitPath(pattern);
  bool literal_only = true;
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string_view p = parts[i];
    Segment seg{kLiteral, std::string(p)};
    if (p.starts_with(":") || p.starts_with("*")) {
      seg = Segment{p[0] == ':' ? kParam : kRest, std::string(p.substr(1))};
      if (seg.text.empty()) return absl::InvalidArgumentError(Cat("unnamed parameter in route ", pattern));
      if (seg.kind == kRest && i + 1 != parts.size()) {
        return absl::InvalidArgumentError(Cat("*", seg.text, " must be the last segment of ", pattern));
      }
      literal_only = false;
      route->shape += Cat("/", p.substr(0, 1));
    } else {
      route->shape += Cat("/", p);
    }
    route->segments.push_back(std::move(seg));
  }
  Route* target = nullptr;
  for (auto& r : routes_) {
    if (r->shape != route->shape) continue;
    if (r->pattern != route->pattern) {
      return absl::InvalidArgumentError(Cat("route ", pattern, " conflicts with ", r->pattern));
    }
    target = r.get();
  }
  if (target == nullptr) {
    target = route.get();
    routes_.push_back(std::move(route));
    if (literal_only) literal_.emplace(target->pattern, target);
  }
  for (const auto& m : methods) {
    if (target->handlers.contains(m)) {
      return absl::AlreadyExistsError(Cat("route ", m, " ", pattern, " registered twice"));
    }
  }
  for (const auto& m : methods) target->handlers.emplace(m, handler);
  return absl::OkStatus();
}

const Router::Route* Router::Match(const Request& request, bool* path_matched,
                                   std::vector<std::string>* allow) const {
  *path_matched = false;
  if (auto it = literal_.find(request.path); it != literal_.end()) {
    *path_matched = true;
    if (it->second->For(request.method) != nullptr) return it->second;
    for (const auto& [m, h] : it->second->handlers) allow->push_back(m);
  }
  std::vector<std::string_view> parts = SplitPath(request.path);
  const Route* best = nullptr;
  std::vector<int> best_kinds, kinds;
  for (const auto& r : routes_) {
    if (!r->Matches(parts, &kinds, nullptr)) continue;
    *path_matched = true;
    if (r->For(request.method) == nullptr) {
      for (const auto& [m, h] : r->handlers) allow->push_back(m);
      continue;
    }
    if (best == nullptr || kinds < best_kinds) {
      best = r.get();
      best_kinds = kinds;
    }
  }
  return best;
}

Router::Result Router::Dispatch(Request& request) const {
  bool path_matched = false;
  std::vector<std::string> allow;
  const Route* route = request.path.starts_with("/") ? Match(request, &path_matched, &allow) : nullptr;
  if (route == nullptr) {
    if (!path_matched) return {Response::Error(404, "404 page not found"), ""};
    if (std::find(allow.begin(), allow.end(), "GET") != allow.end()) allow.push_back("HEAD");
    std::sort(allow.begin(), allow.end());
    allow.erase(std::unique(allow.begin(), allow.end()), allow.end());
    Response r = Response::Error(405, Cat("method ", request.method, " not allowed"));
    r.headers.Set("Allow", Join(allow, ", "));
    return {std::move(r), ""};
  }
  std::vector<std::string_view> parts = SplitPath(request.path);
  std::vector<int> kinds;
  request.path_params = Params();
  route->Matches(parts, &kinds, &request.path_params);
  const Handler& handler = *route->For(request.method);
  try {
    return {handler(request), route->pattern};
  } catch (const std::exception& e) {
    return {Response::Error(500, Cat("internal error: ", e.what())), route->pattern};
  } catch (...) {
    return {Response::Error(500, "internal error: unknown exception"), route->pattern};
  }
}

}  // namespace foresight::web
