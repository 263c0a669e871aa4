// Helpers for the scrape tests: a temp dir, an HTTP server with settable payloads, and reading the store.
#pragma once

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/labels.h"
#include "common/matcher.h"
#include "storage/db.h"
#include "web/http/server.h"

namespace foresight::collection::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "foresight_scrape_XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Serves GET /<path> with the body set for that path (404 when none), after an optional delay.
class TestServer {
 public:
  struct Page {
    std::string body;
    std::string content_type = "text/plain; version=0.0.4";
    int status = 200;
    int delay_ms = 0;
  };

  TestServer() : server_(Options()) {
    (void)server_.router().Get("/*path", [this](const web::Request& req) {
      Page p;
      {
        std::lock_guard lock(mu_);
        auto it = pages_.find(req.path);
        if (it == pages_.end()) return web::Response::Error(404, "no such page");
        p = it->second;
        ++hits_[req.path];
        last_headers_ = req.headers;
      }
      if (p.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(p.delay_ms));
      web::Response r;
      r.status = p.status;
      r.body = p.body;
      r.headers.Set("Content-Type", p.content_type);
      return r;
    });
  }
  absl::Status Start() { return server_.Start(); }
  ~TestServer() { server_.Stop(std::chrono::milliseconds(0)); }

  uint16_t port() const { return server_.port(); }
  std::string address() const { return "127.0.0.1:" + std::to_string(server_.port()); }

  void Set(const std::string& path, Page p) {
    std::lock_guard lock(mu_);
    pages_[path] = std::move(p);
  }
  void Set(const std::string& path, std::string body) { Set(path, Page{std::move(body)}); }
  int Hits(const std::string& path) {
    std::lock_guard lock(mu_);
    return hits_[path];
  }
  web::Headers LastHeaders() {
    std::lock_guard lock(mu_);
    return last_headers_;
  }

 private:
  static web::ServerOptions Options() {
    web::ServerOptions o;
    o.listen_address = "127.0.0.1:0";
    o.io_threads = 1;
    o.handler_threads = 4;
    o.gzip_min_bytes = 64;
    return o;
  }
  web::Server server_;
  std::mutex mu_;
  std::map<std::string, Page> pages_;
  std::map<std::string, int> hits_;
  web::Headers last_headers_;
};

// Every series of the store matching name=~`name_re` and the extra equality matchers, with its samples.
inline std::map<std::string, std::vector<storage::Sample>> ReadSeries(
    storage::Queryable& db, const std::string& name_re = ".+",
    const std::vector<std::pair<std::string, std::string>>& eq = {}) {
  std::map<std::string, std::vector<storage::Sample>> out;
  std::vector<Matcher> ms;
  ms.push_back(*Matcher::Make(MatchType::kRegexMatch, "__name__", name_re));
  for (const auto& [k, v] : eq) ms.push_back(*Matcher::Make(MatchType::kEqual, k, v));
  auto q = db.NewQuerier(storage::kMinTime, storage::kMaxTime);
  if (!q.ok()) return out;
  auto set = (*q)->Select(ms);
  while (set->Next()) {
    auto it = set->At().Iterator();
    std::vector<storage::Sample>& samples = out[set->At().labels().ToString()];
    while (it->Next()) samples.push_back(it->At());
  }
  return out;
}

// Polls `cond` every 20 ms for up to `timeout`.
inline bool WaitFor(const std::function<bool()>& cond,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return cond();
}

}  // namespace foresight::collection::testing
