// Malformed chunk bytes end iteration with an error (or yield some samples), never crash or read out of
// bounds; run under ASan in CI to make "out of bounds" observable.
#include <random>
#include <string>
#include <vector>

#include "chunk_test_util.h"
#include "gtest/gtest.h"
#include "storage/encoding/chunk.h"

namespace foresight::storage::encoding {
namespace {

std::vector<std::vector<Sample>> Inputs() {
  std::vector<std::vector<Sample>> in = {testing::Adversarial(), testing::HugeJumps(),
                                         testing::RandomWalk(300, 1, 2), testing::RandomBits(100, 2),
                                         testing::Regular(200, 0, 15000, [](int) { return 7.0; })};
  std::vector<Sample> with_stale = testing::RandomWalk(300, 4, 3);
  with_stale[10].v = StaleNaN();
  in.push_back(with_stale);
  in.push_back(testing::NoisyGauge(200, 3));
  in.push_back(testing::Regular(50, 0, 1000, [](int) { return 0.5; }));
  std::vector<Sample> cyclic = testing::Regular(300, 0, 15000, [](int i) { return (i % 5) * 1.25; });
  in.push_back(cyclic);  // a zstd body
  return in;
}

// Drains an iterator over possibly corrupt bytes (a copy sized exactly, so ASan sees any overread).
size_t Drain(ChunkEncoding e, const std::string& bytes, absl::Status* err) {
  std::unique_ptr<char[]> copy(new char[bytes.size() + 1]);
  std::copy(bytes.begin(), bytes.end(), copy.get());
  std::string_view view(copy.get(), bytes.size());
  (void)ChunkNumSamples(e, view);
  auto it = NewChunkIterator(e, view);
  size_t n = 0;
  while (it->Next() && n < 1000000) {
    (void)it->At();
    ++n;
  }
  *err = it->Err();
  auto seeker = NewChunkIterator(e, view);
  (void)seeker->Seek(0);
  return n;
}

class CorruptionTest : public ::testing::TestWithParam<ChunkEncoding> {};

TEST_P(CorruptionTest, TruncationIsAnErrorOrAnExactPrefix) {
  for (const auto& in : Inputs()) {
    const std::string bytes = EncodeChunk(in, GetParam());
    for (size_t len = 0; len < bytes.size(); ++len) {
      std::string cut = bytes.substr(0, len);
      absl::Status err;
      std::vector<Sample> out = testing::Decode(GetParam(), cut, &err);
      Drain(GetParam(), cut, &err);
      if (err.ok()) {
        // Only if nothing that mattered was cut (e.g. an empty chunk's padding) may it decode cleanly.
        std::string why;
        EXPECT_TRUE(testing::SameSamples(in, out, &why)) << "len " << len << ": " << why;
      }
    }
  }
}

TEST_P(CorruptionTest, RandomDamageNeverCrashes) {
  std::mt19937_64 rng(42);
  int errors = 0, runs = 0;
  for (const auto& in : Inputs()) {
    const std::string bytes = EncodeChunk(in, GetParam());
    for (int trial = 0; trial < 300; ++trial) {
      std::string bad = bytes;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips && !bad.empty(); ++f)
        bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
      if (rng() % 4 == 0) bad.resize(rng() % (bad.size() + 1));
      if (rng() % 8 == 0) bad += std::string(rng() % 16, static_cast<char>(rng()));
      absl::Status err;
      Drain(GetParam(), bad, &err);
      errors += !err.ok();
      ++runs;
    }
  }
  // Not every flip is detectable (a flipped mantissa bit is a valid value), but most break the structure.
  EXPECT_GT(errors, 0);
  SUCCEED() << errors << " of " << runs << " damaged chunks reported an error";
}

TEST_P(CorruptionTest, GarbageHeaders) {
  const std::string cases[] = {"",
                               std::string(1, '\0'),
                               std::string(1, '\xff'),
                               "\xff\xff",
                               "\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
                               "\x00\x05",
                               "\x01\x80\x80\x04"
                               "abc",
                               "\x03\x02"};
  for (const std::string& c : cases) {
    absl::Status err;
    Drain(GetParam(), c, &err);
  }
}

INSTANTIATE_TEST_SUITE_P(Encodings, CorruptionTest,
                         ::testing::Values(ChunkEncoding::kXor, ChunkEncoding::kCompact),
                         [](const auto& info) {
                           return std::string(info.param == ChunkEncoding::kXor ? "Xor" : "Compact");
                         });

TEST(CorruptionTest, CompactRefusesHugeClaims) {
  // A zstd body claiming gigabytes must be refused before any allocation.
  std::string c("\x01", 1);
  c += "\x10";                  // 16 samples
  c += "\xff\xff\xff\xff\x0f";  // raw body length ~ 4 GB
  c += std::string(10, '\x00');
  absl::Status err;
  EXPECT_EQ(Drain(ChunkEncoding::kCompact, c, &err), 0u);
  EXPECT_FALSE(err.ok());
  EXPECT_FALSE(
      ChunkNumSamples(ChunkEncoding::kCompact, "\x00\xff\xff\xff\x0f").ok());  // over kMaxChunkSamples
}

}  // namespace
}  // namespace foresight::storage::encoding
