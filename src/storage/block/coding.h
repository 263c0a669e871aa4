// Byte-level helpers shared by the block files: little-endian fixed integers, varints, checksums,
// and a bounds-checked decoder. Internal to storage/block.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace foresight::storage::block {

// absl::StrCat that also takes std::string_view (this abseil's string_view is its own type).
template <typename T>
decltype(auto) CatArg(const T& v) {
  if constexpr (!std::is_same_v<T, absl::string_view> && std::is_convertible_v<const T&, std::string_view>) {
    std::string_view s = v;
    return absl::string_view(s.data(), s.size());
  } else {
    return (v);
  }
}
template <typename... T>
std::string Cat(const T&... v) {
  return absl::StrCat(CatArg(v)...);
}

void PutFixed32(std::string* dst, uint32_t v);
void PutFixed64(std::string* dst, uint64_t v);
void PutUvarint(std::string* dst, uint64_t v);
void PutVarint(std::string* dst, int64_t v);  // zigzag, then uvarint

uint32_t DecodeFixed32(const char* p);
uint64_t DecodeFixed64(const char* p);

// The checksum of every checksummed region: the low 32 bits of XXH3-64 (seed 0).
uint32_t Checksum(std::string_view data);

// Reads from a byte range without ever going past its end: each getter returns false (and reads
// nothing more) when the data is too short or a varint is malformed.
class Decoder {
 public:
  explicit Decoder(std::string_view data) : data_(data) {}

  bool Byte(uint8_t* v);
  bool Fixed32(uint32_t* v);
  bool Fixed64(uint64_t* v);
  bool Uvarint(uint64_t* v);
  bool Varint(int64_t* v);
  bool Bytes(size_t n, std::string_view* v);

  size_t pos() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

}  // namespace foresight::storage::block
