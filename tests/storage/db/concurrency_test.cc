// Queries during concurrent appends, head cuts and compaction see consistent data: every commit writes the
// same timestamp to all series of its writer, so a reader must never see one series of a writer ahead of
// another (half a commit), nor a gap, nor a sample twice. Run under ThreadSanitizer with
// `cmake -DFORESIGHT_TSAN=ON -DCMAKE_CXX_COMPILER=clang++ ...` (see docs/BENCHMARKS.md, "How the engine is
// tested").
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <filesystem>
#include <map>
#include <thread>

#include "storage/db.h"

namespace foresight::storage {
namespace {

constexpr int kWriters = 3;
constexpr int kSeriesPerWriter = 20;
constexpr int64_t kStep = 60'000;  // one minute per commit: hours of data in a short test

TEST(ConcurrencyTest, ReadersSeeWholeCommitsDuringAppendsCutsAndCompactions) {
  std::string dir = ::testing::TempDir() + "/concurrency_test_" + std::to_string(getpid());
  std::filesystem::remove_all(dir);
  DBOptions opts;
  opts.dir = dir;
  opts.background_maintenance = false;
  opts.block_duration_ms = 3600 * 1000;  // 1 h blocks: cuts and compactions happen often
  opts.max_block_duration_ms = 9 * 3600 * 1000;
  opts.retention_ms = 0;
  auto db_or = DB::Open(opts);
  ASSERT_TRUE(db_or.ok()) << db_or.status();
  DB& db = **db_or;

  const int commits = std::getenv("FORESIGHT_SANITIZED") ? 400 : 1500;
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  // Writers stay within a few steps of each other, as scrapes of one clock do: one far behind would have its
  // samples refused as older than the head, which is right, but not what this test is about.
  std::array<std::atomic<int>, kWriters> progress{};
  auto slowest = [&] {
    int m = commits;
    for (auto& p : progress) m = std::min(m, p.load());
    return m;
  };
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      auto app = db.NewAppender();
      std::vector<SeriesRef> refs(kSeriesPerWriter, 0);
      for (int c = 0; c < commits; ++c) {
        while (c > slowest() + 5) std::this_thread::yield();
        for (int s = 0; s < kSeriesPerWriter; ++s) {
          auto r = app->Append(refs[s],
                               Labels{{"__name__", "c"}, {"w", std::to_string(w)}, {"s", std::to_string(s)}},
                               c * kStep, c);
          if (!r.ok()) {
            ADD_FAILURE() << r.status();
            failures++;
            return;
          }
          refs[s] = *r;
        }
        if (!app->Commit().ok()) failures++;
        progress[w].store(c + 1);
      }
      progress[w].store(commits);
    });
  }
  std::thread maintenance([&] {
    while (!done) {
      if (auto st = db.RunMaintenance(); !st.ok()) {
        ADD_FAILURE() << st;
        failures++;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  int reads = 0;
  std::thread reader([&] {
    std::vector<Matcher> ms{*Matcher::Make(MatchType::kEqual, "__name__", "c")};
    while (!done) {
      auto q = db.NewQuerier(kMinTime, kMaxTime);
      ASSERT_TRUE(q.ok());
      auto set = (*q)->Select(ms);
      std::map<std::string, int64_t> last_per_writer;
      while (set->Next()) {
        std::string w(set->At().labels().Get("w"));
        auto it = set->At().Iterator();
        int64_t n = 0;
        while (it->Next()) {
          Sample smp = it->At();
          if (smp.t != n * kStep || smp.v != static_cast<double>(n)) {
            ADD_FAILURE() << "series " << set->At().labels().ToString() << " sample " << n << " is (" << smp.t
                          << ", " << smp.v << ")";
            failures++;
            return;
          }
          ++n;
        }
        auto [pos, inserted] = last_per_writer.try_emplace(w, n);
        if (!inserted && pos->second != n) {
          ADD_FAILURE() << "writer " << w << " seen with " << pos->second << " and " << n << " commits";
          failures++;
          return;
        }
      }
      ++reads;
    }
  });
  for (auto& t : threads) t.join();
  done = true;
  maintenance.join();
  reader.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(reads, 3);
  EXPECT_GE(db.Stats().blocks, 1u);
  ASSERT_TRUE(db.Close().ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace foresight::storage
