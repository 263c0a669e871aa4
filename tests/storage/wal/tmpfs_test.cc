// A real full disk: a 2 MiB tmpfs filled by the writer. Needs root (mount); skipped otherwise.
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/wal/writer.h"
#include "test_util.h"

namespace foresight::storage::wal {
namespace {

using ::testing::HasSubstr;
using testing::Msg;

TEST(TmpfsTest, FillingARealFilesystemGivesDiskFullAndKeepsAcknowledgedRecords) {
  if (::geteuid() != 0) GTEST_SKIP() << "not root: cannot mount a tmpfs";
  testing::TempDir dir;
  std::string mnt = dir.Sub("mnt");
  ASSERT_EQ(::mkdir(mnt.c_str(), 0755), 0);
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=2m") != 0) {
    GTEST_SKIP() << "mount -t tmpfs failed: " << std::strerror(errno);
  }
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{mnt};

  std::string wal = mnt + "/wal";
  std::vector<std::string> acked;
  absl::Status err;
  {
    auto w = Writer::Open(fs::DefaultFs(), wal, {.sync = SyncPolicy::kAlways, .segment_bytes = 512 << 10});
    ASSERT_TRUE(w.ok()) << w.status();
    for (int i = 0; i < 1000 && err.ok(); i++) {
      std::string rec = testing::MakeRecord(i, 20000 + i);
      err = (*w)->Append(rec);
      if (err.ok()) acked.push_back(std::move(rec));
    }
  }
  ASSERT_FALSE(err.ok()) << "2 MiB never filled";
  EXPECT_TRUE(absl::IsResourceExhausted(err)) << err;
  EXPECT_THAT(Msg(err), HasSubstr("disk full"));
  EXPECT_THAT(Msg(err), HasSubstr(wal));
  EXPECT_GT(acked.size(), 50u);

  auto r = testing::ReplayAll(*fs::DefaultFs(), wal);
  EXPECT_TRUE(testing::SameRecords(r.records, acked));
  EXPECT_TRUE(r.report.corruptions.empty());
  EXPECT_EQ(r.report.truncated_bytes, 0u);
}

}  // namespace
}  // namespace foresight::storage::wal
