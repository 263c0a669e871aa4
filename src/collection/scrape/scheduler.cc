#include "collection/scrape/scheduler.h"

#include <curl/curl.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <queue>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "collection/relabel/strcat.h"

namespace foresight::collection {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kAccept[] =
    "Accept: application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string ReadSecret(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

// With tls_config.server_name, libcurl must see the server name as the URL's host: it sends that host as
// SNI and checks the certificate against it (libcurl has no separate option for either). So the request
// goes to https://<server_name>:<port>/..., CURLOPT_CONNECT_TO sends the connection to the target's real
// address, and the Host header keeps the address, as Prometheus does (Go's tls.Config.ServerName only
// changes the TLS side). Empty `fetch_url` when nothing changes (no server_name, or not https).
struct ServerNameRoute {
  std::string fetch_url;
  std::string connect_to;   // "server_name:port:address_host:port"
  std::string host_header;  // "Host: address_host:port"
};

ServerNameRoute RouteForServerName(const std::string& url, const std::string& server_name) {
  ServerNameRoute r;
  if (server_name.empty() || !url.starts_with("https://")) return r;
  CURLU* u = curl_url();
  char *host = nullptr, *port = nullptr, *out = nullptr;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
      curl_url_set(u, CURLUPART_HOST, server_name.c_str(), 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_URL, &out, 0) == CURLUE_OK) {
    r.fetch_url = out;
    r.connect_to = Cat(server_name, ":", port, ":", host, ":", port);
    r.host_header = Cat("Host: ", host, ":", port);
  }
  curl_free(host);
  curl_free(port);
  curl_free(out);
  curl_url_cleanup(u);
  return r;
}

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

}  // namespace

class ScrapeScheduler::Worker {
 public:
  Worker() {
    static CurlGlobal global;
    multi_ = curl_multi_init();
    thread_ = std::thread([this] { Run(); });
  }
  ~Worker() {
    Stop(false);
    curl_multi_cleanup(multi_);
  }

  void Post(std::shared_ptr<ScrapeLoop> loop, bool add, bool stale) {
    {
      std::lock_guard lock(mu_);
      inbox_.push_back({std::move(loop), add, stale});
    }
    curl_multi_wakeup(multi_);
  }

