// Routes requests to handlers by method and path.
//
// A pattern is "/" followed by segments separated by '/':
//   literal   "/api/v1/query"             matches itself
//   ":name"   "/api/v1/label/:name/values" matches one non-empty segment, available as PathParam("name")
//   "*name"   "/static/*path"             last segment only: matches the rest of the path (may be empty or
//                                          contain '/'), available as PathParam("path")
// When several routes match, the one with a literal at the first segment where they differ wins, then
// ":" over "*". Paths are matched after percent-decoding. A GET route also answers HEAD. A path that some
// route matches, but not with the request's method, gets 405 with an Allow header; no match at all is 404.
//
// Register routes before the server starts; Dispatch is then safe from many threads at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "web/http/http.h"

namespace foresight::web {

class Router {
 public:
  Router();
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Errors: an invalid pattern, a method already registered for that pattern, or a pattern of the same shape
  // with other parameter names ("/a/:x" after "/a/:y").
  absl::Status Add(const std::vector<std::string>& methods, std::string_view pattern, Handler handler);
  absl::Status Get(std::string_view pattern, Handler handler) {
    return Add({"GET"}, pattern, std::move(handler));
  }
  absl::Status Post(std::string_view pattern, Handler handler) {
    return Add({"POST"}, pattern, std::move(handler));
  }
  // GET and POST: the Prometheus API takes its parameters either way.
  absl::Status GetPost(std::string_view pattern, Handler handler) {
    return Add({"GET", "POST"}, pattern, std::move(handler));
  }

  struct Result {
    Response response;
    std::string handler;  // the matched route's pattern, "" when no route matched the path
  };
  // Matches, fills request.path_params and runs the handler. Exceptions thrown by the handler are answered
  // with 500 and their message.
  Result Dispatch(Request& request) const;

 private:
  struct Route;
  const Route* Match(const Request& request, bool* path_matched, std::vector<std::string>* allow) const;

  std::vector<std::unique_ptr<Route>> routes_;
  absl::flat_hash_map<std::string, Route*> literal_;  // patterns without parameters, by path
};

}  // namespace foresight::web
