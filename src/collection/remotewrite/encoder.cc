#include "collection/remotewrite/encoder.h"

#include <bit>
#include <cstdint>
#include <cstring>

#include "snappy.h"

namespace foresight::collection {
namespace {

size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void PutVarint(std::string* b, uint64_t v) {
  while (v >= 0x80) {
    b->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  b->push_back(static_cast<char>(v));
}

// Tags: (field << 3) | wire type.
constexpr char kTagSeries = (1 << 3) | 2;
constexpr char kTagLabels = (1 << 3) | 2;
constexpr char kTagSamples = (2 << 3) | 2;
constexpr char kTagName = (1 << 3) | 2;
constexpr char kTagValue = (2 << 3) | 2;
constexpr char kTagSampleValue = (1 << 3) | 1;
constexpr char kTagTimestamp = (2 << 3) | 0;

size_t StringFieldSize(std::string_view s) { return s.empty() ? 0 : 1 + VarintSize(s.size()) + s.size(); }
size_t LabelSize(const Label& l) { return StringFieldSize(l.name) + StringFieldSize(l.value); }
size_t SampleSize(const storage::Sample& s) {
  return (std::bit_cast<uint64_t>(s.v) != 0 ? 9 : 0) +
         (s.t != 0 ? 1 + VarintSize(static_cast<uint64_t>(s.t)) : 0);
}

void PutString(std::string* b, char tag, std::string_view s) {
  if (s.empty()) return;
  b->push_back(tag);
  PutVarint(b, s.size());
  b->append(s);
}

}  // namespace

void WriteRequestEncoder::AddSeries(const Labels& labels, std::span<const storage::Sample> samples) {
  size_t size = 0;
  for (const Label& l : labels) {
    size_t n = LabelSize(l);
    size += 1 + VarintSize(n) + n;
  }
  for (const storage::Sample& s : samples) {
    size_t n = SampleSize(s);
    size += 1 + VarintSize(n) + n;
  }
  buf_.reserve(buf_.size() + 1 + VarintSize(size) + size);
  buf_.push_back(kTagSeries);
  PutVarint(&buf_, size);
  for (const Label& l : labels) {
    buf_.push_back(kTagLabels);
    PutVarint(&buf_, LabelSize(l));
    PutString(&buf_, kTagName, l.name);
    PutString(&buf_, kTagValue, l.value);
  }
  for (const storage::Sample& s : samples) {
    buf_.push_back(kTagSamples);
    PutVarint(&buf_, SampleSize(s));
    if (uint64_t bits = std::bit_cast<uint64_t>(s.v); bits != 0) {
      buf_.push_back(kTagSampleValue);
      char raw[8];
      std::memcpy(raw, &bits, 8);  // little-endian hosts
      buf_.append(raw, 8);
    }
    if (s.t != 0) {
      buf_.push_back(kTagTimestamp);
      PutVarint(&buf_, static_cast<uint64_t>(s.t));
    }
  }
  samples_ += samples.size();
}

std::string WriteRequestEncoder::SnappyBody() const { return SnappyCompress(buf_); }

std::string SnappyCompress(std::string_view data) {
  std::string out;
  snappy::Compress(data.data(), data.size(), &out);
  return out;
}

}  // namespace foresight::collection
