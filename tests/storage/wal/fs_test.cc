#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/fs/faulty_fs.h"
#include "storage/fs/fs.h"
#include "test_util.h"

namespace foresight::storage::fs {
namespace {

using ::testing::HasSubstr;
using wal::testing::Msg;
using wal::testing::ReadFileBytes;
using wal::testing::TempDir;

TEST(PosixFsTest, ErrorsNameThePathAndTheErrno) {
  TempDir dir;
  std::string missing = dir.Sub("nope/file");
  auto f = DefaultFs()->OpenForRead(missing);
  ASSERT_FALSE(f.ok());
  EXPECT_TRUE(absl::IsNotFound(f.status()));
  EXPECT_THAT(Msg(f.status()), HasSubstr(missing));
  EXPECT_THAT(Msg(f.status()), HasSubstr("No such file or directory"));
  EXPECT_THAT(Msg(DefaultFs()->Rename(missing, dir.Sub("x"))), HasSubstr(missing));
  EXPECT_TRUE(absl::IsNotFound(DefaultFs()->Remove(missing)));
}

TEST(PosixFsTest, DiskFullIsResourceExhausted) {
  absl::Status s = ErrnoStatus("write", "/d/wal/00000003", ENOSPC);
  EXPECT_TRUE(absl::IsResourceExhausted(s));
  EXPECT_EQ(s.message(), "write /d/wal/00000003: No space left on device (disk full)");
}

TEST(PosixFsTest, WriteAppendTruncateReadListRename) {
  TempDir dir;
  FileSystem& fs = *DefaultFs();
  std::string a = dir.Sub("a");
  {
    auto f = fs.Create(a);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Append("hello ").ok());
    ASSERT_TRUE((*f)->Append("world").ok());
    EXPECT_EQ((*f)->Size(), 11u);
    ASSERT_TRUE((*f)->Truncate(5).ok());
    ASSERT_TRUE((*f)->Append("!").ok());  // continues at the new end
    ASSERT_TRUE((*f)->Sync().ok());
  }
  EXPECT_EQ(ReadFileBytes(a), "hello!");
  {
    auto f = fs.OpenForAppend(a);
    ASSERT_TRUE(f.ok());
    EXPECT_EQ((*f)->Size(), 6u);
    ASSERT_TRUE((*f)->Append("?").ok());
  }
  auto r = fs.OpenForRead(a);
  ASSERT_TRUE(r.ok());
  std::string buf(10, '\0');
  auto n = (*r)->ReadAt(2, std::span<char>(buf.data(), buf.size()));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(buf.substr(0, *n), "llo!?");
  EXPECT_EQ(*(*r)->Size(), 7u);

