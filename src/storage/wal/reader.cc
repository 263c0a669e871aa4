// ReadSegment: walks the fragments of one segment file and reassembles records, resynchronising after damage
// as docs/format/wal.md describes.
#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "storage/wal/crc32c.h"
#include "storage/wal/format.h"
#include "storage/wal/reader.h"

namespace foresight::storage::wal {
namespace {

// Read this many pages per I/O: large enough to amortise the call, small enough to stay in cache.
constexpr size_t kChunkSize = 32 * kPageSize;

uint16_t Fixed16(const char* p) {
  return static_cast<uint16_t>(static_cast<uint8_t>(p[0]) | static_cast<uint8_t>(p[1]) << 8);
}
uint32_t Fixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; i--) v = v << 8 | static_cast<uint8_t>(p[i]);
  return v;
}

bool ValidType(uint8_t t) { return t >= 1 && t <= kMaxFragmentType; }

// Whether a complete fragment with a matching checksum starts at page[p].
bool ValidAt(std::string_view page, size_t p) {
  if (p + kHeaderSize > page.size()) return false;
  const char* h = page.data() + p;
  if (!ValidType(static_cast<uint8_t>(h[6]))) return false;
  size_t len = Fixed16(h + 4);
  if (len > page.size() - p - kHeaderSize) return false;
  return crc32c::Extend(0, h + 4, kHeaderSize - 4 + len) == Fixed32(h);
}

class SegmentParser {
 public:
  SegmentParser(const fs::ReadableFile& file, RecordFn fn) : file_(file), fn_(fn) {}

