#include "collection/remotewrite/receiver.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "collection/remotewrite/decoder.h"
#include "common/metrics/metrics.h"
#include "web/http/router.h"

namespace foresight::collection {
namespace {

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }
std::string_view SV(absl::string_view s) { return std::string_view(s.data(), s.size()); }

void Add(RemoteWriteStats* stats, std::atomic<uint64_t> RemoteWriteStats::*field, uint64_t n) {
  if (stats != nullptr && n > 0) (stats->*field).fetch_add(n, std::memory_order_relaxed);
}

// Uncompressed bodies up to this size keep their buffer for the next request on the thread.
constexpr size_t kKeepBytes = 16u << 20;

// Per-thread buffers: the decoded body and its views, reused across requests.
struct Scratch {
  std::string raw;
  DecodedWriteRequest decoded;
  std::vector<Label> labels;
};

// Label sets must be sorted by name without duplicates, and names must not be empty (the spec's MUSTs).
absl::Status CheckLabels(std::span<const LabelView> labels) {
  if (labels.empty()) return absl::InvalidArgumentError("series without labels");
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i].name.empty()) return absl::InvalidArgumentError("empty label name");
    if (i > 0 && labels[i - 1].name >= labels[i].name) {
      return absl::InvalidArgumentError(
          labels[i - 1].name == labels[i].name
              ? absl::StrCat("duplicate label name \"", std::string(labels[i].name), "\"")
              : absl::StrCat("labels not sorted: \"", std::string(labels[i - 1].name), "\" before \"",
                             std::string(labels[i].name), "\""));
    }
  }
  return absl::OkStatus();
}

// Tallies refused samples by reason and keeps the first message.
struct Rejections {
  uint64_t by_reason[4] = {0, 0, 0, 0};
  uint64_t total = 0;
  std::string first;

  void Add(storage::RejectReason r, uint64_t n, std::string_view message, std::string_view series) {
    by_reason[static_cast<int>(r)] += n;
    total += n;
    if (first.empty()) first = absl::StrCat(AV(message), " for series ", AV(series));
  }
  std::string Message() const {
    std::string m = absl::StrCat(total, " samples rejected (");
    const char* sep = "";
    for (int r = 0; r < 4; ++r) {
      if (by_reason[r] == 0) continue;
      absl::StrAppend(&m, sep, AV(storage::RejectReasonName(static_cast<storage::RejectReason>(r))), ": ",
                      by_reason[r]);
      sep = ", ";
    }
    absl::StrAppend(&m, "); first: ", first);
    return m;
  }
};

std::string SeriesString(std::span<const LabelView> labels) {
  std::string s = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    absl::StrAppend(&s, i > 0 ? ", " : "", std::string(labels[i].name), "=\"",
                    EscapeLabelValue(std::string(labels[i].value)), "\"");
  }
  return s + "}";
}

int RetryableStatus(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kAborted:
      return 503;
    default:
      return 500;
  }
}

// Keeps the request's metadata in `store` (null: none kept) and counts what was and was not kept.
void StoreMetadata(std::span<const MetricMetadataView> metadata, MetadataStore* store,
                   RemoteWriteStats* stats) {
  uint64_t stored = 0;
  for (const MetricMetadataView& m : metadata) {
    if (store != nullptr && store->Put(m.family, FamilyMetadata{std::string(MetricMetadataTypeName(m.type)),
                                                                std::string(m.help), std::string(m.unit)})) {
      ++stored;
    }
  }
  Add(stats, &RemoteWriteStats::metadata_stored, stored);
  Add(stats, &RemoteWriteStats::metadata_ignored, metadata.size() - stored);
}

}  // namespace

RemoteWriteReceiver::RemoteWriteReceiver(storage::Appendable& storage, RemoteWriteStats* stats,
                                         RemoteWriteOptions options)
    : storage_(storage), stats_(stats), options_(options) {}

