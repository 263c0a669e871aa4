#include "web/http/http.h"
#include "web/http/strings.h"

#include <algorithm>

namespace foresight::web {

bool Multimap::NameEquals(std::string_view a, std::string_view b) const {
  return case_insensitive_ ? EqualsIgnoreCase(a, b) : a == b;
}

void Multimap::Set(std::string name, std::string value) {
  Remove(name);
  Add(std::move(name), std::move(value));
}

void Multimap::Remove(std::string_view name) {
  std::erase_if(entries_, [&](const auto& e) { return NameEquals(e.first, name); });
}

bool Multimap::Has(std::string_view name) const { return Get(name).has_value(); }

std::optional<std::string_view> Multimap::Get(std::string_view name) const {
  for (const auto& [n, v] : entries_) {
    if (NameEquals(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

std::string_view Multimap::GetOr(std::string_view name, std::string_view fallback) const {
  return Get(name).value_or(fallback);
}

std::vector<std::string> Multimap::GetAll(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [n, v] : entries_) {
    if (NameEquals(n, name)) out.push_back(v);
  }
  return out;
}

Response Response::Text(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers.Set("Content-Type", "text/plain; charset=utf-8");
  r.body = std::move(body);
  return r;
}

Response Response::Json(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers.Set("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

Response Response::Error(int status, std::string_view message) {
  std::string body(message);
  body.push_back('\n');
  return Text(status, std::move(body));
}

std::string_view StatusText(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 499:
      return "Client Closed Request";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "";
  }
}

}  // namespace foresight::web
