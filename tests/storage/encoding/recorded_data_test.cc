// Both encodings on the real node-exporter recording in ../shared (Beringei's advice: test codecs on real
// data).
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "chunk_test_util.h"
#include "gtest/gtest.h"
#include "storage/encoding/chunk.h"

namespace foresight::storage::encoding {
namespace {

TEST(RecordedDataTest, NodeExporterRoundTripsAndCompactIsSmaller) {
  const std::string path = std::string(FORESIGHT_SHARED_DIR) + "/datasets/node-exporter/recording-1s.tsv";
  std::ifstream f(path);
  if (!f) GTEST_SKIP() << "no recording at " << path << " (../shared absent)";
  std::string line;
  size_t series = 0, samples = 0, xor_bytes = 0, compact_bytes = 0;
  while (std::getline(f, line)) {
    const size_t tab = line.find('\t');
    ASSERT_NE(tab, std::string::npos);
    std::istringstream values(line.substr(tab + 1));
    std::vector<Sample> in;
    std::string tok;
    int64_t t = 1795228511000;
    while (values >> tok) in.push_back({t += 1000, std::stod(tok)});
    const std::string x = EncodeChunk(in, ChunkEncoding::kXor);
    const std::string c = EncodeChunk(in, ChunkEncoding::kCompact);
    std::string why;
    ASSERT_TRUE(testing::SameSamples(in, testing::Decode(ChunkEncoding::kXor, x), &why))
        << line.substr(0, tab);
    ASSERT_TRUE(testing::SameSamples(in, testing::Decode(ChunkEncoding::kCompact, c), &why))
        << line.substr(0, tab);
    ++series;
    samples += in.size();
    xor_bytes += x.size();
    compact_bytes += c.size();
  }
  EXPECT_GT(series, 500u);
  EXPECT_LT(compact_bytes, xor_bytes);
  std::cout << series << " series, " << samples << " samples: xor " << 1.0 * xor_bytes / samples
            << " B/sample, compact " << 1.0 * compact_bytes / samples << " B/sample\n";
}

}  // namespace
}  // namespace foresight::storage::encoding