web::Response RemoteWriteReceiver::Handle(const web::Request& request) const {
  thread_local Scratch scratch;
  // An unusually large request must not pin its buffer to the thread forever.
  struct Shrink {
    Scratch& s;
    ~Shrink() {
      if (s.raw.capacity() > kKeepBytes) std::string().swap(s.raw);
    }
  } shrink{scratch};
  Add(stats_, &RemoteWriteStats::requests, 1);
  absl::Status st = SnappyUncompress(request.body, options_.max_decoded_bytes, &scratch.raw);
  if (st.ok()) st = DecodeWriteRequest(scratch.raw, &scratch.decoded);
  if (!st.ok()) {
    Add(stats_, &RemoteWriteStats::requests_invalid, 1);
    return web::Response::Error(400, SV(st.message()));
  }
  const DecodedWriteRequest& req = scratch.decoded;
  Add(stats_, &RemoteWriteStats::exemplars_ignored, req.exemplars());
  Add(stats_, &RemoteWriteStats::histograms_ignored, req.histograms());
  StoreMetadata(req.metadata(), options_.metadata, stats_);

  std::unique_ptr<storage::Appender> app = storage_.NewAppender();
  Rejections rejected;
  uint64_t appended = 0;
  for (size_t i = 0; i < req.num_series(); ++i) {
    std::span<const LabelView> views = req.labels(i);
    std::span<const storage::Sample> samples = req.samples(i);
    if (samples.empty()) continue;
    if (absl::Status ls = CheckLabels(views); !ls.ok()) {
      rejected.Add(storage::RejectReason::kInvalidLabels, samples.size(), SV(ls.message()),
                   SeriesString(views));
      continue;
    }
    scratch.labels.clear();
    for (const LabelView& l : views)
      scratch.labels.push_back(Label{std::string(l.name), std::string(l.value)});
    Labels labels = Labels::FromSorted(std::move(scratch.labels));
    storage::SeriesRef ref = 0;
    for (const storage::Sample& s : samples) {
      absl::StatusOr<storage::SeriesRef> r = app->Append(ref, labels, s.t, s.v);
      if (r.ok()) {
        ref = *r;
        ++appended;
        continue;
      }
      std::optional<storage::RejectReason> reason = storage::RejectReasonOf(r.status());
      if (!reason) {  // the storage failed, not the sample: let the sender retry the whole request
        app->Rollback();
        Add(stats_, &RemoteWriteStats::requests_failed, 1);
        return web::Response::Error(RetryableStatus(r.status()), SV(r.status().message()));
      }
      rejected.Add(*reason, 1, SV(r.status().message()), labels.ToString());
    }
  }
  if (absl::Status cs = app->Commit(); !cs.ok()) {
    Add(stats_, &RemoteWriteStats::requests_failed, 1);
    return web::Response::Error(RetryableStatus(cs), SV(cs.message()));
  }
  Add(stats_, &RemoteWriteStats::samples_ingested, appended);
  if (stats_ != nullptr) {
    stats_->rejected_out_of_order.fetch_add(rejected.by_reason[0], std::memory_order_relaxed);
    stats_->rejected_duplicate.fetch_add(rejected.by_reason[1], std::memory_order_relaxed);
    stats_->rejected_too_old.fetch_add(rejected.by_reason[2], std::memory_order_relaxed);
    stats_->rejected_invalid_labels.fetch_add(rejected.by_reason[3], std::memory_order_relaxed);
  }
  if (rejected.total > 0) return web::Response::Error(400, rejected.Message());
  web::Response resp;
  resp.status = 204;
  return resp;
}

absl::Status RegisterRemoteWriteRoute(web::Router& router, storage::Appendable& storage,
                                      RemoteWriteStats* stats, RemoteWriteOptions options) {
  auto receiver = std::make_shared<RemoteWriteReceiver>(storage, stats, options);
  return router.Post("/api/v1/write", [receiver](const web::Request& r) { return receiver->Handle(r); });
}

uint64_t ExportRemoteWriteStats(metrics::Registry& registry, const RemoteWriteStats* stats) {
  return registry.AddCollector(
      [stats](std::vector<metrics::FamilySnapshot>* out) { AppendRemoteWriteMetrics(*stats, out); });
}

void AppendRemoteWriteMetrics(const RemoteWriteStats& stats_ref, std::vector<metrics::FamilySnapshot>* out) {
  const RemoteWriteStats* stats = &stats_ref;
  {
    using metrics::FamilySnapshot;
    using metrics::MetricType;
    auto get = [](const std::atomic<uint64_t>& a) {
      return static_cast<double>(a.load(std::memory_order_relaxed));
    };
    out->push_back(FamilySnapshot::Single("foresight_remote_write_requests_total",
                                          "Remote-write requests received.", MetricType::kCounter,
                                          get(stats->requests)));
    out->push_back(FamilySnapshot::Single("foresight_remote_write_requests_invalid_total",
                                          "Remote-write requests refused because the body did not decode.",
                                          MetricType::kCounter, get(stats->requests_invalid)));
    out->push_back(FamilySnapshot::Single("foresight_remote_write_requests_failed_total",
                                          "Remote-write requests answered 5xx (storage failures).",
                                          MetricType::kCounter, get(stats->requests_failed)));
    out->push_back(FamilySnapshot::Single("foresight_remote_write_samples_ingested_total",
                                          "Samples received by remote write and committed.",
                                          MetricType::kCounter, get(stats->samples_ingested)));
    FamilySnapshot rej{"foresight_remote_write_samples_rejected_total",
                       "Samples received by remote write and refused, by reason.",
                       MetricType::kCounter,
                       {}};
    const std::pair<const char*, const std::atomic<uint64_t>*> reasons[] = {
        {"out_of_order", &stats->rejected_out_of_order},
        {"duplicate_sample", &stats->rejected_duplicate},
        {"too_old", &stats->rejected_too_old},
        {"invalid_labels", &stats->rejected_invalid_labels}};
    for (const auto& [name, v] : reasons) {
      metrics::Sample& s = rej.samples.emplace_back();
      s.labels = {{"reason", name}};
      s.value = get(*v);
    }
    out->push_back(std::move(rej));
    out->push_back(FamilySnapshot::Single("foresight_remote_write_metadata_stored_total",
                                          "Metric metadata entries received by remote write and stored.",
                                          MetricType::kCounter, get(stats->metadata_stored)));
    FamilySnapshot ign{"foresight_remote_write_ignored_total",
                       "Exemplars, native histograms and metadata received by remote write and not stored.",
                       MetricType::kCounter,
                       {}};
    const std::pair<const char*, const std::atomic<uint64_t>*> kinds[] = {
        {"exemplar", &stats->exemplars_ignored},
        {"histogram", &stats->histograms_ignored},
        {"metadata", &stats->metadata_ignored}};
    for (const auto& [name, v] : kinds) {
      metrics::Sample& s = ign.samples.emplace_back();
      s.labels = {{"kind", name}};
      s.value = get(*v);
    }
    out->push_back(std::move(ign));
  }
}

}  // namespace foresight::collection
