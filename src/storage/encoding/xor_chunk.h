// The kXor chunk format's building blocks (docs/format/chunks.md), shared by the appender, its iterator and
// the compact encoding's fallback for values that are not decimal. Internal to storage/encoding.
#pragma once

#include <bit>
#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "storage/encoding/bit_stream.h"
#include "storage/storage.h"

namespace foresight::storage::encoding {

inline constexpr int kXorHeaderBytes = 2;  // big-endian uint16 sample count

// Timestamp delta-of-delta buckets: a unary prefix of 1s selects the width of a signed payload.
//   0                       dod == 0
//   10     + kDodBits1      [-8, 7]          (scrape jitter of a few ms)
//   110    + kDodBits2      [-128, 127]
//   1110   + kDodBits3      +-8 s
//   11110  + kDodBits4      +-17 min         (the second sample's dod is its delta: 15 s lands here)
//   111110 + kDodBits5      +-397 days
//   111111 + 64 bits        anything (dods are computed modulo 2^64, so any int64 jump is exact)
inline constexpr int kDodBits1 = 4;
inline constexpr int kDodBits2 = 8;
inline constexpr int kDodBits3 = 14;
inline constexpr int kDodBits4 = 21;
inline constexpr int kDodBits5 = 36;
inline constexpr int kDodMaxPrefix = 6;

// Value XOR control: 0 = same value; 10 = XOR within the previous window; 11 = new window, followed by
// kLeadingBits of leading-zero count and kSigBits of significant-bit count (0 meaning 64).
inline constexpr int kLeadingBits = 5;
inline constexpr int kSigBits = 6;
inline constexpr int kMaxLeading = (1 << kLeadingBits) - 1;
inline constexpr uint8_t kNoWindow = 0xff;
// Reusing a window wider than needed costs its spare bits on every value; opening a new one costs the
// header (kLeadingBits + kSigBits + 1). Reopen when the spare bits exceed this.
inline constexpr int kMaxWindowWaste = kLeadingBits + kSigBits + 1;

// Worst case bits of one sample: dod escape plus a new window with 64 significant bits.
inline constexpr int kMaxSampleBits = (kDodMaxPrefix + 64) + (2 + kLeadingBits + kSigBits + 64);

inline bool FitsSigned(int64_t v, int bits) {
  const int64_t lim = int64_t{1} << (bits - 1);
  return v >= -lim && v < lim;
}
inline uint64_t LowBits(int64_t v, int bits) {
  return static_cast<uint64_t>(v) & ((uint64_t{1} << bits) - 1);
}

inline void PutDod(BitSink& w, int64_t dod) {
  if (dod == 0) {
    w.Put(0, 1);
  } else if (FitsSigned(dod, kDodBits1)) {
    w.Put((uint64_t{0b10} << kDodBits1) | LowBits(dod, kDodBits1), 2 + kDodBits1);
  } else if (FitsSigned(dod, kDodBits2)) {
    w.Put((uint64_t{0b110} << kDodBits2) | LowBits(dod, kDodBits2), 3 + kDodBits2);
  } else if (FitsSigned(dod, kDodBits3)) {
    w.Put((uint64_t{0b1110} << kDodBits3) | LowBits(dod, kDodBits3), 4 + kDodBits3);
  } else if (FitsSigned(dod, kDodBits4)) {
    w.Put((uint64_t{0b11110} << kDodBits4) | LowBits(dod, kDodBits4), 5 + kDodBits4);
  } else if (FitsSigned(dod, kDodBits5)) {
    w.Put((uint64_t{0b111110} << kDodBits5) | LowBits(dod, kDodBits5), 6 + kDodBits5);
  } else {
    w.Put(0b111111, 6);
    w.PutWide(static_cast<uint64_t>(dod), 64);
  }
}

inline int64_t SignExtend(uint64_t v, int bits) {
  return static_cast<int64_t>(v << (64 - bits)) >> (64 - bits);
}

// The rarer dod buckets (prefix of `ones` >= 2 ones), kept out of line.
int64_t ReadLongDod(BitReader& r, int ones);

inline int64_t ReadDod(BitReader& r) {
  const uint64_t prefix = r.Peek(kDodMaxPrefix);
  if (prefix < (uint64_t{1} << (kDodMaxPrefix - 1))) {  // the common case first: a lone 0
    r.Skip(1);
    return 0;
  }
  const int ones = std::countl_one(prefix << (64 - kDodMaxPrefix));
  if (ones == 1) {
    r.Skip(2);
    return SignExtend(r.Read(kDodBits1), kDodBits1);
  }
  return ReadLongDod(r, ones);
}

// The XOR state of a value stream: the last value and the current window.
struct XorWindow {
  uint64_t prev = 0;
  uint8_t leading = kNoWindow;
  uint8_t trailing = 0;
};

inline void PutXorValue(BitSink& w, XorWindow& s, uint64_t bits) {
  const uint64_t x = bits ^ s.prev;
  s.prev = bits;
  if (x == 0) {
    w.Put(0, 1);
    return;
  }
  int lead = std::countl_zero(x);
  const int trail = std::countr_zero(x);
  if (lead > kMaxLeading) lead = kMaxLeading;
  if (s.leading != kNoWindow && lead >= s.leading && trail >= s.trailing &&
      (lead - s.leading) + (trail - s.trailing) <= kMaxWindowWaste) {
    w.Put(0b10, 2);
    w.PutWide(x >> s.trailing, 64 - s.leading - s.trailing);
    return;
  }
  const int sig = 64 - lead - trail;
  s.leading = static_cast<uint8_t>(lead);
  s.trailing = static_cast<uint8_t>(trail);
  w.Put((uint64_t{0b11} << (kLeadingBits + kSigBits)) | (static_cast<uint64_t>(lead) << kSigBits) |
            static_cast<uint64_t>(sig & 63),
        2 + kLeadingBits + kSigBits);
  w.PutWide(x >> trail, sig);
}

// Returns false on a malformed window (a reuse before any window, or leading + significant > 64).
inline bool ReadXorValue(BitReader& r, XorWindow& s) {
  const uint64_t ctl = r.Peek(2 + kLeadingBits + kSigBits);
  if ((ctl >> (1 + kLeadingBits + kSigBits)) == 0) {
    r.Skip(1);
    return true;
  }
  if ((ctl >> (kLeadingBits + kSigBits)) == 0b11) {
    r.Skip(2 + kLeadingBits + kSigBits);
    const int lead = static_cast<int>((ctl >> kSigBits) & kMaxLeading);
    int sig = static_cast<int>(ctl & 63);
    if (sig == 0) sig = 64;
    if (lead + sig > 64) return false;
    s.leading = static_cast<uint8_t>(lead);
    s.trailing = static_cast<uint8_t>(64 - lead - sig);
  } else {
    r.Skip(2);
    if (s.leading == kNoWindow) return false;
  }
  const int sig = 64 - s.leading - s.trailing;
  s.prev ^= r.ReadWide(sig) << s.trailing;
  return true;
}

std::unique_ptr<SampleIterator> NewXorIterator(std::string_view bytes);
absl::StatusOr<int> XorNumSamples(std::string_view bytes);

}  // namespace foresight::storage::encoding
