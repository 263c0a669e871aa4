// Crash safety: a child appends and reports each committed batch; we SIGKILL it at random moments, reopen
// the store, and check that every reported batch is there, whole, and nothing else is.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <thread>

#include "storage/db.h"
#include "tests/storage/db/crash_workload.h"

namespace foresight::storage {
namespace {

struct ChildRun {
  int last_reported = -1;
};

// Starts the child, lets it run for `run_ms`, kills it with SIGKILL; returns the last batch it reported.
ChildRun RunAndKill(const std::string& dir, int first_batch, int run_ms) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    execl(FORESIGHT_CRASH_CHILD, FORESIGHT_CRASH_CHILD, dir.c_str(), std::to_string(first_batch).c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  std::this_thread::sleep_for(std::chrono::milliseconds(run_ms));
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ChildRun run;
  run.last_reported = first_batch - 1;  // a child killed before its first commit reported the ones before
  FILE* f = fdopen(fds[0], "r");
  char line[128];
  while (std::fgets(line, sizeof line, f) != nullptr) {
    int n;
    if (std::sscanf(line, "committed %d", &n) == 1) run.last_reported = n;
  }
  std::fclose(f);
  return run;
}

TEST(CrashTest, KilledWriterLosesNoCommittedBatch) {
  std::string dir = ::testing::TempDir() + "/crash_test_" + std::to_string(getpid());
  std::filesystem::remove_all(dir);
  std::mt19937 rng(42);
  int iterations = std::getenv("FORESIGHT_SANITIZED") ? 8 : 25;
  int next_batch = 0;
  for (int iter = 0; iter < iterations; ++iter) {
    int run_ms = std::uniform_int_distribution<int>(30, 250)(rng);
    ChildRun run = RunAndKill(dir, next_batch, run_ms);

    DBOptions opts;
    opts.dir = dir;
    opts.background_maintenance = false;
    auto db = DB::Open(opts);
    ASSERT_TRUE(db.ok()) << db.status();
    auto q = (*db)->NewQuerier(kMinTime, kMaxTime);
    ASSERT_TRUE(q.ok());
    std::vector<Matcher> ms{*Matcher::Make(MatchType::kEqual, "__name__", "crash_test")};
    auto set = (*q)->Select(ms);
    int series = 0;
    int max_batch_seen = -1;
    while (set->Next()) {
      int s = std::stoi(std::string(set->At().labels().Get("series")));
      auto it = set->At().Iterator();
      int expect_batch = 0;
      while (it->Next()) {
        Sample smp = it->At();
        ASSERT_EQ(smp.t, crashtest::Time(expect_batch)) << "series " << s << " iteration " << iter;
        ASSERT_EQ(smp.v, crashtest::Value(expect_batch, s));
        ++expect_batch;
      }
      ASSERT_TRUE(it->Err().ok());
      // Every batch the child reported is there; at most the one in flight beyond it.
      ASSERT_GE(expect_batch - 1, run.last_reported) << "lost committed batches, iteration " << iter;
      ASSERT_LE(expect_batch - 1, run.last_reported + 1)
          << "found batches never appended, iteration " << iter;
      if (series == 0) {
        max_batch_seen = expect_batch - 1;
      } else {
        ASSERT_EQ(max_batch_seen, expect_batch - 1) << "a batch was applied partially, iteration " << iter;
      }
      ++series;
    }
    if (max_batch_seen >= 0) {
      ASSERT_EQ(series, crashtest::kSeries);
    }
    next_batch = max_batch_seen + 1;
    ASSERT_TRUE((*db)->Close().ok());
  }
  EXPECT_GT(next_batch, iterations) << "the child made too little progress to test anything";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace foresight::storage
