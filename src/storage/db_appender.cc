// The engine's Appender: checks each sample when it is appended, logs the batch at Commit, then applies it.
#include <mutex>
#include <shared_mutex>

#include "absl/strings/str_cat.h"
#include "storage/db_impl.h"
#include "storage/head/packed_labels.h"

namespace foresight::storage {
namespace {

bool ValidLabelName(std::string_view n) {
  if (n.empty()) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

absl::Status ValidateLabels(const Labels& labels) {
  if (labels.empty()) return absl::InvalidArgumentError("empty label set");
  for (const auto& l : labels) {
    if (!ValidLabelName(l.name))
      return absl::InvalidArgumentError(absl::StrCat("invalid label name \"", l.name, "\""));
  }
  return absl::OkStatus();
}

// A label with an empty value is the same as no label (Prometheus' data model): such labels are dropped,
// so that {a=""} and {} name one series.
const Labels& WithoutEmptyValues(const Labels& labels, Labels* scratch) {
  bool any = false;
  for (const auto& l : labels) any |= l.value.empty();
  if (!any) return labels;
  std::vector<Label> kept;
  for (const auto& l : labels) {
    if (!l.value.empty()) kept.push_back(l);
  }
  *scratch = Labels::FromSorted(std::move(kept));
  return *scratch;
}

absl::Status Rejected(RejectReason reason, std::string message) {
  absl::Status s = absl::InvalidArgumentError(std::move(message));
  std::string_view name = RejectReasonName(reason);
  // Debian's abseil has its own string_view type.
  s.SetPayload(absl::string_view(kRejectReasonPayload.data(), kRejectReasonPayload.size()),
               absl::Cord(absl::string_view(name.data(), name.size())));
  return s;
}

class DbAppender final : public Appender {
 public:
  explicit DbAppender(DB::Impl* db) : db_(db) {}
  ~DbAppender() override { Rollback(); }

  absl::StatusOr<SeriesRef> Append(SeriesRef ref, const Labels& labels, int64_t t, double v) override {
    if (db_->closed.load(std::memory_order_acquire))
      return absl::FailedPreconditionError("storage is closed");
    if (!epoch_) epoch_ = db_->head.AcquireEpoch();
    head::MemSeries* s =
        ref != 0 && ref <= UINT32_MAX ? db_->head.ById(static_cast<head::SeriesId>(ref)) : nullptr;
    if (s == nullptr) {
      Labels scratch;
      const Labels& clean = WithoutEmptyValues(labels, &scratch);
      if (auto st = ValidateLabels(clean); !st.ok()) {
        db_->counters.Count(RejectReason::kInvalidLabels);
        return Rejected(RejectReason::kInvalidLabels, std::string(st.message()));
      }
      bool created = false;
      s = db_->head.GetOrCreate(clean, &created);
    }
    if (t < db_->head.min_valid_time()) {
      db_->counters.Count(RejectReason::kTooOld);
      return Rejected(RejectReason::kTooOld, absl::StrCat("sample at ", t, " is older than the head (",
                                                          db_->head.min_valid_time(), ")"));
    }
    int64_t previous;
    bool reserved = s->Reserve(t, &previous);
    if (reserved && s->removed()) {
      // Head truncation dropped the series after we found it: use (or create) its successor.
      s->Unreserve(t, previous);
      bool created = false;
      s = db_->head.GetOrCreate(head::UnpackLabels(s->packed_labels()), &created);
      reserved = s->Reserve(t, &previous);
    }
    if (!reserved) {
      db_->counters.Count(RejectReason::kOutOfOrder);
      return Rejected(RejectReason::kOutOfOrder,
                      absl::StrCat("out of order sample at ", t, " (series has ", previous, ")"));
    }
    if (previous == t) {
      // Same timestamp again: a bit-identical repeat of the committed sample is dropped quietly, anything
      // else is a duplicate (as Prometheus does).
      bool same;
      {
        std::lock_guard lock(s->mu());
        same = s->SameAsLastLocked(t, v);
      }
      if (same) return SeriesRef{s->id()};
      db_->counters.Count(RejectReason::kDuplicate);
      return Rejected(RejectReason::kDuplicate, absl::StrCat("duplicate sample for timestamp ", t));
    }
    if (!s->logged() && (new_series_.empty() || new_series_.back().second != s)) {
      new_series_.emplace_back(s->id(), s);
    }
    pending_.push_back(wal::RefSample{s->id(), t, v});
    batch_min_t_ = std::min(batch_min_t_, t);
    batch_max_t_ = std::max(batch_max_t_, t);
    reservations_.push_back(Reservation{s, t, previous});
    return SeriesRef{s->id()};
  }

  absl::Status Commit() override {
    if (pending_.empty() && new_series_.empty()) {
      Reset();
      return absl::OkStatus();
    }
    std::lock_guard commit_lock(db_->commit_mu);
    if (db_->closed.load(std::memory_order_acquire)) {
      RollbackLocked();
      return absl::FailedPreconditionError("storage is closed");
    }
    // A head-to-block cut may have raised the min valid time since these samples were appended; the cut
    // changes it under the commit lock, so what passes here is applied before the cut reads the head.
    if (!pending_.empty() && db_->options.lagging_writer_window_ms > 0) {
      db_->frontiers.Observe(db_->NowMs(), db_->options.lagging_writer_window_ms, batch_max_t_);
    }
    if (batch_min_t_ < db_->head.min_valid_time()) DropTooOld(db_->head.min_valid_time());
    if (absl::Status st = db_->LogBatch(new_series_, pending_); !st.ok()) {
      RollbackLocked();
      return st;
    }
    for (auto& [id, s] : new_series_) const_cast<head::MemSeries*>(s)->set_logged();
    int64_t mint = kMaxTime, maxt = kMinTime;
    uint64_t appended = 0, chunks_opened = 0;
    {
      std::shared_lock isolation(db_->head.isolation_mu());
      const size_t n = pending_.size();
      for (size_t i = 0; i < n; ++i) {
        if (i + 8 < n) reservations_[i + 8].series->PrefetchSeries();
        if (i + 4 < n) reservations_[i + 4].series->PrefetchChunkTail();
        head::MemSeries* s = reservations_[i].series;
        const wal::RefSample& p = pending_[i];
        head::AppendOutcome outcome;
        {
          std::lock_guard lock(s->mu());
          outcome = s->AppendLocked(p.t, p.v, &chunks_opened);
        }
        if (outcome == head::AppendOutcome::kRemoved) outcome = AppendToRecreated(*s, p, &chunks_opened);
        switch (outcome) {
          case head::AppendOutcome::kAppended:
            ++appended;
            mint = std::min(mint, p.t);
            maxt = std::max(maxt, p.t);
            break;
          case head::AppendOutcome::kOutOfOrder:
            db_->counters.Count(RejectReason::kOutOfOrder);
            break;
          case head::AppendOutcome::kDuplicate:
            db_->counters.Count(RejectReason::kDuplicate);
            break;
          default:
            break;
        }
      }
    }
    if (appended > 0) db_->head.ObserveTimes(mint, maxt);
    db_->head.AddChunks(chunks_opened);
    db_->counters.samples_appended.fetch_add(appended, std::memory_order_relaxed);
    db_->counters.commits.fetch_add(1, std::memory_order_relaxed);
    Reset();
    return absl::OkStatus();
  }

  void Rollback() override { RollbackLocked(); }

 private:
  struct Reservation {
    head::MemSeries* series;
    int64_t t;
    int64_t previous;
  };

  // The series was dropped by head truncation between Append and Commit: it comes back under a new id.
  // (Its samples are in the log under the old id, whose series record the log also still has.)
  head::AppendOutcome AppendToRecreated(const head::MemSeries& old, const wal::RefSample& p,
                                        uint64_t* chunks_opened) {
    bool created = false;
    head::MemSeries* s = db_->head.GetOrCreate(head::UnpackLabels(old.packed_labels()), &created);
    std::lock_guard lock(s->mu());
    return s->AppendLocked(p.t, p.v, chunks_opened);
  }

  void DropTooOld(int64_t min_valid) {
    size_t out = 0;
    for (size_t i = 0; i < pending_.size(); ++i) {
      if (pending_[i].t < min_valid) {
        db_->counters.Count(RejectReason::kTooOld);
        continue;
      }
      pending_[out] = pending_[i];
      reservations_[out] = reservations_[i];
      ++out;
    }
    pending_.resize(out);
    reservations_.resize(out);
  }

  void RollbackLocked() {
    for (auto it = reservations_.rbegin(); it != reservations_.rend(); ++it)
      it->series->Unreserve(it->t, it->previous);
    Reset();
  }

  void Reset() {
    pending_.clear();
    reservations_.clear();
    new_series_.clear();
    epoch_.reset();
    batch_min_t_ = kMaxTime;
    batch_max_t_ = kMinTime;
  }

  DB::Impl* db_;
  std::shared_ptr<head::Epoch> epoch_;
  std::vector<wal::RefSample> pending_;
  int64_t batch_min_t_ = kMaxTime;
  int64_t batch_max_t_ = kMinTime;  // the writer's frontier, for holding head cuts back
  std::vector<Reservation> reservations_;
  std::vector<std::pair<head::SeriesId, const head::MemSeries*>> new_series_;
};

}  // namespace

std::unique_ptr<Appender> NewDbAppender(DB::Impl* db) { return std::make_unique<DbAppender>(db); }

}  // namespace foresight::storage
