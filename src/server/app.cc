#include "server/app.h"

#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "common/metrics/text_format.h"
#include "server/landing_page.h"
#include "server/self_metrics.h"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"

#include "server/services.h"
#include "storage/db.h"

namespace foresight::server {

namespace {

sigset_t HandledSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

spdlog::level::level_enum LogLevel(const std::string& name) {
  if (name == "debug") return spdlog::level::debug;
  if (name == "warn") return spdlog::level::warn;
  if (name == "error") return spdlog::level::err;
  return spdlog::level::info;
}

}  // namespace

std::string DisplayAddress(const std::string& bound) {
  if (bound.starts_with("0.0.0.0:")) return "127.0.0.1" + bound.substr(7);
  if (bound.starts_with("[::]:")) return "[::1]" + bound.substr(4);
  return bound;
}

App::App(Flags flags) : flags_(std::move(flags)) {
  auto logger = spdlog::get("foresight");
  if (!logger) logger = spdlog::stderr_color_mt("foresight");
  spdlog::set_default_logger(logger);
  spdlog::set_level(LogLevel(flags_.log_level));
  start_time_seconds_ =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  web::ServerOptions options;
  options.listen_address = flags_.listen_address;
  options.read_timeout = std::chrono::milliseconds(flags_.read_timeout_ms);
  options.registry = &metrics::DefaultRegistry();
  server_ = std::make_unique<web::Server>(options);
  InstallRoutes();
  auto services = Services::Create(flags_, router());
  if (services.ok()) {
    services_ = std::move(*services);
    reload_hook_ = [this] { return services_->Reload(); };
  } else {
    startup_error_ = services.status();
  }
}

App::~App() {
  Shutdown();
  spdlog::drop("foresight");
}

void App::InstallRoutes() {
  auto check = [](absl::Status s) {
    if (!s.ok()) spdlog::error("cannot register route: {}", std::string(s.message()));
  };
  check(router().Get(
      "/-/healthy", [](const web::Request&) { return web::Response::Text(200, "Foresight is Healthy.\n"); }));
  check(router().Get("/-/ready", [this](const web::Request&) {
    if (!ready_.load()) return web::Response::Text(503, "Service Unavailable\n");
    return web::Response::Text(200, "Foresight is Ready.\n");
  }));
  check(router().Get("/", [](const web::Request&) {
    web::Response r = web::Response::Text(200, LandingPageHtml(FORESIGHT_VERSION));
    r.headers.Set("Content-Type", "text/html; charset=utf-8");
    return r;
  }));
  check(router().Get("/metrics", [](const web::Request&) {
    web::Response r = web::Response::Text(200, metrics::RenderText(metrics::DefaultRegistry()));
    r.headers.Set("Content-Type", std::string(metrics::kTextContentType));
    return r;
  }));
  double start = start_time_seconds_;
  process_collector_ = registry().AddCollector(
      [start](std::vector<metrics::FamilySnapshot>* out) { AppendProcessMetrics(start, out); });
}

absl::Status App::OpenStorage() {
  storage::DBOptions options;
  options.dir = flags_.storage_path;
  options.retention_ms = flags_.retention_ms;
  options.retention_bytes = flags_.retention_bytes;
  switch (flags_.wal_sync) {
    case WalSync::kNever:
      options.wal_sync = storage::WalSyncPolicy::kNever;
      break;
    case WalSync::kInterval:
      options.wal_sync = storage::WalSyncPolicy::kInterval;
      break;
    case WalSync::kAlways:
      options.wal_sync = storage::WalSyncPolicy::kAlways;
      break;
  }
  spdlog::info("opening storage at {}", flags_.storage_path);
  auto start = std::chrono::steady_clock::now();
  auto db = storage::DB::Open(options);
  if (!db.ok()) return db.status();
  db_ = std::shared_ptr<storage::DB>(std::move(*db));
  spdlog::info("storage open (write-ahead log replayed) in {:.3f}s",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  std::shared_ptr<storage::DB> db_ref = db_;
  storage_collector_ = registry().AddCollector(
      [db_ref](std::vector<metrics::FamilySnapshot>* out) { AppendStorageMetrics(db_ref->Stats(), out); });
  return absl::OkStatus();
}

void BlockHandledSignals() {
  sigset_t signals = HandledSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

void App::RequestShutdown() { kill(getpid(), SIGTERM); }

int App::Run() {
  // main() has done this before constructing the App; again here for other callers of Run (tests).
  BlockHandledSignals();
  sigset_t signals = HandledSignals();

  if (!startup_error_.ok()) {
    spdlog::error("{}", std::string(startup_error_.message()));
    std::cerr << "foresight: " << startup_error_.message() << std::endl;
    return 1;
  }
  if (auto s = server_->Start(); !s.ok()) {
    spdlog::error("cannot start the HTTP server: {}", std::string(s.message()));
    return 1;
  }
  spdlog::info("HTTP server listening on {}", server_->address());
  if (auto s = OpenStorage(); !s.ok()) {
    spdlog::error("cannot open storage at {}: {}", flags_.storage_path, std::string(s.message()));
    Shutdown();
    return 1;
  }
  if (auto s = services_->Start(db_.get(), server_->port()); !s.ok()) {
    spdlog::error("cannot start: {}", std::string(s.message()));
    Shutdown();
    return 1;
  }
  ready_.store(true);
  std::cout << "Foresight listening on http://" << DisplayAddress(server_->address()) << std::endl;
  spdlog::info("server is ready to receive web requests");

  while (true) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      if (auto s = reload_hook_ ? reload_hook_() : absl::OkStatus(); !s.ok()) {
        spdlog::error("reload failed: {}", std::string(s.message()));
      }
      continue;
    }
    spdlog::info("received {}, exiting gracefully", sig == SIGINT ? "SIGINT" : "SIGTERM");
    break;
  }
  Shutdown();
  spdlog::info("see you next time");
  return 0;
}

void App::Shutdown() {
  ready_.store(false);
  if (services_) services_->Stop();  // no scrape or push writes after this
  if (server_) server_->Stop(std::chrono::seconds(10));
  if (storage_collector_ != 0) {
    registry().RemoveCollector(storage_collector_);
    storage_collector_ = 0;
  }
  if (process_collector_ != 0) {
    registry().RemoveCollector(process_collector_);
    process_collector_ = 0;
  }
  if (db_) {
    if (auto s = db_->Close(); !s.ok()) spdlog::error("closing storage: {}", std::string(s.message()));
    db_.reset();
  }
}

}  // namespace foresight::server
