// The `foresight` process: wires the HTTP server, the self-monitoring registry and the storage engine
// together, and runs until SIGINT or SIGTERM.
//
// Lifecycle (Run): block SIGINT/SIGTERM/SIGHUP in every thread (they are taken with sigwait on the calling
// thread), start HTTP (/-/healthy answers at once, /-/ready is 503), open the storage engine (which replays
// its write-ahead log), mark ready, print "Foresight listening on http://<addr>" on stdout, then wait for
// signals: SIGHUP calls the reload hook, SIGINT/SIGTERM shut down: not ready, stop HTTP (draining in-flight
// requests), close the storage engine (syncing the log). Exit code 0 on a clean stop, 1 when startup failed.
//
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "common/metrics/metrics.h"
#include "server/flags.h"
#include "web/http/server.h"

namespace foresight::storage {
class DB;
}

namespace foresight::server {

// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread. main() calls it before anything starts a thread
// (App's constructor already starts the query engine's worker pool), so every thread inherits the mask and
// only App::Run's sigwait takes these signals.
void BlockHandledSignals();

class Services;

class App {
 public:
  explicit App(Flags flags);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // For other parts to register endpoints and metrics before Run().
  web::Router& router() { return server_->router(); }
  metrics::Registry& registry() { return metrics::DefaultRegistry(); }
  // The storage engine while running (nullptr before it is open, and when built without it).
  storage::DB* db() const { return db_.get(); }

  // Called on SIGHUP (on the signal-waiting thread). The default logs "reload requested". The collection
  // part sets it to reload the configuration file; an error is logged, the process keeps running.
  void SetReloadHook(std::function<absl::Status()> hook) { reload_hook_ = std::move(hook); }

  // The whole lifecycle; returns the process exit code.
  int Run();
  // Makes Run() shut down as on SIGTERM (from any thread).
  static void RequestShutdown();

 private:
  absl::Status OpenStorage();
  void InstallRoutes();
  void Shutdown();

  Flags flags_;
  std::unique_ptr<web::Server> server_;
  std::shared_ptr<storage::DB> db_;
  std::unique_ptr<Services> services_;
  absl::Status startup_error_;  // a configuration that did not load: Run() reports it and exits
  std::atomic<bool> ready_{false};
  std::function<absl::Status()> reload_hook_;
  uint64_t storage_collector_ = 0;
  uint64_t process_collector_ = 0;
  double start_time_seconds_ = 0;
};

// The address to print for a bound address: an unspecified host (0.0.0.0, ::) becomes the loopback one.
std::string DisplayAddress(const std::string& bound);

}  // namespace foresight::server
