// A storage::DB in a temporary directory for the analytics tests, with helpers to load generated series.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "common/labels.h"
#include "gtest/gtest.h"
#include "storage/db.h"

namespace foresight::analytics::testing {

class TestDB {
 public:
  TestDB() {
    char tmpl[] = "/tmp/foresight_analytics_XXXXXX";
    dir_ = mkdtemp(tmpl);
    Open();
  }
  ~TestDB() {
    if (db_) (void)db_->Close();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  void Open() {
    storage::DBOptions o;
    o.dir = dir_ + "/data";
    o.wal_sync = storage::WalSyncPolicy::kNever;
    o.background_maintenance = false;
    o.retention_ms = 0;
    auto db = storage::DB::Open(o);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
  }
  storage::DB* db() { return db_.get(); }
  const std::string& dir() const { return dir_; }

  // Appends f(i) at start + i*step for i in [0, n).
  void Load(const Labels& l, int64_t start, int64_t step, int n, const std::function<double(int)>& f) {
    auto app = db_->NewAppender();
    storage::SeriesRef ref = 0;
    for (int i = 0; i < n; ++i) {
      auto r = app->Append(ref, l, start + i * step, f(i));
      ASSERT_TRUE(r.ok()) << r.status();
      ref = *r;
    }
    ASSERT_TRUE(app->Commit().ok());
  }

 private:
  std::string dir_;
  std::unique_ptr<storage::DB> db_;
};

// A deterministic pseudo-random number in [-1, 1] for index i.
inline double Noise(int i, uint64_t seed = 1) {
  uint64_t x = (static_cast<uint64_t>(i) + 1) * 0x9E3779B97F4A7C15ULL ^ seed * 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 31;
  x *= 0x94D049BB133111EBULL;
  x ^= x >> 29;
  return static_cast<double>(x % 2000001) / 1000000.0 - 1.0;
}

}  // namespace foresight::analytics::testing
