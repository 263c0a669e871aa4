#include "storage/block/meta.h"

#include <chrono>
#include <mutex>
#include <random>

#include <nlohmann/json.hpp>

#include "storage/block/coding.h"
#include "storage/block/file.h"

namespace foresight::storage::block {
namespace {

constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

struct IdState {
  std::mutex mu;
  std::mt19937_64 rng{std::random_device{}()};
  uint64_t last_ms = 0;
  uint16_t last_hi = 0;  // the top 16 of the 80 random bits
  uint64_t last_lo = 0;  // the low 64
};

}  // namespace

std::string NewBlockId() {
  static IdState state;
  std::lock_guard<std::mutex> lock(state.mu);
  uint64_t ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
  if (ms <= state.last_ms) {
    // Same (or earlier) millisecond: keep the time, increment the random part so ids keep increasing.
    ms = state.last_ms;
    if (++state.last_lo == 0) ++state.last_hi;
  } else {
    state.last_ms = ms;
    state.last_hi = static_cast<uint16_t>(state.rng() >> 49);  // keep headroom for increments
    state.last_lo = state.rng() >> 1;
  }
  // 128 bits: 48 time | 16 hi | 64 lo, written as 26 base32 digits (the first carries 3 bits).
  const uint64_t high = ((ms & 0xffffffffffffULL) << 16) | state.last_hi;
  const uint64_t low = state.last_lo;
  std::string id(26, '0');
  for (unsigned digit = 0; digit < 26; ++digit) {  // digit 0 is the last character
    unsigned pos = 5 * digit;
    uint64_t bits;
    if (pos >= 64) {
      bits = high >> (pos - 64);
    } else if (pos + 5 <= 64) {
      bits = low >> pos;
    } else {
      bits = (low >> pos) | (high << (64 - pos));
    }
    id[25 - digit] = kCrockford[bits & 31];
  }
  return id;
}

bool IsBlockId(std::string_view s) {
  if (s.size() != 26 || s[0] > '7') return false;
  for (char c : s) {
    if (std::string_view(kCrockford).find(c) == std::string_view::npos) return false;
  }
  return true;
}

std::string EncodeMeta(const BlockMeta& m) {
  nlohmann::ordered_json j;
  j["ulid"] = m.id;
  j["minTime"] = m.min_time;
  j["maxTime"] = m.max_time;
  j["stats"] = {{"numSeries", m.stats.num_series},
                {"numSamples", m.stats.num_samples},
                {"numChunks", m.stats.num_chunks}};
  j["compaction"] = {{"level", m.level}, {"sources", m.sources}, {"parents", m.parents}};
  j["version"] = m.version;
  return j.dump(1, '\t') + "\n";
}

absl::StatusOr<BlockMeta> DecodeMeta(std::string_view json, std::string_view path) {
  auto bad = [&](std::string_view what) { return absl::DataLossError(Cat(path, ": ", what)); };
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  BlockMeta m;
  try {
    m.id = j.at("ulid").get<std::string>();
    m.min_time = j.at("minTime").get<int64_t>();
    m.max_time = j.at("maxTime").get<int64_t>();
    const auto& st = j.at("stats");
    m.stats.num_series = st.at("numSeries").get<uint64_t>();
    m.stats.num_samples = st.at("numSamples").get<uint64_t>();
    m.stats.num_chunks = st.at("numChunks").get<uint64_t>();
    const auto& c = j.at("compaction");
    m.level = c.at("level").get<int>();
    m.sources = c.at("sources").get<std::vector<std::string>>();
    if (c.contains("parents")) m.parents = c.at("parents").get<std::vector<std::string>>();
    m.version = j.at("version").get<int>();
  } catch (const nlohmann::json::exception& e) {
    return bad(Cat("bad or missing field: ", e.what()));
  }
  if (m.version != kBlockFormatVersion) return bad(Cat("unsupported block format version ", m.version));
  if (!IsBlockId(m.id)) return bad(Cat("malformed block id \"", m.id, "\""));
  if (m.max_time < m.min_time) return bad("maxTime before minTime");
  if (m.level < 1) return bad("compaction level below 1");
  return m;
}

absl::StatusOr<BlockMeta> ReadMeta(const std::string& block_dir) {
  std::string path = Cat(block_dir, "/", kMetaFilename);
  std::string data;
  if (auto s = ReadWholeFile(*fs::DefaultFs(), path, &data); !s.ok()) return s;
  return DecodeMeta(data, path);
}

}  // namespace foresight::storage::block
