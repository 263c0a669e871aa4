#include "collection/scrape/scrape_loop.h"

#include <algorithm>

#include "collection/config/duration.h"
#include "collection/relabel/strcat.h"

namespace foresight::collection {
namespace {

constexpr std::string_view kReportNames[5] = {"up", "scrape_duration_seconds", "scrape_samples_scraped",
                                              "scrape_samples_post_metric_relabeling", "scrape_series_added"};

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

class ScrapeLoop::Visitor : public PayloadVisitor {
 public:
  Visitor(ScrapeLoop& loop, storage::Appender& app, int64_t t) : loop_(loop), app_(app), t_(t) {}

  absl::Status OnSample(const SampleView& s) override {
    ++scraped;
    const ScrapeConfig& cfg = *loop_.cfg_;
    Entry* e;
    auto it = loop_.cache_.find(AV(s.series));
    if (it == loop_.cache_.end()) {
      std::optional<Labels> labels = loop_.SeriesLabels(s);
      auto [nit, inserted] = loop_.cache_.try_emplace(std::string(s.series));
      loop_.new_keys_.push_back(nit->first);
      e = &nit->second;
      if (!labels || labels->empty()) {
        e->dropped = true;
      } else {
        if (cfg.label_limit > 0 && labels->size() > cfg.label_limit) {
          return absl::FailedPreconditionError(Cat("label_limit exceeded (metric: ", labels->MetricName(),
                                                   ", number of labels: ", labels->size(),
                                                   ", limit: ", cfg.label_limit, ")"));
        }
        e->hash = labels->Hash();
        e->labels = *std::move(labels);
        ++added;
      }
    } else {
      e = &it->second;
    }
    e->last_iter = loop_.iter_;
    if (e->dropped) return absl::OkStatus();
    ++post_relabel;
    if (cfg.sample_limit > 0 && post_relabel > cfg.sample_limit) {
      return absl::FailedPreconditionError(Cat("sample_limit exceeded (limit: ", cfg.sample_limit, ")"));
    }
    const bool explicit_ts = cfg.honor_timestamps && s.timestamp.has_value();
    absl::StatusOr<storage::SeriesRef> ref =
        app_.Append(e->ref, e->labels, explicit_ts ? *s.timestamp : t_, s.value);
    if (ref.ok()) {
      e->ref = *ref;
      ++appended;
    } else if (std::optional<storage::RejectReason> reason = storage::RejectReasonOf(ref.status())) {
      const auto r = static_cast<size_t>(*reason);
      if (r < ScrapeStats::kReasons) ++rejected[r];
    } else {
      return ref.status();  // the storage failed: the scrape is rolled back
    }
    if (!explicit_ts) {
      loop_.cur_.push_back(e);
      loop_.cur_hashes_.insert(e->hash);
    }
    return absl::OkStatus();
  }

  absl::Status OnMetadata(const MetadataView& m) override {
    std::lock_guard lock(loop_.mu_);
    auto it = loop_.metadata_.find(AV(m.family));
    if (it == loop_.metadata_.end()) it = loop_.metadata_.try_emplace(std::string(m.family)).first;
    FamilyMetadata& md = it->second;
    switch (m.kind) {
      case collection::Entry::kType: {
        const std::string_view name = MetricTypeName(m.type, Format::kOpenMetrics);
        if (md.type != name) md.type = std::string(name);
        break;
      }
      case collection::Entry::kHelp:
        if (md.help != m.text) md.help = std::string(m.text);
        break;
      case collection::Entry::kUnit:
        if (md.unit != m.text) md.unit = std::string(m.text);
        break;
      default:
        break;
    }
    return absl::OkStatus();
  }

  uint64_t scraped = 0, post_relabel = 0, added = 0;
  uint64_t appended = 0;
  uint64_t rejected[ScrapeStats::kReasons] = {};

