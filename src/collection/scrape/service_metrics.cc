// Self-monitoring of the collection part (GET /metrics): samples ingested and refused by path, scrape
// outcomes, scrape pool sizes, and the push endpoints' own counters.
#include "collection/push/push.h"
#include "collection/scrape/service.h"
#include "common/metrics/metrics.h"

namespace foresight::collection {
namespace {

using metrics::FamilySnapshot;

double Get(const std::atomic<uint64_t>& a) { return static_cast<double>(a.load(std::memory_order_relaxed)); }

void AddSample(FamilySnapshot& f, std::vector<std::pair<std::string, std::string>> labels, double v) {
  metrics::Sample& s = f.samples.emplace_back();
  s.labels = std::move(labels);
  s.value = v;
}

constexpr int kLastReason = static_cast<int>(storage::RejectReason::kInvalidLabels);

}  // namespace

void CollectionService::AppendMetrics(const PushStats* push, std::vector<FamilySnapshot>* out) const {
  const ScrapeStats& scrape = manager_->stats();
  FamilySnapshot ingested{"foresight_samples_ingested_total",
                          "Samples committed to storage, by the path they came in on (scrape, remote_write, "
                          "push).",
                          metrics::MetricType::kCounter,
                          {}};
  AddSample(ingested, {{"path", "scrape"}}, Get(scrape.samples_ingested));
  FamilySnapshot rejected{"foresight_samples_rejected_total",
                          "Samples refused by the storage, by path and reason.",
                          metrics::MetricType::kCounter,
                          {}};
  for (int r = 0; r <= kLastReason; ++r) {
    AddSample(
        rejected,
        {{"path", "scrape"}, {"reason", std::string(storage::RejectReasonName(storage::RejectReason(r)))}},
        Get(scrape.samples_rejected[r]));
  }
  if (push != nullptr) {
    const RemoteWriteStats& rw = push->remote_write;
    AddSample(ingested, {{"path", "remote_write"}}, Get(rw.samples_ingested));
    AddSample(ingested, {{"path", "push"}}, Get(push->json.samples_ingested));
    const std::atomic<uint64_t>* rw_rejected[] = {&rw.rejected_out_of_order, &rw.rejected_duplicate,
                                                  &rw.rejected_too_old, &rw.rejected_invalid_labels};
    for (int r = 0; r <= kLastReason && r < 4; ++r) {
      const std::string reason(storage::RejectReasonName(storage::RejectReason(r)));
      AddSample(rejected, {{"path", "remote_write"}, {"reason", reason}}, Get(*rw_rejected[r]));
      AddSample(rejected, {{"path", "push"}, {"reason", reason}}, Get(push->json.rejected_by_reason[r]));
    }
  }
  out->push_back(std::move(ingested));
  out->push_back(std::move(rejected));

  out->push_back(FamilySnapshot::Single("foresight_scrapes_total", "Scrapes finished.",
                                        metrics::MetricType::kCounter, Get(scrape.scrapes)));
  FamilySnapshot failed{"foresight_scrapes_failed_total",
                        "Scrapes that failed (nothing of them committed), by reason: fetch (connection, TLS, "
                        "HTTP status, timeout), parse, limit (sample_limit, label_limit), storage.",
                        metrics::MetricType::kCounter,
                        {}};
  AddSample(failed, {{"reason", "fetch"}}, Get(scrape.scrapes_failed_fetch));
  AddSample(failed, {{"reason", "parse"}}, Get(scrape.scrapes_failed_parse));
  AddSample(failed, {{"reason", "limit"}}, Get(scrape.scrapes_failed_limit));
  AddSample(failed, {{"reason", "storage"}}, Get(scrape.scrapes_failed_storage));
  out->push_back(std::move(failed));
  FamilySnapshot pools{"foresight_scrape_pool_targets",
                       "Active targets of each scrape pool (job).",
                       metrics::MetricType::kGauge,
                       {}};
  for (const auto& [pool, n] : manager_->PoolSizes()) AddSample(pools, {{"scrape_pool", pool}}, double(n));
  out->push_back(std::move(pools));

  if (push != nullptr) {
    AppendRemoteWriteMetrics(push->remote_write, out);
    out->push_back(FamilySnapshot::Single("foresight_push_requests_total",
                                          "JSON push requests (POST /metrics).",
                                          metrics::MetricType::kCounter, Get(push->json.requests)));
    out->push_back(FamilySnapshot::Single("foresight_push_requests_invalid_total",
                                          "JSON push requests refused with 400 before appending (bad JSON, "
                                          "non-numeric value, bad name or timestamp).",
                                          metrics::MetricType::kCounter, Get(push->json.requests_invalid)));
  }
}

}  // namespace foresight::collection
