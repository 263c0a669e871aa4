// Child process of crash_test: appends deterministic batches to a store and prints "committed N" after each
// commit returns, until it is killed. Usage: storage_crash_child DIR FIRST_BATCH
#include <cstdio>
#include <cstdlib>
#include <string>

#include "storage/db.h"
#include "tests/storage/db/crash_workload.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s DIR FIRST_BATCH\n", argv[0]);
    return 2;
  }
  foresight::storage::DBOptions opts;
  opts.dir = argv[1];
  opts.wal_sync = foresight::storage::WalSyncPolicy::kNever;  // kill -9 must lose nothing even so
  opts.wal_segment_bytes = 256 << 10;                         // rotate often to cross segment boundaries
  opts.background_maintenance = false;
  auto db = foresight::storage::DB::Open(opts);
  if (!db.ok()) {
    std::fprintf(stderr, "open: %s\n", std::string(db.status().message()).c_str());
    return 1;
  }
  auto app = (*db)->NewAppender();
  for (int batch = std::atoi(argv[2]);; ++batch) {
    for (int s = 0; s < foresight::crashtest::kSeries; ++s) {
      auto r = app->Append(0, foresight::crashtest::SeriesLabels(s), foresight::crashtest::Time(batch),
                           foresight::crashtest::Value(batch, s));
      if (!r.ok()) {
        std::fprintf(stderr, "append: %s\n", std::string(r.status().message()).c_str());
        return 1;
      }
    }
    if (auto st = app->Commit(); !st.ok()) {
      std::fprintf(stderr, "commit: %s\n", std::string(st.message()).c_str());
      return 1;
    }
    std::printf("committed %d\n", batch);
    std::fflush(stdout);
  }
}
