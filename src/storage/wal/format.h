// The framing of WAL segment files (docs/format/wal.md): 32 KiB pages of checksummed fragments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace foresight::storage::wal {

inline constexpr size_t kPageSize = 32 * 1024;
// crc (4) | length (2) | type (1) | record number (4)
inline constexpr size_t kHeaderSize = 11;
inline constexpr size_t kMaxFragmentPayload = kPageSize - kHeaderSize;

enum class FragmentType : uint8_t { kFull = 1, kFirst = 2, kMiddle = 3, kLast = 4 };
inline constexpr uint8_t kMaxFragmentType = 4;

// Appends the fragments of `record` (record `number` of its segment) to *out as they are laid out when the
// segment already holds *offset bytes, including the zero trailer of a page that has no room for a header.
// Advances *offset by the bytes appended.
void AppendFragments(std::string_view record, uint32_t number, uint64_t* offset, std::string* out);

// An upper bound of the bytes AppendFragments adds for a record of `size` bytes.
inline size_t MaxFramedSize(size_t size) { return size + (size / kMaxFragmentPayload + 2) * kHeaderSize * 2; }

}  // namespace foresight::storage::wal
