// The storage engine as the HTTP handlers see it: routes are registered before the server starts, and the
// engine opens after (so /-/healthy answers during a long log replay). Until it is open, appends and
// queries answer Unavailable, which the handlers turn into 503.
#pragma once

#include <atomic>

#include "storage/storage.h"

namespace foresight::server {

class LateStorage final : public storage::Appendable, public storage::Queryable {
 public:
  void Set(storage::Appendable* appendable, storage::Queryable* queryable) {
    queryable_.store(queryable, std::memory_order_release);
    appendable_.store(appendable, std::memory_order_release);
  }

  std::unique_ptr<storage::Appender> NewAppender() override {
    storage::Appendable* a = appendable_.load(std::memory_order_acquire);
    if (a != nullptr) return a->NewAppender();
    return std::make_unique<UnavailableAppender>();
  }

  absl::StatusOr<std::unique_ptr<storage::Querier>> NewQuerier(int64_t mint, int64_t maxt) override {
    storage::Queryable* q = queryable_.load(std::memory_order_acquire);
    if (q == nullptr)
      return absl::UnavailableError("storage is not open yet (replaying the write-ahead log)");
    return q->NewQuerier(mint, maxt);
  }

 private:
  class UnavailableAppender final : public storage::Appender {
   public:
    absl::StatusOr<storage::SeriesRef> Append(storage::SeriesRef, const Labels&, int64_t, double) override {
      return absl::UnavailableError("storage is not open yet (replaying the write-ahead log)");
    }
    absl::Status Commit() override { return absl::UnavailableError("storage is not open yet"); }
    void Rollback() override {}
  };

  std::atomic<storage::Appendable*> appendable_{nullptr};
  std::atomic<storage::Queryable*> queryable_{nullptr};
};

}  // namespace foresight::server
