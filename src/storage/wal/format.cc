#include "storage/wal/format.h"

#include <algorithm>
#include <cstring>

#include "storage/wal/crc32c.h"

namespace foresight::storage::wal {
namespace {

void PutFixed32(char* p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = static_cast<char>(v >> (8 * i));
}

}  // namespace

void AppendFragments(std::string_view record, uint32_t number, uint64_t* offset, std::string* out) {
  bool first = true;
  do {
    size_t left_in_page = kPageSize - (*offset % kPageSize);
    if (left_in_page < kHeaderSize) {
      out->append(left_in_page, '\0');  // page trailer: no room for a header
      *offset += left_in_page;
      left_in_page = kPageSize;
    }
    size_t n = std::min(record.size(), left_in_page - kHeaderSize);
    bool last = n == record.size();
    FragmentType type = first && last ? FragmentType::kFull
                        : first       ? FragmentType::kFirst
                        : last        ? FragmentType::kLast
                                      : FragmentType::kMiddle;
    size_t at = out->size();
    out->resize(at + kHeaderSize + n);
    char* h = out->data() + at;
    h[4] = static_cast<char>(n & 0xff);
    h[5] = static_cast<char>(n >> 8);
    h[6] = static_cast<char>(type);
    PutFixed32(h + 7, number);
    if (n > 0) std::memcpy(h + kHeaderSize, record.data(), n);
    PutFixed32(h, crc32c::Extend(0, h + 4, kHeaderSize - 4 + n));
    *offset += kHeaderSize + n;
    record.remove_prefix(n);
    first = false;
  } while (!record.empty());
}

}  // namespace foresight::storage::wal
