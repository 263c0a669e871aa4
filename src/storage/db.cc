#include "storage/db.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>

#include <spdlog/spdlog.h>

#include "common/fmt_absl.h"
#include "storage/block/querier.h"
#include "storage/db_impl.h"
#include "storage/head/head_querier.h"
#include "storage/querier/merge.h"

namespace foresight::storage {

std::unique_ptr<Appender> NewDbAppender(DB::Impl* db);

void DBCounters::Count(RejectReason r) {
  switch (r) {
    case RejectReason::kOutOfOrder:
      rejected_out_of_order.fetch_add(1, std::memory_order_relaxed);
      break;
    case RejectReason::kDuplicate:
      rejected_duplicate.fetch_add(1, std::memory_order_relaxed);
      break;
    case RejectReason::kTooOld:
      rejected_too_old.fetch_add(1, std::memory_order_relaxed);
      break;
    case RejectReason::kInvalidLabels:
      rejected_invalid_labels.fetch_add(1, std::memory_order_relaxed);
      break;
  }
}

namespace {

// A querier over the blocks and the head. The sources are chosen at each Select, under the view lock,
// so that a range being handed from the head to a block is read from one of them or both, never neither.
class DbQuerier final : public Querier {
 public:
  DbQuerier(DB::Impl* db, int64_t mint, int64_t maxt) : db_(db), mint_(mint), maxt_(maxt) {}

  std::unique_ptr<SeriesSet> Select(std::span<const Matcher> matchers, const SelectHints* hints) override {
    std::shared_lock view(db_->view_mu);
    std::vector<std::unique_ptr<SeriesSet>> sets;
    for (Querier* q : Sources()) sets.push_back(q->Select(matchers, hints));
    return MergeSeriesSets(std::move(sets));
  }

  absl::StatusOr<std::vector<std::string>> LabelValues(std::string_view name,
                                                       std::span<const Matcher> matchers) override {
    return Union([&](Querier& q) { return q.LabelValues(name, matchers); });
  }

  absl::StatusOr<std::vector<std::string>> LabelNames(std::span<const Matcher> matchers) override {
    return Union([&](Querier& q) { return q.LabelNames(matchers); });
  }

 private:
  // Queriers for the sources overlapping [mint, maxt]; kept alive with this querier because the series
  // sets they return may refer to them.
  std::vector<Querier*> Sources() {
    std::vector<Querier*> out;
    for (const auto& b : db_->BlocksSnapshot()) {
      if (b->meta().max_time <= mint_ || b->meta().min_time > maxt_) continue;  // max_time is exclusive
      keep_.push_back(std::make_unique<block::BlockQuerier>(b, mint_, maxt_));
      out.push_back(keep_.back().get());
    }
    if (db_->head.MaxTime() >= mint_ && db_->head.MaxTime() != kMinTime) {
      keep_.push_back(head::NewHeadQuerier(&db_->head, mint_, maxt_));
      out.push_back(keep_.back().get());
    }
    return out;
  }

  template <typename F>
  absl::StatusOr<std::vector<std::string>> Union(F f) {
    std::shared_lock view(db_->view_mu);
    std::vector<std::string> out;
    for (Querier* q : Sources()) {
      auto r = f(*q);
      if (!r.ok()) return r.status();
      std::vector<std::string> merged;
      merged.reserve(out.size() + r->size());
      std::set_union(out.begin(), out.end(), r->begin(), r->end(), std::back_inserter(merged));
      out = std::move(merged);
    }
    return out;
  }

  DB::Impl* db_;
  int64_t mint_;
  int64_t maxt_;
  std::vector<std::unique_ptr<Querier>> keep_;
};

}  // namespace

DB::DB(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

DB::~DB() {
  if (auto st = Close(); !st.ok()) spdlog::error("closing storage: {}", st.message());
}

absl::StatusOr<std::unique_ptr<DB>> DB::Open(const DBOptions& options) {
  auto impl = std::make_unique<Impl>(options);
  if (auto st = impl->Open(); !st.ok()) return st;
  std::unique_ptr<DB> db(new DB(std::move(impl)));
  if (options.background_maintenance) {
    Impl* p = db->impl_.get();
    p->maintenance_thread = std::thread([p] { p->MaintenanceLoop(); });
  }
  return db;
}

std::unique_ptr<Appender> DB::NewAppender() { return NewDbAppender(impl_.get()); }

absl::StatusOr<std::unique_ptr<Querier>> DB::NewQuerier(int64_t mint, int64_t maxt) {
  if (mint > maxt) return absl::InvalidArgumentError("querier range: mint after maxt");
  return std::make_unique<DbQuerier>(impl_.get(), mint, maxt);
}

DBStats DB::Stats() const {
  const auto& c = impl_->counters;
  DBStats s;
  s.head_series = impl_->head.NumSeries();
  s.head_chunks = impl_->head.NumChunks();
  s.head_samples_appended = c.samples_appended.load();
  s.samples_rejected_out_of_order = c.rejected_out_of_order.load();
  s.samples_rejected_duplicate = c.rejected_duplicate.load();
  s.samples_rejected_too_old = c.rejected_too_old.load();
  s.samples_rejected_invalid_labels = c.rejected_invalid_labels.load();
  s.commits = c.commits.load();
  s.wal_corruptions = c.wal_corruptions.load();
  s.compactions = c.compactions.load();
  s.compactions_failed = c.compactions_failed.load();
  s.retention_deleted_blocks = c.retention_deleted_blocks.load();
  s.head_cuts_held = c.head_cuts_held.load();
  s.head_min_time = impl_->head.MinTime();
  s.head_max_time = impl_->head.MaxTime();
  if (impl_->log) {
    auto ls = impl_->log->stats();
    s.wal_bytes = ls.bytes_written;
    s.wal_segments = ls.segments_created;
    s.wal_fsyncs = ls.fsyncs;
  }
  for (const auto& b : impl_->BlocksSnapshot()) {
    ++s.blocks;
    s.block_bytes += b->size_bytes();
  }
  return s;
}

absl::Status DB::RunMaintenance() {
  std::lock_guard lock(impl_->maintenance_mu);
  if (auto st = impl_->CutBlocks(false); !st.ok()) return st;
  if (auto st = impl_->Compact(false); !st.ok()) return st;
  return impl_->ApplyRetention();
}

absl::Status DB::FlushHead() {
  std::lock_guard lock(impl_->maintenance_mu);
  if (auto st = impl_->CutBlocks(true); !st.ok()) return st;
  return impl_->Compact(true);
}

absl::Status DB::Close() {
  if (impl_->closed.exchange(true)) return absl::OkStatus();
  {
    std::lock_guard lock(impl_->stop_mu);
    impl_->stopping = true;
  }
  impl_->stop_cv.notify_all();
  if (impl_->maintenance_thread.joinable()) impl_->maintenance_thread.join();
  std::lock_guard commit_lock(impl_->commit_mu);  // waits for a commit in flight
  absl::Status st = impl_->log ? impl_->log->Close() : absl::OkStatus();
  if (impl_->lock_fd >= 0) {
    close(impl_->lock_fd);
    impl_->lock_fd = -1;
  }
  return st;
}

}  // namespace foresight::storage