  ASSERT_TRUE(fs.CreateDir(dir.Sub("sub")).ok());
  ASSERT_TRUE(fs.CreateDir(dir.Sub("sub")).ok());  // exists: fine
  EXPECT_TRUE(*fs.IsDirectory(dir.Sub("sub")));
  EXPECT_FALSE(*fs.IsDirectory(a));
  ASSERT_TRUE(fs.Rename(a, dir.Sub("sub/b")).ok());
  EXPECT_EQ(*fs.ListDir(dir.path()), std::vector<std::string>{"sub"});
  EXPECT_EQ(*fs.FileSize(dir.Sub("sub/b")), 7u);
  ASSERT_TRUE(fs.Truncate(dir.Sub("sub/b"), 3).ok());
  EXPECT_EQ(ReadFileBytes(dir.Sub("sub/b")), "hel");
  ASSERT_TRUE(fs.SyncDir(dir.path()).ok());
  ASSERT_TRUE(RemoveDirAndFiles(fs, dir.Sub("sub")).ok());
  EXPECT_TRUE(fs.ListDir(dir.path())->empty());
  EXPECT_TRUE(RemoveDirAndFiles(fs, dir.Sub("sub")).ok());  // missing: fine
}

TEST(FaultyFsTest, FullDiskWritesThePrefixThatFits) {
  TempDir dir;
  FaultyFs fs(DefaultFs());
  auto f = fs.Create(dir.Sub("f"));
  ASSERT_TRUE(f.ok());
  fs.FailWritesAfter(4);
  absl::Status s = (*f)->Append("abcdef");
  EXPECT_TRUE(absl::IsResourceExhausted(s));
  EXPECT_THAT(Msg(s), HasSubstr(dir.Sub("f")));
  EXPECT_THAT(Msg(s), HasSubstr("disk full"));
  EXPECT_EQ((*f)->Size(), 4u);
  EXPECT_FALSE((*f)->Append("x").ok());
  fs.ClearWriteLimit();
  EXPECT_TRUE((*f)->Append("x").ok());
  EXPECT_EQ(ReadFileBytes(dir.Sub("f")), "abcdx");
}

TEST(FaultyFsTest, FailingSyncAndTruncate) {
  TempDir dir;
  FaultyFs fs(DefaultFs());
  auto f = fs.Create(dir.Sub("f"));
  ASSERT_TRUE(f.ok());
  fs.FailSyncs(true);
  EXPECT_THAT(Msg((*f)->Sync()), HasSubstr("Input/output error"));
  EXPECT_FALSE(fs.SyncDir(dir.path()).ok());
  fs.FailSyncs(false);
  EXPECT_TRUE((*f)->Sync().ok());
  fs.FailTruncates(true);
  EXPECT_FALSE((*f)->Truncate(0).ok());
  EXPECT_FALSE(fs.Truncate(dir.Sub("f"), 0).ok());
}

TEST(FaultyFsTest, CrashDropsUnsyncedBytesAndFiles) {
  TempDir dir;
  FaultyFs fs(DefaultFs());
  ASSERT_TRUE(fs.SyncDir(dir.path()).ok());
  auto synced = fs.Create(dir.Sub("synced"));
  ASSERT_TRUE(fs.SyncDir(dir.path()).ok());  // makes "synced" itself durable
  ASSERT_TRUE((*synced)->Append("durable").ok());
  ASSERT_TRUE((*synced)->Sync().ok());
  ASSERT_TRUE((*synced)->Append("-lost").ok());
  auto unsynced = fs.Create(dir.Sub("unsynced"));  // its directory entry is never synced
  ASSERT_TRUE((*unsynced)->Append("data").ok());
  ASSERT_TRUE((*unsynced)->Sync().ok());

  ASSERT_TRUE(fs.Crash().ok());
  EXPECT_EQ(ReadFileBytes(dir.Sub("synced")), "durable");
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("unsynced")));
  // The machine is down until Restart; handles from before the crash stay dead after it.
  EXPECT_TRUE(absl::IsUnavailable(fs.Create(dir.Sub("new")).status()));
  EXPECT_TRUE(absl::IsUnavailable(fs.ListDir(dir.path()).status()));
  fs.Restart();
  EXPECT_TRUE(fs.Create(dir.Sub("new")).ok());
  EXPECT_FALSE((*synced)->Append("x").ok());
  EXPECT_FALSE((*synced)->Sync().ok());
}

TEST(FaultyFsTest, CrashCanKeepATornPrefix) {
  TempDir dir;
  FaultyFs fs(DefaultFs());
  auto f = fs.Create(dir.Sub("f"));
  ASSERT_TRUE(fs.SyncDir(dir.path()).ok());
  ASSERT_TRUE((*f)->Append("abc").ok());
  ASSERT_TRUE((*f)->Sync().ok());
  ASSERT_TRUE((*f)->Append("defgh").ok());
  ASSERT_TRUE(fs.Crash({.keep_unsynced_bytes = 2}).ok());
  EXPECT_EQ(ReadFileBytes(dir.Sub("f")), "abcde");
}

TEST(FaultyFsTest, RenameCarriesTheTracking) {
  TempDir dir;
  FaultyFs fs(DefaultFs());
  ASSERT_TRUE(fs.CreateDir(dir.Sub("d.tmp")).ok());
  auto f = fs.Create(dir.Sub("d.tmp/f"));
  ASSERT_TRUE((*f)->Append("xyz").ok());
  ASSERT_TRUE((*f)->Sync().ok());
  ASSERT_TRUE(fs.SyncDir(dir.Sub("d.tmp")).ok());
  ASSERT_TRUE((*f)->Append("unsynced").ok());
  ASSERT_TRUE(fs.Rename(dir.Sub("d.tmp"), dir.Sub("d")).ok());
  ASSERT_TRUE(fs.Crash().ok());
  EXPECT_EQ(ReadFileBytes(dir.Sub("d/f")), "xyz");
}

}  // namespace
}  // namespace foresight::storage::fs
