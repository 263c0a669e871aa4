// Runs Prometheus 2.42's PromQL test scripts from ../shared/conformance/promql against the engine.
// Each file is one test; Conformance.Total runs all and reports the count.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "mem_storage.h"
#include "test_script.h"
#ifdef FORESIGHT_HAVE_DB
#include "storage/db.h"
#endif

namespace foresight::query::testing {
namespace {

namespace fs = std::filesystem;

const char* const kFiles[] = {"aggregators", "at_modifier", "collision",     "functions",
                              "histograms",  "literals",    "operators",     "selectors",
                              "staleness",   "subquery",    "trig_functions"};

fs::path SuiteDir() {
  const char* env = std::getenv("FORESIGHT_SHARED_DIR");
  fs::path base = env && *env ? env : FORESIGHT_SHARED_DIR;
  return base / "conformance" / "promql";
}

#ifdef FORESIGHT_HAVE_DB
// storage::DB in a temporary directory; `clear` reopens an empty one.
class DBStorage : public ScriptStorage {
 public:
  ~DBStorage() override { Close(); }
  absl::Status Clear() override {
    Close();
    char tmpl[] = "/tmp/foresight_promql_XXXXXX";
    if (!mkdtemp(tmpl)) return absl::InternalError("mkdtemp failed");
    dir_ = tmpl;
    storage::DBOptions o;
    o.dir = dir_;
    o.wal_sync = storage::WalSyncPolicy::kNever;
    o.background_maintenance = false;
    o.retention_ms = 0;
    auto db = storage::DB::Open(o);
    if (!db.ok()) return db.status();
    db_ = std::move(*db);
    return absl::OkStatus();
  }
  absl::Status Load(const std::vector<std::pair<Labels, std::vector<storage::Sample>>>& series) override {
    auto app = db_->NewAppender();
    for (const auto& [l, samples] : series) {
      storage::SeriesRef ref = 0;
      for (const auto& s : samples) {
        auto r = app->Append(ref, l, s.t, s.v);
        // As in Prometheus, a second sample at the same timestamp in one load is dropped (the first wins).
        if (!r.ok() && storage::RejectReasonOf(r.status())) continue;
        if (!r.ok()) return r.status();
        ref = *r;
      }
    }
    return app->Commit();
  }
  storage::Queryable& queryable() override { return *db_; }

 private:
  void Close() {
    if (db_) {
      (void)db_->Close();
      db_.reset();
    }
    if (!dir_.empty()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
      dir_.clear();
    }
  }
  std::string dir_;
  std::unique_ptr<storage::DB> db_;
};
using Storage = DBStorage;
#else
class MemScriptStorage : public ScriptStorage {
 public:
  absl::Status Clear() override {
    mem_.Clear();
    return absl::OkStatus();
  }
  absl::Status Load(const std::vector<std::pair<Labels, std::vector<storage::Sample>>>& series) override {
    for (const auto& [l, samples] : series) {
      for (const auto& s : samples) mem_.Add(l, s.t, s.v);
    }
    return absl::OkStatus();
  }
  storage::Queryable& queryable() override { return mem_; }

 private:
  MemStorage mem_;
};
using Storage = MemScriptStorage;
#endif

// Runs one file; returns (passed, total) and prints every failure with its expression.
// `eval_threads` as EngineOptions (0: the hardware's threads).
std::pair<int, int> RunFile(const std::string& name, bool* skipped, int eval_threads = 0) {
  fs::path p = SuiteDir() / (name + ".test");
  *skipped = !fs::exists(p);
  if (*skipped) return {0, 0};
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  Storage storage;
  Engine engine(EngineOptions{.eval_threads = eval_threads});
  ScriptResult r = RunTestScript(ss.str(), storage, engine);
  EXPECT_TRUE(r.status.ok()) << name << ": " << r.status;
  for (const auto& e : r.evals) {
    if (!e.passed) ADD_FAILURE() << name << ".test:" << e.line << ": " << e.expr << "\n  " << e.error;
  }
  std::printf("%s.test: %d/%zu evals passed\n", name.c_str(), r.passed(), r.evals.size());
  return {r.passed(), static_cast<int>(r.evals.size())};
}

class Conformance : public ::testing::TestWithParam<const char*> {};

TEST_P(Conformance, File) {
  bool skipped = false;
  RunFile(GetParam(), &skipped);
  if (skipped) GTEST_SKIP() << "conformance suite not found in " << SuiteDir() << " (../shared absent)";
}

INSTANTIATE_TEST_SUITE_P(Promql, Conformance, ::testing::ValuesIn(kFiles),
                         [](const ::testing::TestParamInfo<const char*>& i) { return std::string(i.param); });

// Every file with range functions evaluated serially and on a pool of 4 threads.
class ConformanceTotal : public ::testing::TestWithParam<int> {};

TEST_P(ConformanceTotal, AllFiles) {
  int passed = 0, total = 0;
  bool any = false;
  for (const char* f : kFiles) {
    bool skipped = false;
    auto [p, t] = RunFile(f, &skipped, GetParam());
    any |= !skipped;
    passed += p;
    total += t;
  }
  if (!any) GTEST_SKIP() << "conformance suite not found in " << SuiteDir();
  std::printf("PromQL conformance (eval_threads=%d): %d/%d evals passed\n", GetParam(), passed, total);
  EXPECT_EQ(passed, total);
}

INSTANTIATE_TEST_SUITE_P(EvalThreads, ConformanceTotal, ::testing::Values(1, 4),
                         [](const ::testing::TestParamInfo<int>& i) { return std::to_string(i.param); });

}  // namespace
}  // namespace foresight::query::testing
