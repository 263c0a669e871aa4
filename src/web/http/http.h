// The HTTP types every part registers its endpoints with: Request, Response and Handler. No Boost here;
// the server (server.h) translates from and to the wire.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace foresight::web {

// An ordered list of (name, value) pairs that keeps repeated names (match[]=a&match[]=b).
// Lookups compare names exactly, or ASCII-case-insensitively when constructed with case_insensitive.
class Multimap {
 public:
  explicit Multimap(bool case_insensitive = false) : case_insensitive_(case_insensitive) {}

  void Add(std::string name, std::string value) { entries_.emplace_back(std::move(name), std::move(value)); }
  // Replaces every value of `name` with this one.
  void Set(std::string name, std::string value);
  void Remove(std::string_view name);

  bool Has(std::string_view name) const;
  // The first value of `name`, or nullopt.
  std::optional<std::string_view> Get(std::string_view name) const;
  // The first value of `name`, or "".
  std::string_view GetOr(std::string_view name, std::string_view fallback = "") const;
  // Every value of `name`, in order.
  std::vector<std::string> GetAll(std::string_view name) const;

  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

 private:
  bool NameEquals(std::string_view a, std::string_view b) const;

  bool case_insensitive_;
  std::vector<std::pair<std::string, std::string>> entries_;
};

// Header names are case-insensitive (RFC 9110).
class Headers : public Multimap {
 public:
  Headers() : Multimap(true) {}
};

using Params = Multimap;

struct Request {
  std::string method;  // "GET", "POST", ... as sent (methods are case-sensitive)
  std::string target;  // the raw request target: "/api/v1/query?query=up"
  std::string path;    // percent-decoded path without the query: "/api/v1/query"
  // Query-string parameters, and for a POST/PUT/PATCH with Content-Type application/x-www-form-urlencoded the
  // form fields too (listed first, so Get() prefers the form as Go's FormValue does). '+' is a space.
  Params params;
  Params path_params;  // filled by the Router from ":name" and "*name" segments of the route
  Headers headers;
  std::string body;            // decoded when it came with Content-Encoding: gzip (the header is removed)
  std::string remote_address;  // "127.0.0.1:51234"

  // Shorthands for params.
  std::optional<std::string_view> Param(std::string_view name) const { return params.Get(name); }
  std::vector<std::string> ParamValues(std::string_view name) const { return params.GetAll(name); }
  std::string_view PathParam(std::string_view name) const { return path_params.GetOr(name); }
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  // A text/plain; charset=utf-8 response.
  static Response Text(int status, std::string body);
  // An application/json response.
  static Response Json(int status, std::string body);
  // A text/plain error: the message plus a newline.
  static Response Error(int status, std::string_view message);
};

// Handlers run on the server's handler pool (see server.h), several at a time: they must be thread-safe.
// An exception escaping a handler is caught and answered with 500 and its message.
using Handler = std::function<Response(const Request&)>;

// The standard reason phrase of a status code ("Not Found"), or "" when unknown.
std::string_view StatusText(int status);

}  // namespace foresight::web