  void Stop(bool stale) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      stopping_ = true;
      stop_stale_ = stale;
    }
    curl_multi_wakeup(multi_);
    if (thread_.joinable()) thread_.join();
  }

 private:
  struct Target {
    std::shared_ptr<ScrapeLoop> loop;
    uint64_t id = 0;
    CURL* easy = nullptr;
    curl_slist* headers = nullptr;
    curl_slist* connect_to = nullptr;  // tls_config.server_name (RouteForServerName)
    std::string host_header;
    std::string body;
    bool in_flight = false;
    Clock::time_point due;
    Clock::time_point started;
    int64_t started_wall_ms = 0;
    char error[CURL_ERROR_SIZE] = {0};
  };
  struct Command {
    std::shared_ptr<ScrapeLoop> loop;
    bool add;
    bool stale;
  };
  using Slot = std::pair<Clock::time_point, uint64_t>;

  void Run() {
    for (;;) {
      std::vector<Command> cmds;
      bool stopping;
      {
        std::lock_guard lock(mu_);
        cmds.swap(inbox_);
        stopping = stopping_;
      }
      for (Command& c : cmds) c.add ? Add(std::move(c.loop)) : Remove(c.loop.get(), c.stale);
      if (stopping) break;
      const Clock::time_point now = Clock::now();
      while (!heap_.empty() && heap_.top().first <= now) {
        const auto [due, id] = heap_.top();
        heap_.pop();
        auto it = by_id_.find(id);
        if (it == by_id_.end() || it->second->due != due) continue;
        Target& t = *it->second;
        if (!t.in_flight) Start(t);
        const auto interval = std::chrono::milliseconds(t.loop->interval_ms());
        t.due = due + interval;
        while (t.due <= now) t.due += interval;
        heap_.push({t.due, t.id});
      }
      int running = 0;
      curl_multi_perform(multi_, &running);
      int queued = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi_, &queued)) {
        if (msg->msg != CURLMSG_DONE) continue;
        void* priv = nullptr;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
        Finish(*static_cast<Target*>(priv), msg->data.result);
      }
      int wait_ms = 1000;
      if (!heap_.empty()) {
        const auto until =
            std::chrono::duration_cast<std::chrono::milliseconds>(heap_.top().first - Clock::now());
        wait_ms = static_cast<int>(std::clamp<int64_t>(until.count() + 1, 0, 1000));
      }
      curl_multi_poll(multi_, nullptr, 0, wait_ms, nullptr);
    }
    const int64_t now_ms = WallMs();
    bool stale;
    {
      std::lock_guard lock(mu_);
      stale = stop_stale_;
    }
    while (!by_id_.empty()) {
      ScrapeLoop* loop = by_id_.begin()->second->loop.get();
      if (stale) loop->MarkAllStale(now_ms);
      Remove(loop, false);
    }
  }

  void Add(std::shared_ptr<ScrapeLoop> loop) {
    if (by_loop_.count(loop.get())) return;
    auto t = std::make_unique<Target>();
    t->id = ++next_id_;
    t->loop = std::move(loop);
    t->easy = curl_easy_init();
    const ScrapeLoop& l = *t->loop;
    const ScrapeConfig& cfg = l.config();
    CURL* e = t->easy;
    curl_easy_setopt(e, CURLOPT_URL, l.url().c_str());
    curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &WriteBody);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &t->body);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "gzip");
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(l.timeout_ms()));
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_USERAGENT, "Foresight/0.1.0");
    const TLSConfig& tls = cfg.tls_config;
    if (const ServerNameRoute route = RouteForServerName(l.url(), tls.server_name);
        !route.fetch_url.empty()) {
      curl_easy_setopt(e, CURLOPT_URL, route.fetch_url.c_str());
      t->connect_to = curl_slist_append(nullptr, route.connect_to.c_str());
      curl_easy_setopt(e, CURLOPT_CONNECT_TO, t->connect_to);
      t->host_header = route.host_header;
    }
    if (!tls.ca_file.empty()) {
      // The CA file replaces the system's trust store (as Go's RootCAs does), not adds to it.
      curl_easy_setopt(e, CURLOPT_CAINFO, tls.ca_file.c_str());
      curl_easy_setopt(e, CURLOPT_CAPATH, nullptr);
    }
    if (!tls.cert_file.empty()) curl_easy_setopt(e, CURLOPT_SSLCERT, tls.cert_file.c_str());
    if (!tls.key_file.empty()) curl_easy_setopt(e, CURLOPT_SSLKEY, tls.key_file.c_str());
    if (tls.insecure_skip_verify) {
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    // First turn: the next multiple of the interval plus the target's offset (wall-clock aligned).
    const int64_t interval = std::max<int64_t>(1, l.interval_ms());
    const int64_t now_ms = WallMs();
    int64_t next =
        now_ms - now_ms % interval + static_cast<int64_t>(l.hash() % static_cast<uint64_t>(interval));
    if (next < now_ms) next += interval;
    t->due = Clock::now() + std::chrono::milliseconds(next - now_ms);
    heap_.push({t->due, t->id});
    by_loop_[t->loop.get()] = t->id;
    by_id_[t->id] = std::move(t);
    curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, static_cast<long>(by_id_.size() + 8));
  }

  void Remove(ScrapeLoop* loop, bool stale) {
    auto it = by_loop_.find(loop);
    if (it == by_loop_.end()) return;
    auto tit = by_id_.find(it->second);
    Target& t = *tit->second;
    if (t.in_flight) curl_multi_remove_handle(multi_, t.easy);
    if (stale) loop->MarkAllStale(WallMs());
    curl_easy_cleanup(t.easy);
    curl_slist_free_all(t.headers);
    curl_slist_free_all(t.connect_to);
    by_id_.erase(tit);
    by_loop_.erase(it);
  }

  void Start(Target& t) {
    const ScrapeConfig& cfg = t.loop->config();
    curl_slist_free_all(t.headers);
    t.headers = curl_slist_append(nullptr, kAccept);
    if (!t.host_header.empty()) t.headers = curl_slist_append(t.headers, t.host_header.c_str());
    t.headers = curl_slist_append(t.headers, Cat("X-Prometheus-Scrape-Timeout-Seconds: ",
                                                 static_cast<double>(t.loop->timeout_ms()) / 1000)
                                                 .c_str());
    if (cfg.authorization) {
      const Authorization& a = *cfg.authorization;
      const std::string cred = a.credentials_file.empty() ? a.credentials : ReadSecret(a.credentials_file);
      t.headers = curl_slist_append(t.headers, Cat("Authorization: ", a.type, " ", cred).c_str());
    }
    if (cfg.basic_auth) {
      const BasicAuth& b = *cfg.basic_auth;
      const std::string pw = b.password_file.empty() ? b.password : ReadSecret(b.password_file);
      curl_easy_setopt(t.easy, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
      curl_easy_setopt(t.easy, CURLOPT_USERNAME, b.username.c_str());
      curl_easy_setopt(t.easy, CURLOPT_PASSWORD, pw.c_str());  // libcurl copies the string
    }
    curl_easy_setopt(t.easy, CURLOPT_HTTPHEADER, t.headers);
    t.body.clear();
    t.error[0] = 0;
    t.started = Clock::now();
    t.started_wall_ms = WallMs();
    t.in_flight = true;
    curl_multi_add_handle(multi_, t.easy);
  }

  void Finish(Target& t, CURLcode result) {
    curl_multi_remove_handle(multi_, t.easy);
    t.in_flight = false;
    const double duration = std::chrono::duration<double>(Clock::now() - t.started).count();
    absl::Status st;
    char* content_type = nullptr;
    if (result != CURLE_OK) {
      const std::string detail = t.error[0] ? std::string(t.error) : std::string(curl_easy_strerror(result));
      st = result == CURLE_OPERATION_TIMEDOUT
               ? absl::DeadlineExceededError(
                     Cat("Get \"", t.loop->url(), "\": context deadline exceeded (", detail, ")"))
               : absl::UnavailableError(Cat("Get \"", t.loop->url(), "\": ", detail));
    } else {
      long code = 0;
      curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &code);
      if (code != 200) st = absl::UnavailableError(Cat("server returned HTTP status ", code));
      curl_easy_getinfo(t.easy, CURLINFO_CONTENT_TYPE, &content_type);
    }
    (void)t.loop->Report(t.started_wall_ms, duration, st, t.body,
                         content_type ? std::string_view(content_type) : std::string_view());
    if (t.body.capacity() > 4 * t.body.size() + (64 << 10)) t.body.shrink_to_fit();
  }

  CURLM* multi_ = nullptr;
  std::thread thread_;
  std::mutex mu_;
  std::vector<Command> inbox_;
  bool stopping_ = false;
  bool stop_stale_ = false;
  // Used by the worker thread only.
  uint64_t next_id_ = 0;
  std::unordered_map<uint64_t, std::unique_ptr<Target>> by_id_;
  std::unordered_map<ScrapeLoop*, uint64_t> by_loop_;
  std::priority_queue<Slot, std::vector<Slot>, std::greater<Slot>> heap_;
};

ScrapeScheduler::ScrapeScheduler(int threads) {
  for (int i = 0; i < std::max(1, threads); ++i) workers_.push_back(std::make_unique<Worker>());
}

ScrapeScheduler::~ScrapeScheduler() { Stop(false); }

void ScrapeScheduler::Add(std::shared_ptr<ScrapeLoop> loop) {
  Worker& w = *workers_[loop->hash() % workers_.size()];
  w.Post(std::move(loop), true, false);
}

void ScrapeScheduler::Remove(std::shared_ptr<ScrapeLoop> loop, bool stale) {
  Worker& w = *workers_[loop->hash() % workers_.size()];
  w.Post(std::move(loop), false, stale);
}

void ScrapeScheduler::Stop(bool stale) {
  for (auto& w : workers_) w->Stop(stale);
}

}  // namespace foresight::collection