 private:
  ScrapeLoop& loop_;
  storage::Appender& app_;
  int64_t t_;
};

ScrapeLoop::ScrapeLoop(storage::Appendable* db, std::shared_ptr<const ScrapeConfig> cfg, Labels full_labels,
                       Labels discovered, ScrapeStats* stats)
    : db_(db),
      stats_(stats),
      cfg_(std::move(cfg)),
      full_labels_(std::move(full_labels)),
      public_labels_(PublicLabels(full_labels_)),
      discovered_(std::move(discovered)),
      url_(ScrapeUrl(full_labels_, *cfg_)),
      hash_(full_labels_.Hash()),
      interval_ms_(ParseDuration(full_labels_.Get("__scrape_interval__")).value_or(cfg_->scrape_interval_ms)),
      timeout_ms_(ParseDuration(full_labels_.Get("__scrape_timeout__")).value_or(cfg_->scrape_timeout_ms)) {
  for (int i = 0; i < 5; ++i) {
    report_labels_[i] = LabelsBuilder(public_labels_).Set(kMetricNameLabel, kReportNames[i]).Build();
  }
}

std::optional<Labels> ScrapeLoop::SeriesLabels(const SampleView& s) {
  SortedLabelViews(s, sorted_);
  const Labels scraped = ToLabels(sorted_);
  LabelsBuilder b(scraped);
  if (cfg_->honor_labels) {
    for (const Label& l : public_labels_) {
      if (scraped.Get(l.name).empty()) b.Set(l.name, l.value);
    }
  } else {
    std::vector<const Label*> conflicts;
    for (const Label& l : public_labels_) {
      if (!scraped.Get(l.name).empty()) conflicts.push_back(&l);
      b.Set(l.name, l.value);
    }
    for (const Label* l : conflicts) {
      std::string name = Cat("exported_", l->name);
      while (scraped.Has(name) || public_labels_.Has(name)) name = Cat("exported_", name);
      b.Set(name, scraped.Get(l->name));
    }
  }
  return Relabel(b.Build(), cfg_->metric_relabel_configs);
}

absl::Status ScrapeLoop::AppendPayload(storage::Appender& app, int64_t t, std::string_view body,
                                       std::string_view content_type, uint64_t* scraped,
                                       uint64_t* post_relabel, uint64_t* added) {
  Visitor v(*this, app, t);
  absl::Status st = VisitPayload(body, FormatFor(content_type), v);
  *scraped = v.scraped;
  *post_relabel = v.post_relabel;
  *added = v.added;
  pending_appended_ = v.appended;
  std::copy(std::begin(v.rejected), std::end(v.rejected), std::begin(pending_rejected_));
  return st;
}

void ScrapeLoop::CountScrape(const absl::Status& fetch, const absl::Status& result) {
  if (stats_ == nullptr) return;
  stats_->scrapes.fetch_add(1, std::memory_order_relaxed);
  if (result.ok()) {
    stats_->samples_ingested.fetch_add(pending_appended_, std::memory_order_relaxed);
    for (int i = 0; i < ScrapeStats::kReasons; ++i) {
      if (pending_rejected_[i] > 0)
        stats_->samples_rejected[i].fetch_add(pending_rejected_[i], std::memory_order_relaxed);
    }
    return;
  }
  std::atomic<uint64_t>* failed = &stats_->scrapes_failed_storage;
  if (!fetch.ok()) {
    failed = &stats_->scrapes_failed_fetch;
  } else if (const std::string_view msg = SV(result.message());
             msg.starts_with("sample_limit") || msg.starts_with("label_limit")) {
    failed = &stats_->scrapes_failed_limit;
  } else if (result.code() == absl::StatusCode::kInvalidArgument) {
    failed = &stats_->scrapes_failed_parse;
  }
  failed->fetch_add(1, std::memory_order_relaxed);
}

absl::Status ScrapeLoop::StaleMarkers(storage::Appender& app, int64_t t, bool all) {
  for (Entry* e : prev_) {
    if (!all && cur_hashes_.contains(e->hash)) continue;
    absl::StatusOr<storage::SeriesRef> ref = app.Append(e->ref, e->labels, t, storage::StaleNaN());
    if (!ref.ok() && !storage::RejectReasonOf(ref.status()).has_value()) return ref.status();
  }
  return absl::OkStatus();
}

void ScrapeLoop::AppendReport(storage::Appender& app, int64_t t, bool up, double duration_s, uint64_t scraped,
                              uint64_t post_relabel, uint64_t added, bool stale) {
  const double values[5] = {up ? 1.0 : 0.0, duration_s, static_cast<double>(scraped),
                            static_cast<double>(post_relabel), static_cast<double>(added)};
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<storage::SeriesRef> ref =
        app.Append(report_refs_[i], report_labels_[i], t, stale ? storage::StaleNaN() : values[i]);
    if (ref.ok()) report_refs_[i] = *ref;
  }
}

absl::Status ScrapeLoop::Report(int64_t t_ms, double duration_s, const absl::Status& fetch,
                                std::string_view body, std::string_view content_type) {
  if (gone_) return absl::OkStatus();
  ++iter_;
  cur_.clear();
  cur_hashes_.clear();
  new_keys_.clear();
  std::unique_ptr<storage::Appender> app = db_->NewAppender();
  uint64_t scraped = 0, post_relabel = 0, added = 0;
  pending_appended_ = 0;
  std::fill(std::begin(pending_rejected_), std::end(pending_rejected_), 0);
  absl::Status st = fetch;
  if (st.ok()) st = AppendPayload(*app, t_ms, body, content_type, &scraped, &post_relabel, &added);
  if (st.ok()) st = StaleMarkers(*app, t_ms, false);
  if (st.ok()) {
    AppendReport(*app, t_ms, true, duration_s, scraped, post_relabel, added, false);
    st = app->Commit();
  }
  if (st.ok()) {
    // Forget series not seen in this scrape (they have had their stale marker).
    for (auto it = cache_.begin(); it != cache_.end();) {
      if (it->second.last_iter != iter_) {
        cache_.erase(it++);
      } else {
        ++it;
      }
    }
    prev_.swap(cur_);
  } else {
    // Nothing of this scrape is kept; every series of the previous scrape goes stale.
    app->Rollback();
    for (const std::string& k : new_keys_) cache_.erase(k);
    cur_.clear();
    cur_hashes_.clear();
    if (StaleMarkers(*app, t_ms, true).ok()) {
      AppendReport(*app, t_ms, false, duration_s, scraped, post_relabel, 0, false);
      (void)app->Commit();
    } else {
      app->Rollback();
    }
    prev_.clear();
  }
  CountScrape(fetch, st);
  std::lock_guard lock(mu_);
  health_ = st.ok() ? TargetHealth::kUp : TargetHealth::kDown;
  last_scrape_ms_ = t_ms;
  last_duration_s_ = duration_s;
  last_error_ = st.ok() ? std::string() : std::string(SV(st.message()));
  last_samples_ = post_relabel;
  return st;
}

void ScrapeLoop::MarkAllStale(int64_t t_ms) {
  if (gone_) return;
  gone_ = true;
  std::unique_ptr<storage::Appender> app = db_->NewAppender();
  cur_hashes_.clear();
  if (StaleMarkers(*app, t_ms, true).ok()) {
    if (iter_ > 0) AppendReport(*app, t_ms, false, 0, 0, 0, 0, true);
    (void)app->Commit();
  } else {
    app->Rollback();
  }
  prev_.clear();
  cache_.clear();
}

TargetSnapshot ScrapeLoop::Snapshot() const {
  TargetSnapshot s;
  s.scrape_pool = cfg_->job_name;
  s.scrape_url = url_;
  s.discovered_labels = discovered_;
  s.labels = public_labels_;
  s.interval_ms = interval_ms_;
  s.timeout_ms = timeout_ms_;
  std::lock_guard lock(mu_);
  s.health = health_;
  s.last_scrape_ms = last_scrape_ms_;
  s.last_scrape_duration_s = last_duration_s_;
  s.last_error = last_error_;
  s.last_samples = last_samples_;
  return s;
}

std::map<std::string, FamilyMetadata> ScrapeLoop::Metadata() const {
  std::lock_guard lock(mu_);
  return std::map<std::string, FamilyMetadata>(metadata_.begin(), metadata_.end());
}

}  // namespace foresight::collection
