// Layout constants of a block's index file and its table of contents. Format: docs/format/index.md.
// Internal to storage/block.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace foresight::storage::block {

inline constexpr uint32_t kIndexMagic = 0xF0E5A1D1;
inline constexpr uint8_t kIndexVersion = 1;
inline constexpr size_t kIndexHeaderSize = 8;  // magic u32, version u8, 3 zero bytes

// The sections, in file order.
enum class Section : int { kSymbols, kSeries, kSeriesOffsets, kPostings, kLabelValues, kLabelNames };
inline constexpr int kNumSections = 6;
std::string_view SectionName(Section s);

inline constexpr size_t kTocEntrySize = 20;                           // offset u64, length u64, checksum u32
inline constexpr size_t kTocSize = kNumSections * kTocEntrySize + 4;  // + checksum of the entries

// Fixed-size table entries.
inline constexpr size_t kLabelNameEntrySize = 16;  // name symbol u32, value count u32, values offset u64
inline constexpr size_t kLabelValueEntrySize =
    16;  // value symbol u32, postings length u32, postings offset u64

struct TocEntry {
  uint64_t offset = 0;  // from the start of the file
  uint64_t length = 0;
  uint32_t checksum =
      0;  // of the section's bytes; 0 for kSeries and kPostings, whose records carry their own
};

struct Toc {
  std::array<TocEntry, kNumSections> sections;
  const TocEntry& operator[](Section s) const { return sections[static_cast<int>(s)]; }
  TocEntry& operator[](Section s) { return sections[static_cast<int>(s)]; }
};

std::string EncodeToc(const Toc& toc);
// Decodes and checks the table of contents at the end of an index of `file_size` bytes: checksum, and
// sections in order, back to back from the header to the table of contents. Errors name `path`.
absl::StatusOr<Toc> DecodeToc(std::string_view toc_bytes, uint64_t file_size, std::string_view path);

}  // namespace foresight::storage::block
