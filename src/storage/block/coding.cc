#include "storage/block/coding.h"

#include <xxhash.h>

namespace foresight::storage::block {

void PutFixed32(std::string* dst, uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));
  dst->append(b, 4);
}

void PutFixed64(std::string* dst, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
  dst->append(b, 8);
}

void PutUvarint(std::string* dst, uint64_t v) {
  while (v >= 0x80) {
    dst->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  dst->push_back(static_cast<char>(v));
}

void PutVarint(std::string* dst, int64_t v) {
  PutUvarint(dst, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

uint32_t DecodeFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

uint64_t DecodeFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

uint32_t Checksum(std::string_view data) {
  return static_cast<uint32_t>(XXH3_64bits(data.data(), data.size()));
}

bool Decoder::Byte(uint8_t* v) {
  if (remaining() < 1) return false;
  *v = static_cast<uint8_t>(data_[pos_++]);
  return true;
}

bool Decoder::Fixed32(uint32_t* v) {
  if (remaining() < 4) return false;
  *v = DecodeFixed32(data_.data() + pos_);
  pos_ += 4;
  return true;
}

bool Decoder::Fixed64(uint64_t* v) {
  if (remaining() < 8) return false;
  *v = DecodeFixed64(data_.data() + pos_);
  pos_ += 8;
  return true;
}

bool Decoder::Uvarint(uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= data_.size()) return false;
    uint8_t b = static_cast<uint8_t>(data_[pos_++]);
    if (shift == 63 && b > 1) return false;  // overflows 64 bits
    result |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (b < 0x80) {
      *v = result;
      return true;
    }
  }
  return false;
}

bool Decoder::Varint(int64_t* v) {
  uint64_t u;
  if (!Uvarint(&u)) return false;
  *v = static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  return true;
}

bool Decoder::Bytes(size_t n, std::string_view* v) {
  if (remaining() < n) return false;
  *v = data_.substr(pos_, n);
  pos_ += n;
  return true;
}

}  // namespace foresight::storage::block
