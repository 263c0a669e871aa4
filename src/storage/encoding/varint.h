// Varints (LEB128, 7 bits per byte, low group first) and zigzag for signed values.
// Used by the chunk formats for the first timestamp and by the compact encoding's byte-aligned sections.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace foresight::storage::encoding {

inline constexpr int kMaxVarintBytes = 10;  // ceil(64 / 7)

// Maps signed to unsigned so that small magnitudes get small codes: 0,-1,1,-2 -> 0,1,2,3.
inline uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
inline int64_t UnZigZag(uint64_t u) { return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1)); }

inline int VarintLength(uint64_t v) {
  int n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Writes v at p (which must have kMaxVarintBytes of room) and returns the bytes written.
inline int PutVarintTo(uint8_t* p, uint64_t v) {
  int n = 0;
  while (v >= 0x80) {
    p[n++] = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  p[n++] = static_cast<uint8_t>(v);
  return n;
}

inline void PutVarint(std::string* dst, uint64_t v) {
  uint8_t buf[kMaxVarintBytes];
  dst->append(reinterpret_cast<const char*>(buf), PutVarintTo(buf, v));
}
inline void PutSignedVarint(std::string* dst, int64_t v) { PutVarint(dst, ZigZag(v)); }

// Reads a varint from [*p, end). Returns false (and leaves *p) when it runs past `end` or is longer than
// 10 bytes; bits beyond 64 are rejected too, so every accepted encoding has exactly one value.
inline bool GetVarint(const uint8_t** p, const uint8_t* end, uint64_t* v) {
  const uint8_t* q = *p;
  uint64_t result = 0;
  for (int shift = 0; shift < 64 && q < end; shift += 7) {
    uint64_t byte = *q++;
    if (shift == 63 && byte > 1) return false;
    result |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      *p = q;
      *v = result;
      return true;
    }
  }
  return false;
}

inline bool GetSignedVarint(const uint8_t** p, const uint8_t* end, int64_t* v) {
  uint64_t u;
  if (!GetVarint(p, end, &u)) return false;
  *v = UnZigZag(u);
  return true;
}

}  // namespace foresight::storage::encoding
