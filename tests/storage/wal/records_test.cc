#include "storage/wal/records.h"

#include <bit>
#include <cmath>
#include <limits>
#include <random>

#include "gtest/gtest.h"

namespace foresight::storage::wal {
namespace {

uint64_t Bits(double v) { return std::bit_cast<uint64_t>(v); }

void ExpectSameSamples(const std::vector<RefSample>& a, const std::vector<RefSample>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); i++) {
    EXPECT_EQ(a[i].ref, b[i].ref) << i;
    EXPECT_EQ(a[i].t, b[i].t) << i;
    EXPECT_EQ(Bits(a[i].v), Bits(b[i].v)) << i;  // bit-exact, NaN payloads included
  }
}

std::vector<RefSample> RoundTrip(const std::vector<RefSample>& in) {
  std::string rec;
  EncodeSamples(in, &rec);
  EXPECT_EQ(*PeekType(rec), RecordType::kSamples);
  std::vector<RefSample> out;
  EXPECT_TRUE(DecodeSamples(rec, &out).ok());
  return out;
}

TEST(SamplesRecordTest, RoundTripSpecialValues) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  std::vector<RefSample> in = {
      {7, 1700000000000, 1.5},
      {7, 1700000000000, StaleNaN()},
      {8, 1700000015000, std::numeric_limits<double>::quiet_NaN()},
      {9, 1700000015000, std::bit_cast<double>(uint64_t{0x7ff8000000000123})},  // NaN with a payload
      {3, 1699999999999, -0.0},
      {1000000, 1700000000000, kInf},
      {0, 0, -kInf},
      {std::numeric_limits<uint64_t>::max(), kMaxTime, std::numeric_limits<double>::denorm_min()},
      {1, kMinTime, std::numeric_limits<double>::max()},
  };
  auto out = RoundTrip(in);
  ExpectSameSamples(in, out);
  EXPECT_TRUE(IsStaleNaN(out[1].v));
}

TEST(SamplesRecordTest, EmptyAndAppend) {
  std::string rec;
  EncodeSamples({}, &rec);
  std::vector<RefSample> out = {{1, 2, 3}};
  ASSERT_TRUE(DecodeSamples(rec, &out).ok());
  EXPECT_EQ(out.size(), 1u);  // appends, keeps what was there
}

TEST(SamplesRecordTest, RandomBatches) {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 200; round++) {
    std::vector<RefSample> in(rng() % 2000);
    for (auto& s : in) {
      s.ref = rng() % 4 == 0 ? rng() : rng() % 100000;
      s.t = static_cast<int64_t>(rng());
      s.v = std::bit_cast<double>(rng());
    }
    ExpectSameSamples(in, RoundTrip(in));
  }
}

TEST(SamplesRecordTest, ScrapeBatchIsCompact) {
  std::vector<RefSample> in;
  for (uint64_t i = 0; i < 1000; i++) in.push_back({5000 + i, 1700000000000, static_cast<double>(i)});
  std::string rec;
  EncodeSamples(in, &rec);
  // One byte of time delta and at most two of ref delta next to the 8 value bytes.
  EXPECT_LE(rec.size(), 1000u * 11 + 20);
}

TEST(SamplesRecordTest, EveryTruncationIsAnError) {
  std::vector<RefSample> in = {{1, 100, 1.0}, {300, 50, 2.0}, {2, 1LL << 40, 3.0}};
  std::string rec;
  EncodeSamples(in, &rec);
  for (size_t n = 0; n < rec.size(); n++) {
    std::vector<RefSample> out = {{9, 9, 9}};
    EXPECT_FALSE(DecodeSamples(rec.substr(0, n), &out).ok()) << n;
    EXPECT_EQ(out.size(), 1u) << "output untouched on error";
  }
  std::vector<RefSample> out;
  EXPECT_FALSE(DecodeSamples(rec + "x", &out).ok());  // trailing bytes
}

TEST(SamplesRecordTest, MalformedInputs) {
  std::vector<RefSample> out;
  EXPECT_FALSE(DecodeSamples("", &out).ok());
  EXPECT_FALSE(DecodeSamples(std::string(1, '\x09'), &out).ok());  // unknown type
  // A count far larger than the bytes could hold must be refused before allocating.
  std::string huge = {static_cast<char>(RecordType::kSamples)};
  for (int i = 0; i < 9; i++) huge.push_back('\xff');
  huge.push_back('\x01');
  EXPECT_FALSE(DecodeSamples(huge, &out).ok());
  // An over-long varint (11 bytes).
  std::string overlong = {static_cast<char>(RecordType::kSamples), '\x01'};
  for (int i = 0; i < 10; i++) overlong.push_back('\x80');
  overlong.push_back('\x00');
  EXPECT_FALSE(DecodeSamples(overlong, &out).ok());
  // A series record is not a samples record.
  std::string series;
  EncodeSeries({}, &series);
  EXPECT_FALSE(DecodeSamples(series, &out).ok());
  EXPECT_TRUE(out.empty());
}

TEST(SamplesRecordTest, RandomBytesNeverCrash) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; i++) {
    std::string junk(rng() % 64, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    if (!junk.empty()) junk[0] = static_cast<char>(rng() % 2 ? 2 : 1);
    std::vector<RefSample> s;
    std::vector<SeriesRecord> r;
    (void)DecodeSamples(junk, &s);
    (void)DecodeSeries(junk, &r);
  }
}

TEST(SeriesRecordTest, RoundTrip) {
  std::vector<SeriesRecord> in = {
      {1, Labels{{"__name__", "up"}, {"job", "node"}, {"instance", "localhost:9100"}}},
      {2, Labels{}},
      {std::numeric_limits<uint64_t>::max(), Labels{{"a", std::string(300, 'x')}, {"ünï", "cödé\n\"q\""}}},
  };
  std::string rec;
  EncodeSeries(in, &rec);
  EXPECT_EQ(*PeekType(rec), RecordType::kSeries);
  std::vector<SeriesRecord> out;
  ASSERT_TRUE(DecodeSeries(rec, &out).ok());
  EXPECT_EQ(out, in);
}

TEST(SeriesRecordTest, IncrementalEncodingMatches) {
  Labels l{{"__name__", "x"}, {"k", "v"}};
  std::string a, b;
  std::vector<SeriesRecord> v = {{3, l}, {4, l}};
  EncodeSeries(v, &a);
  StartSeriesRecord(&b);
  AppendSeries(3, l, &b);
  AppendSeries(4, l, &b);
  EXPECT_EQ(a, b);
}

TEST(SeriesRecordTest, EveryTruncationIsAnErrorOrAPrefix) {
  std::vector<SeriesRecord> in = {{1, Labels{{"__name__", "up"}, {"job", "a"}}}, {2, Labels{{"x", "y"}}}};
  std::string rec;
  EncodeSeries(in, &rec);
  for (size_t n = 1; n < rec.size(); n++) {
    std::vector<SeriesRecord> out;
    absl::Status s = DecodeSeries(rec.substr(0, n), &out);
    // Cutting exactly between two series (or after the type byte) yields a prefix; anywhere else is an error.
    if (s.ok()) {
      ASSERT_LE(out.size(), 1u) << n;
      if (!out.empty()) {
        EXPECT_EQ(out[0], in[0]);
      }
    }
  }
  std::vector<SeriesRecord> out;
  EXPECT_FALSE(DecodeSeries(rec.substr(0, rec.size() - 1), &out).ok());
  std::string samples;
  EncodeSamples({}, &samples);
  EXPECT_FALSE(DecodeSeries(samples, &out).ok());
}

}  // namespace
}  // namespace foresight::storage::wal
