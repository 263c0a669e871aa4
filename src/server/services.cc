#include "server/services.h"

#include <spdlog/spdlog.h>

#include "collection/config/config.h"
#include "collection/host/host_collector.h"
#include "collection/push/push.h"
#include "collection/scrape/service.h"
#include "common/fmt_absl.h"
#include "common/metrics/text_format.h"
#include "query/engine/engine.h"
#include "storage/db.h"

namespace foresight::server {

Services::Services(Flags flags)
    : flags_(std::move(flags)),
      engine_(std::make_unique<query::Engine>()),
      push_stats_(std::make_unique<collection::PushStats>()) {}

Services::~Services() { Stop(); }

absl::StatusOr<std::unique_ptr<Services>> Services::Create(const Flags& flags, web::Router& router) {
  std::unique_ptr<Services> s(new Services(flags));
  // Check the file now so that a broken configuration stops the start with its error, before anything runs.
  if (auto cfg = s->LoadConfig(0); !cfg.ok()) return cfg.status();
  if (auto st = s->RegisterRoutes(router); !st.ok()) return st;
  return s;
}

absl::StatusOr<collection::Config> Services::LoadConfig(int port) const {
  if (flags_.config_file.empty()) return collection::DefaultConfig(port);
  return collection::LoadConfigFile(flags_.config_file);
}

absl::Status Services::RegisterRoutes(web::Router& router) {
  if (auto st = collection::RegisterPushRoutes(router, storage_, push_stats_.get()); !st.ok()) return st;
  // The built-in host collector, in node_exporter's names; the default configuration scrapes it.
  if (auto st = router.Get("/host/metrics",
                           [](const web::Request&) {
                             web::Response r = web::Response::Text(200, collection::CollectHostMetrics());
                             r.headers.Set("Content-Type", std::string(metrics::kTextContentType));
                             return r;
                           });
      !st.ok()) {
    return st;
  }
  if (auto st = router.Post("/-/reload",
                            [this](const web::Request&) {
                              if (auto st = Reload(); !st.ok()) return web::Response::Error(500, std::string(st.message()));
                              return web::Response::Text(200, "");
                            });
      !st.ok()) {
    return st;
  }
  return absl::OkStatus();
}

absl::Status Services::Start(storage::DB* db, int port) {
  storage_.Set(db, db);
  std::lock_guard lock(mu_);
  port_ = port;
  auto cfg = LoadConfig(port);
  if (!cfg.ok()) return cfg.status();
  collection::CollectionOptions opts;
  opts.listen_port = port;
  auto svc = collection::CollectionService::Create(&storage_, *cfg, opts);
  if (!svc.ok()) return svc.status();
  collection_ = std::move(*svc);
  spdlog::info("collection started from {}",
               flags_.config_file.empty() ? std::string("the embedded default configuration") : flags_.config_file);
  return absl::OkStatus();
}

absl::Status Services::Reload() {
  std::lock_guard lock(mu_);
  auto cfg = LoadConfig(port_);
  if (!cfg.ok()) {
    spdlog::error("configuration reload refused, keeping the running one: {}", cfg.status().message());
    return cfg.status();
  }
  if (collection_) {
    if (auto st = collection_->Reload(*cfg); !st.ok()) return st;
  }
  spdlog::info("configuration reloaded");
  return absl::OkStatus();
}

void Services::Stop() {
  std::lock_guard lock(mu_);
  if (collection_) {
    collection_->Stop();
    collection_.reset();
  }
  storage_.Set(nullptr, nullptr);
}

}  // namespace foresight::server