  absl::StatusOr<SegmentResult> Run() {
    auto size = file_.Size();
    if (!size.ok()) return size.status();
    result_.size = *size;
    std::string buf(static_cast<size_t>(std::min<uint64_t>(*size, kChunkSize)), '\0');
    for (uint64_t chunk = 0; chunk < result_.size; chunk += kChunkSize) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(kChunkSize, result_.size - chunk));
      auto n = file_.ReadAt(chunk, std::span<char>(buf.data(), want));
      if (!n.ok()) return n.status();
      if (*n < want) result_.size = chunk + *n;  // shrank while we read: take what is there
      for (size_t p = 0; p < *n; p += kPageSize) {
        std::string_view page(buf.data() + p, std::min(kPageSize, *n - p));
        if (absl::Status s = ParsePage(page, chunk + p); !s.ok()) return s;
      }
    }
    if (in_progress_) Open(partial_start_, absl::StrCat("record ", partial_number_, " is incomplete"), true);
    if (open_) {
      open_->to_end = true;
      open_->bytes_lost = result_.size - result_.good_end;
      open_->records_lost = likely_record_ ? 1 : 0;
      result_.corruptions.push_back(std::move(*open_));
    }
    return std::move(result_);
  }

 private:
  // Starts a damaged region at `at` unless one is open. `likely_record`: the damage probably held a record
  // (used for the lower bound when the region reaches the end of the file).
  void Open(uint64_t at, std::string reason, bool likely_record) {
    if (open_) return;
    open_ = Corruption{.file = file_.path(), .offset = at, .reason = std::move(reason)};
    likely_record_ = likely_record;
  }

  absl::Status ParsePage(std::string_view page, uint64_t page_start) {
    size_t pos = 0;
    while (true) {
      if (scanning_) {
        while (pos + kHeaderSize <= page.size() && !ValidAt(page, pos)) pos++;
        if (pos + kHeaderSize > page.size()) return absl::OkStatus();  // go on in the next page
        scanning_ = false;
      }
      if (kPageSize - pos < kHeaderSize || pos >= page.size()) return absl::OkStatus();  // trailer or end
      const char* h = page.data() + pos;
      if (page.size() - pos < kHeaderSize) {
        bool nonzero = std::any_of(h, page.data() + page.size(), [](char c) { return c != 0; });
        Open(page_start + pos, "truncated fragment header", nonzero);
        scanning_ = true;
        pos++;
        continue;
      }
      uint8_t type = static_cast<uint8_t>(h[6]);
      size_t len = Fixed16(h + 4);
      if (!ValidAt(page, pos)) {
        bool type_ok = ValidType(type);
        Open(page_start + pos,
             !type_ok ? absl::StrCat("bad fragment type ", type)
             : len > page.size() - pos - kHeaderSize
                 ? absl::StrCat("fragment length ", len, " beyond the page")
                 : std::string("checksum mismatch"),
             type_ok);
        in_progress_ = false;  // a record with a damaged fragment is lost whatever follows
        // The usual damage is a flipped payload byte: then the length still leads to the next fragment.
        size_t next = pos + kHeaderSize + len;
        if (type_ok && next <= page.size() && ValidAt(page, next)) {
          pos = next;
        } else {
          scanning_ = true;
          pos++;
        }
        continue;
      }
      if (absl::Status s = OnFragment(page.substr(pos, kHeaderSize + len), page_start + pos); !s.ok())
        return s;
      pos += kHeaderSize + len;
    }
  }

  absl::Status OnFragment(std::string_view frag, uint64_t at) {
    auto type = static_cast<FragmentType>(frag[6]);
    uint32_t number = Fixed32(frag.data() + 7);
    std::string_view payload = frag.substr(kHeaderSize);
    uint64_t end = at + frag.size();
    switch (type) {
      case FragmentType::kFull:
        if (in_progress_) LosePartial(at);
        return Deliver(payload, number, at, end);
      case FragmentType::kFirst:
        if (in_progress_) LosePartial(at);
        in_progress_ = true;
        partial_number_ = number;
        partial_start_ = at;
        assembled_.assign(payload);
        return absl::OkStatus();
      case FragmentType::kMiddle:
      case FragmentType::kLast:
        if (!in_progress_ || number != partial_number_) {
          if (in_progress_) LosePartial(at);
          Open(at, absl::StrCat("fragment of record ", number, " without its start"), false);
          return absl::OkStatus();
        }
        assembled_.append(payload);
        if (type == FragmentType::kMiddle) return absl::OkStatus();
        in_progress_ = false;
        return Deliver(assembled_, number, partial_start_, end);
    }
    return absl::OkStatus();
  }

  void LosePartial(uint64_t at) {
    Open(at, absl::StrCat("record ", partial_number_, " is incomplete"), true);
    in_progress_ = false;
  }

  absl::Status Deliver(std::string_view record, uint32_t number, uint64_t start, uint64_t end) {
    if (number < expected_) {
      // Only a stray copy of an old fragment can do this; trusting it would deliver a record twice.
      Open(start, absl::StrCat("record number ", number, " after ", expected_ - 1), false);
      return absl::OkStatus();
    }
    if (open_ || number > expected_) {
      if (!open_) Open(start, absl::StrCat("records ", expected_, "..", number - 1, " missing"), true);
      open_->bytes_lost = start - result_.good_end;
      open_->records_lost = number - expected_;
      result_.corruptions.push_back(std::move(*open_));
      open_.reset();
    }
    expected_ = number + 1;
    result_.good_end = end;
    result_.records++;
    result_.bytes += record.size();
    return fn_(record);
  }

  const fs::ReadableFile& file_;
  RecordFn fn_;
  SegmentResult result_;
  bool scanning_ = false;  // looking for the next valid fragment after damage
  uint32_t expected_ = 0;  // number of the next record
  bool in_progress_ = false;
  uint32_t partial_number_ = 0;
  uint64_t partial_start_ = 0;
  std::string assembled_;
  std::optional<Corruption> open_;  // the damaged region being crossed
  bool likely_record_ = false;
};

}  // namespace

absl::StatusOr<SegmentResult> ReadSegment(const fs::ReadableFile& file, RecordFn fn) {
  return SegmentParser(file, fn).Run();
}

}  // namespace foresight::storage::wal
