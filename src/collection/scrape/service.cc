#include "collection/scrape/service.h"

#include <charconv>

#include "collection/textparse/writer.h"

namespace foresight::collection {

CollectionService::CollectionService(storage::Appendable* storage, CollectionOptions options)
    : options_(std::move(options)), manager_(std::make_unique<ScrapeManager>(storage, options_.scrape)) {}

CollectionService::~CollectionService() { Stop(); }

absl::StatusOr<std::unique_ptr<CollectionService>> CollectionService::Create(storage::Appendable* storage,
                                                                             const Config& config,
                                                                             CollectionOptions options) {
  if (storage == nullptr) return absl::InvalidArgumentError("collection: no storage");
  std::unique_ptr<CollectionService> s(new CollectionService(storage, std::move(options)));
  if (absl::Status st = s->Reload(config); !st.ok()) return st;
  s->manager_->Start();
  return s;
}

absl::Status CollectionService::Reload(const Config& config) {
  host_enabled_ = config.host_collector;
  return manager_->ApplyConfig(config);
}

void CollectionService::Stop() { manager_->Stop(); }

absl::Status CollectionService::RegisterRoutes(web::Router& router) {
  return router.Get("/host/metrics", [this](const web::Request&) {
    if (!host_enabled_) return web::Response::Error(404, "the host collector is disabled");
    web::Response r;
    r.body = CollectHostMetrics(options_.host);
    r.headers.Set("Content-Type", std::string(kTextContentType));
    return r;
  });
}

absl::Status CollectionService::RegisterApiRoutes(web::Router& router) {
  absl::Status st = router.GetPost("/api/v1/targets", [this](const web::Request& req) {
    return web::Response::Json(200, TargetsJson(req.params.GetOr("state"), req.params.GetOr("scrapePool")));
  });
  if (!st.ok()) return st;
  return router.GetPost("/api/v1/metadata", [this](const web::Request& req) {
    int limit = -1;
    const std::string_view l = req.params.GetOr("limit");
    if (!l.empty()) std::from_chars(l.data(), l.data() + l.size(), limit);
    return web::Response::Json(200, MetadataJson(req.params.GetOr("metric"), limit));
  });
}

std::string CollectionService::TargetsJson(std::string_view state, std::string_view scrape_pool) const {
  return manager_->TargetsJson(state, scrape_pool);
}

std::string CollectionService::MetadataJson(std::string_view metric, int limit) const {
  return manager_->MetadataJson(metric, limit);
}

}  // namespace foresight::collection
